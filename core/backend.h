/* How a cluster is started, watched and stopped: one struct backend of
 * function pointers per backend (backends/<name>.c), looked up by name in
 * the registry (backends/registry.c, the one list of backends).
 *
 * Rules every operation follows:
 *   - b is the backend's own entry (so shared code, such as the batch
 *     operations, knows which backend it runs for).
 *   - It never blocks: it forks, or runs commands as core/subproc.h jobs, and
 *     returns at once. (A fork+exec of a detached process, or reading
 *     /proc, counts as not blocking.)
 *   - It returns 0 when it has started, and then calls its callback
 *     exactly once, always from the loop (never from inside the call
 *     itself). It returns -1 with e filled when it could not start (bad
 *     profile value, command not on PATH, …); then the callback never runs.
 *   - The callback's e is NULL on success, else says what failed and where
 *     ("controller: ipcontroller exited with status 1: …").
 *   - The caller owns the clusters and keeps them (and the loop) alive
 *     until the callback has run. Backends own nothing of the cluster but
 *     may add procs, meta and the script; they never save or remove the
 *     record (the caller does, after each operation).
 *   - Values from the profile reach processes as argv elements or as
 *     shell-quoted words (core/shquote.h), never pasted into shell code;
 *     only the profile's `setup` lines are shell code by definition.
 *   - Processes and jobs must outlive hpctop and its SSH session: local
 *     processes run in a session of their own (core/spawn.h), batch jobs
 *     belong to the scheduler.
 */
#ifndef HPCTOP_BACKEND_H
#define HPCTOP_BACKEND_H

#include <stddef.h>

#include "cluster.h"
#include "err.h"
#include "loop.h"

/* e is NULL on success; valid only during the call. */
typedef void (*backend_cb)(struct cluster *c, const struct err *e,
    void *arg);
/* For poll: once for the whole batch. */
typedef void (*backend_poll_cb)(struct cluster **cs, size_t n,
    const struct err *e, void *arg);

struct batch_kind;

struct backend {
	const char *name;	/* the profile's `backend:` value */
	/* slurm, pbs: what backends/batch.c needs (backends/batch.h);
	 * NULL for the process backends. */
	const struct batch_kind *batch;

	/* Renders into c->script (replacing it; c owns it) exactly what
	 * start_controller and start_engines would run for c->profile with
	 * c->engines engines: a POSIX sh script, one command per process, every
	 * profile value shell-quoted, with its log redirection. Called by
	 * `hpctop script` and by `start` before starting (the script is saved
	 * next to the record). May run probe commands (e.g. `mpiexec
	 * --version`) and cache what they say in c->meta. */
	int (*script)(const struct backend *b, struct loop *l,
	    struct cluster *c, backend_cb cb, void *arg, struct err *e);

	/* Starts the controller for c and records it with cluster_add_proc
	 * (role CLUSTER_CONTROLLER) before the callback. Completes when it is
	 * launched (forked / submitted), not when it is ready. Called once,
	 * after script, with c->dir and its logs/ created. */
	int (*start_controller)(const struct backend *b, struct loop *l,
	    struct cluster *c, backend_cb cb, void *arg, struct err *e);

	/* Starts c->add_n engines of set c->add_set (at start: c->engines
	 * of set 0) and records their processes/jobs
	 * (role CLUSTER_ENGINES, engines = how many each provides). Called
	 * right after start_controller returned 0, WITHOUT waiting for the
	 * controller: engines must wait for the connection file themselves
	 * (ipengine --IPEngine.wait_for_url_file) and register when the
	 * controller is ready. */
	int (*start_engines)(const struct backend *b, struct loop *l,
	    struct cluster *c, backend_cb cb, void *arg, struct err *e);

	/* Refreshes n clusters of this backend at once (a batch backend runs
	 * ONE scheduler query for all of them): for each cluster, rebuilds
	 * c->jobs (jobtab_clear, then one job_row per proc: id = pid or job
	 * id, name, state, elapsed, nodelist/host, pid, reason) and sets each
	 * proc's `live`. Called on every dashboard refresh and by `status`,
	 * `start --wait` and `stop`; must be cheap. It does not touch the
	 * engine registry (the caller reads that). */
	int (*poll)(const struct backend *b, struct loop *l,
	    struct cluster **cs, size_t n, backend_poll_cb cb, void *arg,
	    struct err *e);

	/* Stops everything c runs: engines first, then the controller; asks
	 * politely (SIGINT/SIGTERM, scancel/qdel), escalates (SIGKILL,
	 * scancel -s KILL) after a bounded wait, and completes when nothing
	 * of c is left running, or with an error naming what survived. The
	 * caller then removes leftover connection files and the record. */
	int (*stop)(const struct backend *b, struct loop *l,
	    struct cluster *c, backend_cb cb, void *arg, struct err *e);

	/* Optional: stops the engines of set only (their procs, by the same
	 * polite then hard steps as stop), leaving the controller and every
	 * other set running; completes when nothing of the set is left.
	 * Engines are added to a running cluster with start_engines, which
	 * starts c->add_n engines of set c->add_set. NULL: the backend
	 * cannot scale. */
	int (*stop_set)(const struct backend *b, struct loop *l,
	    struct cluster *c, int set, backend_cb cb, void *arg,
	    struct err *e);

	/* Optional, synchronous: -1 with e saying what starting c means
	 * ("100000 engines run 200000 processes on this 2-core machine")
	 * when that is far beyond what this machine can carry, so the caller
	 * asks before starting. NULL when nothing needs asking. */
	int (*confirm)(const struct backend *b, const struct cluster *c,
	    struct err *e);
	/* Optional: where c's engines run when that may be another node than
	 * the controller's ("engines on compute nodes", "engines on hosts
	 * cn1, cn2"), so a loopback controller address is refused at start;
	 * NULL when they run beside it. Caller frees. */
	char *(*remote_engines)(const struct backend *b,
	    const struct cluster *c);
	/* Optional, synchronous (each host bounded by HOST_SYNC_TIMEOUT_MS):
	 * removes what c left on other machines (files there beside its
	 * processes) once nothing of c runs. Called for a cluster that
	 * ipyparallel stopped (`ipcluster stop` through its cluster file), so
	 * stop never ran here. 0, or -1 with e. NULL: c leaves nothing
	 * elsewhere that stop would remove. */
	int (*leftovers)(const struct backend *b, struct loop *l,
	    const struct cluster *c, struct err *e);
};

/* The registry. backends/registry.c defines these; they are declared here
 * so that core can ask it (profile validation) while core includes nothing
 * of backends/: every program and test links backends/ with core/. */
/* The backend called name, or NULL. */
const struct backend *registry_find(const char *name);
/* The i-th backend (for listing); NULL past the end. */
const struct backend *registry_get(size_t i);

#endif
