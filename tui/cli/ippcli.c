#include "ippcli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
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

int
ippcli_open(struct ippcli *c, const char *profile, const char *file,
    struct err *e)
{
	memset(c, 0, sizeof *c);
	if ((c->path = ippcli_conn_path(profile, file, e)) == NULL)
		return -1;
	if ((c->conn = conn_load(c->path, e)) == NULL ||
	    (c->ipp = ipp_new(c->conn, e)) == NULL) {
		ippcli_close(c);
		return -1;
	}
	c->loop = loop_new();
	ipp_attach(c->ipp, c->loop);
	if (ipp_wait_up(c->ipp, c->loop, e) == -1) {
		ippcli_close(c);
		return -1;
	}
	return 0;
}

void
ippcli_close(struct ippcli *c)
{
	ipp_free(c->ipp);
	loop_free(c->loop);
	conn_free(c->conn);
	free(c->path);
	memset(c, 0, sizeof *c);
}
