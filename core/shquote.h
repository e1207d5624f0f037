/* Quoting for POSIX sh: every profile value that ends up in a shell
 * script goes through here. */
#ifndef HPCTOP_SHQUOTE_H
#define HPCTOP_SHQUOTE_H

#include "strv.h"

/* One word, single-quoted unless it is made only of safe characters
 * ([A-Za-z0-9_@%+=:,./-]); embedded ' becomes '\''. "" gives ''.
 * Caller frees. */
char *shquote(const char *s);
/* The words of argv quoted and joined with spaces. Caller frees. */
char *shquote_argv(char *const *argv);

#endif
