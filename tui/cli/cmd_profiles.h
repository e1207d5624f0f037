#ifndef HPCTOP_CMD_PROFILES_H
#define HPCTOP_CMD_PROFILES_H

/* hpctop profiles [--json]: the profiles on the search path. */
int cmd_profiles(int argc, char **argv);

#endif
