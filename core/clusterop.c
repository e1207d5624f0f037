#include "clusterop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "ippcluster.h"
#include "netif.h"
#include "xmalloc.h"

struct op {
	struct loop *loop;
	const struct backend *b;
	struct cluster *c;
	clusterop_cb cb;
	void *arg;
	struct err e;		/* the first failure, reported after cleanup */
	bool failed;
	bool own_lock;		/* taken by this op, released when it ends */
};

static struct op *
op_new(struct loop *l, const struct backend *b, struct cluster *c,
    clusterop_cb cb, void *arg)
{
	struct op *op = xcalloc(1, sizeof *op);

	op->loop = l;
	op->b = b;
	op->c = c;
	op->cb = cb;
	op->arg = arg;
	return op;
}

static void
op_done(struct op *op, const struct err *e)
{
	/* Before the callback, which may free c. */
	if (op->own_lock)
		cluster_unlock(op->c);
	op->cb(op->c, e, op->arg);
	free(op);
}

/* An op that could not begin: releases what it took; -1. */
static int
op_abandon(struct op *op)
{
	if (op->own_lock)
		cluster_unlock(op->c);
	free(op);
	return -1;
}

/* Takes c's lock for op unless its caller holds it already. */
static int
op_lock(struct op *op, const char *what, struct err *e)
{
	bool held = op->c->locked;

	if (cluster_lock(op->c, what, e) == -1)
		return -1;
	op->own_lock = !held;
	return 0;
}

void
clusterop_remove_connection_files(struct loop *l, const struct cluster *c)
{
	char *argv[] = { "rm", "-f", c->client_file, c->engine_file, NULL };
	struct host *h;

	/* ipyparallel's cluster file names them: it goes with them. */
	ippcluster_remove(c);
	if (c->host == NULL) {
		if (c->client_file != NULL)
			unlink(c->client_file);
		if (c->engine_file != NULL)
			unlink(c->engine_file);
		return;
	}
	/* Paths relative to a home never asked are not removed blind. */
	if (c->host_home == NULL || c->client_file == NULL ||
	    c->engine_file == NULL || (h = cluster_host(l, c, NULL)) == NULL)
		return;
	subproc_result_free(host_run_sync(h, l, argv, NULL, NULL, 0,
	    HOST_SYNC_TIMEOUT_MS));
}

int
clusterop_client_file_exists(struct loop *l, const struct cluster *c, struct err *e)
{
	struct host *h;
	char *buf;
	size_t len;

	if (c->host == NULL)
		return access(c->client_file, F_OK) == 0;
	if ((h = cluster_host(l, c, e)) == NULL)
		return -1;
	if (host_read_file(h, l, c->client_file, 1024 * 1024, 0, &buf, &len,
	    e) == 0) {
		free(buf);
		return 1;
	}
	return errno == ENOENT ? 0 : -1;
}

static int
write_script(const struct cluster *c, struct err *e)
{
	char *path = xasprintf("%s/script.sh", c->dir);
	int rc = file_write(path, c->script, 0700, e);

	free(path);
	return rc;
}

/* Start: a failure after processes exist stops them before reporting. */
static void
start_cleaned(struct cluster *c, const struct err *e, void *arg)
{
	struct op *op = arg;

	(void)e;
	op_done(op, &op->e);
}

static void
start_fail(struct op *op, const struct err *e)
{
	struct err ignored;

	op->e = *e;
	if (op->c->nprocs == 0) {
		cluster_remove(op->c, &ignored);
		op_done(op, &op->e);
		return;
	}
	if (clusterop_stop(op->loop, op->b, op->c, start_cleaned, op,
	    &ignored) == -1)
		op_done(op, &op->e);
}

static void
on_engines(struct cluster *c, const struct err *e, void *arg)
{
	struct op *op = arg;
	struct err se;

	if (e == NULL)
		c->complete = true;
	ippcluster_sync(c, NULL);
	if (cluster_save(c, &se) == -1 && e == NULL)
		e = &se;
	if (e != NULL) {
		start_fail(op, e);
		return;
	}
	op_done(op, NULL);
}

static void
on_controller(struct cluster *c, const struct err *e, void *arg)
{
	struct op *op = arg;
	struct err se;

	ippcluster_sync(c, NULL);
	if (cluster_save(c, &se) == -1 && e == NULL)
		e = &se;
	if (e != NULL) {
		start_fail(op, e);
		return;
	}
	/* Engines start now, while the controller comes up. */
	if (op->b->start_engines(op->b, op->loop, c, on_engines, op,
	    &se) == -1) {
		cluster_save(c, NULL);
		start_fail(op, &se);
	}
}

