#include "dashboard.h"

#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "cli/cli.h"
#include "colors.h"
#include "core/file.h"
#include "core/xmalloc.h"
#include "screen.h"

#define STATUS_MS 10000		/* how long a status message stays */
#define LOG_TAIL (256 * 1024)	/* bytes of each log file shown */

/* For the fatal hook: the terminal must be restored before abort(). */
static bool curses_active;

static void
restore_terminal(void)
{
	if (curses_active) {
		endwin();
		curses_active = false;
	}
}

static void
status(struct dash *d, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
status(struct dash *d, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->status, sizeof d->status, fmt, ap);
	va_end(ap);
	d->status_error = error;
	d->status_ms = loop_now();
	d->dirty = true;
}

static void
on_model_changed(void *arg)
{
	struct dash *d = arg;

	d->dirty = true;
}

static void
on_model_message(bool error, const char *msg, void *arg)
{
	status(arg, error, "%s", msg);
}

static struct proflist *
rescan_profiles(void *arg)
{
	(void)arg;
	return cli_proflist();
}

struct dash *
dashboard_new(struct loop *l, struct proflist *profiles, int delay)
{
	struct dash *d = xcalloc(1, sizeof *d);

	d->loop = l;
	d->model = model_new(l, profiles, (uint64_t)delay * 100);
	d->model->changed = on_model_changed;
	d->model->changed_arg = d;
	d->model->message = on_model_message;
	d->model->message_arg = d;
	d->model->rescan = rescan_profiles;
	d->mode = d->pane = KM_PROFILES;
	d->view = DASH_MAIN;
	d->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	field_init(&d->start, 6, FIELD_DIGITS, 0);
	field_init(&d->px, 4096, 0, 500);
	d->dirty = true;
	return d;
}

void
dashboard_free(struct dash *d)
{
	if (d == NULL)
		return;
	loop_timer_del(d->loop, d->refresh_timer);
	loop_timer_del(d->loop, d->clock_timer);
	loop_io_del(d->loop, d->stdin_io);
	model_free(d->model);
	field_free(&d->start);
	field_free(&d->px);
	strv_clear(&d->view_lines);
	free(d->view_title);
	free(d);
}

static void
open_view(struct dash *d, enum dash_view v, char *title)
{
	free(d->view_title);
	d->view_title = title;
	d->view = v;
	d->view_top = 0;
	d->mode = KM_VIEW;
}

/* Appends the last LOG_TAIL bytes of path, line by line. */
static void
add_file(struct strv *lines, const char *path)
{
	struct strv tail = STRV_INIT;
	struct err e;
	bool cut;

	if (file_tail(path, LOG_TAIL, 0, &tail, &cut, &e) == -1) {
		strv_pushf(lines, "(%s)", e.msg);
		return;
	}
	if (cut)
		strv_push(lines, "...");
	for (size_t i = 0; i < tail.n; i++)
		strv_push(lines, tail.v[i]);
	strv_clear(&tail);
}

static void
show_logs(struct dash *d)
{
	struct model *m = d->model;
	const char *name = model_selected(m)->entry->name;
	struct strv files = STRV_INIT;
	struct err e;

	strv_clear(&d->view_lines);
	if (model_logs(m, m->sel, &files, &e) == -1)
		strv_push(&d->view_lines, e.msg);
	for (size_t i = 0; i < files.n; i++) {
		if (i > 0)
			strv_push(&d->view_lines, "");
		strv_pushf(&d->view_lines, "==> %s <==", files.v[i]);
		add_file(&d->view_lines, files.v[i]);
	}
	strv_clear(&files);
	open_view(d, DASH_LOGS, xasprintf("Logs: %s", name));
}

static void
show_script(struct dash *d)
{
	struct model *m = d->model;
	const struct proflist_entry *pe = model_selected(m)->entry;
	struct err e;

	strv_clear(&d->view_lines);
	if (pe->profile != NULL && model_script(m, m->sel,
	    pe->profile->engines, &d->view_lines, &e) == 0) {
		open_view(d, DASH_SCRIPT, xasprintf("Script: %s", pe->name));
		return;
	}
	strv_push(&d->view_lines, pe->profile != NULL ? e.msg : pe->error);
	strv_push(&d->view_lines, "");
	strv_pushf(&d->view_lines, "The profile, %s:", pe->path);
	strv_push(&d->view_lines, "");
	add_file(&d->view_lines, pe->path);
	open_view(d, DASH_SCRIPT, xasprintf("Script: %s", pe->name));
}

