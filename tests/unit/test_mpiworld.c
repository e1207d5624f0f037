/* The MPI world check's decision, its parsing of the engines' answers and
 * its verdict file, without engines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mpiworld.h"
#include "core/xmalloc.h"

#define OMPI "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, " \
    "repo rev: v4.1.4, May 26, 2022"

static void
test_verdict(void **state)
{
	struct mpiworld_answer four[] = { { 4, OMPI }, { 4, OMPI },
	    { 4, OMPI }, { 4, OMPI } };
	struct mpiworld_answer ones[] = { { 1, OMPI }, { 1, OMPI },
	    { 1, OMPI } };
	struct mpiworld_answer part[] = { { 1, NULL }, { -1, NULL },
	    { 2, NULL } };
	char *v;

	(void)state;
	/* One world of N: fine. */
	assert_null(mpiworld_verdict(4, four, 4, "mpiexec.openmpi",
	    "Open MPI"));
	/* N = 1: a world of 1 is right. */
	assert_null(mpiworld_verdict(1, ones, 1, "mpiexec.mpich",
	    "MPICH (Hydra)"));
	/* Every engine alone: both libraries named. */
	v = mpiworld_verdict(3, ones, 3, "mpiexec.mpich", "MPICH (Hydra)");
	assert_string_equal(v, "mpiexec and mpi4py use different MPI "
	    "libraries: 3 of 3 engines see an MPI world of 1 (mpi4py is built "
	    "on Open MPI v4.1.4; mpiexec.mpich is MPICH (Hydra)'s launcher)");
	free(v);
	/* The launcher's MPI unknown (a batch job's srun). */
	v = mpiworld_verdict(3, ones, 3, "srun", NULL);
	assert_string_equal(v, "mpiexec and mpi4py use different MPI "
	    "libraries: 3 of 3 engines see an MPI world of 1 (mpi4py is built "
	    "on Open MPI v4.1.4; the engines were started by srun)");
	free(v);
	/* Nothing known but the sizes; unanswered engines not counted. */
	v = mpiworld_verdict(3, part, 3, NULL, NULL);
	assert_string_equal(v, "mpiexec and mpi4py use different MPI "
	    "libraries: 1 of 3 engines see an MPI world of 1");
	free(v);
	/* No answer at all says nothing. */
	assert_null(mpiworld_verdict(3, part + 1, 1, NULL, NULL));
}

static void
test_parse(void **state)
{
	struct mpiworld_answer a;

	(void)state;
	assert_int_equal(mpiworld_parse("'4 " OMPI "'", &a), 0);
	assert_int_equal(a.size, 4);
	assert_string_equal(a.lib, OMPI);
	free(a.lib);
	/* MPICH's line, a quote inside (repr switches to double quotes), an
	 * escaped backslash. */
	assert_int_equal(mpiworld_parse("\"1 MPICH Version:\\t4.0.2 it's "
	    "\\\\x\"", &a), 0);
	assert_int_equal(a.size, 1);
	assert_string_equal(a.lib, "MPICH Version:\\t4.0.2 it's \\x");
	free(a.lib);
	assert_int_equal(mpiworld_parse("'2'", &a), 0);
	assert_int_equal(a.size, 2);
	assert_null(a.lib);
	/* Not an answer. */
	assert_int_equal(mpiworld_parse("4", &a), -1);
	assert_int_equal(mpiworld_parse("'x 1'", &a), -1);
	assert_int_equal(mpiworld_parse("'0 lib'", &a), -1);
	assert_int_equal(mpiworld_parse("'4lib'", &a), -1);
	assert_int_equal(mpiworld_parse("'", &a), -1);
	assert_int_equal(mpiworld_parse(NULL, &a), -1);
	assert_int_equal(a.size, -1);
}

static void
test_wanted(void **state)
{
	struct profile p = { .mpi = true };
	int ids[] = { 0, 1 };
	struct cluster c = { .engines = 2, .profile = &p, .ids = ids,
	    .nids = 1 };

	(void)state;
	assert_false(mpiworld_wanted(&c));	/* 1 of 2 registered */
	c.nids = 2;
	assert_true(mpiworld_wanted(&c));
	p.mpi = false;
	assert_false(mpiworld_wanted(&c));
	p.mpi = true;
	c.engines = 1;
	c.nids = 1;
	assert_false(mpiworld_wanted(&c));
}

static void
test_cache(void **state)
{
	char dir[] = "/tmp/test_mpiworld.XXXXXX";
	struct cluster c = { .started = 1718000000.25 };
	char *v, *path;
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	c.dir = dir;
	assert_false(mpiworld_load(&c, &v));
	assert_int_equal(mpiworld_save(&c, "bad worlds", &e), 0);
	assert_true(mpiworld_load(&c, &v));
	assert_string_equal(v, "bad worlds");
	free(v);
	assert_int_equal(mpiworld_save(&c, NULL, &e), 0);
	assert_true(mpiworld_load(&c, &v));
	assert_null(v);
	/* Another run of the cluster: not its verdict. */
	c.started += 1;
	assert_false(mpiworld_load(&c, &v));
	/* Unwritable: says where. */
	c.dir = "/nonexistent/x";
	assert_int_equal(mpiworld_save(&c, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/x/mpi_world.tmp"));
	path = xasprintf("%s/mpi_world", dir);
	unlink(path);
	free(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
