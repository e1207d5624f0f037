#include "cmd_profiles.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/cluster.h"
#include "core/clusterop.h"
#include "core/clusterstate.h"
#include "core/loop.h"
#include "core/paths.h"
#include "core/proflist.h"
#include "core/safetext.h"
#include "backends/registry.h"
#include "core/xmalloc.h"

static const char help[] =
    "List the cluster profiles found on the search path, with the backend,\n"
    "the default engine count, the state of its cluster (the words of STATES in\n"
    "hpctop(1), as status and the dashboard print them) and where each came\n"
    "from. Invalid profiles are listed with their error.\n"
    "\n"
    "  -j, --json   print a JSON array instead of a table\n"
    "  -h, --help   show this help\n";

/* The cluster state of one profile (core/clusterstate.h): stopped without
 * a record, else what a refresh of the record says ("running 3/4",
 * "queued", "gone"). A scheduler that did not answer leaves the record's
 * jobs unknown, and so the state. */
static char *
profile_state(struct loop *l, const char *name)
{
	const struct backend *b;
	struct cluster *c;
	struct err e;
	bool missing;
	enum clusterstate st;
	char buf[64];

	c = cluster_load(name, &missing, &e);
	if (c == NULL)
		return xstrdup(clusterstate_label(missing ?
		    CLUSTERSTATE_STOPPED : CLUSTERSTATE_UNREADABLE));
	b = registry_find(c->backend);
	if (b == NULL)
		st = CLUSTERSTATE_UNKNOWN;
	else {
		clusterop_refresh_sync(l, b, c, &e);
		st = clusterstate_of(c);
	}
	clusterstate_format(st, (int)c->nids, c->engines,
	    clusterstate_engines_stale(c), buf, sizeof buf);
	cluster_free(c);
	return xstrdup(buf);
}

/* "~/..." for paths under $HOME: shorter, same meaning. */
static char *
tilde(const char *path)
{
	char *home = paths_home();
	size_t len = strlen(home);
	char *out;

	if (len > 1 && strncmp(path, home, len) == 0 && path[len] == '/')
		out = xasprintf("~%s", path + len);
	else
		out = xstrdup(path);
	free(home);
	return out;
}

static int
print_json(const struct proflist *pl, char **states)
{
	json_t *arr = json_array();
	char *s;

	for (size_t i = 0; i < pl->n; i++) {
		const struct proflist_entry *en = &pl->v[i];
		const struct profile *p = en->profile;
		json_t *o = json_object();

		json_object_set_new(o, "name", cli_json_text(en->name));
		json_object_set_new(o, "valid", json_boolean(p != NULL));
		json_object_set_new(o, "backend",
		    p ? cli_json_text(p->backend) : json_null());
		json_object_set_new(o, "engines",
		    p ? json_integer(p->engines) : json_null());
		json_object_set_new(o, "description",
		    p ? cli_json_text(p->description) : json_null());
		json_object_set_new(o, "ipython_profile",
		    p ? cli_json_text(p->ipython_profile) : json_null());
		json_object_set_new(o, "state", cli_json_text(states[i]));
		json_object_set_new(o, "source", cli_json_text(en->source));
		json_object_set_new(o, "path", cli_json_text(en->path));
		json_object_set_new(o, "error",
		    en->error ? cli_json_text(en->error) : json_null());
		json_array_append_new(arr, o);
	}
	s = json_dumps(arr, JSON_INDENT(2));
	json_decref(arr);
	if (s == NULL)
		fatal("json_dumps failed");
	puts(s);
	free(s);
	return CLI_OK;
}

static int
print_table(const struct proflist *pl, char **states)
{
	int wname = 4;

	for (size_t i = 0; i < pl->n; i++) {
		char *shown = safetext_escape(pl->v[i].name);
		int len = (int)strlen(shown);

		free(shown);

		if (len > wname)
			wname = len;
	}
	cli_printf(stdout, "%-*s  %-7s  %7s  %-14s  %s\n", wname, "NAME",
	    "BACKEND", "ENGINES", "STATE", "SOURCE");
	for (size_t i = 0; i < pl->n; i++) {
		const struct proflist_entry *en = &pl->v[i];
		char *where = tilde(en->path);

		if (en->profile != NULL)
			cli_printf(stdout, "%-*s  %-7s  %7d  %-14s  %s:%s\n",
			    wname, en->name, en->profile->backend,
			    en->profile->engines, states[i], en->source, where);
		else
			cli_printf(stdout, "%-*s  %-7s  %7s  %-14s  %s:%s\n"
			    "%*s  error: %s\n", wname, en->name, "invalid", "-",
			    states[i], en->source, where, wname, "", en->error);
		free(where);
	}
	if (pl->n == 0) {
		fprintf(stderr, "hpctop: no profiles found; searched:\n");
		for (size_t i = 0; i < pl->ndirs; i++)
			cli_printf(stderr, "  %s (%s)\n", pl->dirs[i],
			    pl->labels[i]);
	}
	return CLI_OK;
}

static int
profiles_exec(const struct cmd_args *a)
{
	struct proflist *pl;
	struct loop *l;
	char **states;
	bool json = cmd_has(a, 'j');
	int rc;

	pl = cli_proflist();
	l = cli_loop();
	states = xcalloc(pl->n + 1, sizeof *states);
	for (size_t i = 0; i < pl->n; i++)
		states[i] = profile_state(l, pl->v[i].name);
	rc = json ? print_json(pl, states) : print_table(pl, states);
	/* Listed all the same: what this machine has. */
	if (pl->error != NULL)
		rc = cli_error("%s", pl->error);
	for (size_t i = 0; i < pl->n; i++)
		free(states[i]);
	free(states);
	proflist_free(pl);
	return rc;
}

const struct cmd_entry cmd_profiles_entry = {
	.name = "profiles",
	.usage = "[--json]",
	.summary = "list cluster profiles and where they came from",
	.help = help,
	.args = { "j", 0, 0 },
	.longopts = cmd_json_longopts,
	.exec = profiles_exec,
};
