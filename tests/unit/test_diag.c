/* core/diag: the telling line of real-looking engine logs, and the reason
 * and hint for a stalled cluster from its exited tasks, its engines' log
 * or, when nothing tells, how long they ran. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/xmalloc.h"

static char tmpdir[] = "/tmp/hpctop-test-diag-XXXXXX";

static char *
write_log(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
assert_line(const char *log_text, const char *want)
{
	char *path = write_log("t.log", log_text), *got;

	got = diag_telling_line(path);
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
	unlink(path);
	free(path);
}

static void
test_telling_line(void **state)
{
	(void)state;
	assert_line("2026-12-04 01:00:00.123 [IPEngine] Loading url_file\n"
	    "2026-12-04 01:00:00.200 [IPEngine] Registering with controller "
	    "at tcp://127.0.0.1:5000\n"
	    "2026-12-04 01:00:05.201 [IPEngine] CRITICAL | Registration timed "
	    "out after 5.0 seconds\n"
	    "2026-12-04 01:00:05.300 [IPEngine] Shutting down\n",
	    "CRITICAL | Registration timed out after 5.0 seconds");
	assert_line("hpctop-engine: 1: /nonexistent/ipengine: not found\n",
	    "hpctop-engine: 1: /nonexistent/ipengine: not found");
	assert_line("Traceback (most recent call last):\n  File \"x\", line 1\n"
	    "ModuleNotFoundError: No module named 'ipyparallel'\n",
	    "ModuleNotFoundError: No module named 'ipyparallel'");
	/* Nothing telling: the last line that says anything. */
	assert_line("starting\nstill here\n\n", "still here");
	assert_line("", NULL);
	assert_null(diag_telling_line("/nonexistent/log"));
}

/* A running controller and engines job, N = 2, none registered, with
 * the engines job R for `elapsed` seconds and stall_after 5 s. */
struct rec {
	struct cluster c;
	struct cluster_proc procs[2];
	struct job_row rows[2];
	struct profile prof;
	struct cluster_task tasks[2];
};

static struct cluster *
rec(struct rec *r, long elapsed)
{
	memset(r, 0, sizeof *r);
	r->procs[0].role = CLUSTER_CONTROLLER;
	r->procs[0].live = CLUSTER_LIVE_RUNNING;
	r->procs[0].job_id = "1";
	r->procs[1].role = CLUSTER_ENGINES;
	r->procs[1].live = CLUSTER_LIVE_RUNNING;
	r->procs[1].job_id = "2";
	r->procs[1].name = "engines";
	r->rows[0].elapsed = elapsed;
	r->rows[1].elapsed = elapsed;
	r->prof.stall_after = 5;
	r->c.name = "t";
	r->c.engines = 2;
	r->c.procs = r->procs;
	r->c.nprocs = 2;
	r->c.jobs.v = r->rows;
	r->c.jobs.n = 2;
	r->c.ids_known = true;
	r->c.profile = &r->prof;
	return &r->c;
}

