#include "shquote.h"

#include <stdbool.h>
#include <string.h>

#include "xmalloc.h"

static bool
safe(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_@%+=:,./-", *s) == NULL)
			return false;
	return true;
}

char *
shquote(const char *s)
{
	size_t n = 3;
	char *out, *o;

	if (safe(s))
		return xstrdup(s);
	for (const char *p = s; *p != '\0'; p++)
		n += *p == '\'' ? 4 : 1;
	o = out = xmalloc(n);
	*o++ = '\'';
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

char *
shquote_argv(char *const *argv)
{
	struct strv words = STRV_INIT;
	char *out;

	for (; *argv != NULL; argv++)
		strv_push_take(&words, shquote(*argv));
	out = strv_join(&words, " ");
	strv_clear(&words);
	return out;
}
