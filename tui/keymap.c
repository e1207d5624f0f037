#include "keymap.h"

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define C(x) KEYC_CTRL(x)

static const struct keys_binding table[] = {
	{ KM_GLOBAL, KEYC_F(1), ACT_HELP, "Show this help", "Help" },
	{ KM_GLOBAL, '?', ACT_HELP, "Show this help", NULL },
	{ KM_GLOBAL, 'S', ACT_START, "Start a cluster (asks for the number of "
	    "engines)", "Start" },
	{ KM_GLOBAL, 's', ACT_START, "Start a cluster (asks for the number of "
	    "engines)", NULL },
	{ KM_GLOBAL, 'A', ACT_SCALE, "Add an engine set to the running "
	    "cluster (asks for the number of engines, as S)", NULL },
	{ KM_GLOBAL, 'a', ACT_SCALE, "Add an engine set to the running "
	    "cluster (asks for the number of engines, as S)", NULL },
	{ KM_GLOBAL, 'X', ACT_STOP, "Stop the profile's cluster (asks y/n)",
	    "Stop" },
	{ KM_GLOBAL, 'x', ACT_STOP, "Stop the profile's cluster (asks y/n)",
	    NULL },
	{ KM_GLOBAL, 'P', ACT_PX, "Run code on every engine (px console)",
	    "px" },
	{ KM_GLOBAL, 'p', ACT_PX, "Run code on every engine (px console)",
	    NULL },
	{ KM_GLOBAL, 'I', ACT_INTERRUPT, "Interrupt the running px code "
	    "(KeyboardInterrupt); again: stop waiting", NULL },
	{ KM_GLOBAL, 'i', ACT_INTERRUPT, "Interrupt the running px code "
	    "(KeyboardInterrupt); again: stop waiting", NULL },
	{ KM_GLOBAL, 'L', ACT_LOGS, "Show the cluster's logs", "Logs" },
	{ KM_GLOBAL, 'l', ACT_LOGS, "Show the cluster's logs", NULL },
	{ KM_GLOBAL, 'J', ACT_SCRIPT, "Preview the job script S would submit", "Script" },
	{ KM_GLOBAL, 'r', ACT_REFRESH, "Refresh now", NULL },
	{ KM_GLOBAL, C('l'), ACT_REDRAW, "Redraw the screen", NULL },
	{ KM_GLOBAL, KEYC_TAB, ACT_FOCUS, "Cursor to the job table and back", NULL },
	{ KM_GLOBAL, KEYC_F(10), ACT_QUIT, "Quit (clusters keep running)",
	    "Quit" },
	{ KM_GLOBAL, 'q', ACT_QUIT, "Quit (clusters keep running)", NULL },

	{ KM_PROFILES, KEYC_UP, ACT_UP, "Previous profile", NULL },
	{ KM_PROFILES, 'k', ACT_UP, "Previous profile", NULL },
	{ KM_PROFILES, KEYC_DOWN, ACT_DOWN, "Next profile", NULL },
	{ KM_PROFILES, 'j', ACT_DOWN, "Next profile", NULL },
	{ KM_PROFILES, KEYC_HOME, ACT_TOP, "First profile", NULL },
	{ KM_PROFILES, KEYC_END, ACT_BOTTOM, "Last profile", NULL },
	{ KM_PROFILES, KEYC_ENTER, ACT_SELECT, "Select: the cursor goes to its job table", NULL },

	{ KM_JOBS, KEYC_UP, ACT_UP, "Previous job", NULL },
	{ KM_JOBS, 'k', ACT_UP, "Previous job", NULL },
	{ KM_JOBS, KEYC_DOWN, ACT_DOWN, "Next job", NULL },
	{ KM_JOBS, 'j', ACT_DOWN, "Next job", NULL },
	{ KM_JOBS, KEYC_PPAGE, ACT_PGUP, "Page up", NULL },
	{ KM_JOBS, KEYC_NPAGE, ACT_PGDN, "Page down", NULL },
	{ KM_JOBS, KEYC_HOME, ACT_TOP, "First job", NULL },
	{ KM_JOBS, 'g', ACT_TOP, "First job", NULL },
	{ KM_JOBS, KEYC_END, ACT_BOTTOM, "Last job", NULL },
	{ KM_JOBS, 'G', ACT_BOTTOM, "Last job", NULL },
	{ KM_JOBS, KEYC_ESCAPE, ACT_BACK, "Back to the profiles", NULL },

	{ KM_START, KEYC_PRINTABLE, ACT_INSERT, "Type the number of engines "
	    "(digits only)", NULL },
	{ KM_START, KEYC_BSPACE, ACT_BACKSPACE, "Delete the last digit", NULL },
	{ KM_START, C('u'), ACT_CLEAR, "Clear the field", "Clear" },
	{ KM_START, KEYC_ENTER, ACT_ACCEPT, "Start (or add, after A) that "
	    "many engines", "Start" },
	{ KM_START, KEYC_ESCAPE, ACT_CANCEL, "Cancel", "Cancel" },

	{ KM_STOP, 'y', ACT_ACCEPT, "Yes, stop the cluster", "Stop" },
	{ KM_STOP, 'Y', ACT_ACCEPT, "Yes, stop the cluster", NULL },
	{ KM_STOP, 'n', ACT_CANCEL, "No, keep it running", "Keep" },
	{ KM_STOP, 'N', ACT_CANCEL, "No, keep it running", NULL },
	{ KM_STOP, KEYC_ESCAPE, ACT_CANCEL, "No, keep it running", NULL },
	{ KM_CONFIRM, 'y', ACT_ACCEPT, "Yes, start them", "Start" },
	{ KM_CONFIRM, 'Y', ACT_ACCEPT, "Yes, start them", NULL },
	{ KM_CONFIRM, 'n', ACT_CANCEL, "No, do not start", "Cancel" },
	{ KM_CONFIRM, 'N', ACT_CANCEL, "No, do not start", NULL },
	{ KM_CONFIRM, KEYC_ESCAPE, ACT_CANCEL, "No, do not start", NULL },

	{ KM_PX, KEYC_ENTER, ACT_ACCEPT, "Run the line on all engines",
	    "Run" },
	{ KM_PX, KEYC_ESCAPE, ACT_CANCEL, "Leave the px console", "Leave" },
	{ KM_PX, KEYC_UP, ACT_HIST_PREV, "Previous line from history",
	    "History" },
	{ KM_PX, KEYC_DOWN, ACT_HIST_NEXT, "Next line from history", NULL },
	{ KM_PX, KEYC_PPAGE, ACT_PGUP, "Scroll the output up", "Scroll" },
	{ KM_PX, KEYC_NPAGE, ACT_PGDN, "Scroll the output down", NULL },
	{ KM_PX, C('g'), ACT_INTERRUPT, "Interrupt the running code "
	    "(KeyboardInterrupt); again: stop waiting", "Interrupt" },
	{ KM_PX, KEYC_PRINTABLE, ACT_INSERT, "Type code", NULL },
	{ KM_PX, KEYC_SPACE, ACT_INSERT, "Type code", NULL },
	{ KM_PX, KEYC_BSPACE, ACT_BACKSPACE, "Delete before the cursor", NULL },
	{ KM_PX, KEYC_DC, ACT_DELETE, "Delete under the cursor", NULL },
	{ KM_PX, C('d'), ACT_DELETE, "Delete under the cursor", NULL },
	{ KM_PX, KEYC_LEFT, ACT_LEFT, "Cursor left", NULL },
	{ KM_PX, C('b'), ACT_LEFT, "Cursor left", NULL },
	{ KM_PX, KEYC_RIGHT, ACT_RIGHT, "Cursor right", NULL },
	{ KM_PX, C('f'), ACT_RIGHT, "Cursor right", NULL },
	{ KM_PX, KEYC_HOME, ACT_HOME, "Start of line", NULL },
	{ KM_PX, C('a'), ACT_HOME, "Start of line", NULL },
	{ KM_PX, KEYC_END, ACT_END, "End of line", NULL },
	{ KM_PX, C('e'), ACT_END, "End of line", NULL },
	{ KM_PX, C('u'), ACT_CLEAR, "Clear the line", NULL },
	{ KM_PX, C('k'), ACT_KILL_END, "Delete to the end of the line", NULL },
	{ KM_PX, C('w'), ACT_KILL_WORD, "Delete the word before the cursor",
	    NULL },

	{ KM_VIEW, KEYC_UP, ACT_UP, "Scroll up", NULL },
	{ KM_VIEW, 'k', ACT_UP, "Scroll up", NULL },
	{ KM_VIEW, KEYC_DOWN, ACT_DOWN, "Scroll down", NULL },
	{ KM_VIEW, 'j', ACT_DOWN, "Scroll down", NULL },
	{ KM_VIEW, KEYC_PPAGE, ACT_PGUP, "Page up", NULL },
	{ KM_VIEW, KEYC_NPAGE, ACT_PGDN, "Page down", "Page" },
	{ KM_VIEW, KEYC_SPACE, ACT_PGDN, "Page down", NULL },
	{ KM_VIEW, KEYC_HOME, ACT_TOP, "Top", NULL },
	{ KM_VIEW, 'g', ACT_TOP, "Top", NULL },
	{ KM_VIEW, KEYC_END, ACT_BOTTOM, "Bottom", NULL },
	{ KM_VIEW, 'G', ACT_BOTTOM, "Bottom", NULL },
	{ KM_VIEW, 'q', ACT_CANCEL, "Close", "Close" },
	{ KM_VIEW, KEYC_ESCAPE, ACT_CANCEL, "Close", NULL },
	{ KM_VIEW, KEYC_F(1), ACT_CANCEL, "Close", NULL },
	{ KM_VIEW, '?', ACT_CANCEL, "Close", NULL },
	{ KM_VIEW, KEYC_F(10), ACT_CANCEL, "Close", NULL },
};
#define NTABLE (sizeof table / sizeof *table)

