#include "screen.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "colors.h"
#include "core/jobfmt.h"
#include "core/units.h"

/* Writes s at (y, x) in at most w columns with attr; returns the columns
 * used. Bytes that are not text in the locale show as '?'. */
static int
put(int y, int x, int w, int attr, const char *s)
{
	mbstate_t st;
	size_t rem = strlen(s);
	int used = 0;

	if (w <= 0)
		return 0;
	memset(&st, 0, sizeof st);
	attrset(attr);
	move(y, x);
	while (rem > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, rem, &st);
		int cw;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			wc = L'?';
		}
		cw = wc < 0x20 || wc == 0x7f ? -1 : wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > w)
			break;
		if (wc == L'?' && *s != '?')
			addch('?');
		else
			addnstr(s, (int)n);
		used += cw;
		s += n;
		rem -= n;
	}
	return used;
}

/* put, then spaces to fill w. */
static void
putpad(int y, int x, int w, int attr, const char *s)
{
	int used = put(y, x, w, attr, s);

	attrset(attr);
	for (int i = used; i < w; i++)
		mvaddch(y, x + i, ' ');
}

static int
putf(int y, int x, int w, int attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
putf(int y, int x, int w, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return put(y, x, w, attr, buf);
}

/* A pane title: "── Title ─────" across w columns. */
static void
rule(const struct dash *d, int y, int x, int w, const char *title,
    const char *extra, int extra_attr)
{
	const char *line = d->utf8 ? "\xe2\x94\x80" : "-";
	int attr = colors_attr(COLOR_TITLE);
	int used;

	attrset(attr);
	move(y, x);
	for (int i = 0; i < w; i++)
		addstr(line);
	used = put(y, x + 2, w - 2, attr, " ");
	used += put(y, x + 2 + used, w - 2 - used, attr, title);
	used += put(y, x + 2 + used, w - 2 - used, attr, " ");
	if (extra != NULL && *extra != '\0')
		put(y, x + 3 + used, w - 3 - used, extra_attr, extra);
}

static void
stale_label(uint64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, "stale %llus",
		    (unsigned long long)((ms + 999) / 1000));
}

static void
draw_header(struct dash *d, int w)
{
	struct model *m = d->model;
	int attr = colors_attr(COLOR_HEADER);
	char when[16], sched[128], stale[32], right[64];
	time_t now = time(NULL);
	int x, reserve;

	strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
	if (m->sched_src.busy_ms != 0 && m->sched == MODEL_SCHED_UNKNOWN)
		snprintf(sched, sizeof sched, "checking");
	else if (m->sched_src.failed && m->sched != MODEL_SCHED_NONE &&
	    m->sched != MODEL_SCHED_UNKNOWN)
		snprintf(sched, sizeof sched, "%s (error)",
		    model_sched_name(m->sched));
	else if (m->sched_version != NULL && m->sched != MODEL_SCHED_NONE)
		snprintf(sched, sizeof sched, "%s (%s)",
		    model_sched_name(m->sched), m->sched_version);
	else
		snprintf(sched, sizeof sched, "%s", model_sched_name(m->sched));
	stale_label(model_stale_ms(m, &m->sched_src), stale, sizeof stale);

	snprintf(right, sizeof right, "  %s  refresh %llu.%llus ", when,
	    (unsigned long long)(m->interval_ms / 1000),
	    (unsigned long long)(m->interval_ms % 1000 / 100));
	/* The stale mark matters more than the rest of the name: room for it
	 * and the clock first. */
	reserve = (int)strlen(right) + (stale[0] != '\0' ?
	    (int)strlen(stale) + 2 : 0);
	putpad(0, 0, w, attr, "");
	x = putf(0, 0, w, attr | A_BOLD, " hpctop ");
	x += putf(0, x, w - x - reserve, attr, " %s@%s  scheduler: %s ",
	    m->user, m->host, sched);
	if (stale[0] != '\0')
		x += putf(0, x, w - x - (int)strlen(right),
		    colors_attr(COLOR_STALE), "[%s]", stale);
	put(0, w - (int)strlen(right), (int)strlen(right), attr, right);
}

