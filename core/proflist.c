#include "proflist.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "xmalloc.h"

static int
has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct proflist_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
scan_dir(struct proflist *pl, const char *dir, const char *label)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nnames = 0;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (!has_suffix(de->d_name, ".yaml") &&
		    !has_suffix(de->d_name, ".yml")))
			continue;
		names = xreallocarray(names, nnames + 1, sizeof *names);
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* Sorted so that x.yaml deterministically beats x.yml. */
	if (nnames > 1)
		qsort(names, nnames, sizeof *names, name_cmp);
	for (size_t i = 0; i < nnames; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		size_t cut = strlen(names[i]) -
		    (has_suffix(names[i], ".yaml") ? 5 : 4);
		char *name = xstrndup(names[i], cut);
		struct proflist_entry *en;
		struct stat st;
		struct err e;

		free(names[i]);
		if (proflist_find(pl, name) != NULL || stat(path, &st) == -1 ||
		    !S_ISREG(st.st_mode)) {
			free(path);
			free(name);
			continue;
		}
		pl->v = xreallocarray(pl->v, pl->n + 1, sizeof *pl->v);
		en = &pl->v[pl->n++];
		memset(en, 0, sizeof *en);
		en->name = name;
		en->path = path;
		en->source = xstrdup(label);
		en->profile = profile_load(path, name, &e);
		if (en->profile == NULL)
			en->error = xstrdup(e.msg);
	}
	free(names);
}

static void
add_dir(struct proflist *pl, const char *dir, const char *label)
{
	pl->dirs = xreallocarray(pl->dirs, pl->ndirs + 1, sizeof *pl->dirs);
	pl->labels = xreallocarray(pl->labels, pl->ndirs + 1,
	    sizeof *pl->labels);
	pl->dirs[pl->ndirs] = xstrdup(dir);
	pl->labels[pl->ndirs] = xstrdup(label);
	pl->ndirs++;
}

static void
scan_all(struct proflist *pl)
{
	for (size_t i = 0; i < pl->ndirs; i++)
		scan_dir(pl, pl->dirs[i], pl->labels[i]);
	if (pl->n > 0)
		qsort(pl->v, pl->n, sizeof *pl->v, entry_cmp);
}

struct proflist *
proflist_new_dirs(char *const *dirs, char *const *labels, size_t ndirs)
{
	struct proflist *pl = xcalloc(1, sizeof *pl);

	for (size_t i = 0; i < ndirs; i++)
		add_dir(pl, dirs[i], labels[i]);
	scan_all(pl);
	return pl;
}

struct proflist *
proflist_new(const char *share_dir, const char *build_dir)
{
	struct proflist *pl = xcalloc(1, sizeof *pl);
	const char *env = getenv("HPCTOP_PROFILE_PATH");
	char *dir;

	if (env != NULL) {
		char *copy = xstrdup(env), *save = NULL;

		for (char *tok = strtok_r(copy, ":", &save); tok != NULL;
		    tok = strtok_r(NULL, ":", &save))
			add_dir(pl, tok, "env");
		free(copy);
	}
	dir = paths_below(paths_config_dir(), "profiles");
	add_dir(pl, dir, "user");
	free(dir);
	add_dir(pl, "/etc/hpctop/profiles", "system");
	if (share_dir != NULL)
		add_dir(pl, share_dir, "installed");
	if (build_dir != NULL)
		add_dir(pl, build_dir, "build");
	scan_all(pl);
	return pl;
}

void
proflist_free(struct proflist *pl)
{
	if (pl == NULL)
		return;
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->v[i].name);
		free(pl->v[i].path);
		free(pl->v[i].source);
		profile_free(pl->v[i].profile);
		free(pl->v[i].error);
	}
	for (size_t i = 0; i < pl->ndirs; i++) {
		free(pl->dirs[i]);
		free(pl->labels[i]);
	}
	free(pl->dirs);
	free(pl->labels);
	free(pl->v);
	free(pl);
}

const struct proflist_entry *
proflist_find(const struct proflist *pl, const char *name)
{
	for (size_t i = 0; i < pl->n; i++)
		if (strcmp(pl->v[i].name, name) == 0)
			return &pl->v[i];
	return NULL;
}

struct profile *
proflist_load(const struct proflist *pl, const char *name, struct err *e)
{
	const struct proflist_entry *en;

	if (has_suffix(name, ".yaml") || has_suffix(name, ".yml") ||
	    strchr(name, '/') != NULL)
		return profile_load(name, NULL, e);
	en = proflist_find(pl, name);
	if (en == NULL) {
		err_set(e, "no profile named '%s' (see 'hpctop profiles')",
		    name);
		return NULL;
	}
	if (en->profile == NULL) {
		err_set(e, "%s", en->error);
		return NULL;
	}
	/* Reload so the caller owns an independent copy. */
	return profile_load(en->path, en->name, e);
}
