/* Line and field scanning over an in-memory buffer, for the scheduler
 * output parsers: nothing here allocates except textscan_dup. */
#ifndef HPCTOP_TEXTSCAN_H
#define HPCTOP_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* A view into the buffer; not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct textscan {
	const char *p, *end;
	size_t lineno;		/* of the line last returned, from 1 */
};

void textscan_init(struct textscan *s, const char *buf, size_t len);
/* The next line without "\n" or "\r\n"; false at the end. A last line
 * without "\n" is returned too (*complete tells which). */
bool textscan_line(struct textscan *s, struct span *line, bool *complete);
/* Strips spaces and tabs at both ends. */
struct span textscan_trim(struct span s);
/* Fills up to max whitespace-separated words from the left; returns how
 * many; *rest is what follows the last one (trimmed). */
size_t textscan_words(struct span s, struct span *w, size_t max,
    struct span *rest);
/* Takes the last whitespace-separated word off the end of *s. */
bool textscan_pop_word(struct span *s, struct span *word);
/* Inline: called with literals in the parsers' hot loops, where the
 * compiler then knows strlen. */
static inline bool
textscan_eq(struct span s, const char *lit)
{
	size_t n = __builtin_strlen(lit);

	return s.n == n && __builtin_memcmp(s.p, lit, n) == 0;
}

static inline bool
textscan_starts(struct span s, const char *lit)
{
	size_t n = __builtin_strlen(lit);

	return s.n >= n && __builtin_memcmp(s.p, lit, n) == 0;
}
/* True if s holds a NUL or a control character other than TAB. */
bool textscan_has_ctl(struct span s);
/* A NUL-terminated copy; NULL for an empty span. */
char *textscan_dup(struct span s);
/* A non-negative decimal integer that fits an int; -1 otherwise. */
int textscan_int(struct span s);

#endif
