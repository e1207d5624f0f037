/* A command that goes on in a process of its own (hpctop tunnel
 * --background, hpctop watch --background): detached from the caller's
 * terminal and session, its first words relayed to the caller, then its
 * output to a log; ended later by its recorded pid and start time. */
#ifndef HPCTOP_BGPROC_H
#define HPCTOP_BGPROC_H

#include <stdbool.h>
#include <sys/types.h>

/* What runs in the background process; its return value is the process's
 * exit status. It calls bgproc_to_log once it is up. */
typedef int (*bgproc_run_fn)(void *arg);

/* Runs run(arg) in a detached process (setsid, double fork, stdin
 * /dev/null) and returns once that process is up or failed: what it
 * printed until then (or until it exited) is copied to our stdout and
 * stderr. CLI_OK when it printed something on stdout (the line saying it
 * is up), CLI_FAIL otherwise. */
int bgproc_start(bgproc_run_fn run, void *arg);
/* In the background process (log not NULL): its stdout and stderr go to
 * log from now on (appended, created 0600), which ends bgproc_start's
 * relay. Both are flushed first; in the foreground (NULL) that is all. */
void bgproc_to_log(const char *log);
/* Ends the process pid that started at start_time (core/procsnap.h):
 * SIGTERM, then SIGKILL after BGPROC_STOP_WAIT_MS; returns once it is
 * gone. False when it was not running. */
#define BGPROC_STOP_WAIT_MS 5000
bool bgproc_end(pid_t pid, unsigned long long start_time);

#endif
