#include "qstat.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes.h"
#include "textscan.h"
#include "units.h"
#include "xmalloc.h"

void
qstat_argv(const char *user, struct strv *out)
{
	strv_push(out, "qstat");
	strv_push(out, "-a");
	strv_push(out, "-n");
	strv_push(out, "-1");
	strv_push(out, "-u");
	strv_push(out, user);
}

enum job_state
qstat_state(const char *code, size_t len)
{
	if (len != 1)
		return JOB_UNKNOWN;
	switch (code[0]) {
	case 'Q': case 'W': case 'T': return JOB_QUEUED;
	case 'R': case 'B': return JOB_RUNNING;
	case 'E': return JOB_EXITING;
	case 'C': case 'F': case 'X': case 'M': return JOB_COMPLETED;
	case 'H': case 'S': return JOB_HELD;
	default: return JOB_UNKNOWN;
	}
}

static const char *const format_names[] = {
	[QSTAT_EMPTY] = "empty", [QSTAT_UNKNOWN] = "unknown",
	[QSTAT_BRIEF] = "qstat", [QSTAT_ALT] = "qstat -a",
	[QSTAT_FULL] = "qstat -f", [QSTAT_XML] = "qstat -x (XML)",
	[QSTAT_JSON] = "qstat -F json",
};

const char *
qstat_format_name(enum qstat_format f)
{
	return format_names[f];
}

static bool
is_header_job(struct span t)
{
	return textscan_starts(t, "Job id") || textscan_starts(t, "Job ID");
}

enum qstat_format
qstat_detect(const char *buf, size_t len)
{
	struct textscan ts;
	struct span line;
	bool any = false;

	textscan_init(&ts, buf, len);
	while (textscan_line(&ts, &line, NULL)) {
		struct span t = textscan_trim(line);

		if (t.n == 0)
			continue;
		if (!any) {
			if (t.p[0] == '{')
				return QSTAT_JSON;
			if (t.p[0] == '<')
				return QSTAT_XML;
		}
		any = true;
		if (textscan_starts(t, "Job Id:"))
			return QSTAT_FULL;
		if (is_header_job(t)) {
			if (memmem(t.p, t.n, "SessID", 6) != NULL ||
			    memmem(t.p, t.n, "NDS", 3) != NULL)
				return QSTAT_ALT;
			return QSTAT_BRIEF;
		}
	}
	return any ? QSTAT_UNKNOWN : QSTAT_EMPTY;
}

/* PBS durations: HH:MM:SS with unbounded hours, HH:MM in the -a columns of
 * Slurm's wrapper, or plain seconds. */
static long
pbs_duration(struct span v)
{
	long part[3];
	size_t n = 0, i = 0;

	if (v.n == 0)
		return -1;
	while (i < v.n) {
		long x = 0;
		size_t start = i;

		if (n == 3)
			return -1;
		while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9') {
			if (x > LONG_MAX / 100)
				return -1;
			x = x * 10 + (v.p[i++] - '0');
		}
		/* Fractional seconds (Torque's total_runtime style). */
		if (i < v.n && v.p[i] == '.')
			while (++i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
				;
		if (i == start)
			return -1;
		part[n++] = x;
		if (i < v.n && v.p[i++] != ':')
			return -1;
		if (i == v.n && v.p[i - 1] == ':')
			return -1;
	}
	if (n == 3)
		return units_mul_add(units_mul_add(part[0], 60, part[1]), 60,
		    part[2]);
	if (n == 2)
		return units_mul_add(units_mul_add(part[0], 60, part[1]), 60,
		    0);
	return part[0];
}

static bool
is_none(struct span v)
{
	return v.n == 0 || textscan_eq(v, "--") || textscan_eq(v, "-");
}

static void
set_str(char **dst, struct span v)
{
	v = textscan_trim(v);
	free(*dst);
	*dst = is_none(v) ? NULL : textscan_dup(v);
}

/* The requested walltime as text and in seconds. */
static void
set_walltime(struct job_row *r, struct span v)
{
	v = textscan_trim(v);
	free(r->time_req);
	r->time_req = NULL;
	r->time_limit = -1;
	if (!is_none(v))
		jobtab_set_limit(r, pbs_duration(v), v.p, v.n);
}

