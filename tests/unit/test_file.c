/* The end of a log (file_tail): the last lines, a byte bound that never
 * shows half a line, secrets masked, and no blocking on a FIFO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/xmalloc.h"

static char tmpdir[] = "/tmp/hpctop-test-file-XXXXXX";

static char *
write_log(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* The lines of file_tail joined with '|', and whether it cut. */
static char *
tail(const char *path, size_t max, size_t lines, bool *cut)
{
	struct strv out = STRV_INIT;
	struct err e;
	char *s;

	if (file_tail(path, max, lines, &out, cut, &e) == -1)
		fail_msg("%s", e.msg);
	s = strv_join(&out, "|");
	strv_clear(&out);
	return s != NULL ? s : xstrdup("");
}

static void
test_lines(void **state)
{
	char *path = write_log("a.log", "one\ntwo\n\nthree\nfour\n"), *s;
	bool cut;

	(void)state;
	s = tail(path, 4096, 2, &cut);
	assert_string_equal(s, "three|four");
	assert_true(cut);
	free(s);
	s = tail(path, 4096, 0, &cut);
	assert_string_equal(s, "one|two||three|four");
	assert_false(cut);
	free(s);
	s = tail(path, 4096, 10, NULL);
	assert_string_equal(s, "one|two||three|four");
	free(s);
	free(path);
	path = write_log("b.log", "no newline at the end");
	s = tail(path, 4096, 3, &cut);
	assert_string_equal(s, "no newline at the end");
	assert_false(cut);
	free(s);
	free(path);
	path = write_log("empty.log", "");
	s = tail(path, 4096, 3, &cut);
	assert_string_equal(s, "");
	free(s);
	free(path);
}

static void
test_bytes(void **state)
{
	char *path = write_log("c.log", "first line\nsecond\nthird\n"), *s;
	bool cut;

	(void)state;
	/* The last 10 bytes start inside "second": only whole lines. */
	s = tail(path, 10, 0, &cut);
	assert_string_equal(s, "third");
	assert_true(cut);
	free(s);
	/* One long line larger than the bound: nothing half shown. */
	s = tail(path, 3, 0, &cut);
	assert_string_equal(s, "");
	assert_true(cut);
	free(s);
	free(path);
}

static void
test_secrets_and_errors(void **state)
{
	char *path = write_log("k.log",
	    "Session.key=b'0123abcd'\nplain\n"), *fifo, *s;
	struct strv out = STRV_INIT;
	struct err e;

	(void)state;
	s = tail(path, 4096, 0, NULL);
	assert_null(strstr(s, "0123abcd"));
	assert_non_null(strstr(s, "|plain"));
	free(s);
	free(path);
	assert_int_equal(file_tail("/nonexistent/x.log", 4096, 3, &out, NULL,
	    &e), -1);
	assert_non_null(strstr(e.msg, "cannot read /nonexistent/x.log"));
	fifo = xasprintf("%s/fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(file_tail(fifo, 4096, 3, &out, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file (a FIFO)"));
	assert_int_equal(out.n, 0);
	free(fifo);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_secrets_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
