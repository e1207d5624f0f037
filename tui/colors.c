#include "colors.h"

#include <curses.h>

/* Colour form (fg, bg, attributes) and monochrome form of each role; -1
 * is the terminal's default colour. */
static const struct {
	short fg, bg;
	int attr;
	int mono;
} roles[COLOR_NROLES] = {
	[COLOR_NORMAL] = { -1, -1, 0, 0 },
	[COLOR_HEADER] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[COLOR_TITLE] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[COLOR_COLUMNS] = { COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE },
	[COLOR_CURSOR] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[COLOR_CURSOR_DIM] = { COLOR_BLACK, COLOR_WHITE, 0, A_BOLD },
	[COLOR_HINT_KEY] = { COLOR_WHITE, COLOR_BLACK, 0, 0 },
	[COLOR_HINT_LABEL] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[COLOR_OK] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[COLOR_WAIT] = { COLOR_YELLOW, -1, 0, 0 },
	[COLOR_HELD] = { COLOR_MAGENTA, -1, 0, 0 },
	[COLOR_EXITING] = { COLOR_CYAN, -1, 0, 0 },
	[COLOR_DONE] = { COLOR_BLUE, -1, A_BOLD, A_DIM },
	[COLOR_FAILED] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[COLOR_STALE] = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
	[COLOR_WARN] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE },
	[COLOR_GAUGE_FULL] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[COLOR_GAUGE_EMPTY] = { COLOR_BLUE, -1, A_BOLD, A_DIM },
	[COLOR_PX_LABEL] = { COLOR_GREEN, -1, 0, A_BOLD },
	[COLOR_PX_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[COLOR_PX_INPUT] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[COLOR_PROMPT] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_UNDERLINE },
	[COLOR_STATUS] = { COLOR_CYAN, -1, 0, 0 },
	[COLOR_STATUS_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
};

static int attrs[COLOR_NROLES];
static bool mono;

void
colors_init(bool no_color)
{
	mono = no_color || !has_colors();
	if (!mono && start_color() == ERR)
		mono = true;
	if (!mono && COLORS < 8)
		mono = true;
	if (!mono)
		use_default_colors();
	for (int r = 0; r < COLOR_NROLES; r++) {
		if (mono) {
			attrs[r] = roles[r].mono;
			continue;
		}
		if (roles[r].fg == -1 && roles[r].bg == -1) {
			attrs[r] = roles[r].attr;
			continue;
		}
		init_pair((short)r, roles[r].fg, roles[r].bg);
		attrs[r] = (int)COLOR_PAIR(r) | roles[r].attr;
	}
}

bool
colors_mono(void)
{
	return mono;
}

int
colors_attr(enum color_role role)
{
	return attrs[role];
}
