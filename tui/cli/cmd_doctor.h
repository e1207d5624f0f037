/* hpctop doctor PROFILE [-n N] [--json]: a preflight checklist run where
 * the profile's engines would run. */
#ifndef HPCTOP_CMD_DOCTOR_H
#define HPCTOP_CMD_DOCTOR_H

int cmd_doctor(int argc, char **argv);

#endif
