/* hpctop logs: see the usage text in cmd_logs.c. */
#ifndef HPCTOP_CMD_LOGS_H
#define HPCTOP_CMD_LOGS_H

int cmd_logs(int argc, char **argv);

#endif
