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
#include "renewer.h"
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
	int set;		/* scale: the engine set added or stopped */
	bool add;		/* scale: added (else stopped) */
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
	ippcluster_remove(l, c);
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
	ippcluster_sync(op->loop, c, NULL);
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

	ippcluster_sync(op->loop, c, NULL);
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

/* What goes with a stopped cluster beside its record: leftover connection
 * files, its work dir on another machine (its logs there, as its record's
 * go here) and its watch. */
static void
remove_around(struct loop *l, const struct cluster *c)
{
	clusterop_remove_connection_files(l, c);
	cluster_remove_work_dir(l, c);
	renewer_end(c->name);
}

/* ipyparallel (`ipcluster stop`, the notebook's Stop) stopped c: its
 * record goes, as hpctop's own stop would remove it. */
static void
clear_stopped(struct loop *l, struct cluster *c)
{
	const struct backend *b = registry_find(c->backend);
	struct err le;

	if (cluster_lock(c, "clearing", &le) == -1)
		return;
	/* Its stop never ran here: what the backend's would remove too. */
	if (b != NULL && b->leftovers != NULL)
		b->leftovers(b, l, c, NULL);
	remove_around(l, c);
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
	if (!c->locked && ippcluster_stopped_outside(l, c)) {
		clear_stopped(l, c);
		return 0;
	}
	if (c->complete && ippcluster_sync(l, c, NULL) == 0 &&
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
	remove_around(op->loop, c);
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

/* Scale: the checks both directions make, then the lock. */
static int
scale_begin(struct op *op, struct err *e)
{
	const struct cluster *c = op->c;

	if (op->b->stop_set == NULL)
		return err_set(e, "cluster '%s': backend %s cannot add or stop "
		    "engine sets", c->name, op->b->name);
	if (!c->complete)
		return err_set(e, "cluster '%s' did not finish starting (hpctop "
		    "status %s)", c->name, c->name);
	return op_lock(op, "scaling", e);
}

/* Either way: the record as the set now is. */
static void
on_scaled(struct cluster *c, const struct err *e, void *arg)
{
	struct op *op = arg;
	struct err se;

	if (op->add) {
		c->engines += cluster_set_engines(c, op->set);
		c->add_n = 0;
	} else if (e == NULL)
		cluster_drop_set(c, op->set);
	if (cluster_save(c, &se) == -1 && e == NULL)
		e = &se;
	op_done(op, e);
}

int
clusterop_scale_up(struct loop *l, const struct backend *b,
    struct cluster *c, int n, clusterop_cb cb, void *arg, struct err *e)
{
	struct op *op = op_new(l, b, c, cb, arg);

	if (scale_begin(op, e) == -1)
		return op_abandon(op);
	if (n < 1 || c->engines + n > PROFILE_MAX_ENGINES) {
		err_set(e, "cluster '%s': +%d engines: the cluster may have 1 to "
		    "%d", c->name, n, PROFILE_MAX_ENGINES);
		return op_abandon(op);
	}
	op->add = true;
	op->set = c->add_set = c->next_set++;
	c->add_n = n;
	/* The set id is taken before anything of it runs. */
	if (cluster_save(c, e) == -1 ||
	    b->start_engines(b, l, c, on_scaled, op, e) == -1)
		return op_abandon(op);
	return 0;
}

int
clusterop_scale_down(struct loop *l, const struct backend *b,
    struct cluster *c, int set, clusterop_cb cb, void *arg, struct err *e)
{
	struct op *op = op_new(l, b, c, cb, arg);
	int *sets;
	size_t n = cluster_sets(c, &sets), i;
	struct err re;

	for (i = 0; i < n && sets[i] != set; i++)
		;
	free(sets);
	if (i == n) {
		err_set(e, "cluster '%s' has no engine set %d (hpctop status "
		    "%s lists them)", c->name, set, c->name);
		return op_abandon(op);
	}
	if (n == 1) {
		err_set(e, "engine set %d is the only one of cluster '%s' "
		    "(hpctop stop %s stops the cluster)", set, c->name, c->name);
		return op_abandon(op);
	}
	if (scale_begin(op, e) == -1)
		return op_abandon(op);
	op->set = set;
	/* Which ids are the set's, while they are still registered: they
	 * go away on purpose, never as lost. */
	if (cluster_read_engine_state(l, c, &re) == 0)
		cluster_retire_set(c, set);
	if (cluster_save(c, e) == -1 ||
	    b->stop_set(b, l, c, set, on_scaled, op, e) == -1)
		return op_abandon(op);
	return 0;
}

int
clusterop_scale_sync(struct loop *l, const struct backend *b,
    struct cluster *c, bool add, int v, struct err *e)
{
	struct clusterop_sync s = { 0 };

	if ((add ? clusterop_scale_up : clusterop_scale_down)(l, b, c, v,
	    clusterop_sync_cb, &s, e) == -1)
		return -1;
	return clusterop_sync_wait(l, &s, e);
}

#define RENEW_META "renew."

/* The successor of set (meta renew.SET), or -1. */
static int
successor(const struct cluster *c, int set)
{
	char key[32];
	const char *v;

	snprintf(key, sizeof key, RENEW_META "%d", set);
	v = cluster_meta_get(c, key);
	return v != NULL && *v >= '0' && *v <= '9' ? atoi(v) : -1;
}

static void
set_successor(struct cluster *c, int set, int succ)
{
	char key[32], val[16] = "";

	snprintf(key, sizeof key, RENEW_META "%d", set);
	if (succ >= 0)
		snprintf(val, sizeof val, "%d", succ);
	cluster_meta_set(c, key, val);
}

/* The least time left of set's running jobs; -1 when none is known. */
static long
set_time_left(const struct cluster *c, int set)
{
	long left = -1;

	for (size_t i = 0; i < c->nprocs && i < c->jobs.n; i++) {
		const struct job_row *r = &c->jobs.v[i];

		if (c->procs[i].role != CLUSTER_ENGINES ||
		    c->procs[i].set != set || r->time_left < 0 ||
		    c->procs[i].live != CLUSTER_LIVE_RUNNING)
			continue;
		if (left < 0 || r->time_left < left)
			left = r->time_left;
	}
	return left;
}

/* The registered ids of set, as messages list them. */
static char *
set_ids_text(const struct cluster *c, int set)
{
	int *v;
	size_t n = cluster_set_ids_of(c, set, &v);
	char *out = cluster_ids_text(v, n);

	free(v);
	return out;
}

int
clusterop_renew(struct loop *l, const struct backend *b, struct cluster *c,
    clusterop_cb cb, void *arg, char *what, size_t len, struct err *e)
{
	long before = c->profile->renew_before;
	int *sets, rc = 0;
	size_t n;

	if (before <= 0 || b->stop_set == NULL || !c->complete ||
	    !cluster_controller_alive(c) || !c->ids_known)
		return 0;
	n = cluster_sets(c, &sets);
	for (size_t i = 0; i < n && rc == 0; i++) {
		int s = sets[i], t = successor(c, s);
		long left;
		int *v;
		size_t k;

		if (t >= 0) {
			k = cluster_set_ids_of(c, t, &v);
			free(v);
			if (cluster_set_engines(c, t) == 0) {
				/* Its successor is gone: try again. */
				set_successor(c, s, -1);
				continue;
			}
			if ((int)k < cluster_set_engines(c, t))
				continue;
			{
				char *old = set_ids_text(c, s), *new = set_ids_text(c, t);

				snprintf(what, len, "engine set %d stopped: ids "
				    "%s of set %d replace %s", s, new, t, old);
				cluster_meta_set(c, CLUSTEROP_RENEW_NOTE, what);
				free(old);
				free(new);
			}
			set_successor(c, s, -1);
			rc = clusterop_scale_down(l, b, c, s, cb, arg, e) == -1 ?
			    -1 : 1;
			continue;
		}
		left = set_time_left(c, s);
		if (left < 0 || left > before)
			continue;
		t = c->next_set;
		set_successor(c, s, t);
		snprintf(what, len, "engine set %d ends in %ld s: set %d "
		    "submitted to renew it", s, left, t);
		cluster_meta_set(c, CLUSTEROP_RENEW_NOTE, what);
		rc = clusterop_scale_up(l, b, c, cluster_set_engines(c, s), cb,
		    arg, e) == -1 ? -1 : 1;
		if (rc == -1)
			set_successor(c, s, -1);
	}
	free(sets);
	return rc;
}

int
clusterop_renew_sync(struct loop *l, const struct backend *b,
    struct cluster *c, char *what, size_t len, struct err *e)
{
	struct clusterop_sync s = { 0 };
	int rc = clusterop_renew(l, b, c, clusterop_sync_cb, &s, what, len,
	    e);

	if (rc != 1)
		return rc;
	return clusterop_sync_wait(l, &s, e) == -1 ? -1 : 1;
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
