/* Allocation that cannot fail: out of memory is a bug-class event, so these
 * end in fatal() (core/fatal.h, included here for every caller). */
#ifndef HPCTOP_XMALLOC_H
#define HPCTOP_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "fatal.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

#endif
