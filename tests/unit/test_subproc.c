/* The event loop and asynchronous commands: real processes, timers,
 * timeouts, missing commands, big outputs, cancellation. */
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
#include <unistd.h>
#include <zmq.h>

#include "core/subproc.h"
#include "core/loop.h"
#include "core/xmalloc.h"

static struct subproc_result *
run(struct loop *l, char *const argv[], const char *input, uint64_t ms)
{
	return subproc_run_sync(l, argv, NULL, input, input ? strlen(input) : 0,
	    ms);
}

static void
test_echo(void **state)
{
	struct loop *l = loop_new();
	struct subproc_result *r = run(l, (char *[]){ "echo", "hi there", NULL },
	    NULL, 5000);

	(void)state;
	assert_true(r->ok);
	assert_int_equal(r->exit_code, 0);
	assert_string_equal(r->out, "hi there\n");
	assert_int_equal(r->outlen, 9);
	assert_string_equal(r->errout, "");
	subproc_result_free(r);
	loop_free(l);
}

static void
test_missing_command(void **state)
{
	struct loop *l = loop_new();
	struct subproc_result *r = run(l, (char *[]){ "hpctop-no-such-cmd", NULL },
	    NULL, 5000);

	(void)state;
	assert_false(r->ok);
	assert_int_equal(r->exit_code, -1);
	assert_string_equal(r->err.msg, "hpctop-no-such-cmd: command not found");
	subproc_result_free(r);
	loop_free(l);
}

static void
test_failure_message(void **state)
{
	struct loop *l = loop_new();
	struct subproc_result *r = run(l, (char *[]){ "sh", "-c",
	    "echo out; echo 'warning: x' >&2; echo 'sbatch: error: "
	    "invalid partition' >&2; exit 3", NULL }, NULL, 5000);

	(void)state;
	assert_false(r->ok);
	assert_int_equal(r->exit_code, 3);
	assert_string_equal(r->err.msg, "sh exited with status 3: sbatch: "
	    "error: invalid partition");
	subproc_result_free(r);
	loop_free(l);
}

static void
test_timeout(void **state)
{
	struct loop *l = loop_new();
	uint64_t t0 = loop_now();
	/* The grandchild must die too: the whole process group is killed. */
	struct subproc_result *r = run(l, (char *[]){ "sh", "-c",
	    "sleep 30 & sleep 30; wait", NULL }, NULL, 200);

	(void)state;
	assert_false(r->ok);
	assert_true(r->timed_out);
	assert_string_equal(r->err.msg, "sh: no answer after 0.2 s (killed)");
	assert_true(loop_now() - t0 < 5000);
	subproc_result_free(r);
	loop_free(l);
}

static void
test_input_and_big_output(void **state)
{
	struct loop *l = loop_new();
	struct subproc_result *r;
	size_t n = 3 * 1024 * 1024;
	char *big = malloc(n + 1);

	(void)state;
	memset(big, 'x', n);
	big[n] = '\0';
	r = run(l, (char *[]){ "cat", NULL }, big, 5000);
	assert_true(r->ok);
	assert_int_equal(r->outlen, n);
	assert_memory_equal(r->out, big, n);
	subproc_result_free(r);
	free(big);
	loop_free(l);
}

struct order {
	char seen[8];
	int n;
	struct loop *l;
};

static void
mark_a(void *arg)
{
	struct order *o = arg;

	o->seen[o->n++] = 'a';
}

static void
mark_b(void *arg)
{
	struct order *o = arg;

	o->seen[o->n++] = 'b';
}

static void
mark_c(void *arg)
{
	struct order *o = arg;

	o->seen[o->n++] = 'c';
	loop_stop(o->l);
}

static void
test_timers(void **state)
{
	struct loop *l = loop_new();
	struct order o = { "", 0, l };
	struct loop_timer *t;

	(void)state;
	loop_timer_add(l, 30, mark_c, &o);
	loop_timer_add(l, 10, mark_b, &o);
	loop_timer_add(l, 0, mark_a, &o);
	t = loop_timer_add(l, 5, mark_a, &o);
	loop_timer_del(l, t);
	loop_run(l);
	assert_int_equal(o.n, 3);
	assert_memory_equal(o.seen, "abc", 3);
	loop_free(l);
}

static void
on_readable(short revents, void *arg)
{
	int *hits = arg;

	if (revents & ZMQ_POLLIN)
		(*hits)++;
}

static void
on_sig(int signo, void *arg)
{
	int *got = arg;

	*got = signo;
}

static void
test_fd_and_signal(void **state)
{
	struct loop *l = loop_new();
	int p[2], hits = 0, got = 0;
	struct loop_io *io;

	(void)state;
	assert_int_equal(pipe(p), 0);
	io = loop_io_fd(l, p[0], ZMQ_POLLIN, on_readable, &hits);
	assert_int_equal(loop_once(l, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(hits, 1);
	loop_io_del(l, io);
	assert_int_equal(loop_once(l, 0), 0);

	loop_signal(l, SIGUSR1, on_sig, &got);
	raise(SIGUSR1);
	loop_once(l, 1000);
	assert_int_equal(got, SIGUSR1);
	loop_signal(l, SIGUSR1, NULL, NULL);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void
never(const struct subproc_result *r, void *arg)
{
	(void)r;
	(void)arg;
	fail_msg("callback of a cancelled job ran");
}

static void
test_cancel(void **state)
{
	struct loop *l = loop_new();
	struct err e;
	struct subproc *j = subproc_run(l, (char *[]){ "sleep", "30", NULL }, NULL,
	    NULL, 0, 0, never, NULL, &e);

	(void)state;
	assert_non_null(j);
	subproc_cancel(j);
	loop_once(l, 50);
	loop_free(l);
}

/* A command that ignores SIGTERM is killed all the same, within the bound
 * subproc.h states (with a generous margin: this machine is noisy), and
 * reaped: no process and no zombie stays behind. */
static void
test_cancel_stubborn(void **state)
{
	struct loop *l = loop_new();
	struct err e;
	char *pidfile = xasprintf("/tmp/hpctop-test-job-%d.pid", (int)getpid());
	char *script = xasprintf("trap '' TERM; echo $$ > %s.tmp && "
	    "mv %s.tmp %s; exec sleep 30", pidfile, pidfile, pidfile);
	struct subproc *j = subproc_run(l, (char *[]){ "sh", "-c", script, NULL },
	    NULL, NULL, 0, 0, never, NULL, &e);
	uint64_t t0;
	FILE *f = NULL;
	int pid = 0;

	(void)state;
	assert_non_null(j);
	for (int i = 0; i < 1000 && (f = fopen(pidfile, "r")) == NULL; i++)
		loop_once(l, 10);
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	unlink(pidfile);
	t0 = loop_now();
	subproc_cancel(j);
	assert_true(loop_now() - t0 < SUBPROC_CANCEL_WAIT_MS + 10000);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	loop_free(l);
	free(script);
	free(pidfile);
}

static void
test_env(void **state)
{
	struct loop *l = loop_new();
	struct subproc_result *r = subproc_run_sync(l,
	    (char *[]){ "sh", "-c", "printf %s \"$HPCTOP_T\"", NULL },
	    (char *[]){ "HPCTOP_T=a b;c", NULL }, NULL, 0, 5000);

	(void)state;
	assert_true(r->ok);
	assert_string_equal(r->out, "a b;c");
	subproc_result_free(r);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_missing_command),
		cmocka_unit_test(test_failure_message),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_input_and_big_output),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_fd_and_signal),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_cancel_stubborn),
		cmocka_unit_test(test_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
