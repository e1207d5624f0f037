/* hpctop status: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_STATUS_H
#define HPCTOP_CMD_STATUS_H

#include "cmd.h"

extern const struct cmd_entry cmd_status_entry;

#endif
