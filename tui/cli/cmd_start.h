/* hpctop start: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_START_H
#define HPCTOP_CMD_START_H

#include "cmd.h"

extern const struct cmd_entry cmd_start_entry;

#endif
