/* hpctop __complete: what the bash completion (completions/hpctop.bash)
 * asks, read from the command table so that no second list of commands or
 * options exists. Hidden from 'hpctop --help'. */
#ifndef HPCTOP_CMD_COMPLETE_H
#define HPCTOP_CMD_COMPLETE_H

#include "cmd.h"

extern const struct cmd_entry cmd_complete_entry;

#endif
