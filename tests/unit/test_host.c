/* core/host.h on this machine: the shared table, commands through the
 * interface (async and sync), atomic file writes with their mode, detached
 * processes and their signals, the identity forward, and the asker. The
 * SSH implementation is tested against a real sshd by tests/ssh.t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/host.h"
#include "core/loop.h"
#include "core/xmalloc.h"

/* One host per destination: the local one is shared and labelled. */
static void
test_table(void **state)
{
	struct loop *l = loop_new();
	struct host *a = host_get(l, NULL, NULL), *b = host_get(l, "", NULL);
	struct err e;

	(void)state;
	assert_ptr_equal(a, b);
	assert_true(host_is_local(a));
	assert_string_equal(host_label(a), "this machine");
	assert_int_equal(host_state(a, &e), HOST_UP);
	host_free_all();
	loop_free(l);
}

struct got {
	int done;
	int code;
	char *out;
};

static void
got_result(const struct subproc_result *r, void *arg)
{
	struct got *g = arg;

	g->done++;
	g->code = r->exit_code;
	g->out = xstrdup(r->out);
}

/* A command with stdin, env and exit status; its callback runs from the
 * loop, not from inside host_run. */
static void
test_run(void **state)
{
	struct loop *l = loop_new();
	struct host *h = host_get(l, NULL, NULL);
	char *argv[] = { "sh", "-c", "read x; echo \"$x $HOST_T\"; exit 3", NULL };
	char *env[] = { "HOST_T=env", NULL };
	struct got g = { 0 };
	struct subproc_result *r;
	struct err e;

	(void)state;
	assert_non_null(host_run(h, l, argv, env, "in\n", 3, 5000, got_result,
	    &g, &e));
	assert_int_equal(g.done, 0);
	while (g.done == 0)
		loop_once(l, -1);
	assert_int_equal(g.code, 3);
	assert_string_equal(g.out, "in env\n");
	free(g.out);

	r = host_run_sync(h, l, (char *[]){ "nosuch-hpctop-cmd", NULL }, NULL,
	    NULL, 0, 5000);
	assert_false(r->ok);
	assert_non_null(strstr(r->err.msg, "nosuch-hpctop-cmd"));
	subproc_result_free(r);
	host_free_all();
	loop_free(l);
}

/* A cancelled job's callback never runs and nothing leaks. */
static void
test_cancel(void **state)
{
	struct loop *l = loop_new();
	struct host *h = host_get(l, NULL, NULL);
	struct got g = { 0 };
	struct host_job *j;
	struct err e;

	(void)state;
	j = host_run(h, l, (char *[]){ "sleep", "30", NULL }, NULL, NULL, 0, 0,
	    got_result, &g, &e);
	assert_non_null(j);
	host_job_cancel(j);
	host_job_cancel(NULL);
	loop_once(l, 50);
	assert_int_equal(g.done, 0);
	host_free_all();
	loop_free(l);
}

/* The write replaces the file whole, with the mode asked for whatever the
 * umask, and leaves no temporary file beside it. */
static void
test_files(void **state)
{
	struct loop *l = loop_new();
	struct host *h = host_get(l, NULL, NULL);
	char dir[] = "/tmp/hpctop-test-host-XXXXXX";
	char *path, *buf;
	struct stat st;
	struct err e;
	size_t len;
	mode_t old = umask(0077);

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/f.json", dir);
	assert_int_equal(host_write_file(h, l, path, "one", 3, 0644, &e), 0);
	assert_int_equal(host_write_file(h, l, path, "two!", 4, 0600, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(host_read_file(h, l, path, 100, 0, &buf, &len, &e), 0);
	assert_string_equal(buf, "two!");
	free(buf);
	unlink(path);
	assert_int_equal(host_read_file(h, l, path, 100, 0, &buf, &len, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(rmdir(dir), 0);	/* nothing else was left */
	free(path);
	umask(old);
	host_free_all();
	loop_free(l);
}

/* A detached process is started, signalled by its group, and gone; a
 * group already gone is no error. The forward of this machine is the
 * port itself. */
static void
test_spawn_signal_forward(void **state)
{
	struct loop *l = loop_new();
	struct host *h = host_get(l, NULL, NULL);
	struct spawn s = { STRV_INIT, STRV_INIT, STRV_INIT, NULL, NULL };
	struct err e;
	pid_t pid;
	int bound = 0;

	(void)state;
	strv_push(&s.argv, "sleep");
	strv_push(&s.argv, "30");
	s.log = xstrdup("/dev/null");
	pid = host_spawn(h, l, &s, &e);
	assert_true(pid > 0);
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(host_signal(h, l, &pid, 1, SIGKILL, &e), 0);
	for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
		usleep(10000);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(host_signal(h, l, &pid, 1, SIGTERM, &e), 0);
	spawn_clear(&s);

	assert_int_equal(host_forward(h, l, "127.0.0.1", 4567, 0, &bound, &e),
	    0);
	assert_int_equal(bound, 4567);
	host_unforward(h, bound);
	host_free_all();
	loop_free(l);
}

static int
ask_fixed(const char *dest, const char *prompt, bool echo, char *buf,
    size_t size, void *arg)
{
	(void)echo;
	assert_string_equal(dest, "login1");
	assert_string_equal(prompt, "Password: ");
	snprintf(buf, size, "%s", (const char *)arg);
	return 0;
}

/* The asker set is the one asked; the answer is cut to the buffer. */
static void
test_ask(void **state)
{
	char buf[4];

	(void)state;
	host_set_ask(ask_fixed, "secret");
	assert_int_equal(host_ask("login1", "Password: ", false, buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "sec");
	assert_int_equal(host_ask("login1", "Password: ", false, buf, 0), -1);
	host_set_ask(NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_spawn_signal_forward),
		cmocka_unit_test(test_ask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
