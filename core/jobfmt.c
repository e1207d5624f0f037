#include "jobfmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "units.h"
#include "xmalloc.h"

static const struct {
	const char *title;
	int max, min;
	bool right;
} cols[JOBFMT_NCOLS] = {
	[JOBFMT_ID] = { "JOBID", 24, 8, false },
	[JOBFMT_NAME] = { "NAME", 16, 6, false },
	[JOBFMT_USER] = { "USER", 10, 5, false },
	[JOBFMT_QUEUE] = { "QUEUE", 10, 5, false },
	[JOBFMT_NDS] = { "NDS", 5, 3, true },
	[JOBFMT_TSK] = { "TSK", 6, 3, true },
	[JOBFMT_MEM] = { "MEM", 8, 3, true },
	[JOBFMT_TIME] = { "TIME", 11, 4, true },
	[JOBFMT_LEFT] = { "LEFT", 11, 4, true },
	[JOBFMT_STATE] = { "S", 1, 1, false },
	[JOBFMT_ELAP] = { "ELAP", 11, 4, true },
	[JOBFMT_WHERE] = { "NODES", 40, 5, false },
};

const char *
jobfmt_title(enum jobfmt_col c)
{
	return cols[c].title;
}

static const char *
int_cell(long v, char *s, size_t len)
{
	char tmp[24];
	size_t n = 0;

	if (v < 0 || len < sizeof tmp)
		return "--";
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	for (size_t i = 0; i < n; i++)
		s[i] = tmp[n - 1 - i];
	s[n] = '\0';
	return s;
}

static const char *
str_cell(const char *s)
{
	return s != NULL && *s != '\0' ? s : "--";
}

/* Why it waits, why it ended (squeue's NODELIST(REASON)), or why its
 * state is not known, then a waiting job's estimated start; else where it
 * runs. */
static const char *
where_cell(const struct job_row *r, char *s, size_t len)
{
	bool start = r->state == JOB_QUEUED && r->start_at >= 0;
	/* Room for " start MM-DD HH:MM:SS" after the reason. */
	size_t n = 0, room = start ? 24 : 0;
	char at[32];

	if (len < room + 8)
		return "--";
	if (r->state != JOB_RUNNING && r->state != JOB_EXITING &&
	    r->reason != NULL && *r->reason != '\0') {
		/* Bounded: the column is cut at 40 cells anyway. */
		n = strlen(r->reason);
		if (n > len - 3 - room)
			n = len - 3 - room;
		s[0] = '(';
		memcpy(s + 1, r->reason, n);
		s[n + 1] = ')';
		n += 2;
		s[n] = '\0';
	}
	if (start) {
		jobfmt_at(r->start_at, (long)time(NULL), at, sizeof at);
		snprintf(s + n, len - n, "%sstart %s", n > 0 ? " " : "", at);
		return s;
	}
	return n > 0 ? s : str_cell(r->nodelist);
}

const char *
jobfmt_cell(const struct job_row *r, enum jobfmt_col c, char *s, size_t len)
{
	switch (c) {
	case JOBFMT_ID: return str_cell(r->id);
	case JOBFMT_NAME: return str_cell(r->name);
	case JOBFMT_USER: return str_cell(r->user);
	case JOBFMT_QUEUE: return str_cell(r->queue);
	case JOBFMT_NDS: return int_cell(r->nodes, s, len);
	case JOBFMT_TSK: return int_cell(r->tasks, s, len);
	case JOBFMT_MEM: return str_cell(r->mem);
	case JOBFMT_TIME: return str_cell(r->time_req);
	case JOBFMT_STATE:
		if (len < 2)
			return "?";
		s[0] = (char)r->state;
		s[1] = '\0';
		return s;
	case JOBFMT_ELAP:
		if (r->elapsed < 0 || len < 32)
			return "--";
		units_format_duration(r->elapsed, UNITS_CLOCK_SHORT, s, len);
		return s;
	case JOBFMT_LEFT:
		if (r->state != JOB_RUNNING || r->time_left < 0 || len < 32)
			return "--";
		units_format_duration(r->time_left, UNITS_CLOCK_SHORT, s, len);
		return s;
	case JOBFMT_WHERE:
		return where_cell(r, s, len);
	case JOBFMT_NCOLS:
		break;
	}
	return "--";
}

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t avail)
{
	size_t n;
	unsigned min;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2; min = 0x80; cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3; min = 0x800; cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4; min = 0x10000; cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls would reach the terminal as escapes. */
	if (cp >= 0x80 && cp < 0xa0)
		return 0;
	return n;
}

/* Printable ASCII only: one byte per cell, nothing to clean. */
static bool
plain(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p >= 0x20 && *p < 0x7f)
		p++;
	*len = (size_t)(p - (const unsigned char *)s);
	return *p == '\0';
}

/* Cells of s as it will be shown. */
static int
cells(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t avail;
	int w = 0;

	if (plain(s, &avail))
		return (int)avail;
	avail = strlen(s);

	while (avail > 0) {
		size_t n = utf8_len(p, avail);

		if (n == 0)
			n = 1;
		p += n;
		avail -= n;
		w++;
	}
	return w;
}

void
jobfmt_widths(struct jobfmt *f, const struct job_table *t)
{
	char scratch[64];

	for (int c = 0; c < JOBFMT_NCOLS; c++)
		f->width[c] = (int)strlen(cols[c].title);
	for (size_t i = 0; i < t->n; i++)
		for (int c = 0; c < JOBFMT_NCOLS; c++) {
			int w;

			if (f->width[c] >= cols[c].max)
				continue;
			w = cells(jobfmt_cell(&t->v[i], c, scratch,
			    sizeof scratch));
			if (w > f->width[c])
				f->width[c] = w < cols[c].max ? w : cols[c].max;
		}
}

