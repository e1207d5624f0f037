/* Renders a finished %px request the way IPython shows it, as text chunks
 * that the CLI writes to stdout/stderr and the dashboard to a pane:
 *
 *   [stdout:0] hello            one-line output stays on the prefix line
 *   [stdout:1]                  several lines start below it
 *   a
 *   b
 *   [stderr:1] warn             (stderr chunk)
 *   [output:0] {'a': 1}         display_data text/plain
 *   [0:execute_result] 42
 *   [2:execute] ZeroDivisionError: division by zero
 *   <traceback>
 *   [3:timeout] no reply        (stderr chunk; also lost, aborted,
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

struct pxfmt_chunk {
	bool is_err;	/* belongs on stderr */
	char *text;	/* owned; ends with a newline; stdout and stderr may
			 * hold NUL bytes (len counts them) */
	size_t len;
};

/* Fills *out with an owned array (pxfmt_free) and returns its length. */
size_t pxfmt_exec(const struct ipp_exec *x, unsigned flags,
    struct pxfmt_chunk **out);
void pxfmt_free(struct pxfmt_chunk *v, size_t n);

/* "[stdout:0] " + text by the rule above. Caller frees. */
char *pxfmt_stream(const char *prefix, const char *text);
/* The same for len bytes that may hold NULs; *outlen (may be NULL) gets
 * the result's length. */
char *pxfmt_stream_n(const char *prefix, const char *text, size_t len,
    size_t *outlen);
/* A copy of s without ANSI escape sequences. Caller frees. */
char *pxfmt_strip_ansi(const char *s);

#endif