static void
on_script(struct cluster *c, const struct err *e, void *arg)
{
	struct op *op = arg;
	struct err se;

	if (e != NULL) {
		se = *e;
		goto fail;
	}
	if (cluster_mkdirs(c, &se) == -1 || write_script(c, &se) == -1 ||
	    cluster_save(c, &se) == -1)
		goto fail;
	if (op->b->start_controller(op->b, op->loop, c, on_controller, op,
	    &se) == 0)
		return;
	cluster_save(c, NULL);
fail:
	start_fail(op, &se);
}

/* A loopback controller.ip where engines run on other nodes would
 * stall: they would try their own node's loopback. */
static int
check_address(const struct backend *b, const struct cluster *c,
    struct err *e)
{
	const struct profile *p = c->profile;
	char *where;

	if (p->controller.ip == NULL || !netif_loopback(p->controller.ip) ||
	    p->controller.allow_loopback || b->remote_engines == NULL ||
	    (where = b->remote_engines(b, c)) == NULL)
		return 0;
	err_set(e, "%s:%zu:%zu: controller.ip: %s is a loopback address, "
	    "which only the controller's own node reaches, but backend %s "
	    "runs %s; set controller.ip to an address those nodes reach, or "
	    "controller.interface to the interface of the network they "
	    "share (or controller.allow_loopback: true if they do reach it)",
	    p->path, p->controller.ip_line, p->controller.ip_col,
	    p->controller.ip, b->name, where);
	free(where);
	return -1;
}

int
clusterop_start(struct loop *l, const struct backend *b, struct cluster *c,
    clusterop_cb cb, void *arg, struct err *e)
{
	struct op *op;
	char *record;
	bool exists;

	int found;

	if (check_address(b, c, e) == -1)
		return -1;
	if (cluster_place(l, c, e) == -1 ||
	    (found = clusterop_client_file_exists(l, c, e)) == -1)
		return -1;
	if (found)
		return err_set(e, "%s%s%s exists: a controller hpctop did not "
		    "start may be running for IPython profile '%s' (remove "
		    "the file if it is stale)", c->host != NULL ? c->host : "",
		    c->host != NULL ? ":" : "", c->client_file,
		    c->ipython_profile);
	op = op_new(l, b, c, cb, arg);
	/* Held until everything is launched and recorded: exactly one of two
	 * starts gets it, and the other then finds the winner's record. */
	if (op_lock(op, "starting", e) == -1)
		return op_abandon(op);
	record = xasprintf("%s/cluster.json", c->dir);
	exists = access(record, F_OK) == 0;
	if (exists)
		err_set(e, "cluster '%s' is already started (its record %s "
		    "exists; 'hpctop status %s' shows it)", c->name, record,
		    c->name);
	free(record);
	if (exists || b->script(b, l, c, on_script, op, e) == -1)
		return op_abandon(op);
	return 0;
}

int
clusterop_confirm(const struct backend *b, const struct cluster *c,
    struct err *e)
{
	return b->confirm != NULL ? b->confirm(b, c, e) : 0;
}

/* ipyparallel (`ipcluster stop`, the notebook's Stop) stopped c: its
 * record goes, as hpctop's own stop would remove it. */
static void
clear_stopped(struct loop *l, struct cluster *c)
{
	struct err le;

	if (cluster_lock(c, "clearing", &le) == -1)
		return;
	clusterop_remove_connection_files(l, c);
	if (cluster_remove(c, &le) == 0)
		c->cleared = true;
	cluster_unlock(c);
}

