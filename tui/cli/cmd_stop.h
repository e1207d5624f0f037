/* hpctop stop: see the usage text in cmd_stop.c. */
#ifndef HPCTOP_CMD_STOP_H
#define HPCTOP_CMD_STOP_H

int cmd_stop(int argc, char **argv);

#endif
