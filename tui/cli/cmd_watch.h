/* hpctop watch: its usage, options and help are in the entry. A watch is
 * a cluster's renewer (core/renewer.h): it renews the engine sets (profile
 * key renew_before) while nobody looks, and ends when the cluster does. */
#ifndef HPCTOP_CMD_WATCH_H
#define HPCTOP_CMD_WATCH_H

#include <sys/types.h>

#include "cmd.h"
#include "core/err.h"

extern const struct cmd_entry cmd_watch_entry;

/* Starts `hpctop watch NAME` in a process of its own (this executable,
 * detached, its output in watch.log beside the record), for a cluster
 * whose profile sets renew_before. Its pid, or -1 with e filled. */
pid_t cmd_watch_spawn(const char *name, struct err *e);

#endif
