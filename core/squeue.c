#include "squeue.h"

#include <stdlib.h>
#include <string.h>

#include "textscan.h"
#include "units.h"
#include "xmalloc.h"

void
squeue_argv(const char *user, struct strv *out)
{
	strv_push(out, "squeue");
	strv_push(out, "--noheader");
	strv_push(out, "--states=all");
	strv_pushf(out, "--user=%s", user);
	strv_push(out, "--format=" SQUEUE_FORMAT);
}

/* Slurm's job states (squeue(1) "JOB STATE CODES"), long and compact. */
static const struct {
	const char *word, *code;
	enum job_state state;
} states[] = {
	{ "PENDING", "PD", JOB_QUEUED },
	{ "REQUEUED", "RQ", JOB_QUEUED },
	{ "REQUEUE_FED", "RF", JOB_QUEUED },
	{ "RUNNING", "R", JOB_RUNNING },
	{ "CONFIGURING", "CF", JOB_RUNNING },
	{ "RESIZING", "RS", JOB_RUNNING },
	{ "SIGNALING", "SI", JOB_RUNNING },
	{ "COMPLETING", "CG", JOB_EXITING },
	{ "STAGE_OUT", "SO", JOB_EXITING },
	/* Stopped jobs keep their allocation but make no progress, like a
	 * held job as far as the user is concerned. */
	{ "SUSPENDED", "S", JOB_HELD },
	{ "STOPPED", "ST", JOB_HELD },
	{ "REQUEUE_HOLD", "RH", JOB_HELD },
	{ "RESV_DEL_HOLD", "RD", JOB_HELD },
	{ "SPECIAL_EXIT", "SE", JOB_HELD },
	{ "COMPLETED", "CD", JOB_COMPLETED },
	{ "CANCELLED", "CA", JOB_COMPLETED },
	{ "FAILED", "F", JOB_COMPLETED },
	{ "TIMEOUT", "TO", JOB_COMPLETED },
	{ "NODE_FAIL", "NF", JOB_COMPLETED },
	{ "PREEMPTED", "PR", JOB_COMPLETED },
	{ "BOOT_FAIL", "BF", JOB_COMPLETED },
	{ "DEADLINE", "DL", JOB_COMPLETED },
	{ "OUT_OF_MEMORY", "OOM", JOB_COMPLETED },
	{ "REVOKED", "RV", JOB_COMPLETED },
};

static bool
held_reason(const char *reason)
{
	return reason != NULL && (strcmp(reason, "JobHeldUser") == 0 ||
	    strcmp(reason, "JobHeldAdmin") == 0);
}

/* The entry of states[] for a state word, long (RUNNING), compact (R),
 * cut to 8 characters (SUSPENDE) or sacct-style ("CANCELLED by 0": the
 * first word is the state); NULL if unknown. */
static const char *
find_state(const char *word, size_t len, enum job_state *st)
{
	size_t n = len;

	for (size_t i = 0; i < len; i++)
		if (word[i] == ' ') {
			n = i;
			break;
		}
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if ((strlen(states[i].word) == n &&
		    memcmp(states[i].word, word, n) == 0) ||
		    (strlen(states[i].code) == n &&
		    memcmp(states[i].code, word, n) == 0)) {
			*st = states[i].state;
			return states[i].word;
		}
	/* --long cuts the STATE column to 8 characters. */
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (n == 8 && strlen(states[i].word) > 8 &&
		    memcmp(states[i].word, word, 8) == 0) {
			*st = states[i].state;
			return states[i].word;
		}
	return NULL;
}

enum job_state
squeue_state(const char *word, size_t len, const char *reason)
{
	enum job_state st = JOB_UNKNOWN;

	find_state(word, len, &st);
	if (st == JOB_QUEUED && held_reason(reason))
		st = JOB_HELD;
	return st;
}

/* What a field of a squeue format means to us. */
enum field {
	F_IGNORE, F_ID, F_NAME, F_USER, F_QUEUE, F_NODES, F_TASKS, F_MEM,
	F_TIMELIMIT, F_STATE, F_ELAPSED, F_TIMELEFT, F_START, F_REASON,
	F_NODELIST_REASON, F_NODELIST,
};

static enum field
field_of_letter(char c)
{
	switch (c) {
	case 'i': case 'A': return F_ID;
	case 'j': return F_NAME;
	case 'u': return F_USER;
	case 'P': return F_QUEUE;
	case 'D': return F_NODES;
	case 'C': return F_TASKS;
	case 'm': return F_MEM;
	case 'l': return F_TIMELIMIT;
	case 'T': case 't': return F_STATE;
	case 'M': return F_ELAPSED;
	case 'L': return F_TIMELEFT;
	case 'S': return F_START;
	case 'r': return F_REASON;
	case 'R': return F_NODELIST_REASON;
	case 'N': return F_NODELIST;
	default: return F_IGNORE;
	}
}

