#include "jobtab.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
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
	r->elapsed = r->time_limit = r->time_left = r->start_at = -1;
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
	free(r->layout);
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

void
jobtab_set_limit(struct job_row *r, long seconds, const char *word,
    size_t wordlen)
{
	char out[32];

	if (seconds < 0) {
		r->time_req = xstrndup(word, wordlen);
		return;
	}
	units_format_duration(seconds, UNITS_CLOCK_SHORT, out, sizeof out);
	r->time_req = xstrdup(out);
	r->time_limit = seconds;
}

void
jobtab_settle_times(struct job_row *r)
{
	if (r->state != JOB_RUNNING)
		r->time_left = -1;
	else if (r->time_left < 0 && r->time_limit >= 0 && r->elapsed >= 0)
		/* A job may run a little past its limit before it is killed. */
		r->time_left = r->elapsed < r->time_limit ?
		    r->time_limit - r->elapsed : 0;
	if (r->time_limit < 0 && r->time_left >= 0 && r->elapsed >= 0 &&
	    r->time_left <= LONG_MAX - r->elapsed)
		r->time_limit = r->time_left + r->elapsed;
	/* A held job starts when released, whatever Slurm still says. */
	if (r->state != JOB_QUEUED)
		r->start_at = -1;
}

bool
jobtab_near_limit(const struct job_row *r)
{
	if (r->state != JOB_RUNNING || r->time_left < 0)
		return false;
	if (r->time_left < JOBTAB_NEAR_LIMIT_S)
		return true;
	/* time_left < limit * PCT / 100, without overflow. */
	return r->time_limit > 0 &&
	    r->time_left / JOBTAB_NEAR_LIMIT_PCT < r->time_limit / 100;
}
