#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int
err_vset(struct err *e, const char *fmt, va_list ap)
{
	if (e != NULL)
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	return -1;
}

int
err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, fmt, ap);
	va_end(ap);
	return -1;
}

/* e->msg = "<fmt ...>: tail". */
static void
set_joined(struct err *e, const char *tail, const char *fmt, va_list ap)
{
	char ctx[ERR_MAX];

	vsnprintf(ctx, sizeof ctx, fmt, ap);
	snprintf(e->msg, sizeof e->msg, "%s: %s", ctx, tail);
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char old[ERR_MAX];
	va_list ap;

	if (e == NULL)
		return -1;
	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	set_joined(e, old, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_errno(struct err *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	set_joined(e, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

void
err_clear(struct err *e)
{
	if (e != NULL)
		e->msg[0] = '\0';
}
