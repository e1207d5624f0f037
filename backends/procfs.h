/* How the process backends (local, mpi, ssh) tell the processes they
 * started from processes that merely reuse a recorded pid, in a snapshot
 * of a host's processes (core/procsnap.h, taken with host_procs). */
#ifndef HPCTOP_PROCFS_H
#define HPCTOP_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/cluster.h"
#include "core/procsnap.h"

/* Whether pr's pid still is the session leader hpctop started (same boot,
 * same start time; for records without one, marked with CLUSTER_ENV or
 * started with --profile=<its IPython profile>) and is not a zombie. */
bool procfs_proc_alive(const struct cluster *c, const struct procsnap *ps,
    const struct cluster_proc *pr);
/* Whether pr is alive (procfs_proc_alive) but stopped by a signal or a
 * tracer (state T or t), so it answers nothing until continued. */
bool procfs_proc_stopped(const struct cluster *c, const struct procsnap *ps,
    const struct cluster_proc *pr);
/* The live processes of pr's session, as procfs_session_pids, but none
 * when its pid now leads someone else's session (a reused pid). */
size_t procfs_proc_pids(const struct cluster *c, const struct procsnap *ps,
    const struct cluster_proc *pr, pid_t **out);
/* Sets the start time of pr when it has none and its pid leads a live
 * session carrying c's mark (exec keeps the start time: it tells this
 * process from a later one given the same pid). */
void procfs_fill_start(const struct cluster *c, const struct procsnap *ps,
    struct cluster_proc *pr);
/* Finds the sessions of processes marked CLUSTER_ENV=<c->dir> that no proc
 * of c covers (what a start killed between spawning and saving left, or
 * what an unreadable record hid) and appends each as a proc on host
 * (NULL: this machine, under its host name), named after its command. Without children, a process whose parent is
 * marked too is left out: it left its parent's session (an engine's nanny
 * does) and ends with that parent, so it is no process of its own to
 * show; stop wants it, so that nothing outlives the stop. roles says
 * which to adopt (PROCFS_ADOPT_*: by its name, an ipcontroller is the
 * controller, anything else engines). Returns how many it added. ps must
 * be taken with CLUSTER_ENV. */
#define PROCFS_ADOPT_CONTROLLER 1u
#define PROCFS_ADOPT_ENGINES 2u
#define PROCFS_ADOPT_ALL (PROCFS_ADOPT_CONTROLLER | PROCFS_ADOPT_ENGINES)
size_t procfs_adopt_marked(struct cluster *c, const struct procsnap *ps,
    const char *host, bool children, unsigned roles);
/* The live (not zombie) processes of session sid, into *out when out is
 * not NULL (caller frees); returns how many. Our processes each lead a
 * session, and what they start stays in it even when it changes process
 * group (Open MPI's ranks do). */
size_t procfs_session_pids(const struct procsnap *ps, pid_t sid,
    pid_t **out);

#endif
