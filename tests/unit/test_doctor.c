/* hpctop doctor's probe reports: facts per host (the first report of each
 * stands), MPI ranks and world sizes, lines that are not the probe's, NULs
 * in a report file, and the checklist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/doctor.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

static void
test_parse(void **state)
{
	struct doctor_report r = { 0 };

	(void)state;
	doctor_parse("noise\n"
	    "hpctop-doctor cn1 engine /usr/bin/ipengine\n"
	    "hpctop-doctor cn1 python 3.11.2 /usr/bin/python3\n"
	    "hpctop-doctor cn2 missing ipengine: not found\n"
	    "hpctop-doctor cn1 python 3.9.0 /other/python3\n"
	    "hpctop-doctor cn2 tcp-error 127.0.0.1:5 (ConnectionRefusedError)\n"
	    "hpctop-doctor cn1 mpi 0 2 1\n"
	    "hpctop-doctor cn2 mpi 1 2 0\n"
	    "hpctop-doctor cn2 mpi garbage\n"
	    "hpctop-doctor\n"
	    "hpctop-doctor cn3", &r);
	/* "hpctop-doctor cn3" says nothing: no host is made up for it. */
	assert_int_equal(r.n, 2);
	assert_string_equal(r.nodes[0].host, "cn1");
	assert_string_equal(r.nodes[0].engine, "/usr/bin/ipengine");
	assert_string_equal(r.nodes[0].python, "3.11.2 /usr/bin/python3");
	assert_null(r.nodes[0].missing);
	assert_string_equal(r.nodes[1].missing, "ipengine: not found");
	assert_string_equal(r.nodes[1].tcp_error,
	    "127.0.0.1:5 (ConnectionRefusedError)");
	assert_int_equal(r.ranks, 2);
	assert_int_equal(r.size_min, 2);
	assert_int_equal(r.size_max, 2);
	assert_int_equal(r.sum_bad, 1);
	assert_int_equal(r.nodes[0].ranks, 1);
	doctor_report_clear(&r);
	assert_int_equal(r.n, 0);
}

static void
test_collect(void **state)
{
	char dir[] = "/tmp/hpctop-test-doctor-XXXXXX";
	struct doctor_report r = { 0 };
	struct err e;
	FILE *f;
	char *path;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(doctor_write_files(dir, &e), 0);
	path = xasprintf("%s/" DOCTOR_REPORT "cn1.7", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* MPI_Get_library_version's string may carry a NUL. */
	fputs("hpctop-doctor cn1 mpi4py Open MPI v4.1.4", f);
	fputc('\0', f);
	fputs("\nhpctop-doctor cn1 tcp cn1:40000\n", f);
	fclose(f);
	assert_int_equal(doctor_collect(dir, &r, &e), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.nodes[0].mpi, "Open MPI v4.1.4 ");
	assert_string_equal(r.nodes[0].tcp, "cn1:40000");
	assert_int_equal(access(path, F_OK), -1);	/* collected once */
	doctor_report_clear(&r);
	assert_int_equal(doctor_collect(dir, &r, &e), 0);
	assert_int_equal(r.n, 0);
	free(path);
	assert_int_equal(doctor_write_listen(dir, "10.0.0.1", 5, &e), 0);
	assert_int_equal(testutil_rmtree(dir), 0);
}

static void
test_checks(void **state)
{
	struct doctor_list l = { 0 };
	char *m;

	(void)state;
	doctor_add(&l, "python", DOCTOR_OK, "never shown", "Python %s", "3.11");
	assert_false(doctor_any_failed(&l));
	assert_null(l.v[0].fix);
	doctor_add(&l, "mpi4py", DOCTOR_FAILED, "set mpiexec", "mismatch");
	doctor_add(&l, "mpi program", DOCTOR_SKIPPED, "x", "mpi: false");
	assert_true(doctor_any_failed(&l));
	assert_string_equal(l.v[1].fix, "set mpiexec");
	assert_string_equal(doctor_status_name(l.v[2].status), "skipped");
	assert_null(l.v[2].fix);
	doctor_list_clear(&l);
	m = doctor_python_minor("3.11.2 /usr/bin/python3");
	assert_string_equal(m, "3.11");
	free(m);
	m = doctor_python_minor("3 /x");
	assert_string_equal(m, "3");
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