static void
show_help(struct dash *d)
{
	strv_clear(&d->view_lines);
	strv_pushf(&d->view_lines, "hpctop %s: start, watch and use "
	    "ipyparallel clusters. Keys:", HPCTOP_VERSION);
	strv_push(&d->view_lines, "");
	keymap_help(&d->view_lines);
	strv_push(&d->view_lines, "");
	strv_push(&d->view_lines, "Clusters keep running when hpctop quits; "
	    "the next hpctop finds them again.");
	open_view(d, DASH_HELP, xstrdup("Help"));
}

static void
leave_prompt(struct dash *d)
{
	d->mode = d->pane;
}

/* Moves a cursor within [0, n) by delta, clamped. */
static size_t
step(size_t cur, long delta, size_t n)
{
	long v = (long)cur + delta;

	if (n == 0 || v < 0)
		return 0;
	if ((size_t)v >= n)
		return n - 1;
	return (size_t)v;
}

static void
main_action(struct dash *d, enum keymap_action a)
{
	struct model *m = d->model;
	struct model_cluster *c = model_selected(m);
	long page = d->job_rows > 1 ? (long)d->job_rows - 1 : 1;
	bool jobs = d->pane == KM_JOBS;
	size_t njobs = c != NULL ? c->jobs.n : 0;
	char n[16];
	struct err e;

	if (c == NULL && a != ACT_HELP && a != ACT_QUIT && a != ACT_REFRESH &&
	    a != ACT_REDRAW)
		return;
	switch (a) {
	case ACT_UP:
	case ACT_DOWN:
		if (jobs)
			d->job_cur = step(d->job_cur, a == ACT_UP ? -1 : 1,
			    njobs);
		else {
			model_select(m, step(m->sel, a == ACT_UP ? -1 : 1,
			    m->nclusters));
			d->job_cur = d->job_top = d->px_back = 0;
			d->status[0] = '\0';
		}
		break;
	case ACT_PGUP:
	case ACT_PGDN:
		d->job_cur = step(d->job_cur, a == ACT_PGUP ? -page : page,
		    njobs);
		break;
	case ACT_TOP:
	case ACT_BOTTOM:
		if (jobs)
			d->job_cur = a == ACT_TOP ? 0 : step(0, (long)njobs,
			    njobs);
		else {
			model_select(m, a == ACT_TOP ? 0 : m->nclusters - 1);
			d->job_cur = d->job_top = d->px_back = 0;
		}
		break;
	case ACT_SELECT:
	case ACT_FOCUS:
		d->pane = d->mode = jobs ? KM_PROFILES : KM_JOBS;
		break;
	case ACT_BACK:
		d->pane = d->mode = KM_PROFILES;
		break;
	case ACT_START:
	case ACT_SCALE:
		if (c->entry->profile == NULL) {
			status(d, true, "%s", c->entry->error);
			break;
		}
		if (a == ACT_SCALE && c->state == CLUSTERSTATE_STOPPED) {
			status(d, true, "no cluster started for %s (S starts "
			    "one)", c->entry->name);
			break;
		}
		d->scaling = a == ACT_SCALE;
		snprintf(n, sizeof n, "%d", c->entry->profile->engines);
		field_set(&d->start, n);
		d->status[0] = '\0';
		d->mode = KM_START;
		break;
	case ACT_STOP:
		if (c->state == CLUSTERSTATE_STOPPED) {
			status(d, true, "no cluster started for %s",
			    c->entry->name);
			break;
		}
		d->mode = KM_STOP;
		break;
	case ACT_PX:
		d->mode = KM_PX;
		d->px_back = 0;
		break;
	case ACT_INTERRUPT:
		if (model_px_interrupt(m, m->sel, &e) == -1)
			status(d, true, "%s", e.msg);
		break;
	case ACT_LOGS:
		show_logs(d);
		break;
	case ACT_SCRIPT:
		show_script(d);
		break;
	case ACT_REFRESH:
		model_refresh(m, true);
		status(d, false, "refreshing");
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case ACT_HELP:
		show_help(d);
		break;
	case ACT_QUIT:
		d->quit = true;
		break;
	default:
		break;
	}
}

static void
start_now(struct dash *d, int n)
{
	struct model *m = d->model;
	struct err e;

	if (model_start(m, m->sel, n, &e) == -1)
		status(d, true, "%s", e.msg);
	else
		status(d, false, "starting %s with %d engines",
		    model_selected(m)->entry->name, n);
}