/* Values Slurm prints for "nothing". */
static bool
is_none(struct span v)
{
	return v.n == 0 || textscan_eq(v, "None") || textscan_eq(v, "N/A") ||
	    textscan_eq(v, "(null)") || textscan_eq(v, "n/a");
}

static void
set_str(char **dst, struct span v)
{
	if (*dst != NULL || is_none(v))
		return;
	*dst = textscan_dup(v);
}

/* The id, the name and the state word: replaces what was there, and
 * takes the value as given (a job may be named "None"). */
static void
put_str(char **dst, struct span v)
{
	free(*dst);
	*dst = textscan_dup(v);
}

/* v as a C string in buf; false when empty or too long for it. */
static bool
span_cstr(struct span v, char *buf, size_t len)
{
	if (v.n == 0 || v.n >= len)
		return false;
	memcpy(buf, v.p, v.n);
	buf[v.n] = '\0';
	return true;
}

static long
span_duration(struct span v)
{
	char buf[64];
	long s;

	return span_cstr(v, buf, sizeof buf) &&
	    units_parse_duration(buf, UNITS_SECOND, &s, NULL) == 0 ? s : -1;
}

/* squeue's %S: a date and time, or N/A / Unknown when none. */
static long
span_datetime(struct span v)
{
	char buf[32];
	long t;

	return span_cstr(v, buf, sizeof buf) &&
	    units_parse_datetime(buf, &t, NULL) == 0 ? t : -1;
}

/* The time limit as text and in seconds. */
static void
set_limit(struct job_row *r, struct span v)
{
	if (r->time_req != NULL || is_none(v))
		return;
	/* UNLIMITED, INVALID, NOT_SET: Slurm's word is kept. */
	jobtab_set_limit(r, span_duration(v), v.p, v.n);
}

/* Stores one field; false if the value makes the line unusable. */
static bool
set_field(struct job_row *r, enum field f, struct span v)
{
	v = textscan_trim(v);
	/* A name is the user's free text (the table shows its control
	 * characters as '?'); anywhere else they mean garbage. */
	if (f != F_NAME && textscan_has_ctl(v))
		return false;
	switch (f) {
	case F_IGNORE:
		break;
	case F_ID:
		if (v.n == 0)
			return false;
		put_str(&r->id, v);
		break;
	case F_NAME:
		put_str(&r->name, v);
		break;
	case F_USER:
		set_str(&r->user, v);
		break;
	case F_QUEUE:
		set_str(&r->queue, v);
		break;
	case F_NODES:
		r->nodes = textscan_int(v);
		break;
	case F_TASKS:
		r->tasks = textscan_int(v);
		break;
	case F_MEM:
		/* squeue prints 0 when no memory was asked for. */
		if (!textscan_eq(v, "0"))
			set_str(&r->mem, v);
		break;
	case F_TIMELIMIT:
		set_limit(r, v);
		break;
	case F_STATE:
		if (v.n == 0)
			return false;
		put_str(&r->raw_state, v);
		break;
	case F_ELAPSED:
		r->elapsed = span_duration(v);
		break;
	case F_TIMELEFT:
		r->time_left = span_duration(v);
		break;
	case F_START:
		/* A running job's %S is when it started, of no use here; the
		 * state comes first in SQUEUE_FORMAT, so 10,000 running jobs
		 * cost no mktime each. */
		if (r->raw_state == NULL || squeue_state(r->raw_state,
		    strlen(r->raw_state), NULL) == JOB_QUEUED)
			r->start_at = span_datetime(v);
		break;
	case F_REASON:
		set_str(&r->reason, v);
		break;
	case F_NODELIST_REASON:
		if (v.n >= 2 && v.p[0] == '(' && v.p[v.n - 1] == ')') {
			v.p++;
			v.n -= 2;
			set_str(&r->reason, v);
		} else {
			set_str(&r->nodelist, v);
		}
		break;
	case F_NODELIST:
		set_str(&r->nodelist, v);
		break;
	}
	return true;
}

/* Why an ended job ended, as squeue's %R says for a failed one
 * ("TimeLimit", "NonZeroExitCode"), else the state word itself
 * ("CANCELLED", "PREEMPTED"); NULL for a job that completed. A cancelled
 * or revoked job keeps the reason it last waited for, which is no longer
 * true. */
