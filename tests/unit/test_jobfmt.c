/* The job table as text: exact layout of a small table, terminal safety
 * of hostile cells, cutting, and fitting to a screen width. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jobfmt.h"
#include "core/squeue.h"
#include "core/xmalloc.h"
#include "tests/unit/schedfix.h"

static struct job_row *
add(struct job_table *t, const char *id, const char *name, enum job_state st)
{
	struct job_row *r = jobtab_append(t);

	r->id = xstrdup(id);
	r->name = name != NULL ? xstrdup(name) : NULL;
	r->user = xstrdup("alice");
	r->queue = xstrdup("debug");
	r->state = st;
	return r;
}

static void
test_table_layout(void **state)
{
	struct job_table t = { 0 };
	struct job_row *r;
	char *s;

	(void)state;
	r = add(&t, "101", "engines", JOB_RUNNING);
	r->nodes = 2;
	r->tasks = 16;
	r->mem = xstrdup("4G");
	r->time_req = xstrdup("1:00:00");
	r->elapsed = 3725;
	r->time_left = 300;
	r->nodelist = xstrdup("n[1-2]");
	r->reason = xstrdup("None");
	r = add(&t, "102", "ctl", JOB_QUEUED);
	r->nodes = 1;
	r->tasks = 1;
	r->elapsed = 0;
	r->reason = xstrdup("Priority");
	add(&t, "103", NULL, JOB_HELD);
	s = jobfmt_table(&t);
	assert_string_equal(s,
	    "JOBID NAME    USER  QUEUE NDS TSK MEM    TIME LEFT S    ELAP NODES\n"
	    "101   engines alice debug   2  16  4G 1:00:00 5:00 R 1:02:05 n[1-2]\n"
	    "102   ctl     alice debug   1   1  --      --   -- Q    0:00 "
	    "(Priority)\n"
	    "103   --      alice debug  --  --  --      --   -- H      -- --\n");
	free(s);
	jobtab_clear(&t);

	/* No rows: the header alone. */
	s = jobfmt_table(&t);
	assert_string_equal(s,
	    "JOBID NAME USER QUEUE NDS TSK MEM TIME LEFT S ELAP NODES\n");
	free(s);
}

static void
test_hostile_cells(void **state)
{
	struct job_table t = { 0 };
	struct jobfmt f;
	char buf[1024];
	size_t n;

	(void)state;
	/* An escape sequence, a C1 control, invalid UTF-8, and a valid
	 * multi-byte name: only the last reaches the terminal as is. */
	add(&t, "1", "a\033[2Jb", JOB_RUNNING);
	add(&t, "2", "c\xc2\x9b" "d", JOB_RUNNING);
	add(&t, "3", "e\xff\xfe" "f", JOB_RUNNING);
	add(&t, "4", "\xc3\xa9t\xc3\xa9", JOB_RUNNING);
	jobfmt_widths(&f, &t);
	assert_int_equal(f.width[JOBFMT_NAME], 6);
	n = jobfmt_row(&f, &t.v[0], buf, sizeof buf);
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, " a?[2Jb "));
	assert_null(strchr(buf, '\033'));
	jobfmt_row(&f, &t.v[1], buf, sizeof buf);
	/* A C1 control's two bytes each become '?'. */
	assert_non_null(strstr(buf, " c??d   "));
	jobfmt_row(&f, &t.v[2], buf, sizeof buf);
	assert_non_null(strstr(buf, " e??f   "));
	jobfmt_row(&f, &t.v[3], buf, sizeof buf);
	assert_non_null(strstr(buf, " \xc3\xa9t\xc3\xa9    "));
	/* Every row is the same number of cells (bytes differ). */
	assert_int_equal(strlen(buf), (size_t)jobfmt_line_width(&f) + 2);
	jobtab_clear(&t);
}

static void
test_cut_and_fit(void **state)
{
	struct job_table t = { 0 };
	struct job_row *r;
	struct jobfmt f;
	char buf[512], small[8];
	int w;

	(void)state;
	r = add(&t, "123456789012345678901234567890", "a-very-long-job-name",
	    JOB_QUEUED);
	r->reason = xstrdup("ReqNodeNotAvail, UnavailableNodes:n[001-099]");
	jobfmt_widths(&f, &t);
	assert_int_equal(f.width[JOBFMT_ID], 24);
	assert_int_equal(f.width[JOBFMT_NAME], 16);
	assert_int_equal(f.width[JOBFMT_WHERE], 40);
	jobfmt_row(&f, r, buf, sizeof buf);
	assert_true(strncmp(buf, "12345678901234567890123~ a-very-long-job~ ",
	    42) == 0);
	assert_non_null(strstr(buf, " (ReqNodeNotAvail, UnavailableNodes:n[00~"));
	assert_int_equal(strlen(buf), (size_t)jobfmt_line_width(&f));

	/* 80 columns: NODES gives way first, then NAME. */
	w = jobfmt_fit(&f, 80);
	assert_int_equal(w, 80);
	assert_int_equal(f.width[JOBFMT_ID], 24);
	jobfmt_row(&f, r, buf, sizeof buf);
	assert_int_equal(strlen(buf), 80);
	jobfmt_header(&f, buf, sizeof buf);
	assert_int_equal(strlen(buf), 80);
	assert_true(strncmp(buf, "JOBID ", 6) == 0);
	/* Narrower than every minimum: as narrow as it gets. */
	w = jobfmt_fit(&f, 10);
	assert_true(w > 10);
	assert_int_equal(f.width[JOBFMT_WHERE], 5);
	assert_int_equal(f.width[JOBFMT_NAME], 6);
	/* A buffer too small gets nothing rather than a cut line. */
	assert_int_equal(jobfmt_row(&f, r, small, sizeof small), 0);
	assert_string_equal(small, "");
	jobtab_clear(&t);
}

