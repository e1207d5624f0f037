/* hpctop px: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_PX_H
#define HPCTOP_CMD_PX_H

#include "cmd.h"

extern const struct cmd_entry cmd_px_entry;

#endif
