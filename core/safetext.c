#include "safetext.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "xmalloc.h"

size_t
safetext_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

/* Walks s a UTF-8 sequence at a time (len 0: an invalid byte, passed as
 * one); true at the first for which hit is. */
static bool
any_seq(const char *s, bool (*hit)(const unsigned char *p, size_t len))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n > 0) {
		size_t len = safetext_utf8_len(p, n);

		if (hit(p, len))
			return true;
		len += len == 0;
		p += len;
		n -= len;
	}
	return false;
}

static bool
is_invalid(const unsigned char *p, size_t len)
{
	(void)p;
	return len == 0;
}

bool
safetext_utf8_valid(const char *s)
{
	return !any_seq(s, is_invalid);
}

/* C1 controls are U+0080..U+009F, encoded C2 80..C2 9F. */
static bool
is_c1(const unsigned char *p, size_t len)
{
	return len == 2 && p[0] == 0xC2 && p[1] < 0xA0;
}

static bool
is_ctl(const unsigned char *p, size_t len)
{
	return len != 0 && (*p < 0x20 || *p == 0x7F || is_c1(p, len));
}

bool
safetext_has_ctl(const char *s)
{
	return any_seq(s, is_ctl);
}

char *
safetext_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), j = 0;
	/* Worst case: every byte becomes four, or two bytes six. */
	char *out = xmalloc(n * 4 + 1);

	while (n > 0) {
		size_t len = safetext_utf8_len(p, n);

		if (len == 0 || *p < 0x20 || *p == 0x7F) {
			j += (size_t)sprintf(out + j, "\\x%02x", *p);
			len = 1;
		} else if (is_c1(p, len)) {
			j += (size_t)sprintf(out + j, "\\u%04x", p[1]);
		} else {
			memcpy(out + j, p, len);
			j += len;
		}
		p += len;
		n -= len;
	}
	out[j] = '\0';
	return out;
}

/* The value after a name that ends in "key" at s[i..], or 0. */
static size_t
mask_value(char *s, size_t n, size_t i)
{
	size_t start = i, end;
	char q;

	if (i < n && (s[i] == '\'' || s[i] == '"'))
		i++;
	while (i < n && s[i] == ' ')
		i++;
	if (i >= n || (s[i] != ':' && s[i] != '='))
		return 0;
	q = s[i++];
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == 'b' && i + 1 < n && (s[i + 1] == '\'' ||
	    s[i + 1] == '"'))
		i++;
	if (i < n && (s[i] == '\'' || s[i] == '"')) {
		char quote = s[i++];

		for (end = i; end < n && s[end] != quote && s[end] != '\n';
		    end++)
			if (s[end] == '\\' && end + 1 < n && s[end + 1] != '\n')
				s[end++] = '*';
	} else if (q == '=') {
		for (end = i; end < n && !isspace((unsigned char)s[end]) &&
		    strchr(",;}'\"", s[end]) == NULL; end++)
			;
	} else {
		return 0;
	}
	memset(s + i, '*', end - i);
	return end > start ? end - start : 0;
}

void
safetext_mask_secrets(char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (strncasecmp(s + i, "key", 3) != 0 ||
		    (i + 3 < n && (isalnum((unsigned char)s[i + 3]) ||
		    s[i + 3] == '_')))
			continue;
		i += 3 + mask_value(s, n, i + 3);
	}
}
