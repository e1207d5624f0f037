/* ipyparallel 7's cluster files: <IPython profile dir>/security/
 * cluster-<cluster_id>.json (cluster_id "" gives "cluster-.json"), which
 * `ipcluster list`, `ipcluster stop`, ipyparallel.Cluster.from_file() and
 * the notebook's Clusters tab read. hpctop writes one for each cluster it
 * runs here, in the form ipyparallel.cluster.Cluster.to_dict() gives:
 *
 *   { "cluster": { "class": "ipyparallel.cluster.cluster.Cluster",
 *                  "cluster_id", "profile_dir", "n", "delay",
 *                  "controller_args", "controller_ip",
 *                  "controller_location" },
 *     "controller": { "class": "local"|"slurm"|"pbs", "state": {…} },
 *     "engines": { "class": …, "sets": { SET_ID: {…} } } }
 *
 * with the state each launcher class keeps (cluster/launcher.py):
 *   local (Local*Launcher)  pid, output_file; an engine set holds one
 *                           "engines" entry per live ipengine process
 *   mpi (MPIEngineSetLauncher)  pid of mpiexec, n, output_file
 *   slurm, pbs (batch)      job_id, n, queue, batch_template, namespace
 * each with cluster_id, profile_dir and state "running". Gone processes
 * and jobs are left out, as ipyparallel leaves out stopped launchers, so
 * the engine count `ipcluster list` sums follows the live engines. */
#ifndef HPCTOP_IPPCLUSTER_H
#define HPCTOP_IPPCLUSTER_H

#include <stdbool.h>

#include "cluster.h"
#include "err.h"
#include "loop.h"
#include "proflist.h"
#include "strv.h"

/* Meta key (core/cluster.h) of the cluster file hpctop wrote for c. */
#define IPPCLUSTER_META "ipp_cluster_file"

/* Where ipyparallel keeps c's cluster file. Caller frees. */
char *ippcluster_path(const struct cluster *c);
/* c as ipyparallel's Cluster.to_dict() would say it (text, caller frees);
 * NULL when its backend has no ipyparallel launcher (ssh). */
char *ippcluster_json(const struct cluster *c);
/* Writes c's cluster file (mode 0600, atomically) on c's host (this
 * machine, or its `host:` once cluster_place learnt its home there, so
 * that ipcluster run there sees it) when its contents changed, recording
 * its path in c's meta (the caller saves the record). Nothing is written
 * while nothing of c is alive. 0, or -1 with e. Synchronous: one read
 * (and a write when it changed) through c's host. */
int ippcluster_sync(struct loop *l, struct cluster *c, struct err *e);
/* Removes the cluster file hpctop wrote for c, if any, on c's host. */
void ippcluster_remove(struct loop *l, const struct cluster *c);
/* Whether ipyparallel stopped c: hpctop wrote its cluster file, which is
 * gone now (`ipcluster stop` and Cluster.stop_cluster remove it), and the
 * last poll saw nothing of c alive. Asks c's host only in that last case;
 * false when it cannot be asked. */
bool ippcluster_stopped_outside(struct loop *l, const struct cluster *c);

/* The other way: clusters described by cluster files others wrote
 * (ipcluster, the Cluster API, the notebook's Clusters tab) become hpctop
 * records, so status, profiles, px, logs, stop and the dashboard see them.
 * Every $IPYTHONDIR/profile_P/security/cluster-ID.json with no record
 * yet, whose launchers hpctop has a backend for (local, mpi, slurm, pbs)
 * and of which something runs, is recorded as cluster P (ID ""), or
 * P.ID, with its launchers' pids (start times read now) or job ids and
 * their output files as logs. The file stays its writer's: hpctop does
 * not rewrite it, removes it when it stops the cluster (as ipcluster
 * stop would), and clears the record once the file went and nothing of
 * the cluster runs. The records' names, into adopted (may be NULL). */
#define IPPCLUSTER_ADOPTED "ipp_adopted"
void ippcluster_adopt_all(struct strv *adopted);
/* Adopts (ippcluster_adopt_all), then lists every adopted record that is
 * no profile in pl with source "ipython" and its cluster file as path. */
void ippcluster_add_profiles(struct proflist *pl);
/* Whether c's record was adopted from another's cluster file. */
bool ippcluster_adopted(const struct cluster *c);

#endif