static char *
end_reason(const char *raw_state, const char *reason)
{
	enum job_state st;
	const char *w = find_state(raw_state, strlen(raw_state), &st);

	if (w == NULL || strcmp(w, "COMPLETED") == 0)
		return NULL;
	if (reason != NULL && strcmp(w, "CANCELLED") != 0 &&
	    strcmp(w, "REVOKED") != 0)
		return xstrdup(reason);
	return xstrdup(w);
}

/* Sets the state from raw_state; false if the row has no id or state. */
static bool
finish_row(struct job_row *r)
{
	if (r->id == NULL || r->raw_state == NULL)
		return false;
	r->state = squeue_state(r->raw_state, strlen(r->raw_state), r->reason);
	jobtab_settle_times(r);
	/* A running job's reason is "None"; a pending one's node list is the
	 * set of nodes it may get, not where it runs; an ended one says how it
	 * ended. */
	if (r->state == JOB_COMPLETED) {
		char *why = end_reason(r->raw_state, r->reason);

		free(r->reason);
		r->reason = why;
	} else if (r->state != JOB_QUEUED && r->state != JOB_HELD) {
		free(r->reason);
		r->reason = NULL;
	}
	return true;
}


#define MAX_FIELDS 64

/* A --format string compiled: fields separated by literal text. */
struct format {
	enum field f[MAX_FIELDS];
	struct span sep[MAX_FIELDS];	/* sep[i] follows f[i] */
	size_t n;
	struct span prefix;
	char lit[1024];		/* the literal texts, "%%" unescaped */
};

static int
compile_format(const char *fmt, struct format *c, struct err *e)
{
	size_t nlit = 0;
	const char *p = fmt;
	struct span *cur = &c->prefix;
	bool have_id = false;

	memset(c, 0, sizeof *c);
	cur->p = c->lit;
	while (*p != '\0') {
		if (p[0] == '%' && p[1] != '%' && p[1] != '\0') {
			p++;
			while (*p == '.' || *p == '-' || (*p >= '0' && *p <= '9'))
				p++;
			if (*p == '\0')
				return err_set(e, "squeue format '%s': ends "
				    "inside a field", fmt);
			if (c->n == MAX_FIELDS)
				return err_set(e, "squeue format '%s': more than "
				    "%d fields", fmt, MAX_FIELDS);
			if (c->n > 0 && c->sep[c->n - 1].n == 0)
				return err_set(e, "squeue format '%s': fields "
				    "%zu and %zu have no separator", fmt, c->n,
				    c->n + 1);
			c->f[c->n] = field_of_letter(*p);
			have_id |= c->f[c->n] == F_ID;
			cur = &c->sep[c->n++];
			cur->p = c->lit + nlit;
			p++;
			continue;
		}
		if (nlit + 1 >= sizeof c->lit)
			return err_set(e, "squeue format '%s': too long", fmt);
		c->lit[nlit++] = *p;
		cur->n++;
		p += p[0] == '%' && p[1] == '%' ? 2 : 1;
	}
	if (!have_id)
		return err_set(e, "squeue format '%s': no job id (%%i or %%A)",
		    fmt);
	return 0;
}

static bool
parse_format_line(const struct format *c, struct span line,
    struct job_row *r)
{
	const char *p = line.p, *end = line.p + line.n;

	if (line.n < c->prefix.n ||
	    memcmp(line.p, c->prefix.p, c->prefix.n) != 0)
		return false;
	p += c->prefix.n;
	/* Trailing literal text after the last field, if squeue printed it. */
	if (c->sep[c->n - 1].n > 0) {
		struct span t = c->sep[c->n - 1];

		if ((size_t)(end - p) >= t.n &&
		    memcmp(end - t.n, t.p, t.n) == 0)
			end -= t.n;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct span v = { p, (size_t)(end - p) };

		if (i + 1 < c->n) {
			const char *s = c->sep[i].n == 1 ?
			    memchr(p, c->sep[i].p[0], (size_t)(end - p)) :
			    memmem(p, (size_t)(end - p), c->sep[i].p,
			    c->sep[i].n);

			if (s == NULL)
				return false;
			v.n = (size_t)(s - p);
			p = s + c->sep[i].n;
		}
		if (!set_field(r, c->f[i], v))
			return false;
	}
	return finish_row(r);
}

static size_t
parse_with(const struct format *c, const char *buf, size_t len,
    struct job_table *out, bool strict)
{
	struct textscan ts;
	struct span line;
	bool complete;
	size_t added = 0;

	textscan_init(&ts, buf, len);
	while (textscan_line(&ts, &line, &complete)) {
		if (textscan_trim(line).n == 0)
			continue;
		if (strict && !complete) {
			out->skipped++;
			continue;
		}
		if (parse_format_line(c, line, jobtab_append(out)))
			added++;
		else
			jobtab_drop_last(out);
	}
	return added;
}

