#include "cmd_stop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/batch.h"
#include "backends/local.h"
#include "backends/procfs.h"
#include "backends/registry.h"
#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/host.h"
#include "core/loop.h"
#include "core/xmalloc.h"

static const char help[] =
    "Stop the cluster started from PROFILE: the engines first, then the\n"
    "controller (SIGTERM, then SIGKILL after a bounded wait). Nothing of it\n"
    "is left running; its connection files and its record are removed. A\n"
    "record whose processes are already gone is just cleared.\n"
    "\n"
    "  -f, --force  also when the record is missing or cannot be read: stop\n"
    "               what runs as the cluster's (local and mpi: processes\n"
    "               with HPCTOP_CLUSTER in their environment; slurm and pbs:\n"
    "               the jobs named hpctop-PROFILE-ctl/-eng) and remove what\n"
    "               is left of the record\n"
    "  -h, --help   show this help\n";

/* "ipcontroller (session 12), hpctop-x-eng (job 14)" for what c holds. */
static char *
procs_text(const struct cluster *c)
{
	struct strv sv = STRV_INIT;
	char *out;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];

		if (pr->job_id != NULL)
			strv_pushf(&sv, "%s (job %s)", pr->name, pr->job_id);
		else
			strv_pushf(&sv, "%s (session %ld)", pr->name,
			    (long)pr->pid);
	}
	out = strv_join(&sv, ", ");
	strv_clear(&sv);
	return out != NULL ? out : xstrdup("");
}

/* The profile of the lost record's name, which tells its backend and
 * connection files; NULL (nothing printed) when it is gone too. */
static struct profile *
quiet_profile(const char *name)
{
	struct proflist *pl = cli_proflist();
	struct err e;
	struct profile *p = proflist_load(pl, name, &e);

	proflist_free(pl);
	return p;
}

/* What is left of the cluster called name, into the stub c: a batch
 * cluster's jobs by their names (when its profile p names a batch
 * backend), else the processes that carry its mark. Returns the backend
 * that stops them, NULL after printing why not. */
static const struct backend *
find_remains(struct loop *l, struct cluster *c, const struct profile *p)
{
	const struct backend *b = p != NULL ? registry_find(p->backend) :
	    NULL;
	struct clusterop_sync ad = { 0 };
	struct err e;

	if (b == NULL || b->batch == NULL) {
		struct procsnap ps;

		if (host_procs_sync(host_get(l, NULL, &e), l, CLUSTER_ENV, &ps,
		    &e) == -1) {
			cli_error("cannot list the processes of '%s': %s",
			    c->name, e.msg);
			return NULL;
		}
		procfs_adopt_marked(c, &ps, NULL, false, PROCFS_ADOPT_ALL);
		procsnap_free(&ps);
		return &local_backend;
	}
	free(c->backend);
	c->backend = xstrdup(b->name);
	if (batch_adopt_named(b, l, c, clusterop_sync_cb, &ad, &e) == -1 ||
	    clusterop_sync_wait(l, &ad, &e) == -1) {
		cli_error("cannot list the jobs of '%s': %s", c->name, e.msg);
		return NULL;
	}
	return b;
}

/* The record of name cannot be read (why: e), or is missing: say what is
 * found of it, and with force stop that and remove the record. */
static int
stop_unreadable(const char *name, bool missing, const struct err *why,
    bool force)
{
	struct profile *p = quiet_profile(name);
	struct cluster *c = cluster_stub(name, p);
	struct loop *l = cli_loop();
	const struct backend *b = find_remains(l, c, p);
	char *found = procs_text(c);
	const char *what = c->nprocs > 0 && c->procs[0].job_id != NULL ?
	    "jobs named" : "processes marked";
	struct err e;
	int rc = CLI_FAIL;

	if (b == NULL) {
		/* find_remains said why */
	} else if (missing && c->nprocs == 0)
		cli_error("no cluster '%s' (not started, or stopped)", name);
	else if (missing && !force)
		cli_error("no cluster record for '%s', but %s as its own run: "
		    "%s; 'hpctop stop --force %s' stops them", name, what,
		    found, name);
	else if (!force && c->nprocs > 0)
		cli_error("%s: the record of '%s' cannot be read; %s as its "
		    "own: %s; 'hpctop stop --force %s' stops them and removes "
		    "%s", why->msg, name, what, found, name, c->dir);
	else if (!force)
		cli_error("%s: the record of '%s' cannot be read; nothing runs "
		    "as its own; 'hpctop stop --force %s' removes %s", why->msg,
		    name, name, c->dir);
	else {
		if (!missing)
			cli_error("%s", why->msg);
		if (clusterop_stop_sync(l, b, c, &e) == -1)
			cli_error("cannot stop '%s': %s", name, e.msg);
		else if (c->nprocs > 0) {
			cli_printf(stdout, "stopped '%s' without its record: ended %s; "
			    "removed %s\n", name, found, c->dir);
			rc = CLI_OK;
		} else {
			cli_printf(stdout, "removed the unreadable record of '%s' (%s); "
			    "nothing ran as its own\n", name, c->dir);
			rc = CLI_OK;
		}
	}
	free(found);
	cluster_free(c);
	profile_free(p);
	return rc;
}

static int
stop_exec(const struct cmd_args *a)
{
	const struct backend *b;
	struct cluster *c;
	struct loop *l;
	struct err e;
	bool force = cmd_has(a, 'f'), missing;
	char *name;
	int rc = CLI_OK;

	name = clustercli_record_name(a->argv[0]);
	if (*name == '\0' || name[0] == '.') {
		cli_error("'%s' cannot name a cluster", a->argv[0]);
		free(name);
		return CLI_FAIL;
	}
	c = cluster_load(name, &missing, &e);
	if (c == NULL) {
		rc = stop_unreadable(name, missing, &e, force);
		free(name);
		return rc;
	}
	free(name);
	b = clustercli_backend(c->backend);
	if (b == NULL) {
		cluster_free(c);
		return CLI_FAIL;
	}
	l = cli_loop();
	if (clusterop_stop_sync(l, b, c, &e) == -1)
		rc = cli_error("cannot stop '%s': %s", c->name, e.msg);
	else
		cli_printf(stdout, "stopped '%s'\n", c->name);
	cluster_free(c);
	return rc;
}

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "PROFILE [--force]",
	.summary = "stop a cluster, leaving nothing behind",
	.help = help,
	.args = { "f", 1, 1 },
	.longopts = (const struct option[]){
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	},
	.exec = stop_exec,
};
