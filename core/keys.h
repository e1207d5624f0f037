/* Key codes, their names, and lookup in a binding table (tmux's
 * key-string.c and key-bindings.c, reduced). No curses here: the terminal
 * layer translates what it reads into these codes, so tables, help text
 * and lookups are plain data that unit tests can check. */
#ifndef HPCTOP_KEYS_H
#define HPCTOP_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* Below KEYC_BASE a key is a Unicode code point; C-a..C-z are 1..26, Tab
 * 9, Enter 13 and Escape 27 as on a terminal. */
enum {
	KEYC_TAB = 9,
	KEYC_ENTER = 13,
	KEYC_ESCAPE = 27,
	KEYC_SPACE = 32,
	KEYC_BASE = 0x110000,
	KEYC_UP = KEYC_BASE,
	KEYC_DOWN,
	KEYC_LEFT,
	KEYC_RIGHT,
	KEYC_HOME,
	KEYC_END,
	KEYC_PPAGE,
	KEYC_NPAGE,
	KEYC_BSPACE,
	KEYC_DC,
	KEYC_RESIZE,
	KEYC_F1,		/* KEYC_F1 + n - 1 is Fn, up to F12 */
	KEYC_F12 = KEYC_F1 + 11,
	/* Only in binding tables: matches any printable character that has
	 * no binding of its own in the same mode. */
	KEYC_PRINTABLE,
	KEYC_NONE = -1,
};

#define KEYC_CTRL(c) ((c) & 0x1f)	/* KEYC_CTRL('u') is C-u */
#define KEYC_F(n) (KEYC_F1 + (n) - 1)

/* One row of a binding table. A table may bind several keys to one action;
 * help shows them together, in table order. */
struct keys_binding {
	int mode;
	int key;
	int action;
	const char *help;	/* one line for the help screen */
	const char *hint;	/* footer label (NULL: not in the footer) */
};

/* True for keys that type a character (not control or special keys). */
bool keys_printable(int key);
/* Writes the key's name ("Up", "F10", "C-u", "Enter", "k", "?") into buf
 * (at least 16 bytes) and returns buf. */
const char *keys_name(int key, char *buf, size_t len);
/* The inverse of keys_name; KEYC_NONE when the name is unknown. */
int keys_parse(const char *name);
/* The binding for key in mode: an exact match first, then a
 * KEYC_PRINTABLE row for printable keys. NULL when unbound. */
const struct keys_binding *keys_lookup(const struct keys_binding *tab,
    size_t n, int mode, int key);
/* Names of every key bound to (mode, action), joined by sep, in table
 * order ("Up/k"). Returns the length written (truncated to fit). */
size_t keys_describe(const struct keys_binding *tab, size_t n, int mode,
    int action, const char *sep, char *buf, size_t len);

#endif
