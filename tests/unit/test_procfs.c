/* How the process backends read a snapshot of this machine's processes:
 * the live processes of a session, and marked processes no record names
 * adopted as procs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/procfs.h"
#include "core/spawn.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

static struct procsnap
snap_now(void)
{
	struct procsnap ps;
	struct err e;

	assert_int_equal(procsnap_read_local(CLUSTER_ENV, &ps, &e), 0);
	return ps;
}

/* A child in a session of its own: counted while it lives, not after. The
 * test's own session is no use here: under CI its leader may sit outside
 * the PID namespace, and getsid() then answers 0. */
static void
test_session_pids(void **state)
{
	struct procsnap ps;
	int release;
	pid_t child, *pids;

	(void)state;
	child = testutil_session_child(&release);
	ps = snap_now();
	assert_int_equal(procfs_session_pids(&ps, child, &pids), 1);
	assert_int_equal(pids[0], child);
	free(pids);
	assert_int_equal(procfs_session_pids(&ps, 0, NULL), 0);
	procsnap_free(&ps);
	testutil_session_end(child, release);
	ps = snap_now();
	assert_int_equal(procfs_session_pids(&ps, child, NULL), 0);
	procsnap_free(&ps);
}

/* A process carrying the cluster's mark that no proc names is adopted
 * once, named after its command, with its start time; then it is ours. */
static void
test_adopt_marked(void **state)
{
	struct cluster *c = xcalloc(1, sizeof *c);
	struct spawn s = { 0 };
	struct procsnap ps;
	struct err e;
	pid_t pid;

	(void)state;
	c->dir = xstrdup("/tmp/hpctop-test-adopt dir");
	c->lock_fd = -1;
	strv_push(&s.argv, "sleep");
	strv_push(&s.argv, "60");
	strv_pushf(&s.env, "%s=%s", CLUSTER_ENV, c->dir);
	pid = spawn_start(&s, &e);
	spawn_clear(&s);
	assert_true(pid > 0);
	ps = snap_now();
	assert_int_equal(procfs_adopt_marked(c, &ps, "cn9", false,
	    PROCFS_ADOPT_CONTROLLER), 0);
	assert_int_equal(procfs_adopt_marked(c, &ps, "cn9", false,
	    PROCFS_ADOPT_ENGINES), 1);
	assert_int_equal(c->nprocs, 1);
	assert_int_equal(c->procs[0].pid, pid);
	assert_string_equal(c->procs[0].name, "sleep");
	assert_string_equal(c->procs[0].host, "cn9");
	assert_int_equal(c->procs[0].role, CLUSTER_ENGINES);
	assert_int_equal(c->procs[0].start_time,
	    procsnap_find(&ps, pid)->start);
	assert_true(procfs_proc_alive(c, &ps, &c->procs[0]));
	assert_int_equal(procfs_adopt_marked(c, &ps, "cn9", true,
	    PROCFS_ADOPT_ALL), 0);
	/* Another host's pid of the same number is not this one. */
	assert_int_equal(procfs_adopt_marked(c, &ps, "cn8", false,
	    PROCFS_ADOPT_ALL), 1);
	procsnap_free(&ps);
	kill(-pid, SIGKILL);
	cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_pids),
		cmocka_unit_test(test_adopt_marked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
