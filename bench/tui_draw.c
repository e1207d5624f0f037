/* Time to draw one dashboard frame with a 10,000-row job table, 64 engines
 * and a full px console, rendered through curses into /dev/null at 80x24
 * and 200x60. Each frame scrolls the job table a page so every row of it
 * is redrawn. Prints one line per size: mean, p99 and max in ms. */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jobtab.h"
#include "core/loop.h"
#include "core/proflist.h"
#include "core/xmalloc.h"
#include "tui/colors.h"
#include "tui/dashboard.h"
#include "tui/model.h"
#include "tui/screen.h"

#define NJOBS 10000
#define NENGINES 64
#define FRAMES 2000

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
fill(struct dash *d)
{
	struct model *m = d->model;
	struct model_cluster *c = model_selected(m);
	struct job_table t = { 0 };
	struct model_engine *e = xcalloc(NENGINES, sizeof *e);

	for (int i = 0; i < NJOBS; i++) {
		struct job_row *r = jobtab_append(&t);

		r->id = xasprintf("%d", 100000 + i);
		r->name = xasprintf("ipengine-%d", i);
		r->user = xstrdup("alice");
		r->queue = xstrdup("debug");
		r->nodes = 1 + i % 4;
		r->tasks = 4;
		r->mem = xstrdup("500M");
		r->time_req = xstrdup("00:30:00");
		r->state = i % 3 == 0 ? JOB_QUEUED : JOB_RUNNING;
		r->elapsed = i % 3 == 0 ? -1 : i;
		if (r->state == JOB_QUEUED)
			r->reason = xstrdup("Priority");
		else
			r->nodelist = xasprintf("node%03d", i % 128);
	}
	for (int i = 0; i < NENGINES; i++) {
		e[i].id = i;
		e[i].host = xasprintf("node%03d", i / 4);
		e[i].state = i % 7 == 0 ? MODEL_ENGINE_BUSY :
		    MODEL_ENGINE_REGISTERED;
	}
	model_cluster_set_state(m, c, CLUSTERSTATE_RUNNING, NENGINES, NENGINES, NULL);
	model_cluster_set_jobs(m, c, &t);
	model_cluster_set_engines(m, c, e, NENGINES);
	for (int i = 0; i < MODEL_PX_LINES; i++) {
		struct pxfmt_rec r = { i % 5 == 0 ? PXFMT_STDERR : PXFMT_STDOUT,
		    i % NENGINES, NULL, 0, 0 };
		char lab[64];

		r.label_len = pxfmt_label(r.kind, r.engine, lab, sizeof lab);
		r.text = xasprintf("%s 42\n", lab);
		r.len = strlen(r.text);
		model_px_records(c, &r, 1);
		free(r.text);
	}
	d->pane = d->mode = KM_JOBS;
}

static void
run(struct dash *d, int lines, int cols)
{
	static double ms[FRAMES];
	double sum = 0;

	resizeterm(lines, cols);
	for (int i = 0; i < FRAMES; i++) {
		uint64_t t0, t1;
		struct timespec a, b;

		d->job_cur = (d->job_cur + d->job_rows) % NJOBS;
		clock_gettime(CLOCK_MONOTONIC, &a);
		screen_draw(d);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t0 = (uint64_t)a.tv_sec * 1000000000u + (uint64_t)a.tv_nsec;
		t1 = (uint64_t)b.tv_sec * 1000000000u + (uint64_t)b.tv_nsec;
		ms[i] = (double)(t1 - t0) / 1e6;
		sum += ms[i];
	}
	qsort(ms, FRAMES, sizeof *ms, cmp);
	printf("frame %dx%d with %d jobs: mean %.3f ms  p99 %.3f ms  "
	    "max %.3f ms (%d frames)\n", cols, lines, NJOBS, sum / FRAMES,
	    ms[FRAMES * 99 / 100], ms[FRAMES - 1], FRAMES);
}

int
main(void)
{
	char *dirs[] = { (char *)HPCTOP_SRCDIR "/profiles" };
	char *labels[] = { (char *)"build" };
	struct loop *l;
	struct dash *d;
	FILE *out, *in;
	SCREEN *scr;

	setlocale(LC_ALL, "C.UTF-8");
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	if (out == NULL || in == NULL)
		return 1;
	l = loop_new();
	d = dashboard_new(l, proflist_new_dirs(dirs, labels, 1), 20);
	fill(d);
	scr = newterm("xterm-256color", out, in);
	if (scr == NULL) {
		fprintf(stderr, "tui_draw: no terminfo for xterm-256color\n");
		return 1;
	}
	colors_init(false);
	run(d, 24, 80);
	run(d, 60, 200);
	endwin();
	delscreen(scr);
	dashboard_free(d);
	loop_free(l);
	fclose(out);
	fclose(in);
	return 0;
}