static const char *const section[KM_NMODES] = {
	[KM_GLOBAL] = "Main screen",
	[KM_PROFILES] = "Profiles list",
	[KM_JOBS] = "Job table (after Enter or Tab)",
	[KM_START] = "Start prompt (S)",
	[KM_STOP] = "Stop confirmation (X)",
	[KM_CONFIRM] = "Start confirmation (S, far more engines than cores)",
	[KM_PX] = "px console (P)",
	[KM_VIEW] = "Help, logs and script viewers",
};

enum keymap_action
keymap_lookup(enum keymap_mode mode, int key)
{
	const struct keys_binding *b = keys_lookup(table, NTABLE, mode, key);

	if (b == NULL && (mode == KM_PROFILES || mode == KM_JOBS))
		b = keys_lookup(table, NTABLE, KM_GLOBAL, key);
	return b != NULL ? (enum keymap_action)b->action : ACT_NONE;
}

void
keymap_help(struct strv *lines)
{
	for (int mode = 0; mode < KM_NMODES; mode++) {
		if (mode > 0)
			strv_push(lines, "");
		strv_pushf(lines, "%s:", section[mode]);
		for (size_t i = 0; i < NTABLE; i++) {
			char keys[64];
			bool first = true;

			if (table[i].mode != mode)
				continue;
			/* One line per action, at its first binding. */
			for (size_t j = 0; j < i; j++)
				if (table[j].mode == mode &&
				    table[j].action == table[i].action)
					first = false;
			if (!first)
				continue;
			keys_describe(table, NTABLE, mode, table[i].action,
			    " ", keys, sizeof keys);
			strv_pushf(lines, "  %-16s %s", keys, table[i].help);
		}
	}
}

