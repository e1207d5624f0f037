/* core/clusterstate: every state from records built as a poll and a
 * registry read would leave them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "core/clusterstate.h"

/* A record of a controller and one engines process (or job) with n
 * engines requested, live states given, ids registered now and ids seen
 * once. Static storage: nothing to free. */
struct rec {
	struct cluster c;
	struct cluster_proc procs[2];
	int ids[8], seen[8];
};

static struct cluster *
rec(struct rec *r, int n, enum cluster_live ctl, enum cluster_live eng,
    int nids, int nseen)
{
	memset(r, 0, sizeof *r);
	r->procs[0].role = CLUSTER_CONTROLLER;
	r->procs[0].live = ctl;
	r->procs[1].role = CLUSTER_ENGINES;
	r->procs[1].engines = n;
	r->procs[1].live = eng;
	for (int i = 0; i < 8; i++)
		r->ids[i] = r->seen[i] = i;
	r->c.engines = n;
	r->c.procs = r->procs;
	r->c.nprocs = 2;
	r->c.ids = r->ids;
	r->c.nids = (size_t)nids;
	r->c.seen_ids = r->seen;
	r->c.nseen = (size_t)nseen;
	r->c.ids_known = true;
	return &r->c;
}

#define R CLUSTER_LIVE_RUNNING
#define P CLUSTER_LIVE_PENDING
#define G CLUSTER_LIVE_GONE
#define U CLUSTER_LIVE_UNKNOWN

static void
assert_state(struct cluster *c, enum clusterstate want)
{
	enum clusterstate got = clusterstate_of(c);

	if (got != want)
		fail_msg("state %s, want %s", clusterstate_label(got),
		    clusterstate_label(want));
}

static void
test_controller_alive(void **state)
{
	struct rec r;

	(void)state;
	assert_state(rec(&r, 3, R, R, 3, 3), CLUSTERSTATE_RUNNING);
	/* More than asked for (an engine restarted under a new id). */
	assert_state(rec(&r, 2, R, R, 3, 3), CLUSTERSTATE_RUNNING);
	assert_state(rec(&r, 3, R, R, 1, 1), CLUSTERSTATE_STARTING);
	assert_state(rec(&r, 3, R, P, 0, 0), CLUSTERSTATE_STARTING);
	/* An engine that registered and went. */
	assert_state(rec(&r, 3, R, R, 2, 3), CLUSTERSTATE_DEGRADED);
	assert_state(rec(&r, 3, R, G, 0, 3), CLUSTERSTATE_DEGRADED);
	/* The engines process or job ended before all registered. */
	assert_state(rec(&r, 3, R, G, 1, 1), CLUSTERSTATE_STALLED);
	assert_false(clusterstate_engines_stale(rec(&r, 3, R, R, 3, 3)));
	assert_true(clusterstate_controller_up(&r.c));
}

static void
test_not_answering(void **state)
{
	struct rec r;

	(void)state;
	rec(&r, 3, R, R, 3, 3);
	r.procs[0].stopped = true;
	assert_state(&r.c, CLUSTERSTATE_NOT_ANSWERING);
	assert_false(clusterstate_controller_up(&r.c));
	assert_true(clusterstate_engines_stale(&r.c));
	/* Stopped engines alone do not stop the controller answering. */
	rec(&r, 3, R, R, 3, 3);
	r.procs[1].stopped = true;
	assert_state(&r.c, CLUSTERSTATE_RUNNING);
}

static void
test_controller_not_alive(void **state)
{
	struct rec r;

	(void)state;
	/* A PBS controller job that is held, with its engines job queued
	 * too: queued, not degraded. */
	assert_state(rec(&r, 3, P, P, 0, 0), CLUSTERSTATE_QUEUED);
	assert_state(rec(&r, 3, P, R, 0, 0), CLUSTERSTATE_QUEUED);
	/* The controller was killed: its last registry snapshot is stale. */
	assert_state(rec(&r, 3, G, R, 3, 3), CLUSTERSTATE_FAILED);
	assert_true(clusterstate_engines_stale(&r.c));
	assert_false(clusterstate_controller_up(&r.c));
	assert_state(rec(&r, 3, G, P, 0, 0), CLUSTERSTATE_FAILED);
	assert_state(rec(&r, 3, G, G, 3, 3), CLUSTERSTATE_GONE);
	assert_true(clusterstate_engines_stale(&r.c));
	/* No controller in the record at all (a stub). */
	rec(&r, 3, G, G, 0, 0);
	r.c.nprocs = 0;
	assert_state(&r.c, CLUSTERSTATE_GONE);
}