static int
state_role(const struct model_cluster *c)
{
	if (c->stopping)
		return COLOR_EXITING;
	switch (c->state) {
	case CLUSTERSTATE_STOPPED:
		return COLOR_DONE;
	case CLUSTERSTATE_QUEUED:
	case CLUSTERSTATE_STARTING:
		return COLOR_WAIT;
	case CLUSTERSTATE_RUNNING:
		/* With a note (engines not in one MPI world, an interrupted
		 * start), running is not all well. */
		return c->error != NULL ? COLOR_FAILED : COLOR_OK;
	case CLUSTERSTATE_UNKNOWN:
	case CLUSTERSTATE_NOT_ANSWERING:
		return COLOR_STALE;
	default:
		return COLOR_FAILED;
	}
}

static void
draw_profiles(struct dash *d, int y, int w, int h)
{
	struct model *m = d->model;
	int rows = h - 2;
	bool focus = d->pane == KM_PROFILES && d->view == DASH_MAIN;

	rule(d, y, 0, w, "Profiles", NULL, 0);
	putf(y + 1, 0, w, colors_attr(COLOR_COLUMNS), " %-14s %-7s %4s  %-*s",
	    "NAME", "BACKEND", "ENG", w > 32 ? w - 32 : 0, "STATE");
	if (m->sel < d->prof_top)
		d->prof_top = m->sel;
	if (m->sel >= d->prof_top + (size_t)rows)
		d->prof_top = m->sel - (size_t)rows + 1;
	for (int r = 0; r < rows; r++) {
		size_t i = d->prof_top + (size_t)r;
		const struct model_cluster *c;
		char label[256], eng[16];
		int attr, sattr;

		if (i >= m->nclusters)
			break;
		c = &m->clusters[i];
		attr = i == m->sel ? colors_attr(focus ? COLOR_CURSOR :
		    COLOR_CURSOR_DIM) : colors_attr(COLOR_NORMAL);
		if (c->entry->profile == NULL) {
			/* The directory is in the status line; the row
			 * keeps file:line:col and the message. */
			const char *slash = strrchr(c->entry->path, '/');
			size_t dir = slash != NULL ? (size_t)(slash -
			    c->entry->path) + 1 : 0;

			snprintf(label, sizeof label, "invalid: %s",
			    strncmp(c->entry->error, c->entry->path, dir) ==
			    0 ? c->entry->error + dir : c->entry->error);
			sattr = i == m->sel ? attr : colors_attr(COLOR_FAILED);
			putpad(y + 2 + r, 0, w, attr, "");
			putf(y + 2 + r, 0, w, attr, " %-14.14s ",
			    c->entry->name);
			put(y + 2 + r, 16, w - 16, sattr, label);
			continue;
		}
		snprintf(eng, sizeof eng, "%d", c->requested > 0 ?
		    c->requested : c->entry->profile->engines);
		model_state_label(c, label, sizeof label);
		sattr = i == m->sel ? attr : colors_attr(state_role(c));
		putpad(y + 2 + r, 0, w, attr, "");
		putf(y + 2 + r, 0, w, attr, " %-14.14s %-7.7s %4s  ",
		    c->entry->name, c->entry->profile->backend, eng);
		put(y + 2 + r, 30, w - 30, sattr, label);
	}
}

/* warn: the engines will soon be lost (a job near its time limit). */
static void
gauge(struct dash *d, int y, int x, int w, int have, int want, bool warn)
{
	/* Eighths of a cell in UTF-8, whole cells in ASCII. */
	static const char *const eighths[] = { "", "\xe2\x96\x8f",
		"\xe2\x96\x8e", "\xe2\x96\x8d", "\xe2\x96\x8c", "\xe2\x96\x8b",
		"\xe2\x96\x8a", "\xe2\x96\x89" };
	int inner = w - 2;
	long units = want > 0 ? (long)have * inner * 8 / want : 0;
	int full = (int)(units / 8), part = d->utf8 ? (int)(units % 8) : 0;
	int col = 0;

	if (inner <= 0)
		return;
	put(y, x, 1, colors_attr(COLOR_NORMAL) | A_BOLD, "[");
	attrset(colors_attr(warn ? COLOR_WARN : COLOR_GAUGE_FULL));
	move(y, x + 1);
	for (; col < full && col < inner; col++)
		addstr(d->utf8 ? "\xe2\x96\x88" : "|");
	if (part > 0 && col < inner) {
		addstr(eighths[part]);
		col++;
	}
	attrset(colors_attr(COLOR_GAUGE_EMPTY));
	for (; col < inner; col++)
		addstr(d->utf8 ? "\xc2\xb7" : " ");
	put(y, x + 1 + inner, 1, colors_attr(COLOR_NORMAL) | A_BOLD, "]");
}