/* The slots one exec_host entry names after its '/': "0*16" (PBS Pro)
 * 16, "0-3" (Torque) 4, "0,2" 2, "5" 1. *num is a bare number's value,
 * else -1. */
static long
entry_slots(struct span spec, long *num)
{
	const char *star = memchr(spec.p, '*', spec.n);
	long slots;

	*num = -1;
	if (spec.n == 0)
		return 1;
	if (star != NULL) {
		int k = textscan_int((struct span){ star + 1,
		    spec.n - (size_t)(star + 1 - spec.p) });

		return k > 0 ? k : 1;
	}
	slots = nodes_count_ids(spec.p, spec.n);
	*num = textscan_int(spec);
	return slots > 0 ? slots : 1;
}

/* exec_host ("b141/0*16+b142/0*16", "n1/0+n1/1+n2/0", "n1/0-1+n2/0"):
 * its hosts, each once, comma-joined, into r->nodelist, and the slots of
 * each into r->layout ("16,16"). Slurm's qstat wrapper writes
 * "cn1/3+cn2/1", each host once with its CPUs: one bare number per host,
 * adding up to the job's tasks, is read that way. */
static void
set_exec_host(struct job_row *r, struct span v)
{
	struct host {
		struct span name;
		long slots, num;
	} *h = xcalloc(v.n / 2 + 1, sizeof *h);
	size_t nh = 0, i = 0;
	bool counts = true;
	long sum = 0;
	struct strv names = STRV_INIT, layout = STRV_INIT;

	while (i < v.n) {
		size_t start = i, hl, k;
		struct span spec;
		long slots, num;

		while (i < v.n && v.p[i] != '/' && v.p[i] != '+')
			i++;
		hl = i - start;
		spec.p = v.p + i + (i < v.n && v.p[i] == '/');
		while (i < v.n && v.p[i] != '+')
			i++;
		spec.n = (size_t)(v.p + i - spec.p);
		if (i < v.n)
			i++;
		if (hl == 0)
			continue;
		slots = entry_slots(spec, &num);
		for (k = 0; k < nh; k++)
			if (h[k].name.n == hl &&
			    memcmp(h[k].name.p, v.p + start, hl) == 0)
				break;
		if (k < nh) {
			/* One entry per slot (Torque) is common. */
			h[k].slots += slots;
			counts = false;
			continue;
		}
		h[nh].name = (struct span){ v.p + start, hl };
		h[nh].slots = slots;
		h[nh++].num = num;
		if (num < 0)
			counts = false;
		else
			sum += num;
	}
	counts = counts && r->tasks > 0 && sum == r->tasks;
	for (size_t k = 0; k < nh; k++) {
		strv_push_take(&names, textscan_dup(h[k].name));
		strv_pushf(&layout, "%ld", counts ? h[k].num : h[k].slots);
	}
	free(r->nodelist);
	free(r->layout);
	r->nodelist = nh > 0 ? strv_join(&names, ",") : NULL;
	r->layout = nh > 0 ? strv_join(&layout, ",") : NULL;
	strv_clear(&names);
	strv_clear(&layout);
	free(h);
}

/* --- qstat and qstat -a tables --- */

/* Title, server and dash lines of the tables. */
static bool
is_table_decoration(struct span t)
{
	struct span w[3];

	if (t.n == 0 || is_header_job(t) || textscan_starts(t, "---") ||
	    textscan_starts(t, "Req'd"))
		return true;
	/* "server.example.org:" above -a tables. */
	return textscan_words(t, w, 2, NULL) == 1 && w[0].p[w[0].n - 1] == ':';
}

static bool
brief_line(struct span line, struct job_row *r)
{
	struct span id, rest, queue, st, use, user;

	if (textscan_words(line, &id, 1, &rest) != 1 ||
	    !textscan_pop_word(&rest, &queue) ||
	    !textscan_pop_word(&rest, &st) ||
	    !textscan_pop_word(&rest, &use) ||
	    !textscan_pop_word(&rest, &user) || st.n != 1)
		return false;
	if (textscan_has_ctl(line))
		return false;
	/* "Time Use" is CPU time on Torque but wall time on the Slurm
	 * wrapper: not an elapsed time we can show. */
	(void)use;
	r->id = textscan_dup(id);
	set_str(&r->name, rest);
	set_str(&r->user, user);
	set_str(&r->queue, queue);
	r->raw_state = textscan_dup(st);
	r->state = qstat_state(st.p, st.n);
	return true;
}

