#include "jobtab.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct job_row *
jobtab_append(struct job_table *t)
{
	struct job_row *r;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	r = &t->v[t->n++];
	memset(r, 0, sizeof *r);
	r->nodes = r->tasks = -1;
	r->elapsed = -1;
	r->state = JOB_UNKNOWN;
	return r;
}

static void
row_free(struct job_row *r)
{
	free(r->id);
	free(r->name);
	free(r->user);
	free(r->queue);
	free(r->mem);
	free(r->time_req);
	free(r->raw_state);
	free(r->nodelist);
	free(r->reason);
}

void
jobtab_drop_last(struct job_table *t)
{
	if (t->n == 0)
		return;
	row_free(&t->v[--t->n]);
	t->skipped++;
}

void
jobtab_clear(struct job_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		row_free(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
	t->skipped = 0;
}

const struct job_row *
jobtab_find(const struct job_table *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].id != NULL && strcmp(t->v[i].id, id) == 0)
			return &t->v[i];
	return NULL;
}

/* Two digits, or all of them for the leading number. */
static char *
put_num(char *o, long v, bool pad2)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	if (pad2 && n < 2)
		tmp[n++] = '0';
	while (n > 0)
		*o++ = tmp[--n];
	return o;
}

/* By hand rather than snprintf: the dashboard formats every row of a
 * 10,000-job table on each refresh. */
void
jobtab_format_elapsed(long s, char *out, size_t outlen)
{
	char tmp[64], *o = tmp;

	if (s < 0) {
		*o++ = '-';
	} else if (s >= 86400) {
		o = put_num(o, s / 86400, false);
		*o++ = '-';
		o = put_num(o, s / 3600 % 24, true);
		*o++ = ':';
		o = put_num(o, s / 60 % 60, true);
		*o++ = ':';
		o = put_num(o, s % 60, true);
	} else if (s >= 3600) {
		o = put_num(o, s / 3600, false);
		*o++ = ':';
		o = put_num(o, s / 60 % 60, true);
		*o++ = ':';
		o = put_num(o, s % 60, true);
	} else {
		o = put_num(o, s / 60, false);
		*o++ = ':';
		o = put_num(o, s % 60, true);
	}
	if (outlen == 0)
		return;
	if ((size_t)(o - tmp) >= outlen)
		o = tmp + outlen - 1;
	memcpy(out, tmp, (size_t)(o - tmp));
	out[o - tmp] = '\0';
}

long
jobtab_mul_add(long a, long b, long c)
{
	long r;

	if (a < 0 || c < 0 || __builtin_mul_overflow(a, b, &r) ||
	    __builtin_add_overflow(r, c, &r))
		return -1;
	return r;
}

long
jobtab_parse_duration(const char *s)
{
	long days = 0, parts[3];
	int n = 0;
	const char *p = s, *dash = strchr(s, '-');
	char *end;

	if (dash != NULL) {
		days = strtol(s, &end, 10);
		if (end != dash || end == s)
			return -1;
		p = dash + 1;
	}
	for (;;) {
		if (!isdigit((unsigned char)*p) || n == 3)
			return -1;
		parts[n++] = strtol(p, &end, 10);
		p = end;
		if (*p == '\0')
			break;
		if (*p++ != ':')
			return -1;
	}
	/* With days, a lone number is hours (squeue's "1-12"). */
	if (dash != NULL) {
		long h = parts[0], m = n > 1 ? parts[1] : 0,
		    sec = n > 2 ? parts[2] : 0;

		return jobtab_mul_add(jobtab_mul_add(jobtab_mul_add(days, 24,
		    h), 60, m), 60, sec);
	}
	if (n == 3)
		return jobtab_mul_add(jobtab_mul_add(parts[0], 60, parts[1]),
		    60, parts[2]);
	if (n == 2)
		return jobtab_mul_add(parts[0], 60, parts[1]);
	return parts[0];
}
