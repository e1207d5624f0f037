/* hpctop tunnel (issue 12): a notebook on this machine attaches to a
 * controller on another host. Every port of the controller's client
 * connection file gets a listener on 127.0.0.1 here whose connections go
 * over the host's one SSH session (host_forward), and a rewritten copy of
 * the file (ports mapped, interface and location 127.0.0.1, ssh empty,
 * everything else kept) goes where ipyparallel.Client(profile=NAME)
 * reads it: <IPython dir>/profile_NAME/security/ipcontroller-client.json,
 * mode 0600. The key in it is never printed.
 *
 * The CLI (hpctop tunnel) and the dashboard both open tunnels with
 * tunnel_open; a running tunnel process is recorded in the state dir:
 *   $XDG_STATE_HOME/hpctop/tunnels/<name>.json (mode 0600)
 *   { "name": "slurm", "dest": "login1", "pid": 1234,
 *     "start_time": 123456, "mode": "background", "started": 1718….25,
 *     "file": "…/security/ipcontroller-client.json",
 *     "ports": [ {"field": "registration", "remote": 36061,
 *                 "local": 41234}, … ],
 *     "log": "…/tunnels/<name>.log" }
 * start_time is field 22 of /proc/PID/stat, as cluster records keep it,
 * so a pid reused by another process is never taken for the tunnel. */
#ifndef HPCTOP_TUNNEL_H
#define HPCTOP_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cluster.h"
#include "err.h"
#include "host.h"
#include "loop.h"

/* The field every rewritten file carries (the destination it tunnels
 * to): a client file without it was written by a controller here, and is
 * never overwritten. ipyparallel ignores fields it does not know. */
#define TUNNEL_MARK "hpctop_tunnel"

/* One forwarded port: the field it came from (static), the controller's
 * port and the local one on 127.0.0.1. */
struct tunnel_port {
	const char *field;
	int remote;
	int local;
};

/* Maps the controller's addr:port (as the cluster's host sees it) to the
 * local port a client connects to instead; -1 with e filled on failure. */
typedef int (*tunnel_map_fn)(const char *addr, int port, int *local,
    void *arg, struct err *e);

/* The rewritten client file for text (a client connection file read from
 * path, named in errors): each port field that ipyparallel 7.1's client
 * reads (an integer or a list of them) mapped through map, once per
 * distinct port; interface tcp://127.0.0.1, location 127.0.0.1, ssh "";
 * TUNNEL_MARK set to mark; every other field kept. *out is owned (wipe
 * it: it holds the key); the ports into *ports (owned, *nports). -1 with
 * e naming path and the field on bad input. */
int tunnel_rewrite(const char *text, size_t len, const char *path,
    const char *mark, tunnel_map_fn map, void *arg, char **out,
    size_t *outlen, struct tunnel_port **ports, size_t *nports,
    struct err *e);

struct tunnel {
	struct host *host;
	char *name;		/* the cluster's record name */
	char *ipython_profile;
	char *file;		/* the rewritten file here */
	struct tunnel_port *ports;
	size_t nports;
};

/* Opens the tunnel to cluster c on host h: reads c's client file there,
 * forwards its ports, writes the rewritten file. Refuses, writing
 * nothing, when h is this machine (Client(profile=...) attaches
 * directly), when another record here uses the same IPython profile (its
 * own file would be overwritten), when the file here was written by a
 * controller rather than a tunnel, and when the controller has written
 * no client file yet. The caller has checked that c is running. */
struct tunnel *tunnel_open(struct loop *l, struct host *h,
    const struct cluster *c, struct err *e);
/* Stops forwarding and removes the rewritten file. NULL is fine. */
void tunnel_close(struct tunnel *t);
/* "tunnel for NAME up: 7 ports on 127.0.0.1;
 * ipyparallel.Client(profile='IPP')". Caller frees. */
char *tunnel_summary(const struct tunnel *t);

/* A recorded tunnel process. Strings owned. */
struct tunnel_rec {
	char *name;
	char *dest;
	pid_t pid;
	unsigned long long start_time;
	char *mode;		/* "foreground", "background", "dashboard" */
	double started;
	char *file;
	char *log;		/* NULL unless background */
	struct tunnel_port *ports;	/* field strings are static */
	size_t nports;
};

/* <state dir>/tunnels; caller frees. */
char *tunnel_rec_dir(void);
/* <state dir>/tunnels/<name>.<ext>; caller frees. */
char *tunnel_rec_path(const char *name, const char *ext);
/* Records t as run by pid (started at start_time) in mode. */
int tunnel_rec_save(const struct tunnel *t, pid_t pid,
    unsigned long long start_time, const char *mode, const char *log,
    struct err *e);
/* NULL with e filled (and *missing when there is none). */
struct tunnel_rec *tunnel_rec_load(const char *name, bool *missing,
    struct err *e);
/* The names of every record, sorted. */
void tunnel_rec_list(struct strv *names);
/* Removes the record (and with the rewritten file it names when it
 * still carries TUNNEL_MARK): what a stale record leaves. */
void tunnel_rec_remove(const struct tunnel_rec *r);
void tunnel_rec_free(struct tunnel_rec *r);

#endif
