/* The interactive dashboard: terminal setup and restore, the event loop
 * (keys, signals, timers, the model's sources), and key dispatch. Drawing
 * is screen.c's; data is model.c's. */
#ifndef HPCTOP_DASHBOARD_H
#define HPCTOP_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/field.h"
#include "core/loop.h"
#include "core/proflist.h"
#include "core/strv.h"
#include "keymap.h"
#include "model.h"

#define DASH_MIN_COLS 80
#define DASH_MIN_LINES 24

enum dash_view {
	DASH_MAIN,
	DASH_HELP,
	DASH_LOGS,
	DASH_SCRIPT,
};

struct dashboard_opts {
	const char *profile;	/* select this profile first; may be NULL */
	int delay;		/* refresh interval, tenths of a second */
	bool no_color;
};

/* Everything the screen draws besides the model: which view, where the
 * cursors are, the prompts and the status line. */
struct dash {
	struct loop *loop;
	struct model *model;
	enum keymap_mode mode;	/* where keys go */
	enum keymap_mode pane;	/* KM_PROFILES or KM_JOBS: the main cursor */
	enum dash_view view;
	bool utf8;		/* the locale's codeset is UTF-8 */

	struct field start;	/* S: engine count */
	bool scaling;		/* the S prompt came from A: add a set */
	int confirm_n;		/* the count KM_CONFIRM asks about */
	struct field px;	/* P: code, with history */
	size_t job_cur;		/* cursor row in the job table */
	size_t job_top;		/* first row shown */
	size_t prof_top;
	size_t px_back;		/* px output scrolled this many lines up */

	struct strv view_lines;	/* help / logs / script text */
	char *view_title;
	size_t view_top;
	size_t view_rows;	/* rows the view showed last frame */
	size_t job_rows;	/* rows the job table showed last frame */
	size_t px_rows;

	char status[1024];	/* one-line message, never stderr */
	bool status_error;
	uint64_t status_ms;

	bool dirty;		/* redraw before sleeping */
	bool quit;
	int signo;		/* SIGTERM/SIGHUP/SIGINT that ended us */
	struct loop_timer *refresh_timer;
	struct loop_timer *clock_timer;
	struct loop_io *stdin_io;
};

/* Runs the dashboard on the terminal until quit. Takes ownership of
 * profiles. Returns the exit status. The caller checked that stdout is a
 * terminal and that opts->profile exists. */
int dashboard_run(const struct dashboard_opts *opts, struct proflist *profiles);

/* Builds a dashboard without a terminal, for benchmarks: the caller sets
 * up curses and draws with screen_draw. */
struct dash *dashboard_new(struct loop *l, struct proflist *profiles,
    int delay);
void dashboard_free(struct dash *d);

#endif
