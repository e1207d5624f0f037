/* An editable one-line text field with an optional history: the start
 * prompt's engine count and the px console's input line. UTF-8 text; the
 * cursor moves by character. No curses here, so editing is unit-tested. */
#ifndef HPCTOP_FIELD_H
#define HPCTOP_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#define FIELD_DIGITS 0x1	/* accept only 0-9 */

struct field {
	char *buf;		/* NUL-terminated UTF-8, never NULL after init */
	size_t len;		/* bytes */
	size_t cap;
	size_t cur;		/* byte offset of the cursor, on a char boundary */
	size_t max;		/* at most this many bytes of text */
	unsigned flags;

	/* History, oldest first; owned. hpos == nhist means "the line being
	 * typed", which is kept in draft while browsing. */
	char **hist;
	size_t nhist;
	size_t maxhist;		/* 0: no history */
	size_t hpos;
	char *draft;
};

void field_init(struct field *f, size_t max, unsigned flags, size_t maxhist);
/* Frees the text and history; f may be reused after field_init. */
void field_free(struct field *f);

const char *field_text(const struct field *f);
/* Replaces the text (truncated to max) and puts the cursor at its end. */
void field_set(struct field *f, const char *text);
/* Inserts one character (a Unicode code point) at the cursor. False when
 * refused: control characters, non-digits in a FIELD_DIGITS field, or no
 * room left. */
bool field_insert(struct field *f, int cp);
/* Editing, as in readline/tmux's prompt; each returns false when there was
 * nothing to do. */
bool field_backspace(struct field *f);	/* Backspace */
bool field_delete(struct field *f);	/* Delete */
bool field_left(struct field *f);
bool field_right(struct field *f);
bool field_home(struct field *f);	/* C-a, Home */
bool field_end(struct field *f);	/* C-e, End */
bool field_clear(struct field *f);	/* C-u: empties the field */
bool field_kill_end(struct field *f);	/* C-k */
bool field_kill_word(struct field *f);	/* C-w: the word before the cursor */

/* Characters before the cursor (not bytes), for placing it on screen. */
size_t field_cursor_chars(const struct field *f);

/* Appends the current text to the history (not empty lines, not a repeat
 * of the newest entry; the oldest goes when full), empties the field and
 * ends browsing. */
void field_history_commit(struct field *f);
/* Up/Down: older/newer entry; moving past the newest returns to the draft.
 * False at either end. */
bool field_history_prev(struct field *f);
bool field_history_next(struct field *f);

#endif
