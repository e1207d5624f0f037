/* The mpi backend: ipcontroller as a local process, and the engines as one
 * `mpiexec -n N ipengine --mpi`, so they share one MPI world (mpi4py;
 * without --mpi for `mpi: false`).
 * Knows both launcher families and tells them apart from `mpiexec
 * --version`: MPICH's Hydra (-n, -hosts, -ppn) and Open MPI's (-n, --host
 * a:K, --map-by, --oversubscribe, -x NAME). */
#ifndef HPCTOP_MPI_H
#define HPCTOP_MPI_H

#include "core/backend.h"
#include "core/ipp.h"

extern const struct backend mpi_backend;

enum mpi_family {
	MPI_UNKNOWN,
	MPI_HYDRA,
	MPI_OPENMPI,
};

/* The family from `mpiexec --version` output (or an MPI library's version
 * string, as mpi4py's MPI.Get_library_version()); MPI_UNKNOWN if neither. */
enum mpi_family mpi_family_parse(const char *version_output);
const char *mpi_family_name(enum mpi_family f);
enum mpi_family mpi_family_from_name(const char *name);
/* "MPICH (Hydra)", "Open MPI", "an unknown MPI": f in a sentence. */
const char *mpi_family_words(enum mpi_family f);

/* Concludes the MPI world check of c from a finished mpiworld_ask
 * (core/mpiworld.h), naming c's mpiexec and, when its record knows it
 * (the mpi backend's --version probe), that launcher's MPI: true with
 * *verdict (owned; NULL when fine) also kept beside the record; false
 * when some engine did not answer (nothing concluded). */
bool mpi_world_conclude(const struct cluster *c, const struct ipp_exec *x,
    char **verdict);

/* The full engines argv for c (mpiexec, its flags, then ipengine ... --mpi)
 * for launcher family f on a machine with `cores` cores: profile hosts and
 * tasks_per_node map to -hosts/-ppn (Hydra) or --host a:K/--map-by
 * (Open MPI); Open MPI also gets --oversubscribe when more ranks than
 * slots, and, when ranks may run on other hosts, -x NAME for each profile
 * env entry and -x IPYTHONDIR=<hpctop's IPython dir>. The engines get
 * --mpi when the profile's mpi is true (the mpi backend's default). */
void mpi_engines_argv(const struct cluster *c, enum mpi_family f, int cores,
    struct strv *argv);

#endif
