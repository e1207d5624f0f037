/* The one table of backends, by name. Its functions are declared in
 * core/backend.h, so that core can ask it too. */
#ifndef HPCTOP_REGISTRY_H
#define HPCTOP_REGISTRY_H

#include "core/backend.h"

#endif