static bool
looks_like_time(struct span v)
{
	return is_none(v) || pbs_duration(v) >= 0;
}

/* Job ID Username Queue Jobname SessID NDS TSK Memory Time S Time [host] */
static bool
alt_line(struct span line, struct job_row *r)
{
	struct span left[3], rest, w[64];
	size_t nw, k;

	if (textscan_has_ctl(line) ||
	    textscan_words(line, left, 3, &rest) != 3)
		return false;
	nw = textscan_words(rest, w, 64, NULL);
	if (nw >= 8 && w[nw - 2].n == 1 && looks_like_time(w[nw - 1]))
		k = nw - 7;			/* no host column */
	else if (nw >= 9 && w[nw - 3].n == 1 && looks_like_time(w[nw - 2]))
		k = nw - 8;
	else
		return false;
	/* The name is the text between queue and SessID, spaces and all. */
	struct span name = { rest.p, (size_t)(w[k].p - rest.p) };

	r->id = textscan_dup(left[0]);
	set_str(&r->user, left[1]);
	set_str(&r->queue, left[2]);
	set_str(&r->name, name);
	r->nodes = textscan_int(w[k + 1]);
	r->tasks = textscan_int(w[k + 2]);
	set_str(&r->mem, w[k + 3]);
	set_walltime(r, w[k + 4]);
	r->raw_state = textscan_dup(w[k + 5]);
	r->state = qstat_state(w[k + 5].p, w[k + 5].n);
	r->elapsed = is_none(w[k + 6]) ? -1 : pbs_duration(w[k + 6]);
	if (k + 7 < nw && !is_none(w[k + 7]))
		set_exec_host(r, w[k + 7]);
	/* Time left: Req'd Time minus Elap Time. */
	jobtab_settle_times(r);
	return true;
}

static size_t
parse_table(const char *buf, size_t len, struct job_table *out,
    bool (*parse_line)(struct span, struct job_row *))
{
	struct textscan ts;
	struct span line;
	bool complete, last_was_row = false;
	size_t added = 0;

	textscan_init(&ts, buf, len);
	while (textscan_line(&ts, &line, &complete)) {
		struct span t = textscan_trim(line), w[2];

		if (is_table_decoration(t)) {
			last_was_row = false;
			continue;
		}
		/* `qstat -n` without -1 puts the hosts on the next line. */
		if (last_was_row && parse_line == alt_line &&
		    line.p[0] == ' ' && textscan_words(t, w, 2, NULL) == 1) {
			struct job_row *r = &out->v[out->n - 1];

			if (r->nodelist == NULL && !is_none(w[0]))
				set_exec_host(r, w[0]);
			last_was_row = false;
			continue;
		}
		if (parse_line(line, jobtab_append(out))) {
			added++;
			last_was_row = true;
		} else {
			jobtab_drop_last(out);
			last_was_row = false;
		}
	}
	return added;
}

size_t
qstat_parse_brief(const char *buf, size_t len, struct job_table *out)
{
	return parse_table(buf, len, out, brief_line);
}

size_t
qstat_parse_alt(const char *buf, size_t len, struct job_table *out)
{
	return parse_table(buf, len, out, alt_line);
}

/* --- attributes: qstat -f, -x and -F json --- */

/* What the attributes of one job say, before they become a row. */
struct pbs_job {
	struct job_row *r;
	int nodect, ncpus, mpiprocs;
	int spec_nodes, spec_tasks;	/* from Resource_List.nodes/select */
	char *comment;
	char *exec_host;		/* read once the tasks are known */
	char hold;			/* Hold_Types: u, o, s... */
	bool depend;
	bool bad;
	/* Exit status of an ended job: Torque writes exit_status, PBS Pro
	 * Exit_status, and their negative codes differ. */
	bool have_exit, torque_exit;
	long exit_status;
};

static void
pbs_job_init(struct pbs_job *j, struct job_row *r)
{
	memset(j, 0, sizeof *j);
	j->r = r;
	j->nodect = j->ncpus = j->mpiprocs = -1;
	j->spec_nodes = j->spec_tasks = -1;
}

