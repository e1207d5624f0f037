/* hpctop start: see the usage text in cmd_start.c. */
#ifndef HPCTOP_CMD_START_H
#define HPCTOP_CMD_START_H

int cmd_start(int argc, char **argv);

#endif
