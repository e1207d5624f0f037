#include "textscan.h"

#include <limits.h>
#include <string.h>

#include "xmalloc.h"

void
textscan_init(struct textscan *s, const char *buf, size_t len)
{
	s->p = buf;
	s->end = buf + len;
	s->lineno = 0;
}

bool
textscan_line(struct textscan *s, struct span *line, bool *complete)
{
	const char *nl;

	if (s->p >= s->end)
		return false;
	nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
	line->p = s->p;
	if (nl == NULL) {
		line->n = (size_t)(s->end - s->p);
		s->p = s->end;
	} else {
		line->n = (size_t)(nl - s->p);
		s->p = nl + 1;
	}
	if (line->n > 0 && line->p[line->n - 1] == '\r')
		line->n--;
	if (complete != NULL)
		*complete = nl != NULL;
	s->lineno++;
	return true;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

struct span
textscan_trim(struct span s)
{
	while (s.n > 0 && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

size_t
textscan_words(struct span s, struct span *w, size_t max, struct span *rest)
{
	size_t k = 0, i = 0;

	while (k < max) {
		while (i < s.n && is_blank(s.p[i]))
			i++;
		if (i == s.n)
			break;
		w[k].p = s.p + i;
		while (i < s.n && !is_blank(s.p[i]))
			i++;
		w[k].n = (size_t)(s.p + i - w[k].p);
		k++;
	}
	if (rest != NULL) {
		rest->p = s.p + i;
		rest->n = s.n - i;
		*rest = textscan_trim(*rest);
	}
	return k;
}

bool
textscan_pop_word(struct span *s, struct span *word)
{
	size_t n;

	*s = textscan_trim(*s);
	if (s->n == 0)
		return false;
	n = s->n;
	while (n > 0 && !is_blank(s->p[n - 1]))
		n--;
	word->p = s->p + n;
	word->n = s->n - n;
	s->n = n;
	*s = textscan_trim(*s);
	return true;
}

bool
textscan_has_ctl(struct span s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return true;
	}
	return false;
}

char *
textscan_dup(struct span s)
{
	return s.n == 0 ? NULL : xstrndup(s.p, s.n);
}

int
textscan_int(struct span s)
{
	long v = 0;

	if (s.n == 0)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
		if (v > INT_MAX)
			return -1;
	}
	return (int)v;
}