/* Per node registered/expected, then what `hpctop status` says about
 * missing engines, at most rows lines from y; returns the next free row. */
static int
draw_nodes(const struct nodes_report *r, int y, int x, int w, int rows)
{
	struct strv notes = STRV_INIT;
	char *sum;
	int row = y;

	if (r->n == 0 && r->error == NULL)
		return y;
	nodes_notes(r, &notes);
	if (r->n > 0 && rows > 0) {
		sum = nodes_summary(r);
		putf(row++, x + 1, w - 1, colors_attr(notes.n > 0 ?
		    COLOR_FAILED : COLOR_OK), "nodes %s", sum);
		free(sum);
	}
	for (size_t i = 0; i < notes.n && row < y + rows; i++)
		put(row++, x + 1, w - 1, colors_attr(COLOR_FAILED),
		    notes.v[i]);
	strv_clear(&notes);
	return row;
}

static void
draw_engines(struct dash *d, int y, int x, int w, int h)
{
	struct model *m = d->model;
	const struct model_cluster *c = model_selected(m);
	char stale[32] = "", count[32], note[512];
	int rows = h - 2;
	bool near = false;
	static const char *const names[] = { "registered", "busy", "lost" };
	static const int roles[] = { COLOR_OK, COLOR_WAIT, COLOR_FAILED };

	if (c != NULL && c->state != CLUSTERSTATE_STOPPED)
		stale_label(model_stale_ms(m, &c->engines_src), stale,
		    sizeof stale);
	rule(d, y, x, w, "Engines", stale, colors_attr(COLOR_STALE));
	/* The node lines under the count, the engines below them. */
	int top = c != NULL ? draw_nodes(&c->nodes, y + 2, x, w, rows) : y + 2;

	for (size_t i = 0; c != NULL && i < c->set_lines.n && top < y + 2 +
	    rows; i++)
		put(top++, x + 1, w - 1, colors_attr(COLOR_NORMAL),
		    c->set_lines.v[i]);

	rows -= top - (y + 2);
	if (c == NULL)
		return;
	model_time_note(c, &near, note, sizeof note);
	snprintf(count, sizeof count, "engines %d/%d", c->registered,
	    c->requested);
	putf(y + 1, x + 1, w - 1, near ? colors_attr(COLOR_WARN) :
	    colors_attr(COLOR_NORMAL) | (int)A_BOLD, "%s", count);
	gauge(d, y + 1, x + 2 + (int)strlen(count), w - 3 -
	    (int)strlen(count), c->registered, c->requested, near);
	if (c->nengines == 0) {
		if (rows > 0)
			put(top, x + 1, w - 1, colors_attr(COLOR_DONE),
			    c->state == CLUSTERSTATE_STOPPED ?
			    "no cluster running" : "no engine registered");
		return;
	}
	for (int r = 0; r < rows; r++) {
		const struct model_engine *e;

		if ((size_t)r >= c->nengines)
			break;
		if (r == rows - 1 && c->nengines > (size_t)rows) {
			putf(top + r, x + 1, w - 1, colors_attr(COLOR_DONE),
			    "+%zu more", c->nengines - (size_t)r);
			break;
		}
		e = &c->engines[r];
		putf(top + r, x + 1, w - 1, colors_attr(COLOR_NORMAL),
		    "%3d %-14.14s", e->id, e->host != NULL ? e->host : "-");
		put(top + r, x + 20, w - 20, colors_attr(roles[e->state]),
		    names[e->state]);
	}
}

static int
job_role(enum job_state s)
{
	switch (s) {
	case JOB_RUNNING:
		return COLOR_OK;
	case JOB_QUEUED:
		return COLOR_WAIT;
	case JOB_HELD:
		return COLOR_HELD;
	case JOB_EXITING:
		return COLOR_EXITING;
	case JOB_COMPLETED:
		return COLOR_DONE;
	case JOB_UNKNOWN:
		break;
	}
	return COLOR_NORMAL;
}

