/* Semantic colour roles (htop's ColorElements): the screen asks for a
 * role, never a colour. Each role has a colour form and a monochrome form;
 * monochrome is used when NO_COLOR is set (and not empty) or the terminal
 * has fewer than 8 colours. */
#ifndef HPCTOP_COLORS_H
#define HPCTOP_COLORS_H

#include <stdbool.h>

enum color_role {
	COLOR_NORMAL,
	COLOR_HEADER,		/* the top line */
	COLOR_TITLE,		/* pane titles */
	COLOR_COLUMNS,		/* column headings */
	COLOR_CURSOR,		/* the highlighted row */
	COLOR_CURSOR_DIM,	/* highlighted row of an unfocused pane */
	COLOR_HINT_KEY,		/* footer: "F1" */
	COLOR_HINT_LABEL,	/* footer: "Help" */
	COLOR_OK,		/* running, R */
	COLOR_WAIT,		/* queued, starting, Q */
	COLOR_HELD,		/* H */
	COLOR_EXITING,		/* E, stopping */
	COLOR_DONE,		/* C, stopped */
	COLOR_FAILED,		/* failed, invalid, lost */
	COLOR_STALE,
	COLOR_WARN,		/* a job near its time limit, its engines */
	COLOR_GAUGE_FULL,
	COLOR_GAUGE_EMPTY,
	COLOR_PX_LABEL,		/* [stdout:0] */
	COLOR_PX_ERROR,		/* [stderr:0], tracebacks */
	COLOR_PX_INPUT,
	COLOR_PROMPT,		/* an input field */
	COLOR_STATUS,		/* status line: information */
	COLOR_STATUS_ERROR,
	COLOR_NROLES
};

/* After initscr. no_color: the NO_COLOR environment setting. */
void colors_init(bool no_color);
bool colors_mono(void);
/* curses attributes for the role (colour pair included). */
int colors_attr(enum color_role role);

#endif
