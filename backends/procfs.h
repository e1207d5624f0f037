/* What the process backends (local, mpi) read from /proc about the
 * processes they started, and how they tell them from processes that
 * merely reuse a recorded pid. */
#ifndef HPCTOP_PROCFS_H
#define HPCTOP_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/cluster.h"

/* Local process liveness by pid, zombie-safe (reads /proc/<pid>/stat):
 * true while the process exists and is not a zombie. */
bool procfs_pid_alive(pid_t pid);
/* Field 22 of /proc/<pid>/stat (clock ticks after boot); 0 when gone. */
unsigned long long procfs_pid_start_time(pid_t pid);
/* Whether pid is still the live process that started at start_time (as
 * procfs_pid_start_time gave it; 0 never is), not a later one with its
 * pid. */
bool procfs_pid_is(pid_t pid, unsigned long long start_time);
/* Whether pr's pid still is the session leader hpctop started (same boot,
 * same start time; for records without one, marked with CLUSTER_ENV or
 * started with --profile=<its IPython profile>) and is not a zombie. */
bool procfs_proc_alive(const struct cluster *c,
    const struct cluster_proc *pr);
/* Whether pr is alive (procfs_proc_alive) but stopped by a signal or a
 * tracer (state T or t), so it answers nothing until continued. */
bool procfs_proc_stopped(const struct cluster *c,
    const struct cluster_proc *pr);
/* The live processes of pr's session, as procfs_session_pids, but none
 * when its pid now leads someone else's session (a reused pid). */
size_t procfs_proc_pids(const struct cluster *c,
    const struct cluster_proc *pr, pid_t **out);
/* Finds the sessions of processes marked CLUSTER_ENV=<c->dir> that no proc
 * of c covers (what a start killed between spawning and saving left, or
 * what an unreadable record hid) and appends each as a proc, named after
 * its command. Without children, a process whose parent is marked too is
 * left out: it left its parent's session (an engine's nanny does) and ends
 * with that parent, so it is no process of its own to show; stop wants
 * it, so that nothing outlives the stop. Returns how many it added. */
size_t procfs_adopt_marked(struct cluster *c, bool children);
/* The live (not zombie) processes of session sid, into *out when out is
 * not NULL (caller frees); returns how many. Our processes each lead a
 * session, and what they start stays in it even when it changes process
 * group (Open MPI's ranks do). */
size_t procfs_session_pids(pid_t sid, pid_t **out);

#endif