void
keymap_hints(enum keymap_mode mode,
    void (*fn)(const char *key, const char *label, void *arg), void *arg)
{
	bool main = mode == KM_PROFILES || mode == KM_JOBS;

	for (size_t i = 0; i < NTABLE; i++) {
		char name[32];

		if (table[i].hint == NULL)
			continue;
		if (table[i].mode != (int)mode &&
		    !(main && table[i].mode == KM_GLOBAL))
			continue;
		fn(keys_name(table[i].key, name, sizeof name), table[i].hint,
		    arg);
	}
}

int
keymap_key(int rc, unsigned int wch)
{
	static const struct {
		int curses;
		int key;
	} special[] = {
		{ KEY_UP, KEYC_UP }, { KEY_DOWN, KEYC_DOWN },
		{ KEY_LEFT, KEYC_LEFT }, { KEY_RIGHT, KEYC_RIGHT },
		{ KEY_HOME, KEYC_HOME }, { KEY_END, KEYC_END },
		{ KEY_PPAGE, KEYC_PPAGE }, { KEY_NPAGE, KEYC_NPAGE },
		{ KEY_BACKSPACE, KEYC_BSPACE }, { KEY_DC, KEYC_DC },
		{ KEY_ENTER, KEYC_ENTER }, { KEY_RESIZE, KEYC_RESIZE },
		{ KEY_A1, KEYC_HOME }, { KEY_C1, KEYC_END },
		{ KEY_FIND, KEYC_HOME }, { KEY_SELECT, KEYC_END },
	};

	if (rc == KEY_CODE_YES) {
		for (size_t i = 0; i < sizeof special / sizeof *special; i++)
			if (special[i].curses == (int)wch)
				return special[i].key;
		if ((int)wch >= KEY_F(1) && (int)wch <= KEY_F(12))
			return KEYC_F((int)wch - KEY_F(1) + 1);
		return KEYC_NONE;
	}
	if (wch == '\n' || wch == '\r')
		return KEYC_ENTER;
	if (wch == 0x7f || wch == 0x08)
		return KEYC_BSPACE;
	if (wch >= KEYC_BASE)
		return KEYC_NONE;
	return (int)wch;
}
