/* The slurm backend: a controller job and an engines job submitted with
 * sbatch (#SBATCH directives from the profile), watched with one squeue
 * per refresh for every cluster, cancelled with scancel. See batch.h. */
#ifndef HPCTOP_SLURM_H
#define HPCTOP_SLURM_H

#include "batch.h"

extern const struct backend slurm_backend;
extern const struct batch_kind slurm_kind;

#endif
