/* The mpi backend's launcher detection and argv mapping for both
 * families, without running MPI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "backends/mpi.h"
#include "core/cluster.h"
#include "core/xmalloc.h"

static struct cluster *
mk(const char *yaml, int n)
{
	struct err e;
	struct profile *p = profile_load_buffer(yaml, strlen(yaml), "t.yaml",
	    "t", &e);
	struct cluster *c;

	if (p == NULL)
		fail_msg("%s", e.msg);
	c = cluster_new(p, yaml, n, &e);
	if (c == NULL)
		fail_msg("%s", e.msg);
	profile_free(p);
	return c;
}

static void
expect(const char *yaml, int n, enum mpi_family f, int cores,
    const char *want)
{
	struct cluster *c = mk(yaml, n);
	struct strv argv = STRV_INIT;
	char *got;

	mpi_engines_argv(c, f, cores, &argv);
	got = strv_join(&argv, " ");
	assert_string_equal(got, want);
	free(got);
	strv_clear(&argv);
	cluster_free(c);
}

#define TAIL "ipengine --profile=t --IPEngine.wait_for_url_file=120 --mpi"

static void
test_family(void **state)
{
	(void)state;
	assert_int_equal(mpi_family_parse("mpiexec.openmpi (OpenRTE) 4.1.4\n\n"
	    "Report bugs to http://www.open-mpi.org/community/help/\n"),
	    MPI_OPENMPI);
	assert_int_equal(mpi_family_parse("mpirun (Open MPI) 5.0.3\n"),
	    MPI_OPENMPI);
	assert_int_equal(mpi_family_parse("HYDRA build details:\n    Version:"
	    "                                 4.0.2\n"), MPI_HYDRA);
	assert_int_equal(mpi_family_parse("Intel(R) MPI Library\n"),
	    MPI_UNKNOWN);
	assert_int_equal(mpi_family_from_name(mpi_family_name(MPI_HYDRA)),
	    MPI_HYDRA);
	assert_int_equal(mpi_family_from_name("x"), MPI_UNKNOWN);
}

static void
test_openmpi(void **state)
{
	(void)state;
	/* More ranks than cores: oversubscribe. */
	expect("backend: mpi\n", 4, MPI_OPENMPI, 2,
	    "mpiexec -n 4 --oversubscribe " TAIL);
	expect("backend: mpi\n", 2, MPI_OPENMPI, 2, "mpiexec -n 2 " TAIL);
	/* Not twice when the profile already says so. */
	expect("backend: mpi\nmpiexec: mpiexec.openmpi\n"
	    "mpiexec_args: [--oversubscribe]\n", 4, MPI_OPENMPI, 2,
	    "mpiexec.openmpi -n 4 --oversubscribe " TAIL);
	/* Hosts with a per-node count; env forwarded with -x. */
	expect("backend: mpi\nhosts: [a, b]\ntasks_per_node: 3\n"
	    "env: {X: '1'}\n", 6, MPI_OPENMPI, 2,
	    "mpiexec -n 6 --host a:3,b:3 --map-by ppr:3:node -x X "
	    "-x IPYTHONDIR=/ipy " TAIL);
	/* Hosts alone: slots spread over them. */
	expect("backend: mpi\nhosts: [a, b]\n", 5, MPI_OPENMPI, 2,
	    "mpiexec -n 5 --host a:3,b:3 -x IPYTHONDIR=/ipy " TAIL);
	/* A hosts: mapping: its counts are the slots. */
	expect("backend: mpi\nhosts: {a: 1, b: 3}\n", 4, MPI_OPENMPI, 8,
	    "mpiexec -n 4 --host a:1,b:3 -x IPYTHONDIR=/ipy " TAIL);
	/* More ranks than the hosts' slots. */
	expect("backend: mpi\nhosts: [a]\ntasks_per_node: 2\n", 4, MPI_OPENMPI,
	    8, "mpiexec -n 4 --host a:2 --map-by ppr:2:node --oversubscribe "
	    "-x IPYTHONDIR=/ipy " TAIL);
}

static void
test_hydra(void **state)
{
	(void)state;
	expect("backend: mpi\nmpiexec: mpiexec.mpich\n", 4, MPI_HYDRA, 2,
	    "mpiexec.mpich -n 4 " TAIL);
	expect("backend: mpi\nhosts: [a, b]\ntasks_per_node: 3\n"
	    "env: {X: '1'}\nmpiexec_args: [-v]\n", 6, MPI_HYDRA, 2,
	    "mpiexec -n 6 -hosts a,b -ppn 3 -v " TAIL);
	expect("backend: mpi\ncluster_id: c1\nengine:\n  args: ['--a=b c']\n",
	    2, MPI_HYDRA, 2, "mpiexec -n 2 ipengine --profile=t "
	    "--cluster-id=c1 --IPEngine.wait_for_url_file=120 --mpi --a=b c");
	expect("backend: mpi\nhosts: {a: 1, b: 3}\n", 4, MPI_HYDRA, 2,
	    "mpiexec -n 4 -hosts a:1,b:3 " TAIL);
	/* mpi: false (MPICH's launcher, mpi4py on Open MPI): no --mpi. */
	expect("backend: mpi\nmpi: false\nhosts: [a, b]\n", 2, MPI_HYDRA, 2,
	    "mpiexec -n 2 -hosts a,b ipengine --profile=t "
	    "--IPEngine.wait_for_url_file=120");
}

/* A set added later: its own N, its ranks' idents through sh (set id,
 * then the rank the launcher gives). */
static void
test_later_set(void **state)
{
	struct cluster *c = mk("backend: mpi\nmpiexec: mpiexec.mpich\n", 4);
	struct strv argv = STRV_INIT;
	char *got;

	(void)state;
	c->add_set = 2;
	c->add_n = 3;
	mpi_engines_argv(c, MPI_HYDRA, 2, &argv);
	got = strv_join(&argv, " ");
	assert_string_equal(got, "mpiexec.mpich -n 3 sh -c exec \"$@\" "
	    "\"--Session.session=$0\"${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-"
	    "${PMI_RANK:-${SLURM_PROCID:-0}}}} hpctop-set2- " TAIL);
	free(got);
	strv_clear(&argv);
	cluster_free(c);
}

int
main(void)
{
	/* Remote Open MPI ranks get hpctop's IPython directory. */
	setenv("IPYTHONDIR", "/ipy", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_openmpi),
		cmocka_unit_test(test_hydra),
		cmocka_unit_test(test_later_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
