/* Durations as schedulers print them: every accepted form, and numbers
 * too large for a long refused instead of overflowing (found by
 * tests/fuzz: fuzz_squeue, regress/squeue/duration-overflow; the same
 * in qstat's walltimes, regress/qstat/walltime-overflow). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/jobtab.h"

static void
test_duration_forms(void **state)
{
	(void)state;
	assert_int_equal(jobtab_parse_duration("42"), 42);
	assert_int_equal(jobtab_parse_duration("03:04"), 3 * 60 + 4);
	assert_int_equal(jobtab_parse_duration("02:03:04"), 7384);
	assert_int_equal(jobtab_parse_duration("1-02:03:04"), 86400 + 7384);
	assert_int_equal(jobtab_parse_duration("1-12"), 86400 + 12 * 3600);
	assert_int_equal(jobtab_parse_duration("1:2:3:4"), -1);
	assert_int_equal(jobtab_parse_duration("x-1"), -1);
	assert_int_equal(jobtab_parse_duration(""), -1);
}

static void
test_duration_overflow(void **state)
{
	(void)state;
	assert_int_equal(jobtab_parse_duration("9223372036854775807"),
	    9223372036854775807L);
	assert_int_equal(jobtab_parse_duration("9223372036854775807:00"), -1);
	assert_int_equal(jobtab_parse_duration("99999999999999999999:00"),
	    -1);
	assert_int_equal(jobtab_parse_duration("1:00:9223372036854775807"),
	    -1);
	assert_int_equal(jobtab_parse_duration("106751991167301-00:00:00"),
	    -1);
	assert_int_equal(jobtab_parse_duration("1-9223372036854775807"), -1);
}

static void
test_mul_add(void **state)
{
	(void)state;
	assert_int_equal(jobtab_mul_add(2, 60, 3), 123);
	assert_int_equal(jobtab_mul_add(-1, 60, 3), -1);
	assert_int_equal(jobtab_mul_add(1, 60, -1), -1);
	assert_int_equal(jobtab_mul_add(99999999999999999L, 3600, 0), -1);
	assert_int_equal(jobtab_mul_add(9223372036854775807L, 1, 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_forms),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_mul_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
