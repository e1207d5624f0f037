/* hpctop script: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_SCRIPT_H
#define HPCTOP_CMD_SCRIPT_H

#include "cmd.h"

extern const struct cmd_entry cmd_script_entry;

#endif
