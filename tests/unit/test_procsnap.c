/* Snapshots of a host's processes: the stat parser, the script's output
 * read back (crafted, and for real from sh on this machine), and this
 * machine's /proc, which must agree with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/host.h"
#include "core/procsnap.h"
#include "core/spawn.h"
#include "core/xmalloc.h"

#define STAT_TAIL " 1 40 41 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 " \
    "98765 1000 100 18446744073709551615"

static void
test_parse_stat(void **state)
{
	/* The name holds spaces and parentheses: it ends at the last ')'. */
	static const char text[] = "42 (a) b (c)) S" STAT_TAIL "\n";
	struct procsnap_proc p = { 0 };

	(void)state;
	assert_true(procsnap_parse_stat(text, sizeof text - 1, &p));
	assert_string_equal(p.comm, "a) b (c)");
	assert_int_equal(p.state, 'S');
	assert_int_equal(p.ppid, 1);
	assert_int_equal(p.pgid, 40);
	assert_int_equal(p.sid, 41);
	assert_int_equal(p.start, 98765);
	free(p.comm);
	p.comm = NULL;
	assert_false(procsnap_parse_stat("42 (x S 1 2", 11, &p));
	assert_false(procsnap_parse_stat("42 (x) S 1 2 3", 14, &p));
	assert_null(p.comm);
}

/* What the script prints, as it prints it: records NUL-terminated, each
 * prefixed with its file; a process without a stat is left out. */
static void
test_parse_output(void **state)
{
	static const char out[] =
	    "Bboot-1\0"
	    "/proc/9/stat:9 (sleep) Z" STAT_TAIL "\n\0"
	    "/proc/5/stat:5 (ipengine) S" STAT_TAIL "\n\0"
	    "/proc/5/cmdline:/usr/bin/ipengine\0"
	    "/proc/5/cmdline:--profile=a\nb\0"
	    "/proc/5/cmdline:\0"
	    "/proc/7/cmdline:no-stat\0"
	    "/proc/5/environ:HPCTOP_CLUSTERX=no\0"
	    "/proc/5/environ:HPCTOP_CLUSTER=/state/c 1\0"
	    "/proc/9/environ:HPCTOP_CLUSTER=\0";
	struct procsnap ps;
	const struct procsnap_proc *p;
	struct err e;

	(void)state;
	assert_int_equal(procsnap_parse(out, sizeof out - 1, "HPCTOP_CLUSTER",
	    &ps, &e), 0);
	assert_false(ps.local);
	assert_string_equal(ps.boot_id, "boot-1");
	assert_int_equal(ps.n, 2);
	assert_int_equal(ps.v[0].pid, 5);
	assert_null(procsnap_find(&ps, 7));
	p = procsnap_find(&ps, 5);
	assert_non_null(p);
	assert_string_equal(p->comm, "ipengine");
	assert_string_equal(p->env, "/state/c 1");
	assert_true(procsnap_has_arg(p, "--profile=a\nb"));
	assert_true(procsnap_has_arg(p, ""));
	assert_false(procsnap_has_arg(p, "--profile=a"));
	assert_true(procsnap_live(p));
	p = procsnap_find(&ps, 9);
	assert_false(procsnap_live(p));
	assert_string_equal(p->env, "");
	assert_int_equal(p->cmdlen, 0);
	procsnap_free(&ps);
	/* Not the script's output: no boot record first. */
	assert_int_equal(procsnap_parse("", 0, "V", &ps, &e), -1);
	assert_non_null(strstr(e.msg, "not a process list"));
	assert_int_equal(procsnap_parse("sh: 1: grep: not found\n", 23, "V",
	    &ps, &e), -1);
	/* Cut short anywhere: before the boot record ends, no list; after,
	 * what is whole is kept, nothing else. */
	for (size_t len = 1; len < sizeof out - 1; len++) {
		int rc = procsnap_parse(out, len, "HPCTOP_CLUSTER", &ps, &e);

		assert_int_equal(rc, len < sizeof "Bboot-1" ? -1 : 0);
		if (rc == 0) {
			assert_true(ps.n <= 2);
			procsnap_free(&ps);
		}
	}
}

struct got {
	bool done;
	struct procsnap *ps;
};

static void
got_cb(struct procsnap *ps, const struct err *e, void *arg)
{
	struct got *g = arg;

	assert_non_null(ps);
	g->ps = ps;
	g->done = true;
}

static void
expect_marked(const struct procsnap *ps, pid_t pid, unsigned long long start)
{
	const struct procsnap_proc *p = procsnap_find(ps, pid);

	assert_non_null(p);
	assert_string_equal(p->comm, "sleep");
	assert_int_equal(p->sid, pid);
	assert_int_equal(p->pgid, pid);
	assert_true(procsnap_has_arg(p, "60"));
	assert_non_null(p->env);
	assert_string_equal(p->env, "it's \"marked\"\nhere");
	if (start != 0)
		assert_int_equal(p->start, start);
	assert_non_null(procsnap_find(ps, getpid()));
	assert_null(procsnap_find(ps, getpid())->env);
	assert_true(ps->boot_id[0] != '\0');
}

/* A marked process of ours, seen alike through /proc here and through
 * the script run by sh (host_procs_run over this machine's host_run):
 * the SSH hosts' path, for real. */
static void
test_local_and_script_agree(void **state)
{
	struct loop *l = loop_new();
	struct host *h;
	struct spawn s = { 0 };
	struct procsnap a;
	struct got g = { false, NULL };
	struct err e;
	pid_t pid;

	(void)state;
	h = host_get(l, NULL, &e);
	strv_push(&s.argv, "sleep");
	strv_push(&s.argv, "60");
	strv_push(&s.env, "HPCTOP_TEST_MARK=it's \"marked\"\nhere");
	pid = spawn_start(&s, &e);
	spawn_clear(&s);
	assert_true(pid > 0);
	assert_int_equal(host_procs_sync(h, l, "HPCTOP_TEST_MARK", &a, &e), 0);
	assert_true(a.local);
	expect_marked(&a, pid, 0);
	assert_int_equal(host_procs_run(h, l, "HPCTOP_TEST_MARK", got_cb, &g,
	    &e), 0);
	/* Never from inside the call. */
	assert_false(g.done);
	while (!g.done)
		loop_once(l, -1);
	assert_false(g.ps->local);
	assert_string_equal(g.ps->boot_id, a.boot_id);
	expect_marked(g.ps, pid, procsnap_find(&a, pid)->start);
	assert_int_equal(procsnap_find(g.ps, pid)->ppid,
	    procsnap_find(&a, pid)->ppid);
	procsnap_free(g.ps);
	free(g.ps);
	procsnap_free(&a);
	kill(-pid, SIGKILL);
	host_free_all();
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_output),
		cmocka_unit_test(test_local_and_script_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
