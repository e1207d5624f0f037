/* hpctop doctor: its usage, options and help are in the entry. */
#ifndef HPCTOP_CMD_DOCTOR_H
#define HPCTOP_CMD_DOCTOR_H

#include "cmd.h"

extern const struct cmd_entry cmd_doctor_entry;

#endif