static void
start_action(struct dash *d, enum keymap_action a, int key)
{
	struct model *m = d->model;
	struct err e;
	long n;

	switch (a) {
	case ACT_INSERT:
		field_insert(&d->start, key);
		break;
	case ACT_BACKSPACE:
		field_backspace(&d->start);
		break;
	case ACT_CLEAR:
		field_clear(&d->start);
		break;
	case ACT_CANCEL:
		leave_prompt(d);
		status(d, false, "start cancelled");
		break;
	case ACT_ACCEPT:
		/* The prompt already says what it wants: give the range. */
		if (cli_int("engines", field_text(&d->start), 1,
		    PROFILE_MAX_ENGINES, &n, NULL) == -1) {
			status(d, true, "from 1 to %d", PROFILE_MAX_ENGINES);
			break;
		}
		leave_prompt(d);
		if (d->scaling) {
			if (model_scale(m, m->sel, (int)n, &e) == -1)
				status(d, true, "%s", e.msg);
			else
				status(d, false, "adding %ld engines to %s", n,
				    model_selected(m)->entry->name);
			break;
		}
		if (model_start_check(m, m->sel, (int)n, &e) == -1) {
			d->confirm_n = (int)n;
			d->mode = KM_CONFIRM;
			status(d, true, "%s", e.msg);
			break;
		}
		start_now(d, (int)n);
		break;
	default:
		break;
	}
}

static void
confirm_action(struct dash *d, enum keymap_action a)
{
	if (a == ACT_CANCEL) {
		leave_prompt(d);
		status(d, false, "start cancelled");
	} else if (a == ACT_ACCEPT) {
		leave_prompt(d);
		start_now(d, d->confirm_n);
	}
}

static void
stop_action(struct dash *d, enum keymap_action a)
{
	struct model *m = d->model;
	struct err e;

	if (a == ACT_CANCEL) {
		leave_prompt(d);
		status(d, false, "%s keeps running",
		    model_selected(m)->entry->name);
	} else if (a == ACT_ACCEPT) {
		leave_prompt(d);
		if (model_stop(m, m->sel, &e) == -1)
			status(d, true, "%s", e.msg);
		else
			status(d, false, "stopping %s",
			    model_selected(m)->entry->name);
	}
}

static void
px_action(struct dash *d, enum keymap_action a, int key)
{
	struct model *m = d->model;
	struct field *f = &d->px;
	long page = d->px_rows > 1 ? (long)d->px_rows - 1 : 1;
	struct err e;

	switch (a) {
	case ACT_INSERT:
		field_insert(f, key);
		break;
	case ACT_BACKSPACE:
		field_backspace(f);
		break;
	case ACT_DELETE:
		field_delete(f);
		break;
	case ACT_LEFT:
		field_left(f);
		break;
	case ACT_RIGHT:
		field_right(f);
		break;
	case ACT_HOME:
		field_home(f);
		break;
	case ACT_END:
		field_end(f);
		break;
	case ACT_CLEAR:
		field_clear(f);
		break;
	case ACT_KILL_END:
		field_kill_end(f);
		break;
	case ACT_KILL_WORD:
		field_kill_word(f);
		break;
	case ACT_HIST_PREV:
		field_history_prev(f);
		break;
	case ACT_HIST_NEXT:
		field_history_next(f);
		break;
	case ACT_PGUP:
		d->px_back += (size_t)page;
		break;
	case ACT_PGDN:
		d->px_back = d->px_back > (size_t)page ? d->px_back -
		    (size_t)page : 0;
		break;
	case ACT_CANCEL:
		leave_prompt(d);
		break;
	case ACT_INTERRUPT:
		if (model_px_interrupt(m, m->sel, &e) == -1)
			status(d, true, "%s", e.msg);
		break;
	case ACT_ACCEPT:
		if (f->len == 0)
			break;
		d->px_back = 0;
		/* Failures are written into the console by the model. */
		model_px(m, m->sel, field_text(f), &e);
		field_history_commit(f);
		break;
	default:
		break;
	}
}

static void
view_action(struct dash *d, enum keymap_action a)
{
	size_t page = d->view_rows > 1 ? d->view_rows - 1 : 1;

	switch (a) {
	case ACT_UP:
		if (d->view_top > 0)
			d->view_top--;
		break;
	case ACT_DOWN:
		d->view_top++;		/* screen_draw clamps */
		break;
	case ACT_PGUP:
		d->view_top = d->view_top > page ? d->view_top - page : 0;
		break;
	case ACT_PGDN:
		d->view_top += page;
		break;
	case ACT_TOP:
		d->view_top = 0;
		break;
	case ACT_BOTTOM:
		d->view_top = d->view_lines.n;
		break;
	case ACT_CANCEL:
		d->view = DASH_MAIN;
		d->mode = d->pane;
		break;
	default:
		break;
	}
}

static void
on_key(struct dash *d, int key)
{
	enum keymap_action a;

	d->dirty = true;
	if (key == KEYC_RESIZE)
		return;
	/* Too small to draw anything but the notice: only quitting works. */
	if (COLS < DASH_MIN_COLS || LINES < DASH_MIN_LINES) {
		if (key == 'q' || key == KEYC_F(10))
			d->quit = true;
		return;
	}
	a = keymap_lookup(d->mode, key);
	switch (d->mode) {
	case KM_GLOBAL:
	case KM_PROFILES:
	case KM_JOBS:
		main_action(d, a);
		break;
	case KM_START:
		start_action(d, a, key);
		break;
	case KM_STOP:
		stop_action(d, a);
		break;
	case KM_CONFIRM:
		confirm_action(d, a);
		break;
	case KM_PX:
		px_action(d, a, key);
		break;
	case KM_VIEW:
		view_action(d, a);
		break;
	case KM_NMODES:
		break;
	}
}

