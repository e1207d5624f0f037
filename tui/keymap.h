/* The one key table: it drives dispatch, the help screen and the footer
 * hints (tmux's `bind -N`), so the three never disagree. */
#ifndef HPCTOP_KEYMAP_H
#define HPCTOP_KEYMAP_H

#include <stddef.h>

#include "core/keys.h"
#include "core/strv.h"

enum keymap_mode {
	KM_GLOBAL,	/* main screen, whichever pane has the cursor */
	KM_PROFILES,	/* cursor in the profiles list */
	KM_JOBS,	/* cursor in the job table */
	KM_START,	/* S: the engine-count prompt */
	KM_STOP,	/* X: y/n */
	KM_CONFIRM,	/* S beyond what the machine carries: y/n */
	KM_PX,		/* P: the px input line */
	KM_VIEW,	/* help, logs and script viewers */
	KM_NMODES
};

enum keymap_action {
	ACT_NONE,
	ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_TOP, ACT_BOTTOM,
	ACT_SELECT, ACT_FOCUS, ACT_BACK,
	ACT_START, ACT_SCALE, ACT_STOP, ACT_PX, ACT_INTERRUPT, ACT_LOGS, ACT_SCRIPT,
	ACT_REFRESH, ACT_REDRAW, ACT_HELP, ACT_QUIT,
	/* prompts */
	ACT_ACCEPT, ACT_CANCEL, ACT_INSERT, ACT_BACKSPACE, ACT_DELETE,
	ACT_LEFT, ACT_RIGHT, ACT_HOME, ACT_END, ACT_CLEAR, ACT_KILL_END,
	ACT_KILL_WORD, ACT_HIST_PREV, ACT_HIST_NEXT,
};

/* The action for key in mode (KM_PROFILES and KM_JOBS fall back to
 * KM_GLOBAL); ACT_NONE when unbound. */
enum keymap_action keymap_lookup(enum keymap_mode mode, int key);
/* The help screen: one line per action, grouped by mode. */
void keymap_help(struct strv *lines);
/* Footer hints for mode (and KM_GLOBAL under the main modes): calls fn
 * with each key name and label, in table order. */
void keymap_hints(enum keymap_mode mode,
    void (*fn)(const char *key, const char *label, void *arg), void *arg);
/* Translates what curses' get_wch returned (rc, wch) into a key code;
 * KEYC_NONE for keys hpctop does not know. */
int keymap_key(int rc, unsigned int wch);

#endif
