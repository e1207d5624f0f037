/* What `hpctop engines` and `hpctop px` share: finding the connection file
 * for a PROFILE argument and connecting to the controller, blocking. */
#ifndef HPCTOP_IPPCLI_H
#define HPCTOP_IPPCLI_H

#include <stdbool.h>

#include "core/cluster.h"
#include "core/conn.h"
#include "core/err.h"
#include "core/ipp.h"
#include "core/loop.h"

struct ippcli {
	char *path;		/* the connection file */
	struct conn *conn;
	struct loop *loop;
	struct ipp *ipp;
};

/* The client connection file for `profile`: an hpctop profile's
 * ipython_profile and cluster_id, else an existing IPython profile
 * directory $IPYTHONDIR/profile_<profile>. `file` (--file), when not NULL,
 * wins. Caller frees. */
char *ippcli_conn_path(const char *profile, const char *file, struct err *e);

/* Resolves (a cluster record naming another machine, when file is NULL:
 * its connection file there), reads the file, makes its endpoints
 * reachable (conn_forward) and waits until the Hub answers (bounded by
 * the liveness timeout). -1 with e set on any failure; c is then closed. */
int ippcli_open(struct ippcli *c, const char *profile, const char *file,
    struct err *e);
/* Same for the controller of cluster cl, on cl's host, through loop l
 * (NULL: the process's, cli_loop). */
int ippcli_open_cluster(struct ippcli *c, struct loop *l,
    const struct cluster *cl, struct err *e);
void ippcli_close(struct ippcli *c);

#endif
