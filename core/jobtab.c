#include "jobtab.h"

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
