/* Expected failures: a function returns -1/NULL and fills a struct err with
 * one line saying what went wrong and where ("slurm.yaml:12:3: ..."). */
#ifndef HPCTOP_ERR_H
#define HPCTOP_ERR_H

#include <stdarg.h>

#define ERR_MAX 1024

struct err {
	char msg[ERR_MAX];
};

/* Sets the message; always returns -1 so callers can `return err_set(...)`.
 * `e` may be NULL (the caller does not want the message). */
int err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int err_vset(struct err *e, const char *fmt, va_list ap);
/* Prepends context: "ctx: <old message>". */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same as err_set with ": strerror(errno)" appended. */
int err_errno(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);

#endif
