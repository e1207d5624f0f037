#include "field.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static bool
is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

void
field_init(struct field *f, size_t max, unsigned flags, size_t maxhist)
{
	memset(f, 0, sizeof *f);
	f->cap = 16;
	f->buf = xcalloc(f->cap, 1);
	f->max = max;
	f->flags = flags;
	f->maxhist = maxhist;
}

void
field_free(struct field *f)
{
	free(f->buf);
	for (size_t i = 0; i < f->nhist; i++)
		free(f->hist[i]);
	free(f->hist);
	free(f->draft);
	memset(f, 0, sizeof *f);
}

const char *
field_text(const struct field *f)
{
	return f->buf;
}

static void
reserve(struct field *f, size_t need)
{
	if (need + 1 <= f->cap)
		return;
	while (f->cap < need + 1)
		f->cap *= 2;
	f->buf = xreallocarray(f->buf, f->cap, 1);
}

void
field_set(struct field *f, const char *text)
{
	size_t n = strlen(text);

	if (n > f->max) {
		n = f->max;
		while (n > 0 && is_cont((unsigned char)text[n]))
			n--;
	}
	reserve(f, n);
	memcpy(f->buf, text, n);
	f->buf[n] = '\0';
	f->len = f->cur = n;
}

/* UTF-8 encoding of cp; 0 if cp is not encodable. */
static size_t
encode(int cp, char out[4])
{
	if (cp < 0)
		return 0;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp < 0x110000) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

bool
field_insert(struct field *f, int cp)
{
	char enc[4];
	size_t n;

	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return false;
	if ((f->flags & FIELD_DIGITS) && (cp < '0' || cp > '9'))
		return false;
	n = encode(cp, enc);
	if (n == 0 || f->len + n > f->max)
		return false;
	reserve(f, f->len + n);
	memmove(f->buf + f->cur + n, f->buf + f->cur, f->len - f->cur + 1);
	memcpy(f->buf + f->cur, enc, n);
	f->len += n;
	f->cur += n;
	return true;
}

static size_t
prev_char(const struct field *f, size_t at)
{
	if (at == 0)
		return 0;
	at--;
	while (at > 0 && is_cont((unsigned char)f->buf[at]))
		at--;
	return at;
}

static size_t
next_char(const struct field *f, size_t at)
{
	if (at >= f->len)
		return f->len;
	at++;
	while (at < f->len && is_cont((unsigned char)f->buf[at]))
		at++;
	return at;
}

/* Removes bytes [from, to). */
static void
cut(struct field *f, size_t from, size_t to)
{
	memmove(f->buf + from, f->buf + to, f->len - to + 1);
	f->len -= to - from;
	f->cur = from;
}

bool
field_backspace(struct field *f)
{
	if (f->cur == 0)
		return false;
	cut(f, prev_char(f, f->cur), f->cur);
	return true;
}

bool
field_delete(struct field *f)
{
	size_t at = f->cur;

	if (at >= f->len)
		return false;
	cut(f, at, next_char(f, at));
	return true;
}

bool
field_left(struct field *f)
{
	if (f->cur == 0)
		return false;
	f->cur = prev_char(f, f->cur);
	return true;
}

bool
field_right(struct field *f)
{
	if (f->cur >= f->len)
		return false;
	f->cur = next_char(f, f->cur);
	return true;
}

bool
field_home(struct field *f)
{
	if (f->cur == 0)
		return false;
	f->cur = 0;
	return true;
}

bool
field_end(struct field *f)
{
	if (f->cur == f->len)
		return false;
	f->cur = f->len;
	return true;
}

bool
field_clear(struct field *f)
{
	if (f->len == 0)
		return false;
	f->buf[0] = '\0';
	f->len = f->cur = 0;
	return true;
}

bool
field_kill_end(struct field *f)
{
	if (f->cur == f->len)
		return false;
	f->buf[f->cur] = '\0';
	f->len = f->cur;
	return true;
}

bool
field_kill_word(struct field *f)
{
	size_t at = f->cur;

	if (at == 0)
		return false;
	while (at > 0 && f->buf[at - 1] == ' ')
		at--;
	while (at > 0 && f->buf[at - 1] != ' ')
		at--;
	cut(f, at, f->cur);
	return true;
}

size_t
field_cursor_chars(const struct field *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->cur; i++)
		if (!is_cont((unsigned char)f->buf[i]))
			n++;
	return n;
}

static void
end_browsing(struct field *f)
{
	free(f->draft);
	f->draft = NULL;
	f->hpos = f->nhist;
}

void
field_history_commit(struct field *f)
{
	if (f->maxhist > 0 && f->len > 0 &&
	    (f->nhist == 0 || strcmp(f->hist[f->nhist - 1], f->buf) != 0)) {
		if (f->nhist == f->maxhist) {
			free(f->hist[0]);
			memmove(f->hist, f->hist + 1,
			    (f->nhist - 1) * sizeof *f->hist);
			f->nhist--;
		} else
			f->hist = xreallocarray(f->hist, f->nhist + 1,
			    sizeof *f->hist);
		f->hist[f->nhist++] = xstrdup(f->buf);
	}
	field_clear(f);
	end_browsing(f);
}

bool
field_history_prev(struct field *f)
{
	if (f->hpos == 0)
		return false;
	if (f->hpos == f->nhist) {
		free(f->draft);
		f->draft = xstrdup(f->buf);
	}
	f->hpos--;
	field_set(f, f->hist[f->hpos]);
	return true;
}

bool
field_history_next(struct field *f)
{
	if (f->hpos >= f->nhist)
		return false;
	f->hpos++;
	if (f->hpos == f->nhist) {
		field_set(f, f->draft != NULL ? f->draft : "");
		free(f->draft);
		f->draft = NULL;
	} else
		field_set(f, f->hist[f->hpos]);
	return true;
}
