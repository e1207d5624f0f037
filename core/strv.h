/* A growable NULL-terminated vector of owned strings (argv, setup lines). */
#ifndef HPCTOP_STRV_H
#define HPCTOP_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v;	/* v[n] == NULL whenever v != NULL */
	size_t n;
	size_t cap;
};

#define STRV_INIT { NULL, 0, 0 }

void strv_push(struct strv *sv, const char *s);		/* copies s */
void strv_push_take(struct strv *sv, char *s);		/* takes ownership */
void strv_pushf(struct strv *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strv_extend(struct strv *sv, const struct strv *from);	/* copies */
void strv_copy(struct strv *dst, const struct strv *src);	/* dst must be empty */
/* Frees the strings and the array; leaves sv empty and reusable. */
void strv_clear(struct strv *sv);
/* Never NULL: an empty vector gives a static {NULL}. */
char *const *strv_argv(const struct strv *sv);
/* Whether s is one of sv's strings. */
bool strv_contains(const struct strv *sv, const char *s);
/* Joins with sep (no quoting; for display only). Caller frees. */
char *strv_join(const struct strv *sv, const char *sep);

#endif
