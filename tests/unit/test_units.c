/* Durations and sizes (core/units.c): every accepted form, the unit of a
 * bare number as the caller gives it, overflow and garbage refused, and
 * the formatters the schedulers and tables use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/units.h"

static long
dur(const char *s, long bare)
{
	struct err e;
	long v = -7;

	err_clear(&e);
	if (units_parse_duration(s, bare, &v, &e) == -1) {
		assert_true(e.msg[0] != '\0');
		assert_int_equal(v, -7);
		return -1;
	}
	return v;
}

static void
test_duration_forms(void **state)
{
	(void)state;
	assert_int_equal(dur("02:03:04", UNITS_SECOND), 7384);
	assert_int_equal(dur("1-02:03:04", UNITS_SECOND), 86400 + 7384);
	assert_int_equal(dur("03:04", UNITS_MINUTE), 3 * 60 + 4);
	assert_int_equal(dur("1-12", UNITS_SECOND), 86400 + 12 * 3600);
	assert_int_equal(dur("1-00:30", UNITS_MINUTE), 86400 + 1800);
	assert_int_equal(dur("90s", UNITS_MINUTE), 90);
	assert_int_equal(dur("15m", UNITS_SECOND), 900);
	assert_int_equal(dur("2h", UNITS_SECOND), 7200);
	assert_int_equal(dur("1d", UNITS_SECOND), 86400);
	assert_int_equal(dur("0", UNITS_MINUTE), 0);
	assert_int_equal(dur("100:00:00", UNITS_SECOND), 360000);
}

static void
test_duration_bare(void **state)
{
	(void)state;
	/* sbatch --time=30 is 30 minutes; squeue's 30 is 30 seconds. */
	assert_int_equal(dur("30", UNITS_MINUTE), 1800);
	assert_int_equal(dur("30", UNITS_SECOND), 30);
	assert_int_equal(dur("007", UNITS_SECOND), 7);
}

static void
test_duration_garbage(void **state)
{
	static const char *const bad[] = { "", "x", "-5", "+5", " 5", "5 ",
	    "1:", ":30", "1:2:3:4", "1-", "1-2-3", "x-1", "10:", "1h30m",
	    "2-3h", "1ms", "1H", "1.5h", "1:2:3s", "forever", "1e3", NULL };
	struct err e;
	long v;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++)
		if (dur(bad[i], UNITS_MINUTE) != -1)
			fail_msg("duration '%s' was accepted", bad[i]);
	assert_int_equal(units_parse_duration("forever", UNITS_MINUTE, &v, &e),
	    -1);
	assert_string_equal(e.msg, "expected [D-]HH:MM:SS, MM:SS, a number "
	    "with s, m, h or d (90s, 2h, 1d) or a number of minutes");
	assert_int_equal(units_parse_duration("x", UNITS_SECOND, &v, &e), -1);
	assert_non_null(strstr(e.msg, "a number of seconds"));
	/* The message may be dropped. */
	assert_int_equal(units_parse_duration("x", UNITS_SECOND, &v, NULL),
	    -1);
}

static void
test_duration_overflow(void **state)
{
	struct err e;
	long v;

	(void)state;
	assert_int_equal(dur("9223372036854775807", UNITS_SECOND),
	    9223372036854775807L);
	assert_int_equal(dur("9223372036854775807", UNITS_MINUTE), -1);
	assert_int_equal(dur("9223372036854775808", UNITS_SECOND), -1);
	assert_int_equal(dur("9223372036854775807:00", UNITS_SECOND), -1);
	assert_int_equal(dur("99999999999999999999:00", UNITS_SECOND), -1);
	assert_int_equal(dur("1:00:9223372036854775807", UNITS_SECOND), -1);
	assert_int_equal(dur("106751991167301-00:00:00", UNITS_SECOND), -1);
	assert_int_equal(dur("1-9223372036854775807", UNITS_SECOND), -1);
	assert_int_equal(dur("9223372036854775807d", UNITS_SECOND), -1);
	assert_int_equal(units_parse_duration("99999999999999999999s",
	    UNITS_SECOND, &v, &e), -1);
	assert_string_equal(e.msg, "too large");
}