/* "20:ivybridge", "1:ppn=20", "n1:ppn=2+n2:ppn=2", "15:ncpus=16". */
static void
parse_node_spec(struct span v, int *nodes, int *tasks)
{
	long tn = 0, tt = 0;
	bool have_tasks = false;
	size_t i = 0;

	while (i < v.n) {
		size_t s = i;
		long count = 1, per = 1;

		while (i < v.n && v.p[i] != '+')
			i++;
		struct span part = { v.p + s, i - s };
		if (i < v.n)
			i++;
		size_t j = 0;
		while (j < part.n) {
			size_t b = j;

			while (j < part.n && part.p[j] != ':')
				j++;
			struct span tok = { part.p + b, j - b };
			if (j < part.n)
				j++;
			if (b == 0 && textscan_int(tok) > 0)
				count = textscan_int(tok);
			else if (textscan_starts(tok, "ppn=") ||
			    textscan_starts(tok, "ncpus=")) {
				struct span nv = tok;
				size_t eq = (size_t)((char *)memchr(tok.p, '=',
				    tok.n) - tok.p);

				nv.p += eq + 1;
				nv.n -= eq + 1;
				if (textscan_int(nv) > 0) {
					per = textscan_int(nv);
					have_tasks = true;
				}
			}
		}
		if (count > INT_MAX / per || tn + count > INT_MAX ||
		    tt + count * per > INT_MAX)
			return;
		tn += count;
		tt += count * per;
	}
	if (tn > 0)
		*nodes = (int)tn;
	if (have_tasks)
		*tasks = (int)tt;
}

static void
pbs_attr(struct pbs_job *j, struct span key, struct span val)
{
	struct job_row *r = j->r;

	val = textscan_trim(val);
	if (textscan_has_ctl(val)) {
		/* Only free-text attributes (sched_hint, comments) hold
		 * newlines; keep none of them rather than cleaning. */
		if (textscan_eq(key, "Job_Id") || textscan_eq(key, "job_state"))
			j->bad = true;
		return;
	}
	if (textscan_eq(key, "Job_Id")) {
		set_str(&r->id, val);
	} else if (textscan_eq(key, "Job_Name")) {
		set_str(&r->name, val);
	} else if (textscan_eq(key, "Job_Owner")) {
		const char *at = memchr(val.p, '@', val.n);

		if (at != NULL)
			val.n = (size_t)(at - val.p);
		set_str(&r->user, val);
	} else if (textscan_eq(key, "job_state")) {
		set_str(&r->raw_state, val);
		r->state = qstat_state(val.p, val.n);
	} else if (textscan_eq(key, "queue")) {
		set_str(&r->queue, val);
	} else if (textscan_eq(key, "Resource_List.walltime")) {
		set_walltime(r, val);
	} else if (textscan_eq(key, "Resource_List.mem")) {
		set_str(&r->mem, val);
	} else if (textscan_eq(key, "Resource_List.pmem") ||
	    textscan_eq(key, "Resource_List.pvmem")) {
		if (r->mem == NULL)
			set_str(&r->mem, val);
	} else if (textscan_eq(key, "Resource_List.nodect")) {
		j->nodect = textscan_int(val);
	} else if (textscan_eq(key, "Resource_List.ncpus")) {
		j->ncpus = textscan_int(val);
	} else if (textscan_eq(key, "Resource_List.mpiprocs")) {
		j->mpiprocs = textscan_int(val);
	} else if (textscan_eq(key, "Resource_List.nodes") ||
	    textscan_eq(key, "Resource_List.select")) {
		parse_node_spec(val, &j->spec_nodes, &j->spec_tasks);
	} else if (textscan_eq(key, "resources_used.walltime")) {
		r->elapsed = pbs_duration(val);
	} else if (textscan_eq(key, "estimated.start_time")) {
		/* PBS Pro's scheduler estimate for a queued job. */
		char t[64];
		long at;

		if (val.n > 0 && val.n < sizeof t) {
			memcpy(t, val.p, val.n);
			t[val.n] = '\0';
			if (units_parse_datetime(t, &at, NULL) == 0)
				r->start_at = at;
		}
	} else if (textscan_eq(key, "exec_host")) {
		set_str(&j->exec_host, val);
	} else if (textscan_eq(key, "comment")) {
		set_str(&j->comment, val);
	} else if (textscan_eq(key, "Hold_Types")) {
		j->hold = val.n > 0 ? val.p[0] : 0;
	} else if (textscan_eq(key, "depend")) {
		j->depend = val.n > 0;
	} else if (textscan_eq(key, "exit_status") ||
	    textscan_eq(key, "Exit_status")) {
		bool neg = val.n > 1 && val.p[0] == '-';
		struct span d = { val.p + neg, val.n - neg };
		int v = textscan_int(d);

		if (v >= 0) {
			j->have_exit = true;
			j->torque_exit = key.p[0] == 'e';
			j->exit_status = neg ? -(long)v : v;
		}
	}
}