size_t
squeue_parse(const char *buf, size_t len, struct job_table *out)
{
	static struct format c;
	static bool compiled;

	/* SQUEUE_FORMAT is a constant that compiles: the parse is done once. */
	if (!compiled && compile_format(SQUEUE_FORMAT, &c, NULL) < 0)
		fatal("squeue: SQUEUE_FORMAT does not compile");
	compiled = true;
	return parse_with(&c, buf, len, out, true);
}

long
squeue_parse_format(const char *fmt, const char *buf, size_t len,
    struct job_table *out, struct err *e)
{
	struct format c;

	if (compile_format(fmt, &c, e) < 0)
		return -1;
	return (long)parse_with(&c, buf, len, out, false);
}

/* Table columns: the header word and what it holds. */
static enum field
field_of_header(struct span h)
{
	static const struct {
		const char *word;
		enum field f;
	} cols[] = {
		{ "JOBID", F_ID }, { "PARTITION", F_QUEUE }, { "NAME", F_NAME },
		{ "USER", F_USER }, { "ST", F_STATE }, { "STATE", F_STATE },
		{ "TIME", F_ELAPSED }, { "TIME_LIMI", F_TIMELIMIT },
		{ "TIME_LIMIT", F_TIMELIMIT }, { "TIME_LEFT", F_TIMELEFT },
		{ "START_TIME", F_START }, { "NODES", F_NODES },
		{ "CPUS", F_TASKS }, { "MIN_MEMORY", F_MEM },
		{ "NODELIST(REASON)", F_NODELIST_REASON },
		{ "NODELIST", F_NODELIST }, { "REASON", F_REASON },
	};

	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (textscan_eq(h, cols[i].word))
			return cols[i].f;
	return F_IGNORE;
}

/* The last column of a table line: a "(Reason, with spaces)" or a word. */
static bool
pop_last_column(struct span *s, struct span *v)
{
	*s = textscan_trim(*s);
	if (s->n > 1 && s->p[s->n - 1] == ')') {
		for (size_t i = s->n - 1; i-- > 0;)
			if (s->p[i] == '(' && (i == 0 || s->p[i - 1] == ' ' ||
			    s->p[i - 1] == '\t')) {
				v->p = s->p + i;
				v->n = s->n - i;
				s->n = i;
				*s = textscan_trim(*s);
				return true;
			}
	}
	return textscan_pop_word(s, v);
}

/* Columns left of NAME are words, right of it too (popped from the end,
 * the last one maybe a parenthesised reason); NAME is what remains, so a
 * name with spaces survives. */
static bool
parse_table_line(const enum field *cols, size_t ncols, size_t name_col,
    struct span line, struct job_row *r)
{
	struct span w[MAX_FIELDS], rest, v;
	size_t nleft = name_col < ncols ? name_col : ncols;

	if (textscan_words(line, w, nleft, &rest) != nleft)
		return false;
	for (size_t i = 0; i < nleft; i++)
		if (!set_field(r, cols[i], w[i]))
			return false;
	if (name_col < ncols) {
		for (size_t i = ncols; i-- > name_col + 1;) {
			bool ok = i == ncols - 1 ? pop_last_column(&rest, &v) :
			    textscan_pop_word(&rest, &v);

			if (!ok || !set_field(r, cols[i], v))
				return false;
		}
		if (!set_field(r, cols[name_col], rest))
			return false;
	} else if (rest.n > 0) {
		return false;
	}
	return finish_row(r);
}

long
squeue_parse_table(const char *buf, size_t len, struct job_table *out,
    struct err *e)
{
	struct textscan ts;
	struct span line;
	enum field cols[MAX_FIELDS];
	size_t ncols = 0, name_col = MAX_FIELDS, added = 0;
	bool header = false, any = false;

	textscan_init(&ts, buf, len);
	while (textscan_line(&ts, &line, NULL)) {
		struct span w[MAX_FIELDS + 1];

		if (textscan_trim(line).n == 0)
			continue;
		any = true;
		if (!header) {
			size_t n = textscan_words(line, w, MAX_FIELDS + 1, NULL);

			if (n == 0 || n > MAX_FIELDS || !textscan_eq(w[0], "JOBID"))
				continue;
			for (size_t i = 0; i < n; i++) {
				cols[i] = field_of_header(w[i]);
				if (cols[i] == F_NAME)
					name_col = i;
			}
			ncols = n;
			header = true;
			continue;
		}
		if (parse_table_line(cols, ncols, name_col, line,
		    jobtab_append(out)))
			added++;
		else
			jobtab_drop_last(out);
	}
	if (!header && any)
		return err_set(e, "squeue output: no header line starting "
		    "with JOBID");
	return (long)added;
}
