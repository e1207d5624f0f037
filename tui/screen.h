/* Drawing: the layout of the main screen (header, profiles, engines, job
 * table, px console, status line, footer), the full-screen viewers and the
 * "terminal too small" notice. Reads the dashboard and its model; never
 * changes them except for remembering how many rows each pane showed. */
#ifndef HPCTOP_SCREEN_H
#define HPCTOP_SCREEN_H

#include "dashboard.h"

/* Draws one frame into stdscr and updates the terminal. */
void screen_draw(struct dash *d);

#endif