int
clusterop_read_registry(struct loop *l, struct cluster *c, struct err *e)
{
	bool had_file = cluster_meta_get(c, IPPCLUSTER_META) != NULL;
	size_t nseen = c->nseen;
	bool save = false;
	struct err le;

	/* A host that cannot be asked leaves the engines unknown, as a
	 * scheduler that does not answer leaves the jobs. */
	if (cluster_host_unreachable(l, c, NULL, 0))
		return 0;
	if (cluster_read_engine_state(l, c, e) == -1)
		return cluster_host_unreachable(l, c, NULL, 0) ? 0 : -1;
	cluster_read_tasks(l, c);
	/* Remember first sightings, so a lost engine stays known. */
	save = c->nseen != nseen;
	/* An incomplete record nobody is starting: the start died. Keep what
	 * the poll found running for it, so the record lists it (once: what
	 * it left does not grow). */
	if (!c->complete && !c->locked && !c->interrupted &&
	    cluster_lock(c, "recovering", &le) == 0) {
		c->interrupted = true;
		cluster_save(c, NULL);
		cluster_unlock(c);
		save = false;
	}
	if (!c->locked && ippcluster_stopped_outside(c)) {
		clear_stopped(l, c);
		return 0;
	}
	if (c->complete && ippcluster_sync(c, NULL) == 0 &&
	    cluster_meta_get(c, IPPCLUSTER_META) != NULL && !had_file)
		save = true;
	if (save)
		cluster_save(c, NULL);
	return 0;
}

static void
on_polled(struct cluster **cs, size_t n, const struct err *e, void *arg)
{
	struct op *op = arg;
	struct err re;

	(void)cs;
	(void)n;
	if (e != NULL) {
		op_done(op, e);
		return;
	}
	if (clusterop_read_registry(op->loop, op->c, &re) == -1) {
		op_done(op, &re);
		return;
	}
	op_done(op, NULL);
}

int
clusterop_refresh(struct loop *l, const struct backend *b,
    struct cluster *c, clusterop_cb cb, void *arg, struct err *e)
{
	struct op *op = op_new(l, b, c, cb, arg);

	/* The array lives in op: poll may keep it until its callback. */
	if (b->poll(b, l, &op->c, 1, on_polled, op, e) == -1)
		return op_abandon(op);
	return 0;
}

static void
on_stopped(struct cluster *c, const struct err *e, void *arg)
{
	struct op *op = arg;
	struct err re;

	if (e != NULL) {
		op_done(op, e);
		return;
	}
	clusterop_remove_connection_files(op->loop, c);
	if (cluster_remove(c, &re) == -1) {
		op_done(op, &re);
		return;
	}
	op_done(op, NULL);
}

int
clusterop_stop(struct loop *l, const struct backend *b, struct cluster *c,
    clusterop_cb cb, void *arg, struct err *e)
{
	struct op *op = op_new(l, b, c, cb, arg);

	if (op_lock(op, "stopping", e) == -1)
		return op_abandon(op);
	if (b->stop(b, l, c, on_stopped, op, e) == -1)
		return op_abandon(op);
	return 0;
}

void
clusterop_sync_cb(struct cluster *c, const struct err *e, void *arg)
{
	struct clusterop_sync *s = arg;

	(void)c;
	s->done = true;
	if (e != NULL) {
		s->failed = true;
		s->e = *e;
	}
}

int
clusterop_sync_wait(struct loop *l, struct clusterop_sync *s, struct err *e)
{
	while (!s->done)
		loop_once(l, -1);
	if (s->failed) {
		*e = s->e;
		return -1;
	}
	return 0;
}

typedef int (*op_fn)(struct loop *l, const struct backend *b,
    struct cluster *c, clusterop_cb cb, void *arg, struct err *e);

static int
run_sync(op_fn op, struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e)
{
	struct clusterop_sync s = { 0 };

	if (op(l, b, c, clusterop_sync_cb, &s, e) == -1)
		return -1;
	return clusterop_sync_wait(l, &s, e);
}

static int
script_op(struct loop *l, const struct backend *b, struct cluster *c,
    clusterop_cb cb, void *arg, struct err *e)
{
	return b->script(b, l, c, cb, arg, e);
}

int
clusterop_script_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e)
{
	return run_sync(script_op, l, b, c, e);
}

int
clusterop_start_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e)
{
	return run_sync(clusterop_start, l, b, c, e);
}

int
clusterop_refresh_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e)
{
	return run_sync(clusterop_refresh, l, b, c, e);
}

static void
on_poll_sync(struct cluster **cs, size_t n, const struct err *e, void *arg)
{
	(void)n;
	clusterop_sync_cb(n > 0 ? cs[0] : NULL, e, arg);
}

int
clusterop_poll_sync(struct loop *l, const struct backend *b,
    struct cluster **cs, size_t n, struct err *e)
{
	struct clusterop_sync s = { 0 };

	if (b->poll(b, l, cs, n, on_poll_sync, &s, e) == -1)
		return -1;
	return clusterop_sync_wait(l, &s, e);
}

int
clusterop_stop_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e)
{
	return run_sync(clusterop_stop, l, b, c, e);
}