/* Why an ended job ended, from its exit status, in Slurm's words where
 * they fit; NULL when it exited 0. Negative codes are the server's own:
 * Torque's JOB_EXEC_OVERLIMIT_MEM/_WT (-10, -11), PBS Pro's
 * JOB_EXEC_KILL_VMEM/_MEM/_WALLTIME (-26, -27, -29); 256 + N is signal
 * N. */
static char *
exit_reason(const struct pbs_job *j)
{
	long x = j->exit_status;
	char buf[48];

	if (!j->have_exit || x == 0)
		return NULL;
	if (x == (j->torque_exit ? -11 : -29))
		return xstrdup("TimeLimit");
	if (j->torque_exit ? x == -10 : x == -26 || x == -27)
		return xstrdup("OutOfMemory");
	if (x > 256)
		snprintf(buf, sizeof buf, "RaisedSignal:%ld", x - 256);
	else if (x > 0)
		snprintf(buf, sizeof buf, "NonZeroExitCode:%ld", x);
	else
		snprintf(buf, sizeof buf, "ExitStatus:%ld", x);
	return xstrdup(buf);
}

/* Slurm's words where they fit, so both schedulers read alike; a system
 * hold on a job with dependencies is PBS waiting for them. */
static char *
hold_reason(const struct pbs_job *j)
{
	switch (j->hold) {
	case 'u':
		return xstrdup("JobHeldUser");
	case 'o':
		return xstrdup("JobHeldAdmin");
	case 's':
		return xstrdup(j->depend ? "Dependency" : "JobHeldSystem");
	default:
		return NULL;
	}
}

/* Turns the attributes into the row, out's last; drops it (0) if it has
 * no id or state, else 1. */
static int
pbs_finish(struct pbs_job *j, struct job_table *out)
{
	struct job_row *r = j->r;

	if (j->bad || r->id == NULL || r->raw_state == NULL) {
		free(j->comment);
		free(j->exec_host);
		jobtab_drop_last(out);
		return 0;
	}
	r->nodes = j->nodect >= 0 ? j->nodect : j->spec_nodes;
	if (j->spec_tasks >= 0)
		r->tasks = j->spec_tasks;
	else if (j->ncpus >= 0)
		r->tasks = j->ncpus;
	else
		r->tasks = j->mpiprocs;
	if (j->exec_host != NULL)
		set_exec_host(r, (struct span){ j->exec_host,
		    strlen(j->exec_host) });
	free(j->exec_host);
	if (r->state == JOB_QUEUED || r->state == JOB_HELD) {
		r->reason = j->comment;
		j->comment = NULL;
		if (r->reason == NULL && r->state == JOB_HELD)
			r->reason = hold_reason(j);
	} else if (r->state == JOB_COMPLETED) {
		r->reason = exit_reason(j);
	}
	free(j->comment);
	/* Time left: Resource_List.walltime minus resources_used.walltime. */
	jobtab_settle_times(r);
	return 1;
}

/* A growable value: qstat -f wraps long values onto continuation lines. */
struct valbuf {
	char *p;
	size_t n, cap;
};

