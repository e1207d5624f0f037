/* Sequences of backend operations shared by the CLI and the dashboard:
 * start (script, controller, engines, saving the record after each step),
 * refresh (poll plus the engine registry) and stop (backend stop, leftover
 * connection files, record). Same contract as core/backend.h: never block,
 * callback once from the loop, caller keeps c alive until then. The _sync
 * forms run the loop until done (CLI only). */
#ifndef HPCTOP_CLUSTEROP_H
#define HPCTOP_CLUSTEROP_H

#include <stdbool.h>

#include "backend.h"

typedef void (*clusterop_cb)(struct cluster *c, const struct err *e,
    void *arg);

/* Starts c (new, unsaved). Refuses when the profile's connection file
 * already exists (a controller hpctop does not know about), when another
 * hpctop holds c's lock (it is starting or stopping) or when c's record
 * exists. Holds the lock (unless the caller took it) until everything is
 * launched. Saves the record before the first process starts and after
 * each step, marking it complete at the end. On failure after something
 * started, stops it and removes the record. */
int clusterop_start(struct loop *l, const struct backend *b,
    struct cluster *c, clusterop_cb cb, void *arg, struct err *e);
/* Polls c (backend poll) and reads the engine registry; saves the record
 * when an engine id was seen for the first time. */
int clusterop_refresh(struct loop *l, const struct backend *b,
    struct cluster *c, clusterop_cb cb, void *arg, struct err *e);
/* Stops everything, removes leftover connection files, its work dir on
 * another machine and its watch (core/renewer.h), removes the record
 * (kept, with the error, when something survived). Holds c's lock (unless
 * the caller took it), so it refuses while another hpctop starts c. */
int clusterop_stop(struct loop *l, const struct backend *b,
    struct cluster *c, clusterop_cb cb, void *arg, struct err *e);

/* Engine sets of a running cluster (backend.stop_set). scale_up starts
 * a new set of n engines (the next set id; saved before it starts) and
 * adds them to c->engines; scale_down stops set (not the only one): its
 * registered ids are retired first (never counted lost), then its procs
 * leave the record. Both hold c's lock. */
int clusterop_scale_up(struct loop *l, const struct backend *b,
    struct cluster *c, int n, clusterop_cb cb, void *arg, struct err *e);
int clusterop_scale_down(struct loop *l, const struct backend *b,
    struct cluster *c, int set, clusterop_cb cb, void *arg, struct err *e);
/* add: scale_up with n = v, else scale_down of set v. */
int clusterop_scale_sync(struct loop *l, const struct backend *b,
    struct cluster *c, bool add, int v, struct err *e);

/* The renewal step of profile key renew_before, after a refresh of c
 * (its jobs and registry known): an engine set whose job's time left is
 * within renew_before, with no successor yet, gets one (scale_up of the
 * same N, recorded in meta "renew.SET" = its id); a set whose successor's
 * engines all registered is stopped (scale_down). One step per call:
 * returns 1 when it began one (cb then runs once, *what says which: "set
 * 0 renewed: set 1 submitted", "set 0 stopped: ids 4,5 of set 1 replace
 * 0,1"), 0 when there was nothing to do, -1 with e filled. */
/* The record's meta key holding the last step's words (*what), so that a
 * dashboard that did not take the step (an hpctop watch did) shows it. */
#define CLUSTEROP_RENEW_NOTE "renew_note"
int clusterop_renew(struct loop *l, const struct backend *b,
    struct cluster *c, clusterop_cb cb, void *arg, char *what, size_t len,
    struct err *e);
int clusterop_renew_sync(struct loop *l, const struct backend *b,
    struct cluster *c, char *what, size_t len, struct err *e);

/* -1 with what it means in e when starting c needs the user's
 * confirmation first (backend.confirm: far more local engines than cores);
 * the CLI then wants --force, the dashboard asks y/n. */
int clusterop_confirm(const struct backend *b, const struct cluster *c,
    struct err *e);

/* Waiting for one callback of an operation (CLI only): give it
 * clusterop_sync_cb and a zeroed struct clusterop_sync, then
 * clusterop_sync_wait runs the loop until the callback came; -1 with its
 * error when it failed. */
struct clusterop_sync {
	bool done;
	bool failed;
	struct err e;
};
void clusterop_sync_cb(struct cluster *c, const struct err *e, void *arg);
int clusterop_sync_wait(struct loop *l, struct clusterop_sync *s,
    struct err *e);

int clusterop_script_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e);
int clusterop_start_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e);
int clusterop_refresh_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e);
int clusterop_stop_sync(struct loop *l, const struct backend *b,
    struct cluster *c, struct err *e);

/* Polls n clusters of backend b at once (one scheduler query for a batch
 * backend), without reading their engine registries. */
int clusterop_poll_sync(struct loop *l, const struct backend *b,
    struct cluster **cs, size_t n, struct err *e);
/* Reads c's engine registry and saves the record when an engine id was
 * seen for the first time (what refresh does after its poll). A record
 * whose start did not finish, with nobody holding its lock, is an
 * interrupted start: sets c->interrupted and saves what the poll found
 * running for it. */
int clusterop_read_registry(struct loop *l, struct cluster *c,
    struct err *e);

/* Whether c's client connection file exists on its host: 1, 0, or -1
 * with e filled when the host cannot tell. */
int clusterop_client_file_exists(struct loop *l, const struct cluster *c,
    struct err *e);
/* Removes the client and engine connection files if present, on c's
 * host. */
void clusterop_remove_connection_files(struct loop *l,
    const struct cluster *c);

#endif