/* A scheduler that did not answer: unknown, never stopped or gone. */
static void
test_unknown(void **state)
{
	struct rec r;

	(void)state;
	assert_state(rec(&r, 2, U, U, 2, 2), CLUSTERSTATE_UNKNOWN);
	assert_true(clusterstate_engines_stale(&r.c));
	assert_false(clusterstate_controller_up(&r.c));
	/* The controller's job ended; its engines job cannot be read. */
	assert_state(rec(&r, 2, G, U, 2, 2), CLUSTERSTATE_UNKNOWN);
	/* An engines job unknown while the controller runs: the registry
	 * still says how many engines there are. */
	assert_state(rec(&r, 2, R, U, 2, 2), CLUSTERSTATE_RUNNING);
}

/* Engines that have run for stall_after (the scheduler's elapsed time
 * for a job, the start time for a process) without all registering. */
static void
test_stalled(void **state)
{
	struct rec r;
	struct job_row rows[2];
	struct profile prof;

	(void)state;
	memset(rows, 0, sizeof rows);
	memset(&prof, 0, sizeof prof);
	rec(&r, 2, R, R, 1, 1);
	r.procs[1].job_id = "12";
	r.c.jobs.v = rows;
	r.c.jobs.n = 2;
	rows[0].elapsed = 90;
	rows[1].elapsed = 59;
	assert_state(&r.c, CLUSTERSTATE_STARTING);
	rows[1].elapsed = 60;	/* the default stall_after */
	assert_state(&r.c, CLUSTERSTATE_STALLED);
	assert_true(clusterstate_engines_running_for(&r.c) == 60);
	prof.stall_after = 5;
	r.c.profile = &prof;
	rows[1].elapsed = 5;
	assert_state(&r.c, CLUSTERSTATE_STALLED);
	rows[1].elapsed = 4;
	assert_state(&r.c, CLUSTERSTATE_STARTING);
	/* All registered: running, however long it took. */
	rows[1].elapsed = 500;
	r.c.nids = 2;
	assert_state(&r.c, CLUSTERSTATE_RUNNING);
	/* One registered and was lost: degraded says more. */
	r.c.nids = 1;
	r.c.nseen = 2;
	assert_state(&r.c, CLUSTERSTATE_DEGRADED);
	/* An engines job still pending is queued time, not a stall. */
	rec(&r, 2, R, P, 0, 0);
	r.procs[1].job_id = "12";
	r.procs[1].started = 1;
	r.c.profile = &prof;
	assert_state(&r.c, CLUSTERSTATE_STARTING);
	/* A batch job not in the table yet: its submission time is no
	 * running time. */
	r.procs[1].live = R;
	assert_state(&r.c, CLUSTERSTATE_STARTING);
	assert_true(clusterstate_engines_running_for(&r.c) < 0);
	/* A process started 100 s ago. */
	r.procs[1].job_id = NULL;
	r.procs[1].started = (double)time(NULL) - 100;
	assert_state(&r.c, CLUSTERSTATE_STALLED);
	assert_true(clusterstate_can_px(CLUSTERSTATE_STALLED));
}

static void
test_registry_unread(void **state)
{
	struct rec r;

	(void)state;
	rec(&r, 2, R, R, 0, 0);
	r.c.ids_known = false;
	assert_true(clusterstate_engines_stale(&r.c));
}

static void
test_labels(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(clusterstate_label(CLUSTERSTATE_STOPPED),
	    "stopped");
	assert_string_equal(clusterstate_label(CLUSTERSTATE_UNREADABLE),
	    "unreadable");
	assert_string_equal(clusterstate_label(CLUSTERSTATE_NOT_ANSWERING),
	    "not answering");
	assert_string_equal(clusterstate_format(CLUSTERSTATE_STALLED, 1, 2,
	    false, buf, sizeof buf), "stalled 1/2");
	assert_string_equal(clusterstate_format(CLUSTERSTATE_RUNNING, 3, 4,
	    false, buf, sizeof buf), "running 3/4");
	assert_string_equal(clusterstate_format(CLUSTERSTATE_DEGRADED, 2, 3,
	    false, buf, sizeof buf), "degraded 2/3");
	assert_string_equal(clusterstate_format(CLUSTERSTATE_NOT_ANSWERING,
	    3, 3, true, buf, sizeof buf), "not answering 3/3 (stale)");
	assert_string_equal(clusterstate_format(CLUSTERSTATE_GONE, 3, 3,
	    true, buf, sizeof buf), "gone");
	assert_string_equal(clusterstate_format(CLUSTERSTATE_QUEUED, 0, 3,
	    false, buf, sizeof buf), "queued");
	assert_true(clusterstate_can_px(CLUSTERSTATE_STARTING));
	assert_true(clusterstate_can_px(CLUSTERSTATE_DEGRADED));
	assert_false(clusterstate_can_px(CLUSTERSTATE_FAILED));
	assert_false(clusterstate_can_px(CLUSTERSTATE_NOT_ANSWERING));
	assert_false(clusterstate_can_px(CLUSTERSTATE_UNKNOWN));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controller_alive),
		cmocka_unit_test(test_not_answering),
		cmocka_unit_test(test_controller_not_alive),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_stalled),
		cmocka_unit_test(test_registry_unread),
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
