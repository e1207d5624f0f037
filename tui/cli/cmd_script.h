/* hpctop script PROFILE [-n N]: print exactly what start would run. */
#ifndef HPCTOP_CMD_SCRIPT_H
#define HPCTOP_CMD_SCRIPT_H

int cmd_script(int argc, char **argv);

#endif
