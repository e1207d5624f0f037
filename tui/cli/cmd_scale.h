/* hpctop scale: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_SCALE_H
#define HPCTOP_CMD_SCALE_H

#include "cmd.h"

extern const struct cmd_entry cmd_scale_entry;

#endif
