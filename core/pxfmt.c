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
pxfmt_stream_n(const char *prefix, const char *text, size_t len,
    size_t *outlen)
{
	size_t lines = 0, plen = strlen(prefix), n = 0;
	bool nl_end = len > 0 && text[len - 1] == '\n';
	char *out = xmalloc(plen + len + 3);

	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	memcpy(out, prefix, plen);
	n = plen;
	if (lines > (size_t)nl_end) {
		/* IPython starts multi-line output below the prefix. */
		while (n > 0 && out[n - 1] == ' ')
			n--;
		out[n++] = '\n';
	}
	memcpy(out + n, text, len);
	n += len;
	if (!nl_end)
		out[n++] = '\n';
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return out;
}

char *
pxfmt_stream(const char *prefix, const char *text)
{
	return pxfmt_stream_n(prefix, text, strlen(text), NULL);
}

static void
push_n(struct pxfmt_chunk **v, size_t *n, bool is_err, char *text,
    size_t len)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].is_err = is_err;
	(*v)[*n].len = len;
	(*v)[(*n)++].text = text;
}

static void
push(struct pxfmt_chunk **v, size_t *n, bool is_err, char *text)
{
	push_n(v, n, is_err, text, strlen(text));
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
	size_t n = 0, len;
	char prefix[64], *t;

	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].outlen > 0) {
			snprintf(prefix, sizeof prefix, "[stdout:%d] ",
			    x->r[i].engine);
			t = pxfmt_stream_n(prefix, x->r[i].out, x->r[i].outlen,
			    &len);
			push_n(&v, &n, false, t, len);
		}
	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].errlen > 0) {
			snprintf(prefix, sizeof prefix, "[stderr:%d] ",
			    x->r[i].engine);
			t = pxfmt_stream_n(prefix, x->r[i].err, x->r[i].errlen,
			    &len);
			push_n(&v, &n, true, t, len);
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
		case IPP_DISCONNECTED:
			push(&v, &n, true, xasprintf("[%d:disconnected] the "
			    "controller stopped answering before the engine "
			    "replied\n", r->engine));
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
