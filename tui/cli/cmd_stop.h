/* hpctop stop: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_STOP_H
#define HPCTOP_CMD_STOP_H

#include "cmd.h"

extern const struct cmd_entry cmd_stop_entry;

#endif
