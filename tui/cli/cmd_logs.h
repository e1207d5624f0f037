/* hpctop logs: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_LOGS_H
#define HPCTOP_CMD_LOGS_H

#include "cmd.h"

extern const struct cmd_entry cmd_logs_entry;

#endif
