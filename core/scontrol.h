/* Slurm's scontrol, for what squeue does not print: how many tasks a
 * running job has on each of its nodes (`scontrol show job -d`: its CPUs
 * on each node over CPUs/Task), so core/nodes can expect the engines
 * where Slurm placed them (3 and 1) instead of guessing an even split. */
#ifndef HPCTOP_SCONTROL_H
#define HPCTOP_SCONTROL_H

#include <stddef.h>

#include "strv.h"

/* Appends to out (which must be empty) the argv that describes job id:
 *   scontrol --oneliner --details show job ID */
void scontrol_job_argv(const char *id, struct strv *out);

/* From that command's output, the job's tasks per node in the order of
 * nodelist (the job's node list as squeue gave it), as "3,1": each
 * "Nodes=cn[1-2] CPU_IDs=0-1" entry's CPUs divided by the job's
 * CPUs/Task. NULL when the output does not say it for exactly those
 * nodes, in that order. Caller frees. */
char *scontrol_layout(const char *buf, size_t len, const char *nodelist);

#endif
