/* The local backend: ipcontroller and N ipengine processes on this
 * machine, each in a session and process group of its own. */
#ifndef HPCTOP_LOCAL_H
#define HPCTOP_LOCAL_H

#include "core/backend.h"

extern const struct backend local_backend;

#endif
