/* The pbs backend (PBS Pro, OpenPBS, Torque, and Slurm's qsub wrappers):
 * a controller job and an engines job submitted with qsub (#PBS
 * directives from the profile), watched with one qstat per refresh for
 * every cluster, cancelled with qdel. See batch.h. */
#ifndef HPCTOP_PBS_H
#define HPCTOP_PBS_H

#include "batch.h"

extern const struct backend pbs_backend;
extern const struct batch_kind pbs_kind;

#endif
