/* The ssh backend's placement of engines on its hosts, and what its
 * script renders for them, without SSH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "backends/ssh.h"
#include "core/cluster.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

static struct profile *
load(const char *yaml)
{
	struct err e;
	struct profile *p = profile_load_buffer(yaml, strlen(yaml), "t.yaml",
	    "t", &e);

	if (p == NULL)
		fail_msg("%s", e.msg);
	return p;
}

/* counts for n engines, as "2 1 1". */
static char *
placed(const char *yaml, int n)
{
	struct profile *p = load(yaml);
	int *counts = xcalloc(p->hosts.n, sizeof *counts);
	struct strv sv = STRV_INIT;
	char *out;

	ssh_placement(p, n, counts);
	for (size_t i = 0; i < p->hosts.n; i++)
		strv_pushf(&sv, "%d", counts[i]);
	out = strv_join(&sv, " ");
	strv_clear(&sv);
	free(counts);
	profile_free(p);
	return out;
}

static void
expect_placed(const char *yaml, int n, const char *want)
{
	char *got = placed(yaml, n);

	assert_string_equal(got, want);
	free(got);
}

static void
test_placement(void **state)
{
	(void)state;
	/* A list: spread evenly, the first hosts take the remainder. */
	expect_placed("backend: ssh\nhosts: [a, b, c]\n", 4, "2 1 1");
	expect_placed("backend: ssh\nhosts: [a, b, c]\n", 3, "1 1 1");
	expect_placed("backend: ssh\nhosts: [a, b, c]\n", 2, "1 1 0");
	/* A mapping: its counts when they add up to the engines asked. */
	expect_placed("backend: ssh\nhosts: {a: 3, b: 1}\n", 4, "3 1");
	/* Otherwise (start -n N, or engines: given) spread as a list. */
	expect_placed("backend: ssh\nhosts: {a: 3, b: 1}\n", 6, "3 3");
	expect_placed("backend: ssh\nengines: 2\nhosts: {a: 3, b: 1}\n", 2,
	    "1 1");
}

static void
on_script(struct cluster *c, const struct err *e, void *arg)
{
	*(bool *)arg = true;
	assert_null(e);
}

/* One ssh line per engine and host, the command quoted as one word. */
static void
test_script(void **state)
{
	static const char yaml[] = "backend: ssh\nhosts: {cn1: 1, 'n-2': 2}\n"
	    "controller: {ip: 10.0.0.1}\nenv: {X: \"it's\"}\n";
	struct profile *p = load(yaml);
	struct loop *l = loop_new();
	struct err e;
	struct cluster *c = cluster_new(p, yaml, 3, &e);
	bool done = false;

	(void)state;
	assert_non_null(c);
	assert_int_equal(ssh_backend.script(&ssh_backend, l, c, on_script,
	    &done, &e), 0);
	while (!done)
		loop_once(l, -1);
	assert_non_null(strstr(c->script, "\nssh cn1 'mkdir -p -m 700 "
	    ".hpctop/ssh/t/ipython/profile_t/security'\n"));
	/* X's value quoted for the remote shell, then all of it for ssh. */
	assert_non_null(strstr(c->script, "\nssh n-2 'X='\\''it'\\''"
	    "\\'\\'''\\''s'\\'' IPYTHONDIR=.hpctop/ssh/t/ipython setsid "
	    "ipengine --profile=t --IPEngine.wait_for_url_file=120 "
	    "</dev/null >>.hpctop/ssh/t/engine-2.log 2>&1 &'\n"));
	assert_null(strstr(c->script, "engine-3.log"));
	cluster_free(c);
	profile_free(p);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_script),
	};

	return cmocka_run_group_tests(tests, testutil_state_setup,
	    testutil_state_teardown);
}
