#include "cmd_stop.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/local.h"
#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/loop.h"
#include "core/xmalloc.h"

static const char usage[] =
    "Usage: hpctop stop PROFILE [--force]\n"
    "Stop the cluster started from PROFILE: the engines first, then the\n"
    "controller (SIGTERM, then SIGKILL after a bounded wait). Nothing of it\n"
    "is left running; its connection files and its record are removed. A\n"
    "record whose processes are already gone is just cleared.\n"
    "\n"
    "  -f, --force  also when the record is missing or cannot be read: stop\n"
    "               the processes marked as the cluster's (HPCTOP_CLUSTER in\n"
    "               their environment) and remove what is left of the record\n"
    "  -h, --help   show this help\n";

/* "ipcontroller (pid 12), ipengine (pid 14)" for what c holds. */
static char *
procs_text(const struct cluster *c)
{
	struct strv sv = STRV_INIT;
	char *out;

	for (size_t i = 0; i < c->nprocs; i++)
		strv_pushf(&sv, "%s (session %ld)", c->procs[i].name,
		    (long)c->procs[i].pid);
	out = strv_join(&sv, ", ");
	strv_clear(&sv);
	return out != NULL ? out : xstrdup("");
}

/* The record of name cannot be read (why: e), or is missing: say what is
 * found of it, and with force stop that and remove the record. */
static int
stop_unreadable(const char *name, bool missing, const struct err *why,
    bool force)
{
	struct cluster *c = cluster_stub(name);
	size_t n = cluster_adopt_marked(c, false);
	char *found = procs_text(c);
	struct loop *l;
	struct err e;
	int rc = CLI_OK;

	if (missing && n == 0)
		rc = cli_error("no cluster '%s' (not started, or stopped)", name);
	else if (missing && !force)
		rc = cli_error("no cluster record for '%s', but processes marked "
		    "as its own run: %s; 'hpctop stop --force %s' stops them",
		    name, found, name);
	if (missing && (n == 0 || !force)) {
		free(found);
		cluster_free(c);
		return rc;
	}
	if (!force) {
		if (n > 0)
			cli_error("%s: the record of '%s' cannot be read; processes "
			    "marked as its own: %s; 'hpctop stop --force %s' stops "
			    "them and removes %s", why->msg, name, found, name,
			    c->dir);
		else
			cli_error("%s: the record of '%s' cannot be read; no "
			    "process is marked as its own; 'hpctop stop --force "
			    "%s' removes %s", why->msg, name, name, c->dir);
		free(found);
		cluster_free(c);
		return CLI_FAIL;
	}
	if (!missing)
		fprintf(stderr, "hpctop: %s\n", why->msg);
	l = loop_new();
	/* Whatever the record said, its local processes carry the mark; the
	 * process backends' stop finds and ends them. */
	if (clusterop_stop_sync(l, &local_backend, c, &e) == -1)
		rc = cli_error("cannot stop '%s': %s", name, e.msg);
	else if (n > 0)
		printf("stopped '%s' without its record: ended %s; removed %s\n",
		    name, found, c->dir);
	else
		printf("removed the unreadable record of '%s' (%s); no process "
		    "was marked as its own\n", name, c->dir);
	loop_free(l);
	free(found);
	cluster_free(c);
	return rc;
}

int
cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct backend *b;
	struct cluster *c;
	struct loop *l;
	struct err e;
	bool force = false, missing;
	char *name;
	int ch, rc = CLI_OK;

	while ((ch = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		default:
			return cli_usage("stop", "bad option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("stop", "expected one PROFILE");
	name = clustercli_record_name(argv[optind]);
	if (*name == '\0' || name[0] == '.') {
		cli_error("'%s' cannot name a cluster", argv[optind]);
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
	l = loop_new();
	if (clusterop_stop_sync(l, b, c, &e) == -1)
		rc = cli_error("cannot stop '%s': %s", c->name, e.msg);
	else
		printf("stopped '%s'\n", c->name);
	loop_free(l);
	cluster_free(c);
	return rc;
}
