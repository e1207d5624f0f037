/* hpctop status: see the usage text in cmd_status.c. */
#ifndef HPCTOP_CMD_STATUS_H
#define HPCTOP_CMD_STATUS_H

int cmd_status(int argc, char **argv);

#endif
