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

/* The labels: "[stdout:0]" names first, "[0:execute]" the engine first,
 * as IPython writes them; text is the fixed message of a status kind. */
static const struct {
	const char *name;
	bool name_first;
	bool to_stderr;
	const char *text;
} kinds[PXFMT_NKINDS] = {
	[PXFMT_STDOUT] = { "stdout", true, false, NULL },
	[PXFMT_STDERR] = { "stderr", true, true, NULL },
	[PXFMT_OUTPUT] = { "output", true, false, NULL },
	[PXFMT_RESULT] = { "execute_result", false, false, NULL },
	[PXFMT_ERROR] = { "execute", false, false, NULL },
	[PXFMT_ABORTED] = { "aborted", false, true,
	    "the engine aborted the request without running it" },
	[PXFMT_TIMEOUT] = { "timeout", false, true, "no reply" },
	[PXFMT_LOST] = { "lost", false, true,
	    "the engine went away before answering" },
	[PXFMT_DISCONNECTED] = { "disconnected", false, true,
	    "the controller stopped answering before the engine replied" },
};

bool
pxfmt_to_stderr(enum pxfmt_kind k)
{
	return kinds[k].to_stderr;
}

size_t
pxfmt_label(enum pxfmt_kind k, int engine, char *buf, size_t len)
{
	int n = kinds[k].name_first ?
	    snprintf(buf, len, "[%s:%d]", kinds[k].name, engine) :
	    snprintf(buf, len, "[%d:%s]", engine, kinds[k].name);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* label, then text: on the label line when it is one line, else from the
 * next line, as IPython prints stream output; always ends with a
 * newline. text may hold NULs. */
static char *
layout(const char *lab, size_t llen, const char *text, size_t len,
    size_t *outlen)
{
	size_t lines = 0, n = llen;
	bool nl_end = len > 0 && text[len - 1] == '\n';
	char *out = xmalloc(llen + len + 3);

	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	memcpy(out, lab, llen);
	out[n++] = lines > (size_t)nl_end ? '\n' : ' ';
	memcpy(out + n, text, len);
	n += len;
	if (!nl_end)
		out[n++] = '\n';
	out[n] = '\0';
	*outlen = n;
	return out;
}

static void
append(struct pxfmt_rec **v, size_t *n, enum pxfmt_kind k, int engine,
    size_t label_len, char *text, size_t len)
{
	struct pxfmt_rec *r;

	*v = xreallocarray(*v, *n + 1, sizeof **v);
	r = &(*v)[(*n)++];
	r->kind = k;
	r->engine = engine;
	r->label_len = label_len;
	r->text = text;
	r->len = len;
}

static void
push(struct pxfmt_rec **v, size_t *n, enum pxfmt_kind k, int engine,
    const char *text, size_t len)
{
	char lab[64], *t;
	size_t llen = pxfmt_label(k, engine, lab, sizeof lab), tlen;

	t = layout(lab, llen, text, len, &tlen);
	append(v, n, k, engine, llen, t, tlen);
}

/* "Ename: value" on the label line, the traceback lines below it. */
static void
push_error(struct pxfmt_rec **v, size_t *n, const struct ipp_reply *r,
    unsigned flags)
{
	char *tb = strv_join(&r->traceback, "\n"), *text, lab[64];
	size_t llen = pxfmt_label(PXFMT_ERROR, r->engine, lab, sizeof lab), len;

	if (!(flags & PXFMT_COLOR)) {
		char *plain = pxfmt_strip_ansi(tb);

		free(tb);
		tb = plain;
	}
	len = strlen(tb);
	text = xasprintf("%s %s: %s\n%s%s", lab, r->ename ? r->ename : "?",
	    r->evalue ? r->evalue : "", tb,
	    len > 0 && tb[len - 1] != '\n' ? "\n" : "");
	free(tb);
	append(v, n, PXFMT_ERROR, r->engine, llen, text, strlen(text));
}

static enum pxfmt_kind
status_kind(enum ipp_status s)
{
	switch (s) {
	case IPP_ABORTED: return PXFMT_ABORTED;
	case IPP_TIMEOUT: return PXFMT_TIMEOUT;
	case IPP_LOST: return PXFMT_LOST;
	case IPP_DISCONNECTED: return PXFMT_DISCONNECTED;
	case IPP_PENDING:
	case IPP_OK:
	case IPP_ERROR:
		break;
	}
	return PXFMT_NKINDS;
}

size_t
pxfmt_exec(const struct ipp_exec *x, unsigned flags, struct pxfmt_rec **out)
{
	struct pxfmt_rec *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].outlen > 0)
			push(&v, &n, PXFMT_STDOUT, x->r[i].engine, x->r[i].out,
			    x->r[i].outlen);
	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].errlen > 0)
			push(&v, &n, PXFMT_STDERR, x->r[i].engine, x->r[i].err,
			    x->r[i].errlen);
	for (size_t i = 0; i < x->n; i++)
		for (size_t j = 0; j < x->r[i].displays.n; j++)
			push(&v, &n, PXFMT_OUTPUT, x->r[i].engine,
			    x->r[i].displays.v[j],
			    strlen(x->r[i].displays.v[j]));
	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].result != NULL)
			push(&v, &n, PXFMT_RESULT, x->r[i].engine,
			    x->r[i].result, strlen(x->r[i].result));
	for (size_t i = 0; i < x->n; i++) {
		const struct ipp_reply *r = &x->r[i];
		enum pxfmt_kind k = status_kind(r->status);

		if (r->status == IPP_ERROR)
			push_error(&v, &n, r, flags);
		else if (k != PXFMT_NKINDS)
			push(&v, &n, k, r->engine, kinds[k].text,
			    strlen(kinds[k].text));
	}
	*out = v;
	return n;
}

void
pxfmt_free(struct pxfmt_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}
