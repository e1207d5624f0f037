/* What the process backends (local, mpi) read from /proc about the
 * processes they started. */
#ifndef HPCTOP_PROCFS_H
#define HPCTOP_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Local process liveness by pid, zombie-safe (reads /proc/<pid>/stat):
 * true while the process exists and is not a zombie. */
bool procfs_pid_alive(pid_t pid);
/* The live (not zombie) processes of session sid, into *out when out is
 * not NULL (caller frees); returns how many. Our processes each lead a
 * session, and what they start stays in it even when it changes process
 * group (Open MPI's ranks do). */
size_t procfs_session_pids(pid_t sid, pid_t **out);

#endif
