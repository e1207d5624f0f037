#include "registry.h"

#include <string.h>

#include "local.h"
#include "mpi.h"
#include "pbs.h"
#include "slurm.h"
#include "ssh.h"

static const struct backend *const backends[] = {
	&local_backend,
	&mpi_backend,
	&slurm_backend,
	&pbs_backend,
	&ssh_backend,
};

const struct backend *
registry_find(const char *name)
{
	for (size_t i = 0; i < sizeof backends / sizeof *backends; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const struct backend *
registry_get(size_t i)
{
	return i < sizeof backends / sizeof *backends ? backends[i] : NULL;
}