static void
draw_jobs(struct dash *d, int y, int w, int h)
{
	struct model *m = d->model;
	const struct model_cluster *c = model_selected(m);
	char title[256], stale[32] = "", note[512];
	/* A line of jobfmt's widest table (each column capped), in UTF-8. */
	char line[4096];
	struct jobfmt f;
	int rows = h - 2;
	bool focus = d->pane == KM_JOBS && d->view == DASH_MAIN, near;

	if (c == NULL) {
		rule(d, y, 0, w, "Jobs", NULL, 0);
		return;
	}
	if (c->state != CLUSTERSTATE_STOPPED)
		stale_label(model_stale_ms(m, &c->jobs_src), stale,
		    sizeof stale);
	snprintf(title, sizeof title, "Jobs: %s (%zu)%s%s", c->entry->name,
	    c->jobs.n, c->controller_at != NULL ? "  controller " : "",
	    c->controller_at != NULL ? c->controller_at : "");
	/* Stale data first; else when engines will be lost or may start. */
	if (stale[0] != '\0' || !model_time_note(c, &near, note, sizeof note))
		rule(d, y, 0, w, title, stale, colors_attr(COLOR_STALE));
	else
		rule(d, y, 0, w, title, note, colors_attr(near ? COLOR_WARN :
		    COLOR_WAIT));
	/* The table as `hpctop status` prints it (core/jobfmt), narrowed to
	 * the pane. */
	if (c->jobs.n > 0)
		f = c->jobs_fmt;
	else
		jobfmt_widths(&f, &c->jobs);
	jobfmt_fit(&f, w - 1);
	jobfmt_header(&f, line, sizeof line);
	putpad(y + 1, 0, w, colors_attr(COLOR_COLUMNS), "");
	put(y + 1, 1, w - 1, colors_attr(COLOR_COLUMNS), line);
	d->job_rows = rows > 0 ? (size_t)rows : 0;
	if (c->jobs.n == 0) {
		put(y + 2, 1, w - 1, colors_attr(COLOR_DONE),
		    c->state == CLUSTERSTATE_STOPPED ?
		    "no cluster started for this profile (S starts one)" :
		    "no jobs");
		return;
	}
	if (d->job_cur >= c->jobs.n)
		d->job_cur = c->jobs.n - 1;
	if (d->job_cur < d->job_top)
		d->job_top = d->job_cur;
	if (rows > 0 && d->job_cur >= d->job_top + (size_t)rows)
		d->job_top = d->job_cur - (size_t)rows + 1;
	for (int r = 0; r < rows; r++) {
		size_t i = d->job_top + (size_t)r;
		const struct job_row *j;
		int attr;

		if (i >= c->jobs.n)
			break;
		j = &c->jobs.v[i];
		if (i == d->job_cur && focus)
			attr = colors_attr(COLOR_CURSOR);
		else if (jobtab_near_limit(j))
			attr = colors_attr(COLOR_WARN);
		else
			attr = colors_attr(job_role(j->state));
		jobfmt_row(&f, j, line, sizeof line);
		putpad(y + 2 + r, 0, w, attr, "");
		put(y + 2 + r, 1, w - 1, attr, line);
	}
}

static void
draw_field(int y, int x, int w, const struct field *f, int attr)
{
	size_t cur = field_cursor_chars(f);
	const char *s = field_text(f);
	size_t skip = 0;

	/* Scroll sideways so the cursor stays visible. */
	if (w > 1 && cur >= (size_t)w)
		skip = cur - (size_t)w + 1;
	for (size_t n = 0; n < skip && *s != '\0'; n++) {
		s++;
		while ((*s & 0xc0) == 0x80)
			s++;
	}
	putpad(y, x, w, attr, s);
	move(y, x + (int)(cur - skip));
}

/* The label in its role, then the text: plain for output, the error
 * role for stderr and for engines that failed or did not answer. */
static void
draw_px_line(const struct model_px_line *l, int row, int w)
{
	enum color_role lab = COLOR_PX_ERROR, body = COLOR_PX_ERROR;
	int x = 1;

	switch (l->rec) {
	case PXFMT_STDOUT:
	case PXFMT_OUTPUT:
	case PXFMT_RESULT:
		lab = COLOR_PX_LABEL;
		body = COLOR_NORMAL;
		break;
	case PXFMT_STDERR:
	case PXFMT_ERROR:
	case PXFMT_ABORTED:
	case PXFMT_TIMEOUT:
	case PXFMT_LOST:
	case PXFMT_DISCONNECTED:
	case PXFMT_NKINDS:
		break;
	}
	if (l->label_len > 0)
		x += putf(row, x, w - x, colors_attr(lab), "%.*s",
		    (int)l->label_len, l->text);
	put(row, x, w - x, colors_attr(body), l->text + l->label_len);
}

