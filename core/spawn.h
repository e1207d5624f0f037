/* Starting detached processes for the local and mpi backends: each in a
 * session (and process group) of its own, not a child of hpctop (double
 * fork), stdin from /dev/null, stdout+stderr appended to a log file, so it
 * survives hpctop exiting and SIGHUP. */
#ifndef HPCTOP_SPAWN_H
#define HPCTOP_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "strv.h"

struct spawn {
	struct strv argv;	/* what to exec (searched on PATH) */
	struct strv env;	/* extra NAME=VALUE, set before exec */
	struct strv setup;	/* shell lines run first (then exec argv) */
	char *log;		/* output file, created 0600 */
	char *cwd;		/* NULL: inherit */
};

/* Builds the exact argv spawn_start execs: argv itself, or with setup
 * lines `sh -c '<setup>\nexec "$@"' sh argv...`. Caller clears out. */
void spawn_exec_argv(const struct spawn *s, struct strv *out);
/* One sh line that does what spawn_start does (for `hpctop script`):
 *   NAME='v' … cmd 'arg' … </dev/null >>'log' 2>&1 &
 * Caller frees. */
char *spawn_render(const struct spawn *s);
/* Starts it. Returns its pid (== its process-group and session id), or -1
 * with e filled (fork failed, log not writable, the command could not be
 * executed: "nosuch: command not found"). Blocks only for fork and exec. */
pid_t spawn_start(const struct spawn *s, struct err *e);
/* Ends the process pid that started at start_time (core/procsnap.h, so a
 * reused pid is never signalled): SIGTERM, SIGKILL after wait_ms; returns
 * once it is gone. False when it was not running. Blocks. */
bool spawn_end(pid_t pid, unsigned long long start_time, unsigned wait_ms);
void spawn_clear(struct spawn *s);

/* Finds cmd on the PATH given (NULL: $PATH); a cmd containing '/' is
 * checked as is. Caller frees; NULL when not found/executable. */
char *spawn_which(const char *cmd, const char *path);

#endif
