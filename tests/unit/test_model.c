/* The dashboard's model where it needs no curses (tui/model.c links
 * without it): the state column and px refusals from core/clusterstate,
 * the engine table and the px line buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/loop.h"
#include "core/proflist.h"
#include "core/xmalloc.h"
#include "tui/model.h"

struct fix {
	struct loop *l;
	struct model *m;
	struct model_cluster *c;	/* the profile "local" */
};

static int
setup(void **state)
{
	struct fix *f = xcalloc(1, sizeof *f);
	char *dir = xasprintf("%s/profiles", HPCTOP_SRCDIR);

	f->l = loop_new();
	f->m = model_new(f->l, proflist_new_dirs((char *[]){ dir },
	    (char *[]){ "shipped" }, 1), 1000);
	free(dir);
	assert_true(model_find(f->m, "local") >= 0);
	f->c = &f->m->clusters[model_find(f->m, "local")];
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	model_free(f->m);
	loop_free(f->l);
	free(f);
	return 0;
}

static const char *
label(const struct model_cluster *c)
{
	static char buf[256];

	return model_state_label(c, buf, sizeof buf);
}

static void
test_state_label(void **state)
{
	struct fix *f = *state;

	assert_string_equal(label(f->c), "stopped");
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_STARTING, 1, 3, NULL);
	assert_string_equal(label(f->c), "starting 1/3");
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_RUNNING, 3, 3, NULL);
	assert_string_equal(label(f->c), "running 3/3");
	f->c->stopping = true;
	assert_string_equal(label(f->c), "stopping");
	/* A new state ends the stop's word. */
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_DEGRADED, 2, 3, NULL);
	assert_string_equal(label(f->c), "degraded 2/3");
	/* A new state clears the stale mark; a refresh that fails sets it
	 * after. */
	f->c->stale = true;
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_NOT_ANSWERING, 3, 3,
	    "controller stopped");
	assert_string_equal(label(f->c),
	    "not answering 3/3: controller stopped");
	f->c->stale = true;
	assert_string_equal(label(f->c),
	    "not answering 3/3 (stale): controller stopped");
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_GONE, 3, 3,
	    "nothing running (X cleans up)");
	assert_string_equal(label(f->c),
	    "gone: nothing running (X cleans up)");
}

/* px says what the state is, never "no cluster running" for a cluster
 * whose record is left (S would refuse it). */
static void
test_px_check(void **state)
{
	struct fix *f = *state;
	struct err e;

	assert_int_equal(model_px_check(f->c, &e), -1);
	assert_string_equal(e.msg, "no cluster running for local (S starts "
	    "one)");
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_FAILED, 2, 2,
	    "controller gone (X stops the rest)");
	assert_int_equal(model_px_check(f->c, &e), -1);
	assert_string_equal(e.msg, "local is failed: controller gone (X stops "
	    "the rest)");
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_QUEUED, 0, 2, NULL);
	assert_int_equal(model_px_check(f->c, &e), -1);
	assert_string_equal(e.msg, "local is queued");
	model_cluster_set_state(f->m, f->c, CLUSTERSTATE_STARTING, 1, 2, NULL);
	assert_int_equal(model_px_check(f->c, &e), 0);
	f->c->stopping = true;
	assert_int_equal(model_px_check(f->c, &e), -1);
	assert_string_equal(e.msg, "local is stopping");
}

static void
test_engines(void **state)
{
	struct fix *f = *state;
	struct model_engine *ev = xcalloc(2, sizeof *ev);

	ev[0].id = 0;
	ev[0].host = xstrdup("n1");
	ev[0].state = MODEL_ENGINE_REGISTERED;
	ev[1].id = 2;
	ev[1].state = MODEL_ENGINE_LOST;
	f->c->engines_src.failed = true;
	model_cluster_set_engines(f->m, f->c, ev, 2);
	assert_int_equal(f->c->nengines, 2);
	assert_string_equal(f->c->engines[0].host, "n1");
	assert_int_equal(f->c->engines[1].state, MODEL_ENGINE_LOST);
	/* Pushed data is fresh. */
	assert_false(f->c->engines_src.failed);
	assert_int_equal(model_stale_ms(f->m, &f->c->engines_src), 0);
}

