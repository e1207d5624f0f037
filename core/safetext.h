/* Text from outside (file names, record fields, logs) made safe to show:
 * no raw control bytes reach a terminal, no secret reaches a screen. */
#ifndef HPCTOP_SAFETEXT_H
#define HPCTOP_SAFETEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when the
 * bytes there are not one (bad lead, truncated, overlong, surrogate). */
size_t safetext_utf8_len(const unsigned char *s, size_t n);
/* True when all of s is valid UTF-8. */
bool safetext_utf8_valid(const char *s);
/* True when s holds a control character (C0, DEL or C1). */
bool safetext_has_ctl(const char *s);
/* A copy of s for a terminal: control characters and bytes that are not
 * UTF-8 become \xHH (C1 characters \u0080 style); the rest is kept.
 * Caller frees. */
char *safetext_escape(const char *s);
/* Hides secrets in n bytes of log text, in place and keeping the length:
 * the value after a name ending in "key" ('key': b'...', "key": "...",
 * Session.key=...) becomes '*'s. */
void safetext_mask_secrets(char *s, size_t n);

#endif
