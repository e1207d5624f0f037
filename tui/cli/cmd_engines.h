#ifndef HPCTOP_CMD_ENGINES_H
#define HPCTOP_CMD_ENGINES_H

/* hpctop engines PROFILE [--json] [--file PATH] */
int cmd_engines(int argc, char **argv);

#endif
