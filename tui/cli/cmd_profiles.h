/* hpctop profiles: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_PROFILES_H
#define HPCTOP_CMD_PROFILES_H

#include "cmd.h"

extern const struct cmd_entry cmd_profiles_entry;

#endif
