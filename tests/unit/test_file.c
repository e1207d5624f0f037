/* The end of a log (file_tail): the last lines, a byte bound that never
 * shows half a line, secrets masked, and no blocking on a FIFO; writing a
 * file whole (file_write). */
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

/* A log file holding text; the caller unlinks and frees its path. */
static char *
write_log(const char *text)
{
	char *path = xstrdup("/tmp/hpctop-test-file-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
remove_log(char *path)
{
	unlink(path);
	free(path);
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

/* The last lines, within a byte bound that never shows half a line. */
static void
test_tails(void **state)
{
	static const struct {
		const char *text;
		size_t max, lines;
		const char *want;
		bool cut;
	} cases[] = {
		{ "one\ntwo\n\nthree\nfour\n", 4096, 2, "three|four", true },
		{ "one\ntwo\n\nthree\nfour\n", 4096, 0, "one|two||three|four",
		    false },
		{ "one\ntwo\n\nthree\nfour\n", 4096, 10, "one|two||three|four",
		    false },
		{ "no newline at the end", 4096, 3, "no newline at the end",
		    false },
		{ "", 4096, 3, "", false },
		/* The last 10 bytes start inside "second". */
		{ "first line\nsecond\nthird\n", 10, 0, "third", true },
		/* Inside the last line: nothing half shown. */
		{ "first line\nsecond\nthird\n", 3, 0, "", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *path = write_log(cases[i].text), *s;
		bool cut;

		s = tail(path, cases[i].max, cases[i].lines, &cut);
		if (strcmp(s, cases[i].want) != 0 || cut != cases[i].cut)
			fail_msg("case %zu: '%s' (cut %d)", i, s, cut);
		free(s);
		s = tail(path, cases[i].max, cases[i].lines, NULL);
		assert_string_equal(s, cases[i].want);
		free(s);
		remove_log(path);
	}
}

static void
test_secrets_and_errors(void **state)
{
	char *path = write_log("Session.key=b'0123abcd'\nplain\n"), *fifo, *s;
	struct strv out = STRV_INIT;
	struct err e;

	(void)state;
	s = tail(path, 4096, 0, NULL);
	assert_null(strstr(s, "0123abcd"));
	assert_non_null(strstr(s, "|plain"));
	free(s);
	remove_log(path);
	assert_int_equal(file_tail("/nonexistent/x.log", 4096, 3, &out, NULL,
	    &e), -1);
	assert_non_null(strstr(e.msg, "cannot read /nonexistent/x.log"));
	fifo = write_log("");
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(file_tail(fifo, 4096, 3, &out, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file (a FIFO)"));
	assert_int_equal(out.n, 0);
	remove_log(fifo);
}

static void
test_write(void **state)
{
	char dir[] = "/tmp/hpctop-test-file-XXXXXX";
	char *path, *missing, *buf;
	struct stat st;
	struct err e;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/script.sh", dir);
	assert_int_equal(file_write(path, "#!/bin/sh\necho hi\n", 0700, &e),
	    0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again, shorter: the file is truncated, not overwritten in part. */
	assert_int_equal(file_write(path, "x\n", 0600, &e), 0);
	assert_int_equal(file_read(path, 100, 0, &buf, &len, &e), 0);
	assert_string_equal(buf, "x\n");
	free(buf);
	missing = xasprintf("%s/no/such", dir);
	assert_int_equal(file_write(missing, "x", 0600, &e), -1);
	assert_string_equal(strstr(e.msg, "cannot write "), e.msg);
	assert_non_null(strstr(e.msg, "/no/such: No such file or directory"));
	unlink(path);
	rmdir(dir);
	free(missing);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tails),
		cmocka_unit_test(test_secrets_and_errors),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
