/* Allocation that cannot fail: out of memory is a bug-class event, so these
 * run the fatal hook (the TUI restores the terminal there) and abort. */
#ifndef HPCTOP_XMALLOC_H
#define HPCTOP_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Called before abort() on OOM or an internal bug; set once by main. */
void xmalloc_set_fatal_hook(void (*hook)(void));
/* For bugs: runs the hook, prints "hpctop: fatal: ..." and aborts. */
void xmalloc_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