static void
valbuf_add(struct valbuf *b, struct span s)
{
	if (b->n + s.n + 1 > b->cap) {
		b->cap = (b->n + s.n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->n, s.p, s.n);
	b->n += s.n;
}

struct full_state {
	struct job_table *out;
	struct pbs_job job;
	bool in_job;
	int tab_style;		/* -1 unknown, 0 4-space attrs, 1 TAB attrs */
	char key[128];
	size_t keylen;		/* 0: no attribute pending */
	struct valbuf val;
	size_t added;
};

static void
full_flush_attr(struct full_state *st)
{
	if (st->keylen > 0 && st->in_job) {
		struct span k = { st->key, st->keylen };
		struct span v = { st->val.p, st->val.n };

		pbs_attr(&st->job, k, v);
	}
	st->keylen = 0;
	st->val.n = 0;
}

static void
full_end_job(struct full_state *st)
{
	full_flush_attr(st);
	if (!st->in_job)
		return;
	st->added += pbs_finish(&st->job, st->out);
	st->in_job = false;
}

/* "key = value" after the indent; false if the line is not one. */
static bool
split_attr(struct span s, struct span *key, struct span *val)
{
	const char *eq = memmem(s.p, s.n, " = ", 3);

	if (eq == NULL || eq == s.p)
		return false;
	key->p = s.p;
	key->n = (size_t)(eq - s.p);
	for (size_t i = 0; i < key->n; i++)
		if (key->p[i] == ' ' || key->p[i] == '\t')
			return false;
	val->p = eq + 3;
	val->n = s.n - key->n - 3;
	return true;
}

size_t
qstat_parse_full(const char *buf, size_t len, struct job_table *out)
{
	struct full_state st = { .out = out, .tab_style = -1 };
	struct textscan ts;
	struct span line, key, val;

	textscan_init(&ts, buf, len);
	while (textscan_line(&ts, &line, NULL)) {
		if (textscan_starts(line, "Job Id:")) {
			full_end_job(&st);
			pbs_job_init(&st.job, jobtab_append(out));
			st.in_job = true;
			st.tab_style = -1;
			struct span id = { line.p + 7, line.n - 7 };
			pbs_attr(&st.job, (struct span){ "Job_Id", 6 }, id);
			continue;
		}
		if (textscan_trim(line).n == 0) {
			full_flush_attr(&st);
			continue;
		}
		if (!st.in_job) {
			out->skipped++;
			continue;
		}
		bool tab = line.p[0] == '\t';
		bool spaces = textscan_starts(line, "    ");
		struct span body = textscan_trim(line);

		if (st.tab_style < 0 && (tab || spaces) &&
		    split_attr(body, &key, &val))
			st.tab_style = tab;
		/* With 4-space attributes a TAB line continues the value; on
		 * the Slurm wrapper, which indents attributes with a TAB,
		 * only a TAB line that is no "key = value" does. */
		if (((st.tab_style == 1 && tab) || (st.tab_style == 0 && spaces))
		    && split_attr(body, &key, &val) && key.n < sizeof st.key) {
			full_flush_attr(&st);
			memcpy(st.key, key.p, key.n);
			st.keylen = key.n;
			valbuf_add(&st.val, val);
		} else if (tab && st.keylen > 0) {
			struct span cont = { line.p + 1, line.n - 1 };

			valbuf_add(&st.val, cont);
		} else {
			out->skipped++;
		}
	}
	full_end_job(&st);
	free(st.val.p);
	return st.added;
}

static struct span
cspan(const char *s)
{
	struct span v = { s, s == NULL ? 0 : strlen(s) };

	return v;
}

/* --- Torque qstat -x --- */

static void
xml_attr(struct pbs_job *j, const char *prefix, xmlNode *n)
{
	char key[160];
	xmlChar *owned = NULL;
	const char *val;

	if (snprintf(key, sizeof key, "%s%s", prefix,
	    (const char *)n->name) >= (int)sizeof key)
		return;
	/* The usual case, one text child, needs no copy. */
	if (n->children != NULL && n->children->type == XML_TEXT_NODE &&
	    n->children->next == NULL)
		val = (const char *)n->children->content;
	else
		val = (const char *)(owned = xmlNodeGetContent(n));
	pbs_attr(j, cspan(key), cspan(val));
	xmlFree(owned);
}

static bool
has_element_child(xmlNode *n)
{
	for (xmlNode *c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

long
qstat_parse_xml(const char *buf, size_t len, struct job_table *out,
    struct err *e)
{
	xmlDoc *doc;
	xmlNode *root;
	long added = 0;

	if (len > INT_MAX)
		return err_set(e, "qstat -x output: %zu bytes is too large",
		    len);
	/* RECOVER keeps the jobs before a cut or a bad byte; NOERROR and
	 * NOWARNING keep libxml2 off stderr, which curses owns. */
	doc = xmlReadMemory(buf, (int)len, "qstat.xml", NULL, XML_PARSE_RECOVER |
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_HUGE);
	root = doc == NULL ? NULL : xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "Data") != 0) {
		xmlFreeDoc(doc);
		return err_set(e, "qstat -x output: not a <Data> document");
	}
	for (xmlNode *jn = root->children; jn != NULL; jn = jn->next) {
		struct pbs_job j;

		if (jn->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)jn->name, "Job") != 0) {
			out->skipped++;
			continue;
		}
		pbs_job_init(&j, jobtab_append(out));
		for (xmlNode *a = jn->children; a != NULL; a = a->next) {
			if (a->type != XML_ELEMENT_NODE)
				continue;
			if (!has_element_child(a)) {
				xml_attr(&j, "", a);
				continue;
			}
			char prefix[128];

			if (snprintf(prefix, sizeof prefix, "%s.",
			    (const char *)a->name) >= (int)sizeof prefix)
				continue;
			for (xmlNode *c = a->children; c != NULL; c = c->next)
				if (c->type == XML_ELEMENT_NODE)
					xml_attr(&j, prefix, c);
		}
		added += pbs_finish(&j, out);
	}
	xmlFreeDoc(doc);
	return added;
}

