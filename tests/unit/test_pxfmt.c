/* The px renderer's records, once for every kind: labels, the order
 * (grouped by kind, then engine), one-line text on the label line and
 * several lines below it, NUL bytes kept, ANSI colours kept or stripped,
 * and which kinds go to stderr. The CLI and the dashboard both print
 * these records; tests/px_render.t checks both on a real cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/pxfmt.h"
#include "core/xmalloc.h"

static void
reply(struct ipp_reply *r, int engine, enum ipp_status st)
{
	memset(r, 0, sizeof *r);
	r->engine = engine;
	r->status = st;
	r->out = xstrdup("");
	r->err = xstrdup("");
}

/* A finished request with n replies, as the client leaves it. */
static struct ipp_exec
exec_of(size_t n)
{
	struct ipp_exec x = { 0 };

	x.n = n;
	x.r = xcalloc(n, sizeof *x.r);
	return x;
}

static void
set_out(char **p, size_t *len, const char *s, size_t n)
{
	free(*p);
	*p = xmalloc(n + 1);
	memcpy(*p, s, n);
	(*p)[n] = '\0';
	*len = n;
}

static void
clear(struct ipp_exec *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct ipp_reply *r = &x->r[i];

		free(r->out);
		free(r->err);
		free(r->result);
		free(r->ename);
		free(r->evalue);
		strv_clear(&r->displays);
		strv_clear(&r->traceback);
	}
	free(x->r);
}

static void
check(const struct pxfmt_rec *r, enum pxfmt_kind k, int engine,
    const char *label, const char *text, size_t len)
{
	assert_int_equal(r->kind, k);
	assert_int_equal(r->engine, engine);
	assert_int_equal(r->label_len, strlen(label));
	assert_memory_equal(r->text, label, strlen(label));
	assert_int_equal(r->len, len);
	assert_memory_equal(r->text, text, len);
}

#define CHECK(r, k, e, label, text) \
	check(r, k, e, label, text, sizeof text - 1)

static void
test_every_kind(void **state)
{
	struct ipp_exec x = exec_of(7);
	struct pxfmt_rec *v;
	size_t n;

	(void)state;
	/* Engine 3 first: records follow target order, not ids. */
	reply(&x.r[0], 3, IPP_OK);
	set_out(&x.r[0].out, &x.r[0].outlen, "one\n", 4);
	strv_push(&x.r[0].displays, "'hi'");
	strv_push(&x.r[0].displays, "a\nb");
	x.r[0].result = xstrdup("42");
	reply(&x.r[1], 0, IPP_ERROR);
	set_out(&x.r[1].out, &x.r[1].outlen, "a\nb\n", 4);
	set_out(&x.r[1].err, &x.r[1].errlen, "warn", 4);
	x.r[1].ename = xstrdup("ZeroDivisionError");
	x.r[1].evalue = xstrdup("division by zero");
	strv_push(&x.r[1].traceback, "\033[0;31m---\033[0m");
	strv_push(&x.r[1].traceback, "ZeroDivisionError: boom");
	reply(&x.r[2], 1, IPP_TIMEOUT);
	reply(&x.r[3], 2, IPP_LOST);
	reply(&x.r[4], 4, IPP_DISCONNECTED);
	reply(&x.r[5], 5, IPP_ABORTED);
	/* An unreadable reply is an error the client made up, with why. */
	reply(&x.r[6], 6, IPP_ERROR);
	x.r[6].ename = xstrdup("UnreadableReply");
	x.r[6].evalue = xstrdup("the reply of engine 6 could not be read");

	n = pxfmt_exec(&x, 0, &v);
	/* Engine 3 finished fine: no status record for it. */
	assert_int_equal(n, 12);
	CHECK(&v[0], PXFMT_STDOUT, 3, "[stdout:3]", "[stdout:3] one\n");
	CHECK(&v[1], PXFMT_STDOUT, 0, "[stdout:0]", "[stdout:0]\na\nb\n");
	CHECK(&v[2], PXFMT_STDERR, 0, "[stderr:0]", "[stderr:0] warn\n");
	CHECK(&v[3], PXFMT_OUTPUT, 3, "[output:3]", "[output:3] 'hi'\n");
	CHECK(&v[4], PXFMT_OUTPUT, 3, "[output:3]", "[output:3]\na\nb\n");
	CHECK(&v[5], PXFMT_RESULT, 3, "[3:execute_result]",
	    "[3:execute_result] 42\n");
	CHECK(&v[6], PXFMT_ERROR, 0, "[0:execute]", "[0:execute] "
	    "ZeroDivisionError: division by zero\n---\n"
	    "ZeroDivisionError: boom\n");
	CHECK(&v[7], PXFMT_TIMEOUT, 1, "[1:timeout]", "[1:timeout] no reply\n");
	CHECK(&v[8], PXFMT_LOST, 2, "[2:lost]",
	    "[2:lost] the engine went away before answering\n");
	CHECK(&v[9], PXFMT_DISCONNECTED, 4, "[4:disconnected]",
	    "[4:disconnected] the controller stopped answering before the "
	    "engine replied\n");
	CHECK(&v[10], PXFMT_ABORTED, 5, "[5:aborted]", "[5:aborted] the engine "
	    "aborted the request without running it\n");
	CHECK(&v[11], PXFMT_ERROR, 6, "[6:execute]", "[6:execute] "
	    "UnreadableReply: the reply of engine 6 could not be read\n");
	pxfmt_free(v, n);

	/* Colours kept for a terminal. */
	n = pxfmt_exec(&x, PXFMT_COLOR, &v);
	assert_non_null(strstr(v[6].text, "\n\033[0;31m---\033[0m\n"));
	pxfmt_free(v, n);
	clear(&x);
}

static void
test_stderr_kinds(void **state)
{
	(void)state;
	for (int k = 0; k < PXFMT_NKINDS; k++)
		assert_int_equal(pxfmt_to_stderr(k), k == PXFMT_STDERR ||
		    k == PXFMT_ABORTED || k == PXFMT_TIMEOUT ||
		    k == PXFMT_LOST || k == PXFMT_DISCONNECTED);
}

static void
test_nul_and_newlines(void **state)
{
	struct ipp_exec x = exec_of(1);
	struct pxfmt_rec *v;
	size_t n;

	(void)state;
	reply(&x.r[0], 0, IPP_OK);
	/* NUL kept as a byte; no newline at the end gets one. */
	set_out(&x.r[0].out, &x.r[0].outlen, "nul:\0:end", 9);
	/* Several lines without the final newline start below the label. */
	set_out(&x.r[0].err, &x.r[0].errlen, "x\ny", 3);
	n = pxfmt_exec(&x, 0, &v);
	assert_int_equal(n, 2);
	CHECK(&v[0], PXFMT_STDOUT, 0, "[stdout:0]", "[stdout:0] nul:\0:end\n");
	CHECK(&v[1], PXFMT_STDERR, 0, "[stderr:0]", "[stderr:0]\nx\ny\n");
	pxfmt_free(v, n);
	clear(&x);
}

static void
test_label_and_strip(void **state)
{
	char buf[8], *s;

	(void)state;
	assert_int_equal(pxfmt_label(PXFMT_OUTPUT, 12, buf, sizeof buf), 7);
	assert_string_equal(buf, "[output");
	s = pxfmt_strip_ansi("\033[0;31mred\033[0m \033[1;32;40mx\033(B");
	assert_string_equal(s, "red x");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_stderr_kinds),
		cmocka_unit_test(test_nul_and_newlines),
		cmocka_unit_test(test_label_and_strip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
