#ifndef HPCTOP_CMD_PX_H
#define HPCTOP_CMD_PX_H

/* hpctop px PROFILE [--targets IDS] [--timeout S] [--repeat K]
 *     [--file PATH] (CODE | -f FILE | -) */
int cmd_px(int argc, char **argv);

#endif
