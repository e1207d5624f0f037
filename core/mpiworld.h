/* Whether the engines of an `mpi: true` cluster really share one MPI
 * world. An mpiexec from another MPI than mpi4py's starts N processes
 * that each initialise a world of their own (size 1): they register, and
 * every collective silently runs on one rank. hpctop asks each engine
 * once, when all N have registered (mpiworld_ask: a silent evaluation
 * through the ipyparallel client), decides (mpiworld_verdict), and keeps
 * the verdict beside the record (<cluster dir>/mpi_world) so that
 * `status`, `start --wait` and the dashboard say the same thing without
 * asking again. */
#ifndef HPCTOP_MPIWORLD_H
#define HPCTOP_MPIWORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster.h"
#include "err.h"
#include "ipp.h"

/* The start of every mismatch message (also doctor's mpi4py check). */
#define MPIWORLD_MISMATCH "mpiexec and mpi4py use different MPI libraries"
/* How long the engines get to answer (status waits this long at most,
 * once; engines busy with px code answer after it, and are asked again
 * later). */
#define MPIWORLD_TIMEOUT_MS 5000

/* What one engine said: its MPI world size (-1: no answer, or mpi4py
 * failed) and mpi4py's library (the first line of
 * MPI.Get_library_version(); NULL when unknown). */
struct mpiworld_answer {
	int size;
	char *lib;
};

/* Whether c is to be checked: mpi: true, N > 1 and all N registered. */
bool mpiworld_wanted(const struct cluster *c);

/* The decision: NULL when the engines share one world (or nothing says
 * otherwise), else "mpiexec and mpi4py use different MPI libraries: K of
 * N engines see an MPI world of 1 (mpi4py is built on LIB; LAUNCHER is
 * LAUNCHER_MPI's launcher)", naming what is known (launcher and
 * launcher_mpi may be NULL). Caller frees. */
char *mpiworld_verdict(int expected, const struct mpiworld_answer *a,
    size_t n, const char *launcher, const char *launcher_mpi);

/* One engine's answer from the repr of mpiworld_ask's expression ('4 Open
 * MPI v4.1.4, ...'); -1 when it is not one. a->lib is owned. */
int mpiworld_parse(const char *repr, struct mpiworld_answer *a);

/* Asks every registered engine of ipp (IPP_UP) for its world size and
 * mpi4py's library, silently (nothing printed, no history). */
struct ipp_exec *mpiworld_ask(struct ipp *ipp, ipp_exec_cb cb, void *arg,
    struct err *e);
/* The answers of a finished mpiworld_ask, one per reply (*out owned, free
 * with mpiworld_answers_free). False when some engine did not answer
 * (timeout, lost, controller down): then nothing is to be concluded or
 * saved, and asking again later may. */
bool mpiworld_answers(const struct ipp_exec *x, struct mpiworld_answer **out);
void mpiworld_answers_free(struct mpiworld_answer *a, size_t n);

/* Keeps the verdict (NULL: fine) for this run of c (its start time). */
int mpiworld_save(const struct cluster *c, const char *verdict,
    struct err *e);
/* True when a verdict for this run of c is kept; *verdict is then it
 * (owned) or NULL when fine. */
bool mpiworld_load(const struct cluster *c, char **verdict);

#endif
