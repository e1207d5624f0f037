/* The list of profiles found on the search path:
 *   $HPCTOP_PROFILE_PATH (colon-separated), $XDG_CONFIG_HOME/hpctop/profiles,
 *   /etc/hpctop/profiles, the installed share dir, and the checkout's
 *   profiles/ when running from the build tree.
 * and, with `hpctop -H DEST`, the same user and system directories on
 * DEST (proflist_add_host).
 * Earlier directories win by name. Invalid files are kept, with their error,
 * so one bad file never hides the good ones. */
#ifndef HPCTOP_PROFLIST_H
#define HPCTOP_PROFLIST_H

#include <stddef.h>

#include "err.h"
#include "host.h"
#include "loop.h"
#include "profile.h"

struct proflist_entry {
	char *name;
	char *path;
	char *source;		/* label of the search-path directory */
	struct profile *profile;	/* NULL when invalid */
	char *error;		/* set when invalid */
	/* A profile found on another machine (proflist_add_host): its
	 * destination (source says it too, and the profile runs there) and
	 * the file's text; path is the path there (messages say
	 * "DEST:path"). NULL for this one. */
	char *host;
	char *text;
};

/* Owns its entries. Entries are sorted by name. */
struct proflist {
	struct proflist_entry *v;
	size_t n;
	char **dirs;		/* the search path, for messages */
	char **labels;
	size_t ndirs;
	char *error;		/* set by its owner: why some are missing */
};

/* Scans the default search path. `share_dir` is the installed profiles
 * directory and `build_dir` the checkout's profiles/ (last resort); either
 * may be NULL. Never fails: unreadable directories are skipped. */
struct proflist *proflist_new(const char *share_dir, const char *build_dir);
/* Scans exactly these directories (for tests). */
struct proflist *proflist_new_dirs(char *const *dirs, char *const *labels,
    size_t ndirs);
void proflist_free(struct proflist *pl);
const struct proflist_entry *proflist_find(const struct proflist *pl,
    const char *name);
/* Loads the profile called `name` (or a path ending in .yaml/.yml);
 * NULL with e filled when missing or invalid. Caller owns the result. */
struct profile *proflist_load(const struct proflist *pl, const char *name,
    struct err *e);
/* Same, with the text it was parsed from in *text (caller frees): what a
 * record snapshots. */
struct profile *proflist_load_text(const struct proflist *pl,
    const char *name, char **text, struct err *e);

/* Adds a profile whose text comes from elsewhere (what a record adopted
 * from an ipyparallel cluster file says: core/ippcluster.h) with source
 * and path; a name listed already wins. */
void proflist_add_text(struct proflist *pl, const char *name,
    const char *path, const char *source, const char *text);

/* Adds the profiles found on host h (its ~/.config/hpctop/profiles, then
 * /etc/hpctop/profiles there), read through h, with source DEST; a
 * profile without `host:` runs on DEST. Names found here already win.
 * -1 with e naming DEST when its files cannot be listed (the profiles
 * of this machine stay). */
int proflist_add_host(struct proflist *pl, struct host *h, struct loop *l,
    struct err *e);

#endif