/* The recorded squeue output, end to end through the formatter. */
static void
test_recorded(void **state)
{
	size_t len;
	char *buf = schedfix_data("squeue-hpctop.txt", &len), *s;
	struct job_table t = { 0 };

	(void)state;
	squeue_parse_format(SCHEDFIX_SQUEUE_FORMAT_12, buf, len, &t, NULL);
	s = jobfmt_table(&t);
	assert_non_null(strstr(s,
	    "\n18    fill3        root debug   1   8   --    1:00:00    -- H 0:00 "
	    "(JobHeldAdmin)\n"));
	/* No %L in that format: a running job's time left is its limit less
	 * its elapsed time. */
	assert_non_null(strstr(s,
	    "\n1     run one      root debug   1   2 100M      10:00  9:40 R 0:20 "
	    "vm\n"));
	assert_non_null(strstr(s,
	    "\n2     run2         root debug   1   1   -- 1-00:00:00    -- H 0:10 "
	    "vm\n"));
	free(s);
	jobtab_clear(&t);
	free(buf);
}

/* Under 10 minutes or under 10% of the limit, running jobs only; the note
 * says when, and a waiting job's note its estimated start. */
static void
test_near_limit(void **state)
{
	struct job_table t = { 0 };
	struct job_row *r;
	char note[256];
	const long now = 1796345845;	/* 2026-12-04T00:57:25Z */

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	r = add(&t, "7", "e", JOB_RUNNING);
	r->time_limit = 7200;
	r->time_left = 720;
	assert_false(jobtab_near_limit(r));
	r->time_left = 719;
	assert_true(jobtab_near_limit(r));
	r->time_limit = 3000;
	r->time_left = 599;
	assert_true(jobtab_near_limit(r));
	r->time_left = 600;
	assert_false(jobtab_near_limit(r));
	r->time_left = 0;
	assert_true(jobtab_near_limit(r));
	assert_true(jobfmt_time_note(r, "engines", now, note, sizeof note));
	assert_string_equal(note, "engines job 7 reaches its time limit in "
	    "0:00 (at 00:57:25)");
	r->time_left = 105;
	assert_true(jobfmt_time_note(r, "controller", now, note, sizeof note));
	assert_string_equal(note, "controller job 7 reaches its time limit in "
	    "1:45 (at 00:59:10)");
	/* The end on another day shows its date. */
	r->time_left = 24 * 3600;
	r->time_limit = 300 * 3600;
	assert_true(jobfmt_time_note(r, "engines", now, note, sizeof note));
	assert_string_equal(note, "engines job 7 reaches its time limit in "
	    "1-00:00:00 (at 12-05 00:57)");
	r->time_left = -1;
	assert_false(jobtab_near_limit(r));
	assert_false(jobfmt_time_note(r, "engines", now, note, sizeof note));

	/* Not running: time left means nothing. */
	r->state = JOB_EXITING;
	r->time_left = 5;
	assert_false(jobtab_near_limit(r));
	/* Waiting with an estimate, without a reason, overdue. */
	r->state = JOB_QUEUED;
	r->start_at = now + 3600;
	assert_true(jobfmt_time_note(r, "engines", now, note, sizeof note));
	assert_string_equal(note, "engines job 7 waits; estimated start "
	    "01:57:25 (in 1:00:00)");
	r->start_at = now - 1;
	assert_true(jobfmt_time_note(r, "engines", now, note, sizeof note));
	assert_string_equal(note, "engines job 7 waits; estimated start "
	    "00:57:24 (overdue)");
	/* Held: it starts when released, whatever Slurm last estimated. */
	r->state = JOB_HELD;
	jobtab_settle_times(r);
	assert_int_equal(r->start_at, -1);
	assert_false(jobfmt_time_note(r, "engines", now, note, sizeof note));
	jobtab_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_layout),
		cmocka_unit_test(test_hostile_cells),
		cmocka_unit_test(test_cut_and_fit),
		cmocka_unit_test(test_recorded),
		cmocka_unit_test(test_near_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
