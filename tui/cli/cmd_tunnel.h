/* hpctop tunnel: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_TUNNEL_H
#define HPCTOP_CMD_TUNNEL_H

#include "cmd.h"

extern const struct cmd_entry cmd_tunnel_entry;

#endif
