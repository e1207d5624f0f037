/* What the cluster subcommands (start, status, stop, logs, script) share:
 * building a cluster from a profile, finding its backend and its record. */
#ifndef HPCTOP_CLUSTERCLI_H
#define HPCTOP_CLUSTERCLI_H

#include <stdbool.h>

#include "core/backend.h"
#include "core/cluster.h"

/* A new cluster for the named profile with n engines (0: the profile's
 * default), its profile text snapshotted, and its backend in *bp. Prints
 * the error; NULL then. */
struct cluster *clustercli_new(const char *profile, int n,
    const struct backend **bp);
/* The backend called name, or NULL after printing why. */
const struct backend *clustercli_backend(const char *name);
/* The record name for a PROFILE argument (a path gives its file name
 * without .yaml/.yml). Caller frees. */
char *clustercli_record_name(const char *arg);
/* Loads the record for a PROFILE argument; prints the error and returns
 * NULL when there is none ("no cluster 'x' (not started, or stopped)"). */
struct cluster *clustercli_load(const char *arg);
/* The MPI world verdict on c (core/mpiworld.h): the one kept beside its
 * record, else, when c wants the check, its engines are asked now
 * (blocking, bounded by MPIWORLD_TIMEOUT_MS) and their answer kept. NULL
 * when they share one world or it is not known (yet). Caller frees. */
char *clustercli_mpi_world(struct loop *l, const struct cluster *c);
/* One renewal step on c (profile renew_before, core/clusterop.h), after a
 * refresh; what it did, or why it failed, on stderr ("hpctop: NAME:
 * engine set 0 ends in 89 s: set 1 submitted to renew it"), then c
 * refreshed again when it did something. */
void clustercli_renew(struct loop *l, const struct backend *b,
    struct cluster *c);

#endif
