/* The one way out for what must not happen: out of memory, an internal
 * bug, a broken invariant. Expected failures return -1 with a struct err
 * instead (core/err.h). */
#ifndef HPCTOP_FATAL_H
#define HPCTOP_FATAL_H

/* Called by fatal() before it prints: the dashboard restores the terminal
 * there, so the message is readable and the shell usable. Set by whoever
 * takes the terminal; NULL unsets. */
void fatal_set_hook(void (*hook)(void));
/* Runs the hook, prints "hpctop: fatal: ..." to stderr and aborts. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
