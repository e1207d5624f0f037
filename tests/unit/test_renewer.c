/* A cluster's renewer record (core/renewer.h): saved, seen live by pid
 * and start time, a dead one's record cleared, forgotten only by its own
 * pid, and ended: SIGTERM to another process, only the record for the
 * renewer itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cluster.h"
#include "core/paths.h"
#include "core/renewer.h"
#include "tests/unit/testutil.h"

static pid_t
sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	/* Until it runs as itself, its start time is its parent's copy. */
	usleep(50000);
	return pid;
}

static bool
record_exists(const char *name)
{
	char *path = renewer_path(name, "json");
	bool there = access(path, F_OK) == 0;

	free(path);
	return there;
}

static void
test_renewer(void **state)
{
	char *dir = cluster_dir_for("rw");
	struct err e;
	pid_t pid = 0, child;
	int status;

	(void)state;
	assert_int_equal(paths_mkdir_p(dir, 0700, &e), 0);
	assert_false(renewer_live("rw", &pid));

	assert_int_equal(renewer_save("rw", getpid(), &e), 0);
	assert_true(renewer_live("rw", &pid));
	assert_int_equal(pid, getpid());
	renewer_forget("rw", getpid() + 1);
	assert_true(renewer_live("rw", NULL));
	/* The renewer ending itself: the record goes, no signal. */
	assert_int_equal(renewer_end("rw"), getpid());
	assert_false(record_exists("rw"));

	/* A renewer that died: its record is cleared at the next look. */
	child = sleeper();
	assert_int_equal(renewer_save("rw", child, &e), 0);
	assert_true(renewer_live("rw", &pid));
	assert_int_equal(pid, child);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_false(renewer_live("rw", NULL));
	assert_false(record_exists("rw"));
	assert_int_equal(renewer_end("rw"), 0);

	/* Another process: ended by SIGTERM, the record removed. */
	child = sleeper();
	assert_int_equal(renewer_save("rw", child, &e), 0);
	assert_int_equal(renewer_end("rw"), child);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	assert_false(record_exists("rw"));
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renewer),
	};

	return cmocka_run_group_tests(tests, testutil_state_setup,
	    testutil_state_teardown);
}