static void
test_mul_add(void **state)
{
	(void)state;
	assert_int_equal(units_mul_add(2, 60, 3), 123);
	assert_int_equal(units_mul_add(-1, 60, 3), -1);
	assert_int_equal(units_mul_add(1, 60, -1), -1);
	assert_int_equal(units_mul_add(99999999999999999L, 3600, 0), -1);
	assert_int_equal(units_mul_add(9223372036854775807L, 1, 1), -1);
}

static long long
size(const char *s, long long bare)
{
	struct err e;
	long long v = -7;

	err_clear(&e);
	if (units_parse_size(s, bare, &v, &e) == -1) {
		assert_true(e.msg[0] != '\0');
		assert_int_equal(v, -7);
		return -1;
	}
	return v;
}

static void
test_sizes(void **state)
{
	static const char *const bad[] = { "", "G", "lots", "4X", "4GG",
	    "4Gbb", "4 G", "-4G", "4.5G", "4bk", " 4", "4gib", NULL };
	struct err e;
	long long v;

	(void)state;
	assert_int_equal(size("3K", UNITS_MIB), 3072);
	assert_int_equal(size("500M", UNITS_MIB), 500LL << 20);
	assert_int_equal(size("500mb", UNITS_MIB), 500LL << 20);
	assert_int_equal(size("4G", UNITS_MIB), 4LL << 30);
	assert_int_equal(size("4gB", UNITS_MIB), 4LL << 30);
	assert_int_equal(size("2T", UNITS_MIB), 2LL << 40);
	assert_int_equal(size("1000b", UNITS_MIB), 1000);
	assert_int_equal(size("1000B", UNITS_MIB), 1000);
	/* A bare number in the caller's unit. */
	assert_int_equal(size("512", UNITS_MIB), 512LL << 20);
	assert_int_equal(size("512", 1), 512);
	assert_int_equal(size("0", UNITS_MIB), 0);
	for (int i = 0; bad[i] != NULL; i++)
		if (size(bad[i], UNITS_MIB) != -1)
			fail_msg("size '%s' was accepted", bad[i]);
	assert_int_equal(units_parse_size("lots", UNITS_MIB, &v, &e), -1);
	assert_string_equal(e.msg, "expected a size such as 4G, 500M or 512 "
	    "(megabytes)");
	/* Overflow. */
	assert_int_equal(size("8388607T", UNITS_MIB), 8388607LL << 40);
	assert_int_equal(size("8388608T", UNITS_MIB), -1);
	assert_int_equal(size("9223372036854775807", 1),
	    9223372036854775807LL);
	assert_int_equal(size("9223372036854775807", UNITS_MIB), -1);
	assert_int_equal(size("99999999999999999999b", UNITS_MIB), -1);
	assert_int_equal(units_parse_size("99999999999999999999", 1, &v, &e),
	    -1);
	assert_string_equal(e.msg, "too large");
}

