#include "ippcli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/cluster.h"
#include "core/host.h"
#include "core/paths.h"
#include "core/proflist.h"
#include "core/xmalloc.h"

char *
ippcli_conn_path(const char *profile, const char *file, struct err *e)
{
	const struct proflist_entry *en;
	struct proflist *pl;
	char *dir, *path = NULL;
	struct stat st;

	if (file != NULL)
		return xstrdup(file);
	pl = cli_proflist();
	en = proflist_find(pl, profile);
	if (en != NULL) {
		if (en->profile == NULL)
			err_set(e, "%s", en->error);
		else
			path = paths_connection_file(
			    en->profile->ipython_profile,
			    en->profile->cluster_id, "client");
		proflist_free(pl);
		return path;
	}
	proflist_free(pl);
	if (*profile == '\0' || strchr(profile, '/') != NULL ||
	    strcmp(profile, ".") == 0 || strcmp(profile, "..") == 0) {
		err_set(e, "'%s' is not a profile name", profile);
		return NULL;
	}
	dir = paths_ipython_profile_dir(profile);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		path = paths_connection_file(profile, NULL, "client");
	else
		err_set(e, "no profile '%s': it is neither an hpctop profile "
		    "(see 'hpctop profiles') nor an IPython profile (%s does "
		    "not exist)", profile, dir);
	free(dir);
	return path;
}

/* Reads c->path on h (NULL: the host of l, this machine), makes its
 * endpoints reachable from here and waits for the Hub on l (NULL: a loop
 * of c's own). */
static int
open_on(struct ippcli *c, struct loop *l, const char *dest, struct err *e)
{
	struct host *h;

	c->loop = l != NULL ? l : cli_loop();
	if ((h = host_get(c->loop, dest, e)) == NULL ||
	    (c->conn = conn_load_host(h, c->loop, c->path, e)) == NULL ||
	    conn_forward(c->conn, h, c->loop, e) == -1 ||
	    (c->ipp = ipp_new(c->conn, e)) == NULL) {
		ippcli_close(c);
		return -1;
	}
	ipp_attach(c->ipp, c->loop);
	if (ipp_wait_up(c->ipp, c->loop, e) == -1) {
		ippcli_close(c);
		return -1;
	}
	return 0;
}

/* The record of the cluster called profile when it runs on another
 * machine (its connection file is there); NULL otherwise. */
static struct cluster *
remote_record(const char *profile)
{
	struct cluster *r;
	bool missing;

	if (*profile == '\0' || strchr(profile, '/') != NULL ||
	    profile[0] == '.' || (r = cluster_load(profile, &missing,
	    NULL)) == NULL)
		return NULL;
	if (r->host != NULL)
		return r;
	cluster_free(r);
	return NULL;
}

int
ippcli_open(struct ippcli *c, const char *profile, const char *file,
    struct err *e)
{
	struct cluster *r = file == NULL ? remote_record(profile) : NULL;
	int rc;

	if (r != NULL) {
		rc = ippcli_open_cluster(c, NULL, r, e);
		cluster_free(r);
		return rc;
	}
	memset(c, 0, sizeof *c);
	if ((c->path = ippcli_conn_path(profile, file, e)) == NULL)
		return -1;
	return open_on(c, NULL, NULL, e);
}

int
ippcli_open_cluster(struct ippcli *c, struct loop *l,
    const struct cluster *cl, struct err *e)
{
	memset(c, 0, sizeof *c);
	c->path = xstrdup(cl->client_file);
	return open_on(c, l, cl->host, e);
}

void
ippcli_close(struct ippcli *c)
{
	ipp_free(c->ipp);
	conn_free(c->conn);
	free(c->path);
	memset(c, 0, sizeof *c);
}
