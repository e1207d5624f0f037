/* /proc as the process backends read it: liveness by pid (a zombie is
 * dead) and the live processes of a session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>

#include "backends/procfs.h"
#include "tests/unit/testutil.h"

static void
test_liveness(void **state)
{
	(void)state;
	assert_true(procfs_pid_alive(getpid()));
	assert_false(procfs_pid_alive(0));
}

/* A child in a session of its own: counted while it lives, not after. The
 * test's own session is no use here: under CI its leader may sit outside
 * the PID namespace, and getsid() then answers 0. */
static void
test_session_pids(void **state)
{
	int release;
	pid_t child, *pids;

	(void)state;
	child = testutil_session_child(&release);
	assert_int_equal(procfs_session_pids(child, &pids), 1);
	assert_int_equal(pids[0], child);
	free(pids);
	assert_int_equal(procfs_session_pids(0, NULL), 0);
	testutil_session_end(child, release);
	assert_int_equal(procfs_session_pids(child, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_liveness),
		cmocka_unit_test(test_session_pids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
