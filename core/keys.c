#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

static const struct {
	int key;
	const char *name;
} names[] = {
	{ KEYC_UP, "Up" },
	{ KEYC_DOWN, "Down" },
	{ KEYC_LEFT, "Left" },
	{ KEYC_RIGHT, "Right" },
	{ KEYC_HOME, "Home" },
	{ KEYC_END, "End" },
	{ KEYC_PPAGE, "PgUp" },
	{ KEYC_NPAGE, "PgDn" },
	{ KEYC_BSPACE, "Backspace" },
	{ KEYC_DC, "Delete" },
	{ KEYC_RESIZE, "Resize" },
	{ KEYC_PRINTABLE, "text" },
	{ KEYC_TAB, "Tab" },
	{ KEYC_ENTER, "Enter" },
	{ KEYC_ESCAPE, "Esc" },
	{ KEYC_SPACE, "Space" },
};

bool
keys_printable(int key)
{
	return key > KEYC_SPACE && key < KEYC_BASE && key != 0x7f &&
	    !(key >= 0x80 && key < 0xa0);
}

const char *
keys_name(int key, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (names[i].key == key) {
			snprintf(buf, len, "%s", names[i].name);
			return buf;
		}
	}
	if (key >= KEYC_F1 && key <= KEYC_F12)
		snprintf(buf, len, "F%d", key - KEYC_F1 + 1);
	else if (key >= 1 && key <= 26)
		snprintf(buf, len, "C-%c", 'a' + key - 1);
	else if (keys_printable(key)) {
		char mb[8];
		mbstate_t st;
		size_t n;

		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)key, &st);
		if (n == (size_t)-1)
			snprintf(buf, len, "U+%04X", (unsigned)key);
		else
			snprintf(buf, len, "%.*s", (int)n, mb);
	} else
		snprintf(buf, len, "U+%04X", (unsigned)key);
	return buf;
}

int
keys_parse(const char *name)
{
	char *end;

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcasecmp(names[i].name, name) == 0)
			return names[i].key;
	if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' &&
	    name[1] <= '9') {
		long n = strtol(name + 1, &end, 10);

		if (*end == '\0' && n >= 1 && n <= 12)
			return KEYC_F((int)n);
	}
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' &&
	    name[2] >= 'a' && name[2] <= 'z' && name[3] == '\0')
		return KEYC_CTRL(name[2]);
	if (name[0] != '\0') {
		mbstate_t st;
		wchar_t wc;
		size_t n;

		memset(&st, 0, sizeof st);
		n = mbrtowc(&wc, name, strlen(name), &st);
		if (n != (size_t)-1 && n != (size_t)-2 && n > 0 &&
		    name[n] == '\0' && keys_printable((int)wc))
			return (int)wc;
	}
	return KEYC_NONE;
}

const struct keys_binding *
keys_lookup(const struct keys_binding *tab, size_t n, int mode, int key)
{
	const struct keys_binding *any = NULL;

	for (size_t i = 0; i < n; i++) {
		if (tab[i].mode != mode)
			continue;
		if (tab[i].key == key)
			return &tab[i];
		if (tab[i].key == KEYC_PRINTABLE && any == NULL)
			any = &tab[i];
	}
	return keys_printable(key) ? any : NULL;
}

size_t
keys_describe(const struct keys_binding *tab, size_t n, int mode,
    int action, const char *sep, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char name[32];
		int w;

		if (tab[i].mode != mode || tab[i].action != action)
			continue;
		keys_name(tab[i].key, name, sizeof name);
		w = snprintf(buf + used, len - used, "%s%s",
		    used > 0 ? sep : "", name);
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0';	/* whole names only */
			break;
		}
		used += (size_t)w;
	}
	return used;
}
