/* hpctop engines: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_ENGINES_H
#define HPCTOP_CMD_ENGINES_H

#include "cmd.h"

extern const struct cmd_entry cmd_engines_entry;

#endif
