/* Shell quoting, and the sh lines `hpctop script` prints for a spawn:
 * every value must come back out of sh exactly as it went in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/shquote.h"
#include "core/spawn.h"
#include "core/xmalloc.h"

static void
check(const char *in, const char *want)
{
	char *q = shquote(in);

	assert_string_equal(q, want);
	free(q);
}

static void
test_words(void **state)
{
	(void)state;
	check("ipengine", "ipengine");
	check("--profile=mpi", "--profile=mpi");
	check("/usr/bin/x,y:z@h%1+2", "/usr/bin/x,y:z@h%1+2");
	check("", "''");
	check("a b", "'a b'");
	check("it's", "'it'\\''s'");
	check("'", "''\\'''");
	check("$HOME", "'$HOME'");
	check("`id`;rm -rf /", "'`id`;rm -rf /'");
	check("a\nb", "'a\nb'");
	check("*?[x]~#!&|<>(){}\"\\", "'*?[x]~#!&|<>(){}\"\\'");
}

/* Round trip through a real sh: printf '%s\n' <quoted words>. */
static void
test_round_trip(void **state)
{
	char *const words[] = { "plain", "with space", "it's", "$(id)",
	    "back\\slash", "\"dq\"", "", "tab\there", NULL };
	char *q = shquote_argv(words);
	char *cmd = xasprintf("printf '<%%s>' %s", q);
	char out[512] = "";
	FILE *p = popen(cmd, "r");
	size_t n;

	(void)state;
	assert_non_null(p);
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, "<plain><with space><it's><$(id)>"
	    "<back\\slash><\"dq\"><><tab\there>");
	free(q);
	free(cmd);
}

static void
test_render(void **state)
{
	struct spawn s = { 0 };
	struct strv argv = STRV_INIT;
	char *line;

	(void)state;
	strv_push(&s.argv, "ipengine");
	strv_push(&s.argv, "--x=a b");
	strv_push(&s.env, "OMPI_X=1");
	strv_push(&s.env, "WEIRD=it's");
	strv_push(&s.setup, "module load x");
	s.log = xstrdup("/tmp/a b/e.log");
	line = spawn_render(&s);
	assert_string_equal(line, "OMPI_X=1 WEIRD='it'\\''s' setsid sh -c "
	    "'module load x\nexec \"$@\"' sh ipengine '--x=a b' "
	    "</dev/null >>'/tmp/a b/e.log' 2>&1 &");
	spawn_exec_argv(&s, &argv);
	assert_int_equal(argv.n, 6);
	assert_string_equal(argv.v[0], "sh");
	assert_string_equal(argv.v[3], "sh");
	assert_string_equal(argv.v[5], "--x=a b");
	strv_clear(&argv);
	free(line);
	spawn_clear(&s);
}

static void
test_which(void **state)
{
	char *p;

	(void)state;
	p = spawn_which("sh", "/nonexistent:/bin:/usr/bin");
	assert_non_null(p);
	free(p);
	assert_null(spawn_which("hpctop-no-such-command", "/bin:/usr/bin"));
	assert_null(spawn_which("", NULL));
	assert_null(spawn_which("/nonexistent/x", NULL));
}

static void
test_spawn_missing(void **state)
{
	struct spawn s = { 0 };
	struct err e;
	pid_t pid;

	(void)state;
	strv_push(&s.argv, "hpctop-no-such-command");
	/* Repeated: the exec failure once raced the pid report. */
	for (int i = 0; i < 100; i++) {
		pid = spawn_start(&s, &e);
		if (pid != -1 || strcmp(e.msg,
		    "hpctop-no-such-command: command not found") != 0)
			break;
	}
	spawn_clear(&s);
	assert_int_equal(pid, -1);
	assert_string_equal(e.msg, "hpctop-no-such-command: command not found");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_which),
		cmocka_unit_test(test_spawn_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
