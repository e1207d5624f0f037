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

/* An entry's profile as it runs: one found on another machine runs
 * there unless it names a host itself. */
static struct profile *
entry_profile(const struct proflist_entry *en, struct err *e)
{
	struct profile *p;

	char *where;

	if (en->text == NULL)
		return profile_load(en->path, en->name, e);
	where = en->host != NULL ? xasprintf("%s:%s", en->host, en->path) :
	    xstrdup(en->path);
	p = profile_load_buffer(en->text, strlen(en->text), where, en->name,
	    e);
	free(where);
	if (p != NULL && p->host == NULL && en->host != NULL)
		p->host = xstrdup(en->host);
	return p;
}

/* Appends an entry (taking name, path and text) and parses its profile. */
static void
add_entry(struct proflist *pl, char *name, char *path, const char *source,
    const char *host, char *text)
{
	struct proflist_entry *en;
	struct err e;

	pl->v = xreallocarray(pl->v, pl->n + 1, sizeof *pl->v);
	en = &pl->v[pl->n++];
	memset(en, 0, sizeof *en);
	en->name = name;
	en->path = path;
	en->source = xstrdup(source);
	en->host = host != NULL ? xstrdup(host) : NULL;
	en->text = text;
	en->profile = entry_profile(en, &e);
	if (en->profile == NULL)
		en->error = xstrdup(e.msg);
}

void
proflist_add_text(struct proflist *pl, const char *name, const char *path,
    const char *source, const char *text)
{
	if (proflist_find(pl, name) != NULL)
		return;
	add_entry(pl, xstrdup(name), xstrdup(path), source, NULL,
	    xstrdup(text));
	qsort(pl->v, pl->n, sizeof *pl->v, entry_cmp);
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
		struct stat st;

		free(names[i]);
		if (proflist_find(pl, name) != NULL || stat(path, &st) == -1 ||
		    !S_ISREG(st.st_mode)) {
			free(path);
			free(name);
			continue;
		}
		add_entry(pl, name, path, label, NULL, NULL);
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
		free(pl->v[i].host);
		free(pl->v[i].text);
	}
	for (size_t i = 0; i < pl->ndirs; i++) {
		free(pl->dirs[i]);
		free(pl->labels[i]);
	}
	free(pl->dirs);
	free(pl->labels);
	free(pl->error);
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
proflist_load_text(const struct proflist *pl, const char *name, char **text,
    struct err *e)
{
	const struct proflist_entry *en;
	struct profile *p;
	const char *path;

	if (has_suffix(name, ".yaml") || has_suffix(name, ".yml") ||
	    strchr(name, '/') != NULL) {
		en = NULL;
		path = name;
	} else if ((en = proflist_find(pl, name)) == NULL) {
		err_set(e, "no profile named '%s' (see 'hpctop profiles')",
		    name);
		return NULL;
	} else if (en->profile == NULL) {
		err_set(e, "%s", en->error);
		return NULL;
	} else
		path = en->path;
	/* Reload so the caller owns an independent copy. */
	p = en != NULL ? entry_profile(en, e) : profile_load(path, NULL, e);
	if (p == NULL || text == NULL)
		return p;
	*text = en != NULL && en->text != NULL ? xstrdup(en->text) :
	    profile_read_text(path, NULL, e);
	if (*text == NULL) {
		profile_free(p);
		return NULL;
	}
	return p;
}

struct profile *
proflist_load(const struct proflist *pl, const char *name, struct err *e)
{
	return proflist_load_text(pl, name, NULL, e);
}

/* Lists the profile files of the directories given after it, each
 * relative to the home directory unless absolute: one absolute path a
 * line. */
static const char list_profiles[] =
    "cd || exit 1; for d in \"$@\"; do case $d in /*) ;; *) d=$PWD/${d#./};; "
    "esac; for f in \"$d\"/*.yaml \"$d\"/*.yml; do [ -f \"$f\" ] && "
    "printf '%s\\n' \"$f\"; done; done; exit 0";

int
proflist_add_host(struct proflist *pl, struct host *h, struct loop *l,
    struct err *e)
{
	char *user = paths_below(paths_config_dir_in("."), "profiles");
	char *argv[] = { "sh", "-c", (char *)list_profiles, "sh", user,
	    "/etc/hpctop/profiles", NULL };
	const char *dest = host_label(h);
	struct subproc_result *r;
	const char *p;

	r = host_run_sync(h, l, argv, NULL, NULL, 0, HOST_SYNC_TIMEOUT_MS);
	free(user);
	if (!r->ok) {
		err_set(e, "%s: cannot list its profiles: %s", dest,
		    r->err.msg[0] != '\0' ? r->err.msg : r->errout);
		subproc_result_free(r);
		return -1;
	}
	for (p = r->out; *p != '\0';) {
		size_t ll = strcspn(p, "\n");
		char *path = xstrndup(p, ll), *base = strrchr(path, '/');
		char *name, *text;
		struct err fe;
		size_t len;

		p += ll + (p[ll] != '\0');
		name = base != NULL ? profile_name_from_path(path) : NULL;
		if (name == NULL || proflist_find(pl, name) != NULL ||
		    host_read_file(h, l, path, PROFILE_MAX_BYTES, 0, &text,
		    &len, &fe) == -1) {
			free(name);
			free(path);
			continue;
		}
		add_entry(pl, name, path, dest, host_is_local(h) ? NULL : dest,
		    text);
	}
	subproc_result_free(r);
	if (pl->n > 0)
		qsort(pl->v, pl->n, sizeof *pl->v, entry_cmp);
	return 0;
}