static void
on_stdin(short revents, void *arg)
{
	struct dash *d = arg;
	int nkeys = 0, avail = 0;
	wint_t wch;
	int rc;

	while (!d->quit && (rc = get_wch(&wch)) != ERR) {
		int key = keymap_key(rc, (unsigned int)wch);

		nkeys++;
		if (key != KEYC_NONE)
			on_key(d, key);
	}
	/* Readable but nothing to read: the terminal is gone (hangup). */
	if (nkeys == 0 && ((revents & ZMQ_POLLERR) ||
	    (ioctl(STDIN_FILENO, FIONREAD, &avail) == 0 && avail == 0))) {
		d->signo = SIGHUP;
		d->quit = true;
	}
}

static void
on_signal(int signo, void *arg)
{
	struct dash *d = arg;

	if (signo == SIGWINCH) {
		struct winsize ws;

		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
		    ws.ws_row > 0 && ws.ws_col > 0)
			resizeterm(ws.ws_row, ws.ws_col);
		d->dirty = true;
		return;
	}
	d->signo = signo;
	d->quit = true;
}

static void on_clock(void *arg);

static void
arm_clock(struct dash *d)
{
	/* Tick on the second so the header clock does not lag. */
	struct timespec ts;
	uint64_t ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = 1000 - (uint64_t)ts.tv_nsec / 1000000;
	d->clock_timer = loop_timer_add(d->loop, ms, on_clock, d);
}

static void
on_clock(void *arg)
{
	struct dash *d = arg;

	/* The confirmation prompt shows its question until answered. */
	if (d->status[0] != '\0' && d->mode != KM_CONFIRM &&
	    loop_now() - d->status_ms > STATUS_MS)
		d->status[0] = '\0';
	d->dirty = true;
	arm_clock(d);
}

static void
on_refresh(void *arg)
{
	struct dash *d = arg;

	model_refresh(d->model, false);
	d->refresh_timer = loop_timer_add(d->loop, d->model->interval_ms,
	    on_refresh, d);
}

static void
fatal_hook(void)
{
	restore_terminal();
}

int
dashboard_run(const struct dashboard_opts *o, struct proflist *profiles)
{
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };
	struct loop *l = cli_loop();
	struct dash *d;
	struct strv running = STRV_INIT;
	SCREEN *scr;
	int rc = 0;

	/* Our handlers go in before curses so it installs none of its own
	 * (it would end the program from inside a signal handler). */
	d = dashboard_new(l, profiles, o->delay);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		loop_signal(l, sigs[i], on_signal, d);
	/* A notebook that closes a tunnelled connection (or an SSH session
	 * reset) while we write to it is an EPIPE to handle, not our end.
	 * Children get the default back (core/subproc). */
	signal(SIGPIPE, SIG_IGN);
	if (o->profile != NULL && model_find(d->model, o->profile) >= 0)
		model_select(d->model, (size_t)model_find(d->model,
		    o->profile));

	scr = newterm(NULL, stdout, stdin);
	if (scr == NULL) {
		fprintf(stderr, "hpctop: cannot use terminal type '%s'\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		dashboard_free(d);
		return 1;
	}
	curses_active = true;
	fatal_set_hook(fatal_hook);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	colors_init(o->no_color);

	d->stdin_io = loop_io_fd(l, STDIN_FILENO, ZMQ_POLLIN, on_stdin, d);
	model_refresh(d->model, true);
	d->refresh_timer = loop_timer_add(l, d->model->interval_ms,
	    on_refresh, d);
	arm_clock(d);

	while (!d->quit) {
		if (d->dirty) {
			screen_draw(d);
			d->dirty = false;
		}
		if (loop_once(l, -1) == -1) {
			restore_terminal();
			fprintf(stderr, "hpctop: event loop failed: %s\n",
			    zmq_strerror(zmq_errno()));
			rc = 1;
			break;
		}
	}
	restore_terminal();
	delscreen(scr);
	fatal_set_hook(NULL);

	model_running(d->model, &running);
	if (running.n > 0) {
		char *list = strv_join(&running, ", ");

		printf("hpctop: left running: %s (run hpctop again to "
		    "attach)\n", list);
		free(list);
	}
	strv_clear(&running);
	if (d->signo != 0 && rc == 0)
		rc = 128 + d->signo;
	dashboard_free(d);
	return rc;
}
