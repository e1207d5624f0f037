/* A cluster's renewer: the one process (`hpctop watch`, tui/cli/
 * cmd_watch.c) that takes the renewal steps of profile key renew_before
 * while nobody looks, recorded beside the cluster's record: watch.json
 * (its pid and start time, mode 0600), its output in watch.log. status
 * and the dashboard leave the renewal to a live one; stop ends it. */
#ifndef HPCTOP_RENEWER_H
#define HPCTOP_RENEWER_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* How long renewer_end waits for it after SIGTERM before SIGKILL. */
#define RENEWER_END_WAIT_MS 5000

/* <record dir of name>/watch.EXT ("json", "log"). Caller frees. */
char *renewer_path(const char *name, const char *ext);
/* Starts the renewer of the cluster called name: `hpctop watch NAME`
 * (this executable) in a process of its own, detached, its output in
 * watch.log; it records itself. Its pid, or -1 with e filled. */
pid_t renewer_spawn(const char *name, struct err *e);
/* Records pid (this process, or one just spawned) as name's renewer. */
int renewer_save(const char *name, pid_t pid, struct err *e);
/* Whether name's recorded renewer runs (its pid into *pid when not NULL);
 * a record a dead one left is removed. */
bool renewer_live(const char *name, pid_t *pid);
/* Removes name's record if it names pid. */
void renewer_forget(const char *name, pid_t pid);
/* Ends name's renewer if one runs (SIGTERM, SIGKILL after
 * RENEWER_END_WAIT_MS: blocks until it is gone) and removes its record;
 * its pid, or 0 when none ran. Called by the renewer itself, it only
 * removes the record. */
pid_t renewer_end(const char *name);

#endif