static void
test_tasks(void **state)
{
	struct rec r;
	struct diag d;
	char *nf = write_log("nf.log", "hpctop-engine: 1: /x/ipengine: not "
	    "found\n"), *nm = write_log("nm.log", "ModuleNotFoundError: No "
	    "module named 'ipyparallel'\n");
	char *cmd[] = { "/x/ipengine" };

	(void)state;
	/* Running, not stalled yet, nothing exited: nothing to say. */
	diag_cluster(NULL, rec(&r, 2), &d);
	assert_null(d.reason);
	/* One task exited 127 before stall_after: said at once. */
	rec(&r, 2);
	r.prof.engine.command.v = cmd;
	r.prof.engine.command.n = 1;
	r.tasks[0] = (struct cluster_task){ "cn2", 1, 127, nf };
	r.c.tasks = r.tasks;
	r.c.ntasks = 1;
	diag_cluster(NULL, &r.c, &d);
	assert_string_equal(d.reason, "engine task 1 on cn2 exited with code "
	    "127: hpctop-engine: 1: /x/ipengine: not found");
	assert_string_equal(d.node, "cn2");
	assert_non_null(strstr(d.hint, "the engine command /x/ipengine is "
	    "missing on cn2"));
	diag_clear(&d);
	/* Both exited: stalled, the first failure told, the other counted. */
	r.tasks[1] = (struct cluster_task){ "cn2", 0, 1, nm };
	r.c.ntasks = 2;
	r.tasks[0].host = "cn1";
	diag_cluster(NULL, &r.c, &d);
	assert_non_null(strstr(d.reason, "engine task 1 on cn1 exited with "
	    "code 127"));
	assert_non_null(strstr(d.reason, "(and 1 more task)"));
	diag_clear(&d);
	r.tasks[0].code = 0;
	diag_cluster(NULL, &r.c, &d);
	assert_string_equal(d.reason, "engine task 0 on cn2 exited with code "
	    "1: ModuleNotFoundError: No module named 'ipyparallel'");
	assert_non_null(strstr(d.hint, "the engines' Python on cn2 "
	    "(/x/ipengine) cannot import ipyparallel"));
	diag_clear(&d);
	unlink(nf);
	unlink(nm);
	free(nf);
	free(nm);
}

static void
test_stalled_quietly(void **state)
{
	struct rec r;
	struct diag d;
	char *log = write_log("eng.log", "engine says hello\n");

	(void)state;
	rec(&r, 30);
	r.procs[1].log = log;
	diag_cluster(NULL, &r.c, &d);
	assert_string_equal(d.reason, "0 of 2 engines registered after the "
	    "engines ran 30 s (stall_after 5 s)");
	assert_non_null(strstr(d.hint, "'hpctop logs t'"));
	assert_null(d.node);
	diag_clear(&d);
	/* The engines' own log says registration timed out. */
	free(log);
	log = write_log("eng.log", "x [IPEngine] CRITICAL | Registration "
	    "timed out after 5.0 seconds\n");
	r.procs[1].log = log;
	r.rows[1].nodelist = "cn1";
	r.rows[1].state = JOB_RUNNING;
	diag_cluster(NULL, &r.c, &d);
	assert_non_null(strstr(d.reason, "the engines' log (engines) says: x "
	    "[IPEngine] CRITICAL | Registration timed out"));
	assert_non_null(strstr(d.hint, "cn1 cannot reach the controller at "));
	assert_string_equal(d.node, "cn1");
	diag_clear(&d);
	unlink(log);
	free(log);
}

/* A loopback controller on another node cannot be asked from here; one
 * on this host, or one that advertises a routable address, can. */
static void
test_out_of_reach(void **state)
{
	struct rec r;
	char self[256] = "";
	char *lo = write_log("lo.json", "{\"interface\": \"tcp://127.0.0.1\", "
	    "\"registration\": 1, \"notification\": 2, \"mux\": 3, "
	    "\"control\": 4, \"iopub\": 5, \"key\": \"k\"}");
	char *far = write_log("far.json", "{\"interface\": \"tcp://10.0.0.7\", "
	    "\"registration\": 1, \"notification\": 2, \"mux\": 3, "
	    "\"control\": 4, \"iopub\": 5, \"key\": \"k\"}");

	(void)state;
	assert_int_equal(gethostname(self, sizeof self - 1), 0);
	rec(&r, 10);
	r.rows[0].state = JOB_RUNNING;
	r.rows[0].nodelist = "hpctop-test-elsewhere";
	assert_false(diag_controller_out_of_reach(&r.c));
	r.c.engine_file = lo;
	assert_true(diag_controller_out_of_reach(&r.c));
	r.rows[0].nodelist = self;
	assert_false(diag_controller_out_of_reach(&r.c));
	r.rows[0].nodelist = "hpctop-test-elsewhere";
	r.c.engine_file = far;
	assert_false(diag_controller_out_of_reach(&r.c));
	unlink(lo);
	unlink(far);
	free(lo);
	free(far);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telling_line),
		cmocka_unit_test(test_tasks),
		cmocka_unit_test(test_stalled_quietly),
		cmocka_unit_test(test_out_of_reach),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
