/* The one table of backends, by name. */
#ifndef HPCTOP_REGISTRY_H
#define HPCTOP_REGISTRY_H

#include <stddef.h>

#include "core/backend.h"

/* The backend called name, or NULL. */
const struct backend *registry_find(const char *name);
/* The i-th backend (for listing); NULL past the end. */
const struct backend *registry_get(size_t i);

#endif