static void
test_format_duration(void **state)
{
	static const struct {
		long s;
		enum units_clock style;
		const char *want;
	} cases[] = {
		{ -1, UNITS_CLOCK_SHORT, "-" }, { 0, UNITS_CLOCK_SHORT, "0:00" },
		{ 59, UNITS_CLOCK_SHORT, "0:59" },
		{ 60, UNITS_CLOCK_SHORT, "1:00" },
		{ 3599, UNITS_CLOCK_SHORT, "59:59" },
		{ 3600, UNITS_CLOCK_SHORT, "1:00:00" },
		{ 86399, UNITS_CLOCK_SHORT, "23:59:59" },
		{ 86400, UNITS_CLOCK_SHORT, "1-00:00:00" },
		{ 866329, UNITS_CLOCK_SHORT, "10-00:38:49" },
		{ 9223372036854775807L, UNITS_CLOCK_SHORT,
		    "106751991167300-15:30:07" },
		{ 0, UNITS_CLOCK_DHMS, "00:00:00" },
		{ 600, UNITS_CLOCK_DHMS, "00:10:00" },
		{ 1800, UNITS_CLOCK_DHMS, "00:30:00" },
		{ 93600, UNITS_CLOCK_DHMS, "1-02:00:00" },
		{ 600, UNITS_CLOCK_HMS, "0:10:00" },
		{ 93600, UNITS_CLOCK_HMS, "26:00:00" },
		{ -1, UNITS_CLOCK_HMS, "-" },
	};
	char out[32], tiny[4];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		units_format_duration(cases[i].s, cases[i].style, out,
		    sizeof out);
		assert_string_equal(out, cases[i].want);
	}
	units_format_duration(86400, UNITS_CLOCK_SHORT, tiny, sizeof tiny);
	assert_string_equal(tiny, "1-0");
}

static void
test_format_size(void **state)
{
	static const struct {
		long long b;
		enum units_size_style style;
		const char *want;
	} cases[] = {
		{ 4LL << 30, UNITS_SIZE_UPPER, "4G" },
		{ 4LL << 30, UNITS_SIZE_LOWER_B, "4gb" },
		{ 500LL << 20, UNITS_SIZE_UPPER, "500M" },
		{ 500LL << 20, UNITS_SIZE_LOWER_B, "500mb" },
		{ 4096LL << 20, UNITS_SIZE_UPPER, "4G" },
		{ 1536LL << 20, UNITS_SIZE_UPPER, "1536M" },
		{ 3072, UNITS_SIZE_UPPER, "3K" },
		{ 1000, UNITS_SIZE_UPPER, "1K" },
		{ 1025, UNITS_SIZE_LOWER_B, "2kb" },
		{ 2048LL << 40, UNITS_SIZE_UPPER, "2048T" },
		{ 0, UNITS_SIZE_UPPER, "0M" },
		{ 9223372036854775807LL, UNITS_SIZE_UPPER, "8388608T" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		units_format_size(cases[i].b, cases[i].style, out, sizeof out);
		assert_string_equal(out, cases[i].want);
	}
}

/* Slurm's local date and time (squeue %S), in UTC here. */
static void
test_datetime(void **state)
{
	static const char *const bad[] = {
		"", "N/A", "Unknown", "2026-12-04", "2026-12-04 01:02:03",
		"2026-12-04T01:02", "2026-13-04T01:02:03", "2026-12-00T01:02:03",
		"2026-12-04T24:00:00", "2026-12-04T01:60:00", "2026-12-04T01:02:03Z",
		"2026-1a-04T01:02:03", "+026-12-04T01:02:03",
		"Fri Dec  4 03:00:00", "Fri Dec  4 03:00:00 2026 x",
		" Fri Dec  4 03:00:00 2026", "Fri Dec 32 03:00:00 2026",
	};
	long t;
	struct err e;

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(units_parse_datetime("2026-12-04T00:59:17", &t, &e), 0);
	assert_int_equal(t, 1796345957);
	assert_int_equal(units_parse_datetime("1970-01-01T00:00:00", &t, &e), 0);
	assert_int_equal(t, 0);
	/* ctime's form, as PBS prints it. */
	assert_int_equal(units_parse_datetime("Fri Dec  4 03:00:00 2026", &t,
	    &e), 0);
	assert_int_equal(t, 1796353200);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = 42;
		assert_int_equal(units_parse_datetime(bad[i], &t, &e), -1);
		assert_int_equal(t, 42);
		assert_non_null(strstr(e.msg, "YYYY-MM-DDTHH:MM:SS"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_forms),
		cmocka_unit_test(test_duration_bare),
		cmocka_unit_test(test_duration_garbage),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_mul_add),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_datetime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
