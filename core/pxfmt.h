/* The one renderer of a finished %px request: records (kind, engine,
 * text) laid out the way IPython shows them. The CLI writes each record's
 * bytes to stdout or stderr; the dashboard splits them into lines and
 * colours them by kind. One record per block:
 *
 *   [stdout:0] hello            one-line output stays on the label line
 *   [stdout:1]                  several lines start below it
 *   a
 *   b
 *   [stderr:1] warn             (on stderr)
 *   [output:0] {'a': 1}         display_data text/plain
 *   [0:execute_result] 42
 *   [2:execute] ZeroDivisionError: division by zero
 *   <traceback>
 *   [3:timeout] no reply        (on stderr; also aborted, lost,
 *                               disconnected)
 *
 * Grouped by kind, then by engine in target order, like IPython's default
 * groupby="type". */
#ifndef HPCTOP_PXFMT_H
#define HPCTOP_PXFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "ipp.h"

/* Keep the engines' ANSI colours in tracebacks (for a terminal); without
 * it they are stripped. */
#define PXFMT_COLOR 1u

/* In the order records are emitted. */
enum pxfmt_kind {
	PXFMT_STDOUT,		/* [stdout:N] */
	PXFMT_STDERR,		/* [stderr:N] */
	PXFMT_OUTPUT,		/* [output:N]: display_data */
	PXFMT_RESULT,		/* [N:execute_result] */
	PXFMT_ERROR,		/* [N:execute] Ename: value, traceback */
	PXFMT_ABORTED,		/* [N:aborted] */
	PXFMT_TIMEOUT,		/* [N:timeout] no reply */
	PXFMT_LOST,		/* [N:lost] */
	PXFMT_DISCONNECTED,	/* [N:disconnected] */
	PXFMT_NKINDS
};

struct pxfmt_rec {
	enum pxfmt_kind kind;
	int engine;
	char *text;	/* owned: the label, then the text; ends with a
			 * newline; stdout and stderr may hold NUL bytes (len
			 * counts them) */
	size_t len;
	size_t label_len; /* text[0..label_len) is the label ("[stdout:0]") */
};

/* Fills *out with an owned array (pxfmt_free) and returns its length. */
size_t pxfmt_exec(const struct ipp_exec *x, unsigned flags,
    struct pxfmt_rec **out);
void pxfmt_free(struct pxfmt_rec *v, size_t n);

/* The label of kind k for engine ("[stdout:0]", "[0:timeout]") into
 * buf; returns its length. */
size_t pxfmt_label(enum pxfmt_kind k, int engine, char *buf, size_t len);
/* True for the kinds the CLI writes to stderr (as IPython does). */
bool pxfmt_to_stderr(enum pxfmt_kind k);
/* A copy of s without ANSI escape sequences. Caller frees. */
char *pxfmt_strip_ansi(const char *s);

#endif