static void
draw_px(struct dash *d, int y, int w, int h)
{
	struct model *m = d->model;
	struct model_cluster *c = model_selected(m);
	int rows = h - 2;
	size_t first, end;
	char title[128];

	snprintf(title, sizeof title, "px: %s", c != NULL ? c->entry->name :
	    "-");
	rule(d, y, 0, w, title, d->px_back > 0 ? "(scrolled: PgDn)" : NULL,
	    colors_attr(COLOR_STATUS));
	d->px_rows = rows > 0 ? (size_t)rows : 0;
	if (c != NULL) {
		if (d->px_back > c->px_n)
			d->px_back = c->px_n;
		end = c->px_n - d->px_back;
		first = end > (size_t)rows ? end - (size_t)rows : 0;
		for (size_t i = first; i < end; i++) {
			const struct model_px_line *l = model_px_line(c, i);
			int row = y + 1 + (int)(i - first);

			switch (l->kind) {
			case MODEL_PX_INPUT:
				putf(row, 1, w - 1, colors_attr(COLOR_PX_INPUT),
				    "px> %s", l->text);
				break;
			case MODEL_PX_INFO:
				put(row, 1, w - 1, colors_attr(COLOR_STATUS),
				    l->text);
				break;
			case MODEL_PX_OUTPUT:
				draw_px_line(l, row, w);
				break;
			}
		}
	}
	if (d->mode == KM_PX) {
		put(y + h - 1, 0, 4, colors_attr(COLOR_PX_INPUT), "px> ");
		draw_field(y + h - 1, 4, w - 4, &d->px,
		    colors_attr(COLOR_PROMPT));
	} else
		put(y + h - 1, 0, w, colors_attr(COLOR_DONE),
		    "px> (P to type code for every engine)");
}

static void
draw_status(struct dash *d, int y, int w)
{
	struct model *m = d->model;
	const struct model_cluster *c = model_selected(m);

	putpad(y, 0, w, colors_attr(COLOR_NORMAL), "");
	if (d->mode == KM_START && c != NULL) {
		int x = putf(y, 0, w, colors_attr(COLOR_NORMAL) | A_BOLD,
		    d->scaling ? "Add to %s how many engines? " :
		    "Start %s with how many engines? ", c->entry->name);

		draw_field(y, x, 8, &d->start, colors_attr(COLOR_PROMPT));
		if (d->status_error && d->status[0] != '\0')
			put(y, x + 10, w - x - 10,
			    colors_attr(COLOR_STATUS_ERROR), d->status);
		move(y, x + (int)field_cursor_chars(&d->start));
		return;
	}
	if (d->mode == KM_CONFIRM) {
		putf(y, 0, w, colors_attr(COLOR_STATUS_ERROR),
		    "Start anyway? y/n: %s", d->status);
		return;
	}
	if (d->mode == KM_STOP && c != NULL) {
		char label[256];

		putf(y, 0, w, colors_attr(COLOR_STATUS_ERROR),
		    "Stop %s (%s)? y/n", c->entry->name,
		    model_state_label(c, label, sizeof label));
		return;
	}
	if (d->status[0] != '\0') {
		put(y, 0, w, colors_attr(d->status_error ?
		    COLOR_STATUS_ERROR : COLOR_STATUS), d->status);
		return;
	}
	if (c == NULL)
		put(y, 0, w, colors_attr(COLOR_STATUS_ERROR),
		    "no profiles found (see 'hpctop profiles')");
	else if (c->entry->profile == NULL)
		put(y, 0, w, colors_attr(COLOR_STATUS_ERROR), c->entry->error);
	else if (c->tunnel_note != NULL)
		putf(y, 0, w, colors_attr(COLOR_STATUS), "%s: %s",
		    c->entry->name, c->tunnel_note);
	else if (*c->entry->profile->description != '\0')
		putf(y, 0, w, colors_attr(COLOR_STATUS), "%s: %s",
		    c->entry->name, c->entry->profile->description);
	else
		/* A profile found on another machine: DEST:path. */
		putf(y, 0, w, colors_attr(COLOR_STATUS), "%s: %s%s%s",
		    c->entry->name, c->entry->host != NULL ? c->entry->host :
		    "", c->entry->host != NULL ? ":" : "", c->entry->path);
}