int
jobfmt_line_width(const struct jobfmt *f)
{
	int w = JOBFMT_NCOLS - 1;

	for (int c = 0; c < JOBFMT_NCOLS; c++)
		w += f->width[c];
	return w;
}

int
jobfmt_fit(struct jobfmt *f, int ncols)
{
	static const enum jobfmt_col order[] = {
		JOBFMT_WHERE, JOBFMT_NAME, JOBFMT_USER, JOBFMT_QUEUE, JOBFMT_ID,
	};

	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		int over = jobfmt_line_width(f) - ncols, c = order[k];
		int room = f->width[c] - cols[c].min;

		if (over <= 0)
			break;
		if (room > 0)
			f->width[c] -= over < room ? over : room;
	}
	return jobfmt_line_width(f);
}

/* Writes s in exactly w cells: sanitised, cut with '~', padded. */
static char *
put_cell(char *o, const char *s, int w, bool right)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t avail;
	int n, shown;

	if (plain(s, &avail) && avail <= (size_t)w) {
		n = (int)avail;
		if (right && n < w) {
			memset(o, ' ', (size_t)(w - n));
			o += w - n;
		}
		memcpy(o, s, avail);
		o += avail;
		if (!right && n < w) {
			memset(o, ' ', (size_t)(w - n));
			o += w - n;
		}
		return o;
	}
	avail = strlen(s);
	n = cells(s);
	shown = n <= w ? n : w - 1;
	if (right && n < w) {
		memset(o, ' ', (size_t)(w - n));
		o += w - n;
	}
	for (int i = 0; i < shown; i++) {
		size_t k = utf8_len(p, avail);

		if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f))) {
			*o++ = '?';
			k = k == 0 ? 1 : k;
		} else {
			memcpy(o, p, k);
			o += k;
		}
		p += k;
		avail -= k;
	}
	if (n > w && w > 0)
		*o++ = '~';
	if (!right && n < w) {
		memset(o, ' ', (size_t)(w - n));
		o += w - n;
	}
	return o;
}

static size_t
format_line(const struct jobfmt *f, const struct job_row *r, char *buf,
    size_t len)
{
	char scratch[64], *o = buf;

	if (len < (size_t)jobfmt_line_width(f) * 4 + 1) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	for (int c = 0; c < JOBFMT_NCOLS; c++) {
		const char *s = r != NULL ?
		    jobfmt_cell(r, c, scratch, sizeof scratch) : cols[c].title;

		if (c > 0)
			*o++ = ' ';
		o = put_cell(o, s, f->width[c], cols[c].right);
	}
	*o = '\0';
	return (size_t)(o - buf);
}

size_t
jobfmt_row(const struct jobfmt *f, const struct job_row *r, char *buf,
    size_t len)
{
	return format_line(f, r, buf, len);
}

size_t
jobfmt_header(const struct jobfmt *f, char *buf, size_t len)
{
	return format_line(f, NULL, buf, len);
}

char *
jobfmt_table(const struct job_table *t)
{
	struct jobfmt f;
	size_t linecap, cap, n = 0;
	char *out;

	jobfmt_widths(&f, t);
	linecap = (size_t)jobfmt_line_width(&f) * 4 + 2;
	cap = linecap * (t->n + 1) + 1;
	out = xmalloc(cap);
	for (size_t i = 0; i <= t->n; i++) {
		size_t k = format_line(&f, i == 0 ? NULL : &t->v[i - 1],
		    out + n, linecap);

		while (k > 0 && out[n + k - 1] == ' ')
			k--;
		n += k;
		out[n++] = '\n';
	}
	out[n] = '\0';
	return out;
}

void
jobfmt_at(long epoch, long now_s, char *out, size_t outlen)
{
	time_t t = (time_t)epoch, now = (time_t)now_s;
	struct tm tm, today;

	if (epoch < 0 || localtime_r(&t, &tm) == NULL ||
	    localtime_r(&now, &today) == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(out, outlen, "%H:%M:%S", &tm);
	else
		strftime(out, outlen, "%m-%d %H:%M", &tm);
}

bool
jobfmt_time_note(const struct job_row *r, const char *role, long now,
    char *buf, size_t len)
{
	char in[32], at[32];
	const char *id = str_cell(r->id);

	if (len > 0)
		buf[0] = '\0';
	if (jobtab_near_limit(r)) {
		units_format_duration(r->time_left, UNITS_CLOCK_SHORT, in,
		    sizeof in);
		jobfmt_at(now + r->time_left, now, at, sizeof at);
		snprintf(buf, len, "%s job %s reaches its time limit in %s "
		    "(at %s)", role, id, in, at);
		return true;
	}
	if (r->state == JOB_QUEUED && r->start_at >= 0) {
		jobfmt_at(r->start_at, now, at, sizeof at);
		if (r->start_at > now)
			units_format_duration(r->start_at - now,
			    UNITS_CLOCK_SHORT, in, sizeof in);
		snprintf(buf, len, "%s job %s waits%s%s%s; estimated start %s"
		    "%s%s%s", role, id, r->reason != NULL ? " (" : "",
		    r->reason != NULL ? r->reason : "",
		    r->reason != NULL ? ")" : "", at,
		    r->start_at > now ? " (in " : " (overdue)",
		    r->start_at > now ? in : "", r->start_at > now ? ")" : "");
		return true;
	}
	return false;
}
