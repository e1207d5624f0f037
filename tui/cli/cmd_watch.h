/* hpctop watch: its usage, options and help are in the entry. A watch is
 * a cluster's renewer (core/renewer.h): it renews the engine sets (profile
 * key renew_before) while nobody looks, and ends when the cluster does. */
#ifndef HPCTOP_CMD_WATCH_H
#define HPCTOP_CMD_WATCH_H

#include "cmd.h"

extern const struct cmd_entry cmd_watch_entry;

#endif