static void
test_px_buffer(void **state)
{
	struct fix *f = *state;
	struct pxfmt_rec rec = { PXFMT_OUTPUT, 1, NULL, 0, 10 };
	const struct model_px_line *l;

	model_px_note(f->c, MODEL_PX_INPUT, "a = 1\nprint(a)\n");
	assert_int_equal(f->c->px_n, 2);
	assert_string_equal(model_px_line(f->c, 1)->text, "print(a)");
	rec.text = xstrdup("[output:1] x\nsecond\n");
	rec.len = strlen(rec.text);
	model_px_records(f->c, &rec, 1);
	free(rec.text);
	assert_int_equal(f->c->px_n, 4);
	l = model_px_line(f->c, 2);
	assert_int_equal(l->kind, MODEL_PX_OUTPUT);
	assert_int_equal(l->rec, PXFMT_OUTPUT);
	assert_int_equal(l->engine, 1);
	assert_int_equal(l->label_len, 10);
	assert_string_equal(l->text, "[output:1] x");
	/* Lines after the label line carry no label. */
	assert_int_equal(model_px_line(f->c, 3)->label_len, 0);
	/* A NUL byte shows as \x00. */
	rec.len = 15;
	rec.text = xmalloc(rec.len);
	memcpy(rec.text, "[stdout:0] a\0b\n", rec.len);
	rec.kind = PXFMT_STDOUT;
	rec.engine = 0;
	model_px_records(f->c, &rec, 1);
	free(rec.text);
	assert_string_equal(model_px_line(f->c, 4)->text,
	    "[stdout:0] a\\x00b");
	/* The ring keeps the newest MODEL_PX_LINES. */
	for (int i = 0; i < MODEL_PX_LINES; i++) {
		char t[32];

		snprintf(t, sizeof t, "line %d", i);
		model_px_note(f->c, MODEL_PX_INFO, t);
	}
	assert_int_equal(f->c->px_n, MODEL_PX_LINES);
	assert_string_equal(model_px_line(f->c, 0)->text, "line 0");
	model_px_note(f->c, MODEL_PX_INFO, "newest");
	assert_int_equal(f->c->px_n, MODEL_PX_LINES);
	assert_string_equal(model_px_line(f->c, 0)->text, "line 1");
	assert_string_equal(model_px_line(f->c, MODEL_PX_LINES - 1)->text,
	    "newest");
}

/* The jobs pane's walltime note: of the jobs near their limit the one that
 * ends first, else a queued job's estimated start; none otherwise. Without
 * a record every row counts as an engines job. */
static void
test_time_note(void **state)
{
	struct fix *f = *state;
	struct job_table t = { 0 };
	struct job_row *r;
	char note[256];
	bool near = true;

	assert_false(model_time_note(f->c, &near, note, sizeof note));
	assert_false(near);
	assert_string_equal(note, "");
	r = jobtab_append(&t);
	r->id = xstrdup("5");
	r->state = JOB_QUEUED;
	r->start_at = (long)time(NULL) + 600;
	r = jobtab_append(&t);
	r->id = xstrdup("6");
	r->state = JOB_RUNNING;
	r->time_limit = 7200;
	r->time_left = 3000;
	r = jobtab_append(&t);
	r->id = xstrdup("7");
	r->state = JOB_RUNNING;
	r->time_limit = 7200;
	r->time_left = 400;
	r = jobtab_append(&t);
	r->id = xstrdup("8");
	r->state = JOB_RUNNING;
	r->time_limit = 7200;
	r->time_left = 500;
	model_cluster_set_jobs(f->m, f->c, &t);
	assert_true(model_time_note(f->c, &near, note, sizeof note));
	assert_true(near);
	assert_non_null(strstr(note, "engines job 7 reaches its time limit in "
	    "6:40 (at "));

	r = jobtab_append(&t);
	r->id = xstrdup("5");
	r->state = JOB_QUEUED;
	r->reason = xstrdup("Resources");
	r->start_at = (long)time(NULL) + 600;
	model_cluster_set_jobs(f->m, f->c, &t);
	assert_true(model_time_note(f->c, &near, note, sizeof note));
	assert_false(near);
	assert_non_null(strstr(note, "engines job 5 waits (Resources); "
	    "estimated start "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_label, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_px_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_px_buffer, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
