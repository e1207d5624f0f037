#include "pxfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

char *
pxfmt_strip_ansi(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*s != '\0') {
		if (*s != '\033') {
			*o++ = *s++;
			continue;
		}
		s++;
		if (*s == '[') {
			/* CSI: parameters, intermediates, one final byte. */
			s++;
			while (*s >= 0x20 && *s <= 0x3f)
				s++;
			if (*s >= 0x40 && *s <= 0x7e)
				s++;
		} else {
			/* ESC, intermediates, final ("\033(B"). */
			while (*s >= 0x20 && *s <= 0x2f)
				s++;
			if (*s != '\0')
				s++;
		}
	}
	*o = '\0';
	return out;
}

char *
pxfmt_stream(const char *prefix, const char *text)
{
	size_t len = strlen(text), lines = 0;
	bool nl_end = len > 0 && text[len - 1] == '\n';

	for (const char *p = text; *p != '\0'; p++)
		lines += *p == '\n';
	if (lines > (size_t)nl_end) {
		/* IPython starts multi-line output below the prefix. */
		size_t plen = strlen(prefix);

		while (plen > 0 && prefix[plen - 1] == ' ')
			plen--;
		return xasprintf("%.*s\n%s%s", (int)plen, prefix, text,
		    nl_end ? "" : "\n");
	}
	return xasprintf("%s%s%s", prefix, text, nl_end ? "" : "\n");
}

static void
push(struct pxfmt_chunk **v, size_t *n, bool is_err, char *text)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].is_err = is_err;
	(*v)[(*n)++].text = text;
}

static char *
traceback(const struct ipp_reply *r, unsigned flags)
{
	char *tb = strv_join(&r->traceback, "\n"), *out;
	size_t len;

	if (!(flags & PXFMT_COLOR)) {
		char *plain = pxfmt_strip_ansi(tb);

		free(tb);
		tb = plain;
	}
	len = strlen(tb);
	out = xasprintf("[%d:execute] %s: %s\n%s%s", r->engine, r->ename,
	    r->evalue, tb, len > 0 && tb[len - 1] != '\n' ? "\n" : "");
	free(tb);
	return out;
}

size_t
pxfmt_exec(const struct ipp_exec *x, unsigned flags, struct pxfmt_chunk **out)
{
	struct pxfmt_chunk *v = NULL;
	size_t n = 0;
	char prefix[64];

	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].out[0] != '\0') {
			snprintf(prefix, sizeof prefix, "[stdout:%d] ",
			    x->r[i].engine);
			push(&v, &n, false, pxfmt_stream(prefix, x->r[i].out));
		}
	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].err[0] != '\0') {
			snprintf(prefix, sizeof prefix, "[stderr:%d] ",
			    x->r[i].engine);
			push(&v, &n, true, pxfmt_stream(prefix, x->r[i].err));
		}
	for (size_t i = 0; i < x->n; i++)
		for (size_t j = 0; j < x->r[i].displays.n; j++) {
			snprintf(prefix, sizeof prefix, "[output:%d] ",
			    x->r[i].engine);
			push(&v, &n, false, pxfmt_stream(prefix,
			    x->r[i].displays.v[j]));
		}
	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].result != NULL) {
			snprintf(prefix, sizeof prefix, "[%d:execute_result] ",
			    x->r[i].engine);
			push(&v, &n, false, pxfmt_stream(prefix,
			    x->r[i].result));
		}
	for (size_t i = 0; i < x->n; i++) {
		const struct ipp_reply *r = &x->r[i];

		switch (r->status) {
		case IPP_ERROR:
			push(&v, &n, false, traceback(r, flags));
			break;
		case IPP_ABORTED:
			push(&v, &n, true, xasprintf("[%d:aborted] the engine "
			    "aborted the request without running it\n",
			    r->engine));
			break;
		case IPP_TIMEOUT:
			push(&v, &n, true, xasprintf("[%d:timeout] no reply\n",
			    r->engine));
			break;
		case IPP_LOST:
			push(&v, &n, true, xasprintf("[%d:lost] the engine "
			    "went away before answering\n", r->engine));
			break;
		case IPP_PENDING:
		case IPP_OK:
			break;
		}
	}
	*out = v;
	return n;
}

void
pxfmt_free(struct pxfmt_chunk *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}