/* --- PBS Pro / OpenPBS qstat -f -F json --- */

static void
json_attr(struct pbs_job *j, const char *key, json_t *v)
{
	char num[64];

	if (json_is_string(v)) {
		struct span s = { json_string_value(v), json_string_length(v) };

		pbs_attr(j, cspan(key), s);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		pbs_attr(j, cspan(key), cspan(num));
	} else if (json_is_real(v)) {
		snprintf(num, sizeof num, "%.17g", json_real_value(v));
		pbs_attr(j, cspan(key), cspan(num));
	}
}

long
qstat_parse_json(const char *buf, size_t len, struct job_table *out,
    struct err *e)
{
	json_error_t jerr;
	json_t *doc, *jobs, *job;
	const char *id;
	long added = 0;

	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return err_set(e, "qstat -F json output:%d:%d: %s", jerr.line,
		    jerr.column, jerr.text);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return err_set(e, "qstat -F json output: not a JSON object");
	}
	jobs = json_object_get(doc, "Jobs");
	if (jobs != NULL && !json_is_object(jobs)) {
		json_decref(doc);
		return err_set(e, "qstat -F json output: \"Jobs\" is not an "
		    "object");
	}
	json_object_foreach(jobs, id, job) {
		struct pbs_job j;
		const char *k;
		json_t *v;

		pbs_job_init(&j, jobtab_append(out));
		if (!json_is_object(job)) {
			jobtab_drop_last(out);
			continue;
		}
		pbs_attr(&j, cspan("Job_Id"), cspan(id));
		json_object_foreach(job, k, v) {
			const char *k2;
			json_t *v2;
			char key[160];

			if (!json_is_object(v)) {
				json_attr(&j, k, v);
				continue;
			}
			if (strcmp(k, "Variable_List") == 0)
				continue;
			json_object_foreach(v, k2, v2)
				if (snprintf(key, sizeof key, "%s.%s", k, k2) <
				    (int)sizeof key)
					json_attr(&j, key, v2);
		}
		added += pbs_finish(&j, out);
	}
	json_decref(doc);
	return added;
}

long
qstat_parse(const char *buf, size_t len, struct job_table *out,
    struct err *e)
{
	switch (qstat_detect(buf, len)) {
	case QSTAT_EMPTY:
		return 0;
	case QSTAT_BRIEF:
		return (long)qstat_parse_brief(buf, len, out);
	case QSTAT_ALT:
		return (long)qstat_parse_alt(buf, len, out);
	case QSTAT_FULL:
		return (long)qstat_parse_full(buf, len, out);
	case QSTAT_XML:
		return qstat_parse_xml(buf, len, out, e);
	case QSTAT_JSON:
		return qstat_parse_json(buf, len, out, e);
	case QSTAT_UNKNOWN:
		break;
	}
	return err_set(e, "qstat output: unknown format (no \"Job id\" "
	    "header, \"Job Id:\" record, XML or JSON)");
}