struct hint_ctx {
	int y, x, w;
};

static void
hint(const char *key, const char *label, void *arg)
{
	struct hint_ctx *h = arg;

	if (h->x >= h->w)
		return;
	h->x += put(h->y, h->x, h->w - h->x, colors_attr(COLOR_HINT_KEY), key);
	h->x += putf(h->y, h->x, h->w - h->x, colors_attr(COLOR_HINT_LABEL),
	    " %s  ", label);
}

static void
draw_footer(struct dash *d, int y, int w)
{
	struct hint_ctx h = { y, 0, w };

	putpad(y, 0, w, colors_attr(COLOR_HINT_LABEL), "");
	keymap_hints(d->mode, hint, &h);
}

static void
draw_view(struct dash *d, int w, int h)
{
	int rows = h - 2;
	size_t n = d->view_lines.n;

	putpad(0, 0, w, colors_attr(COLOR_HEADER), "");
	putf(0, 0, w, colors_attr(COLOR_HEADER) | A_BOLD, " %s",
	    d->view_title != NULL ? d->view_title : "");
	d->view_rows = rows > 0 ? (size_t)rows : 0;
	if (n > d->view_rows && d->view_top > n - d->view_rows)
		d->view_top = n - d->view_rows;
	if (n <= d->view_rows)
		d->view_top = 0;
	for (int r = 0; r < rows; r++) {
		size_t i = d->view_top + (size_t)r;

		if (i >= n)
			break;
		put(1 + r, 0, w, colors_attr(COLOR_NORMAL), d->view_lines.v[i]);
	}
	if (n > d->view_rows)
		putf(0, w - 24, 24, colors_attr(COLOR_HEADER),
		    "lines %zu-%zu of %zu", d->view_top + 1,
		    d->view_top + d->view_rows < n ? d->view_top +
		    d->view_rows : n, n);
	draw_footer(d, h - 1, w);
}

static void
draw_small(int w, int h)
{
	char msg[128];
	int len;

	len = snprintf(msg, sizeof msg, "terminal too small: %dx%d "
	    "(hpctop needs %dx%d)", w, h, DASH_MIN_COLS, DASH_MIN_LINES);
	put(h / 2, len < w ? (w - len) / 2 : 0, w,
	    colors_attr(COLOR_STATUS_ERROR), msg);
	if (h > 1)
		put(h / 2 + 1, w > 8 ? (w - 8) / 2 : 0, w,
		    colors_attr(COLOR_NORMAL), "q quits");
}

void
screen_draw(struct dash *d)
{
	int w = COLS, h = LINES;
	int top, px_h, jobs_h, engw;
	int cy = -1, cx = -1;

	erase();
	if (w < DASH_MIN_COLS || h < DASH_MIN_LINES) {
		draw_small(w, h);
		curs_set(0);
		refresh();
		return;
	}
	if (d->view != DASH_MAIN) {
		draw_view(d, w, h);
		curs_set(0);
		refresh();
		return;
	}
	/* Rows: header 1, profiles/engines top, job table, px console,
	 * status 1, footer 1. */
	top = (int)d->model->nclusters;
	if (top < 3)
		top = 3;
	if (top > h / 4)
		top = h / 4;
	top += 2;
	px_h = h / 4;
	jobs_h = h - 1 - top - px_h - 2;
	engw = 30;

	draw_header(d, w);
	draw_profiles(d, 1, w - engw - 1, top);
	draw_engines(d, 1, w - engw, engw, top);
	draw_jobs(d, 1 + top, w, jobs_h);
	draw_px(d, 1 + top + jobs_h, w, px_h);
	if (d->mode == KM_PX)
		getyx(stdscr, cy, cx);
	draw_status(d, h - 2, w);
	if (d->mode == KM_START)
		getyx(stdscr, cy, cx);
	draw_footer(d, h - 1, w);
	if (cy >= 0)
		move(cy, cx);
	curs_set(cy >= 0 ? 1 : 0);
	refresh();
}
