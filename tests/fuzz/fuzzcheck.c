#include "fuzzcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jobfmt.h"
#include "core/nodes.h"

void
fuzzcheck(bool ok, const char *why)
{
	if (!ok) {
		fprintf(stderr, "fuzzcheck: %s\n", why);
		abort();
	}
}

void
fuzzcheck_err(const struct err *e)
{
	fuzzcheck(memchr(e->msg, '\0', sizeof e->msg) != NULL,
	    "error message not terminated");
	fuzzcheck(e->msg[0] != '\0', "failure without an error message");
}

/* An independent decoder, so the check does not trust jobfmt's own. */
bool
fuzzcheck_terminal_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned cp, n, min;

		if (*p < 0x80) {
			if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1; min = 0x80; cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2; min = 0x800; cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3; min = 0x10000; cp = *p & 0x07;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000) ||
		    (cp >= 0x80 && cp < 0xa0))
			return false;
		p += n + 1;
	}
	return true;
}

void
fuzzcheck_table(struct job_table *t)
{
	char *text;

	for (size_t i = 0; i < t->n; i++) {
		const struct job_row *r = &t->v[i];
		struct nodes_report nr = { 0 };
		struct err e;
		long want = 0;

		fuzzcheck(r->id != NULL, "row without an id");
		fuzzcheck(strchr("QREHC?", (int)r->state) != NULL &&
		    r->state != 0, "row with an unknown state");
		if (r->nodelist == NULL)
			continue;
		/* The node list and layout as status matches engines to
		 * them: never more expected than the job's engines. */
		e.msg[0] = '\0';
		if (nodes_add_job(&nr, r->nodelist, r->layout, r->tasks, 0,
		    &e) == -1)
			fuzzcheck_err(&e);
		for (size_t k = 0; k < nr.n; k++)
			want += nr.v[k].expected;
		fuzzcheck(want <= (r->tasks > 0 ? r->tasks : 0),
		    "nodes_add_job: more expected than the job's tasks");
		nodes_clear(&nr);
	}
	text = jobfmt_table(t);
	fuzzcheck(text != NULL, "jobfmt_table returned NULL");
	fuzzcheck(fuzzcheck_terminal_safe(text),
	    "job table not safe for a terminal");
	free(text);
	jobtab_clear(t);
}
