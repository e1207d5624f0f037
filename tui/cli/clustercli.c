#include "clustercli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/mpi.h"
#include "backends/registry.h"
#include "cli.h"
#include "core/clusterop.h"
#include "core/mpiworld.h"
#include "core/xmalloc.h"
#include "ippcli.h"

struct cluster *
clustercli_new(const char *name, int n, const struct backend **bp)
{
	char *text = NULL;
	struct profile *p = cli_profile_text(name, &text);
	struct cluster *c = NULL;
	struct err e;

	if (p == NULL)
		return NULL;
	c = cluster_new(p, text, n > 0 ? n : p->engines, &e);
	if (c == NULL)
		cli_error("%s", e.msg);
	free(text);
	profile_free(p);
	if (c != NULL && (*bp = clustercli_backend(c->backend)) == NULL) {
		cluster_free(c);
		c = NULL;
	}
	return c;
}

const struct backend *
clustercli_backend(const char *name)
{
	const struct backend *b = registry_find(name);

	if (b == NULL)
		cli_error("backend '%s' cannot start clusters in this version",
		    name);
	return b;
}

char *
clustercli_record_name(const char *arg)
{
	return profile_name_from_path(arg);
}

struct cluster *
clustercli_load(const char *arg)
{
	char *name = clustercli_record_name(arg);
	struct cluster *c;
	struct err e;
	bool missing;

	if (*name == '\0' || name[0] == '.') {
		cli_error("'%s' cannot name a cluster", arg);
		free(name);
		return NULL;
	}
	c = cluster_load(name, &missing, &e);
	if (c == NULL && missing)
		cli_error("no cluster '%s' (not started, or stopped)", name);
	else if (c == NULL)
		cli_error("%s", e.msg);
	free(name);
	return c;
}

char *
clustercli_mpi_world(struct loop *l, const struct cluster *c)
{
	struct ippcli ic;
	struct ipp_exec *x;
	char *verdict = NULL;
	struct err e;

	if (mpiworld_load(c, &verdict) || !mpiworld_wanted(c))
		return verdict;
	/* Not answering now: nothing to conclude, asked again next time. */
	if (ippcli_open_cluster(&ic, l, c, &e) == -1)
		return NULL;
	x = mpiworld_ask(ic.ipp, NULL, NULL, &e);
	if (x != NULL && ipp_wait_exec(ic.ipp, ic.loop, x, &e) == 0)
		mpi_world_conclude(c, x, &verdict);
	ipp_exec_free(x);
	ippcli_close(&ic);
	return verdict;
}

void
clustercli_renew(struct loop *l, const struct backend *b, struct cluster *c)
{
	char what[256] = "";
	struct err e;
	int rc = clusterop_renew_sync(l, b, c, what, sizeof what, &e);

	if (rc == -1)
		cli_printf(stderr, "hpctop: %s: renewing its engines: %s\n",
		    c->name, e.msg);
	else if (rc == 1) {
		cli_printf(stderr, "hpctop: %s: %s\n", c->name, what);
		if (clusterop_refresh_sync(l, b, c, &e) == -1)
			cli_printf(stderr, "hpctop: %s: %s\n", c->name, e.msg);
	}
}
