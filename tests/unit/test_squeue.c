/* squeue: the argv hpctop runs, its own format recorded on the test Slurm,
 * the human tables and a custom format captured on real clusters, state
 * mapping, and odd input (empty, cut, junk, huge, missing fields). */
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

#define S SQUEUE_SEP

static void
test_argv(void **state)
{
	struct strv sv = STRV_INIT;

	(void)state;
	squeue_argv("alice", &sv);
	assert_int_equal(sv.n, 5);
	assert_string_equal(sv.v[0], "squeue");
	assert_string_equal(sv.v[1], "--noheader");
	assert_string_equal(sv.v[2], "--states=all");
	assert_string_equal(sv.v[3], "--user=alice");
	assert_string_equal(sv.v[4], "--format=%i\x1f%u\x1f%P\x1f%D\x1f%C"
	    "\x1f%m\x1f%l\x1f%T\x1f%M\x1f%L\x1f%S\x1f%r\x1f%N\x1f%j");
	assert_null(sv.v[5]);
	strv_clear(&sv);
}

/* `squeue_argv` run on the project's test Slurm (tests/data/sched). */
static void
test_recorded_own_format(void **state)
{
	size_t len;
	char *buf = schedfix_data("squeue-hpctop.txt", &len);
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	assert_int_equal(squeue_parse_format(SCHEDFIX_SQUEUE_FORMAT_12, buf,
	    len, &t, NULL), 20);
	assert_int_equal(t.n, 20);
	assert_int_equal(t.skipped, 0);
	assert_int_equal(schedfix_count(&t, JOB_COMPLETED), 3);
	assert_int_equal(schedfix_count(&t, JOB_QUEUED), 7);
	assert_int_equal(schedfix_count(&t, JOB_HELD), 3);
	assert_int_equal(schedfix_count(&t, JOB_RUNNING), 7);

	r = schedfix_row(&t, "1");
	assert_string_equal(r->name, "run one");
	assert_string_equal(r->user, "root");
	assert_string_equal(r->queue, "debug");
	assert_int_equal(r->nodes, 1);
	assert_int_equal(r->tasks, 2);
	assert_string_equal(r->mem, "100M");
	assert_string_equal(r->time_req, "10:00");
	assert_int_equal(r->state, JOB_RUNNING);
	assert_string_equal(r->raw_state, "RUNNING");
	assert_int_equal(r->elapsed, 20);
	assert_string_equal(r->nodelist, "vm");
	assert_null(r->reason);

	r = schedfix_row(&t, "2");
	assert_int_equal(r->state, JOB_HELD);
	assert_string_equal(r->raw_state, "SUSPENDED");
	assert_string_equal(r->time_req, "1-00:00:00");
	assert_int_equal(r->elapsed, 10);

	r = schedfix_row(&t, "3");
	assert_int_equal(r->state, JOB_HELD);
	assert_string_equal(r->reason, "JobHeldUser");
	assert_null(r->nodelist);
	assert_null(r->mem);
	r = schedfix_row(&t, "18");
	assert_int_equal(r->state, JOB_HELD);
	assert_string_equal(r->reason, "JobHeldAdmin");
	assert_int_equal(r->tasks, 8);

	r = schedfix_row(&t, "12");
	assert_string_equal(r->name, "weird|name^x");
	assert_int_equal(r->state, JOB_QUEUED);
	assert_string_equal(r->reason, "Dependency");
	assert_string_equal(schedfix_row(&t, "13")->reason,
	    "DependencyNeverSatisfied");
	assert_string_equal(schedfix_row(&t, "16")->reason, "Resources");
	assert_string_equal(schedfix_row(&t, "17")->reason, "Priority");
	assert_string_equal(schedfix_row(&t, "4")->reason, "BeginTime");

	r = schedfix_row(&t, "7");
	assert_int_equal(r->state, JOB_COMPLETED);
	assert_string_equal(r->raw_state, "FAILED");
	/* How it ended, as squeue's %R says for a failed job. */
	assert_string_equal(r->reason, "NonZeroExitCode");
	assert_string_equal(schedfix_row(&t, "9")->raw_state, "CANCELLED");
	assert_string_equal(schedfix_row(&t, "9")->reason, "CANCELLED");
	assert_null(schedfix_row(&t, "8")->reason);
	assert_int_equal(schedfix_row(&t, "9")->elapsed, 3);
	assert_string_equal(schedfix_row(&t, "10")->time_req, "1:00");
	assert_string_equal(schedfix_row(&t, "11_3")->name, "arr");
	jobtab_clear(&t);
	free(buf);
}

/* Time left and estimated starts, recorded on the test Slurm (TZ UTC) at
 * 00:57:25: a running job with a 2-minute limit (10) and three 3-minute
 * ones filling the node, a fourth pending on Resources (14) that Slurm's
 * backfill expects to start when they end, a held job (no estimate), one
 * with --begin=now+600 (16), one UNLIMITED (17), and cancelled jobs that
 * still print %L. */
static void
test_recorded_times(void **state)
{
	size_t len;
	char *buf = schedfix_data("squeue-hpctop-times.txt", &len), *s;
	struct job_table t = { 0 };
	const struct job_row *r;
	const long now = 1796345845;	/* 2026-12-04T00:57:25Z */
	char note[256];

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(squeue_parse(buf, len, &t), 17);
	assert_int_equal(t.skipped, 0);

	r = schedfix_row(&t, "10");
	assert_int_equal(r->state, JOB_RUNNING);
	assert_int_equal(r->time_limit, 120);
	assert_int_equal(r->elapsed, 8);
	assert_int_equal(r->time_left, 112);
	assert_int_equal(r->start_at, -1);
	assert_true(jobtab_near_limit(r));
	assert_true(jobfmt_time_note(r, "engines", now, note, sizeof note));
	assert_string_equal(note, "engines job 10 reaches its time limit in "
	    "1:52 (at 00:59:17)");
	r = schedfix_row(&t, "11");
	assert_int_equal(r->time_left, 172);
	assert_true(jobtab_near_limit(r));

	r = schedfix_row(&t, "14");
	assert_int_equal(r->state, JOB_QUEUED);
	assert_string_equal(r->reason, "Resources");
	/* %L of a pending job is its whole limit: no time left yet. */
	assert_int_equal(r->time_left, -1);
	assert_int_equal(r->time_limit, 180);
	assert_int_equal(r->start_at, 1796345957);
	assert_false(jobtab_near_limit(r));
	assert_true(jobfmt_time_note(r, "engines", now, note, sizeof note));
	assert_string_equal(note, "engines job 14 waits (Resources); estimated "
	    "start 00:59:17 (in 1:52)");
	assert_int_equal(schedfix_row(&t, "16")->start_at, 1796346437);
	assert_string_equal(schedfix_row(&t, "16")->reason, "BeginTime");
	r = schedfix_row(&t, "15");
	assert_int_equal(r->state, JOB_HELD);
	assert_int_equal(r->start_at, -1);
	assert_false(jobfmt_time_note(r, "engines", now, note, sizeof note));
	assert_string_equal(note, "");
	r = schedfix_row(&t, "17");
	assert_string_equal(r->time_req, "UNLIMITED");
	assert_int_equal(r->time_limit, -1);
	assert_int_equal(r->start_at, 1796346120);
	/* Ended jobs keep neither. */
	r = schedfix_row(&t, "1");
	assert_int_equal(r->state, JOB_COMPLETED);
	assert_int_equal(r->time_left, -1);
	assert_int_equal(r->start_at, -1);
	assert_false(jobfmt_time_note(r, "engines", now, note, sizeof note));

	s = jobfmt_table(&t);
	assert_non_null(strstr(s, "\n10    run2min   root debug   1   2 100M"
	    "      2:00 1:52 R 0:08 vm\n"));
	assert_non_null(strstr(s, " 3:00   -- Q 0:00 (Resources) start "));
	free(s);
	jobtab_clear(&t);
	free(buf);
}

static void
test_recorded_tables(void **state)
{
	size_t len;
	char *buf = schedfix_data("squeue-default.txt", &len);
	struct job_table t = { 0 };
	struct err e;
	const struct job_row *r;

	(void)state;
	assert_int_equal(squeue_parse_table(buf, len, &t, &e), 17);
	assert_int_equal(t.skipped, 0);
	r = schedfix_row(&t, "1");
	assert_string_equal(r->name, "run one");
	assert_string_equal(r->raw_state, "R");
	assert_int_equal(r->elapsed, 20);
	assert_string_equal(r->nodelist, "vm");
	r = schedfix_row(&t, "12");
	assert_string_equal(r->name, "weird|na");
	assert_string_equal(r->reason, "Dependency");
	assert_int_equal(schedfix_row(&t, "3")->state, JOB_HELD);
	assert_int_equal(schedfix_row(&t, "2")->state, JOB_HELD);
	jobtab_clear(&t);
	free(buf);

	/* --long: a date line first, STATE cut to 8 characters. */
	buf = schedfix_data("squeue-long.txt", &len);
	assert_int_equal(squeue_parse_table(buf, len, &t, &e), 17);
	r = schedfix_row(&t, "2");
	assert_string_equal(r->raw_state, "SUSPENDE");
	assert_int_equal(r->state, JOB_HELD);
	assert_string_equal(r->time_req, "1-00:00:00");
	assert_string_equal(schedfix_row(&t, "10")->time_req, "1:00");
	assert_string_equal(schedfix_row(&t, "18")->reason, "JobHeldAdmin");
	jobtab_clear(&t);
	free(buf);
}

static void
test_fixture_default(void **state)
{
	SCHEDFIX_SHARED(buf, len,
	    "slurm_squeue_default_adroit-pending-reasons-arrays.txt");
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	assert_int_equal(squeue_parse_table(buf, len, &t, NULL), 22);
	assert_int_equal(t.skipped, 0);
	assert_int_equal(schedfix_count(&t, JOB_QUEUED), 3);
	assert_int_equal(schedfix_count(&t, JOB_RUNNING), 19);
	r = schedfix_row(&t, "660090");
	assert_string_equal(r->reason, "QOSMaxJobsPerUserLimit");
	assert_int_equal(r->elapsed, 0);
	r = schedfix_row(&t, "661431_[6-7]");
	assert_string_equal(r->name, "KL");
	assert_string_equal(r->user, "mlenel");
	assert_string_equal(r->reason, "Dependency");
	r = schedfix_row(&t, "661439");
	assert_string_equal(r->name, "sys/dash");
	assert_int_equal(r->elapsed, 37 * 60 + 28);
	assert_string_equal(r->nodelist, "adroit-10");
	assert_int_equal(schedfix_row(&t, "661429_6")->elapsed,
	    3600 + 13 * 60 + 28);
	assert_int_equal(schedfix_row(&t, "660085")->elapsed,
	    10 * 86400 + 38 * 60 + 49);
	assert_int_equal(schedfix_row(&t, "660093")->elapsed,
	    3 * 86400 + 20 * 3600 + 26 * 60 + 13);
	jobtab_clear(&t);
	free(buf);
}

static void
test_fixture_long(void **state)
{
	SCHEDFIX_SHARED(buf, len, "slurm_squeue-long_pending-priority.txt");
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	assert_int_equal(squeue_parse_table(buf, len, &t, NULL), 1);
	r = schedfix_row(&t, "3084");
	assert_string_equal(r->queue, "common");
	assert_string_equal(r->name, "hello_wo");
	assert_string_equal(r->user, "alice");
	assert_string_equal(r->raw_state, "PENDING");
	assert_int_equal(r->state, JOB_QUEUED);
	/* TIME_LIMIT overflows its column: still read. */
	assert_string_equal(r->time_req, "14-00:00:00");
	assert_int_equal(r->nodes, 1);
	assert_string_equal(r->reason, "Priority");
	jobtab_clear(&t);
	free(buf);
}

static void
test_fixture_caret(void **state)
{
	SCHEDFIX_SHARED(buf, len,
	    "slurm_squeue-o-custom-caret-separated_reasons.txt");
	struct job_table t = { 0 };
	struct err e;
	const struct job_row *r;

	(void)state;
	assert_int_equal(squeue_parse_format("%i^^^%t^^^%r^^^%B^^^%u^^^%D^^^"
	    "%C^^^%R^^^%P^^^%l^^^%M^^^%S^^^%j", buf, len, &t, &e), 7);
	assert_int_equal(t.skipped, 0);
	r = schedfix_row(&t, "863313");
	assert_int_equal(r->state, JOB_HELD);
	assert_string_equal(r->reason, "JobHeldUser");
	assert_string_equal(r->name, "test");
	assert_string_equal(r->time_req, "1:00:00");
	r = schedfix_row(&t, "863100");
	assert_int_equal(r->state, JOB_QUEUED);
	assert_string_equal(r->reason, "Resources");
	assert_int_equal(r->nodes, 32);
	assert_int_equal(r->tasks, 1024);
	assert_string_equal(r->time_req, "10:00");
	assert_string_equal(schedfix_row(&t, "863546")->reason, "Priority");
	assert_string_equal(schedfix_row(&t, "862540")->reason, "Dependency");
	r = schedfix_row(&t, "862538");
	assert_int_equal(r->state, JOB_RUNNING);
	assert_string_equal(r->nodelist, "nid0[0099,0156-0157,0162-0163,"
	    "0772-0773,0826,0964-0965,1018-1019,1152-1153,1214-1217,"
	    "1344-1345]");
	assert_int_equal(r->elapsed, 32 * 60 + 10);
	assert_null(r->reason);
	assert_int_equal(schedfix_row(&t, "861352")->elapsed,
	    23 * 3600 + 30 * 60 + 20);
	assert_string_equal(schedfix_row(&t, "861352")->name,
	    "Pressure_PBEsol_0");
	jobtab_clear(&t);
	free(buf);
}

static void
test_states(void **state)
{
	static const struct {
		const char *word;
		const char *reason;
		enum job_state st;
	} cases[] = {
		{ "PENDING", "Priority", JOB_QUEUED },
		{ "PD", "Resources", JOB_QUEUED },
		{ "PENDING", "JobHeldUser", JOB_HELD },
		{ "PD", "JobHeldAdmin", JOB_HELD },
		{ "RUNNING", NULL, JOB_RUNNING },
		{ "R", NULL, JOB_RUNNING },
		{ "CONFIGURING", NULL, JOB_RUNNING },
		{ "CF", NULL, JOB_RUNNING },
		{ "RESIZING", NULL, JOB_RUNNING },
		{ "SIGNALING", NULL, JOB_RUNNING },
		{ "COMPLETING", NULL, JOB_EXITING },
		{ "CG", NULL, JOB_EXITING },
		{ "COMPLETI", NULL, JOB_EXITING },
		{ "STAGE_OUT", NULL, JOB_EXITING },
		{ "SUSPENDED", NULL, JOB_HELD },
		{ "SUSPENDE", NULL, JOB_HELD },
		{ "S", NULL, JOB_HELD },
		{ "STOPPED", NULL, JOB_HELD },
		{ "REQUEUE_HOLD", NULL, JOB_HELD },
		{ "RESV_DEL_HOLD", NULL, JOB_HELD },
		{ "SPECIAL_EXIT", NULL, JOB_HELD },
		{ "REQUEUED", NULL, JOB_QUEUED },
		{ "REQUEUE_FED", NULL, JOB_QUEUED },
		{ "COMPLETED", NULL, JOB_COMPLETED },
		{ "CD", NULL, JOB_COMPLETED },
		{ "CANCELLED", NULL, JOB_COMPLETED },
		{ "CANCELLED by 1000", NULL, JOB_COMPLETED },
		{ "CA", NULL, JOB_COMPLETED },
		{ "FAILED", NULL, JOB_COMPLETED },
		{ "F", NULL, JOB_COMPLETED },
		{ "TIMEOUT", NULL, JOB_COMPLETED },
		{ "NODE_FAIL", NULL, JOB_COMPLETED },
		{ "NODE_FAI", NULL, JOB_COMPLETED },
		{ "PREEMPTED", NULL, JOB_COMPLETED },
		{ "BOOT_FAIL", NULL, JOB_COMPLETED },
		{ "DEADLINE", NULL, JOB_COMPLETED },
		{ "OUT_OF_MEMORY", NULL, JOB_COMPLETED },
		{ "OUT_OF_M", NULL, JOB_COMPLETED },
		{ "OOM", NULL, JOB_COMPLETED },
		{ "REVOKED", NULL, JOB_COMPLETED },
		{ "WEIRD", NULL, JOB_UNKNOWN },
		{ "", NULL, JOB_UNKNOWN },
		{ "running", NULL, JOB_UNKNOWN },
		{ "PENDINGX", NULL, JOB_UNKNOWN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum job_state st = squeue_state(cases[i].word,
		    strlen(cases[i].word), cases[i].reason);

		if (st != cases[i].st)
			fail_msg("%s (%s): got '%c', want '%c'", cases[i].word,
			    cases[i].reason ? cases[i].reason : "-", st,
			    cases[i].st);
	}
}

#define LINE(id, state, reason, nodes, name) \
	id S "u" S "p" S "1" S "2" S "0" S "1:00:00" S state S "0:05" S \
	"59:55" S "N/A" S reason S nodes S name "\n"

/* Every way a Slurm job ends says how: a time limit is not a bare C. The
 * reasons are those Slurm sets (job_reason_string); a cancelled or revoked
 * job keeps its last wait reason, which squeue still prints. */
static void
test_end_states(void **state)
{
	static const char in[] =
	    LINE("1", "TIMEOUT", "TimeLimit", "n1", "to")
	    LINE("2", "FAILED", "NonZeroExitCode", "n1", "f")
	    LINE("3", "CANCELLED", "Priority", "", "ca")
	    LINE("4", "NODE_FAIL", "NodeDown", "n1", "nf")
	    LINE("5", "OUT_OF_MEMORY", "OutOfMemory", "n1", "oom")
	    LINE("6", "PREEMPTED", "None", "n1", "pr")
	    LINE("7", "BOOT_FAIL", "None", "n1", "bf")
	    LINE("8", "DEADLINE", "DeadLine", "", "dl")
	    LINE("9", "COMPLETED", "None", "n1", "ok")
	    LINE("10", "REVOKED", "Priority", "", "rv");
	static const struct {
		const char *id, *reason;
	} want[] = {
		{ "1", "TimeLimit" }, { "2", "NonZeroExitCode" },
		{ "3", "CANCELLED" }, { "4", "NodeDown" },
		{ "5", "OutOfMemory" }, { "6", "PREEMPTED" },
		{ "7", "BOOT_FAIL" }, { "8", "DeadLine" }, { "9", NULL },
		{ "10", "REVOKED" },
	};
	struct job_table t = { 0 };
	struct err e;
	size_t len;
	char *cell, *buf;

	(void)state;
	/* Recorded on the test Slurm: `sbatch -t 1 --wrap 'sleep 300'` killed
	 * at its limit, `exit 3`, a job cancelled while pending, one done. */
	buf = schedfix_data("squeue-hpctop-ended.txt", &len);
	assert_int_equal(squeue_parse_format(SCHEDFIX_SQUEUE_FORMAT_12, buf,
	    len, &t, NULL), 4);
	assert_int_equal(schedfix_row(&t, "1")->state, JOB_COMPLETED);
	assert_string_equal(schedfix_row(&t, "1")->raw_state, "TIMEOUT");
	assert_string_equal(schedfix_row(&t, "1")->reason, "TimeLimit");
	assert_int_equal(schedfix_row(&t, "1")->elapsed, 88);
	assert_string_equal(schedfix_row(&t, "2")->reason, "NonZeroExitCode");
	assert_string_equal(schedfix_row(&t, "3")->reason, "CANCELLED");
	assert_null(schedfix_row(&t, "4")->reason);
	jobtab_clear(&t);
	free(buf);

	assert_int_equal(squeue_parse(in, sizeof in - 1, &t), 10);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct job_row *r = schedfix_row(&t, want[i].id);

		assert_int_equal(r->state, JOB_COMPLETED);
		if (want[i].reason == NULL)
			assert_null(r->reason);
		else
			assert_string_equal(r->reason, want[i].reason);
	}
	/* The table says it where squeue does: NODELIST(REASON). */
	cell = jobfmt_table(&t);
	assert_non_null(strstr(cell, " C 0:05 (TimeLimit)\n"));
	assert_non_null(strstr(cell, " C 0:05 (CANCELLED)\n"));
	assert_non_null(strstr(cell, " C 0:05 n1\n"));
	free(cell);
	jobtab_clear(&t);

	/* Compact codes (squeue -t/%t) and the default table's %R. */
	{
		static const char tab[] =
		    "JOBID PARTITION NAME USER ST TIME NODES NODELIST(REASON)\n"
		    "   21     debug   to root TO 1:00     1 (TimeLimit)\n"
		    "   22     debug   ca root CA 0:01     1 n1\n"
		    "   23     debug  oom root OOM 0:01    1 (OutOfMemory)\n"
		    "   24     debug   ok root CD 0:01     1 n1\n";

		assert_int_equal(squeue_parse_table(tab, sizeof tab - 1, &t,
		    &e), 4);
		assert_string_equal(schedfix_row(&t, "21")->reason,
		    "TimeLimit");
		assert_string_equal(schedfix_row(&t, "22")->reason,
		    "CANCELLED");
		assert_string_equal(schedfix_row(&t, "23")->reason,
		    "OutOfMemory");
		assert_null(schedfix_row(&t, "24")->reason);
		assert_string_equal(schedfix_row(&t, "24")->nodelist, "n1");
		jobtab_clear(&t);
	}
}

static void
test_odd_inputs(void **state)
{
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	/* Empty, and blank lines only. */
	assert_int_equal(squeue_parse("", 0, &t), 0);
	assert_int_equal(squeue_parse("\n\n  \n", 5, &t), 0);
	assert_int_equal(t.skipped, 0);

	/* The last line cut short (no newline) is not trusted. */
	{
		const char in[] = LINE("1", "RUNNING", "None", "n1", "a")
		    "2" S "u" S "p" S "1" S "2" S "0" S "1:00:00" S "RUNN";

		assert_int_equal(squeue_parse(in, sizeof in - 1, &t), 1);
		assert_int_equal(t.skipped, 1);
		jobtab_clear(&t);
	}
	/* Cut even inside the last field: a name that lost its tail. */
	{
		const char in[] = LINE("1", "RUNNING", "None", "n1", "a")
		    LINE("2", "RUNNING", "None", "n1", "abc");

		assert_int_equal(squeue_parse(in, sizeof in - 2, &t), 1);
		assert_int_equal(t.skipped, 1);
		jobtab_clear(&t);
	}
	/* Unknown state: kept with its word. CRLF line ends. */
	{
		const char in[] = "7" S "u" S "p" S "1" S "2" S "0" S "5:00" S
		    "HIBERNATING" S "0:05" S "4:55" S "N/A" S "None" S "n1" S
		    "x\r\n";

		assert_int_equal(squeue_parse(in, sizeof in - 1, &t), 1);
		r = schedfix_row(&t, "7");
		assert_int_equal(r->state, JOB_UNKNOWN);
		assert_string_equal(r->raw_state, "HIBERNATING");
		assert_string_equal(r->name, "x");
		assert_string_equal(r->time_req, "5:00");
		jobtab_clear(&t);
	}
	/* Missing fields, an extra separator in the name, no id, no state,
	 * a control byte in a field, NUL bytes. */
	{
		const char in[] =
		    "1" S "u" S "p" S "1" S "2" S "0" S "1:00:00" S "RUNNING" S
		    "0:05" S "59:55" S "N/A" S "None" S "n1\n"
		    LINE("2", "RUNNING", "None", "n1", "a" S "b")
		    LINE("", "RUNNING", "None", "n1", "noid")
		    LINE("4", "", "None", "n1", "nostate")
		    LINE("5", "RUNNING", "No\033ne", "n1", "esc")
		    LINE("6", "RUN\0NING", "None", "n1", "nul")
		    LINE("8", "PENDING", "Priority", "", "ok");

		assert_int_equal(squeue_parse(in, sizeof in - 1, &t), 2);
		assert_int_equal(t.skipped, 5);
		assert_string_equal(schedfix_row(&t, "2")->name, "a" S "b");
		assert_string_equal(schedfix_row(&t, "8")->reason, "Priority");
		assert_null(schedfix_row(&t, "8")->nodelist);
		jobtab_clear(&t);
	}
	/* Numbers that are not numbers, and durations that are words. */
	{
		const char in[] = "9" S "u" S "p" S "many" S "99999999999" S
		    "4G" S "UNLIMITED" S "RUNNING" S "INVALID" S "UNLIMITED" S
		    "2026-13-01T00:00:00" S "None" S "n1" S "z\n";

		assert_int_equal(squeue_parse(in, sizeof in - 1, &t), 1);
		r = schedfix_row(&t, "9");
		assert_int_equal(r->nodes, -1);
		assert_int_equal(r->tasks, -1);
		assert_string_equal(r->mem, "4G");
		assert_string_equal(r->time_req, "UNLIMITED");
		assert_int_equal(r->time_limit, -1);
		assert_int_equal(r->elapsed, -1);
		assert_int_equal(r->time_left, -1);
		assert_int_equal(r->start_at, -1);
		assert_false(jobtab_near_limit(r));
		jobtab_clear(&t);
	}
}

static void
test_junk_and_huge(void **state)
{
	struct job_table t = { 0 };
	size_t n = 1 << 20;
	/* Random bytes, with newlines and separators mixed in: any rows
	 * that come out must be whole, and nothing may crash or leak. */
	char *junk = schedfix_junk(n, 12345, 97, 7, SQUEUE_SEP[0]);

	(void)state;
	squeue_parse(junk, n, &t);
	schedfix_rows_whole(&t);
	jobtab_clear(&t);
	squeue_parse_table(junk, n, &t, NULL);
	jobtab_clear(&t);
	squeue_parse_format("%i %t %j", junk, n, &t, NULL);
	jobtab_clear(&t);

	/* One 1 MiB job name. */
	{
		const char head[] = "42" S "u" S "p" S "1" S "1" S "0" S "1:00"
		    S "RUNNING" S "0:01" S "0:59" S "N/A" S "None" S "n1" S;
		size_t hl = sizeof head - 1, len = hl + n + 1;
		char *in = xmalloc(len);

		memcpy(in, head, hl);
		memset(in + hl, 'x', n);
		in[len - 1] = '\n';
		assert_int_equal(squeue_parse(in, len, &t), 1);
		assert_int_equal(strlen(schedfix_row(&t, "42")->name), n);
		jobtab_clear(&t);
		free(in);
	}
	free(junk);
}

static void
test_format_errors(void **state)
{
	struct job_table t = { 0 };
	struct err e;

	(void)state;
	assert_int_equal(squeue_parse_format("%j|%u", "a|b\n", 4, &t, &e), -1);
	assert_string_equal(e.msg, "squeue format '%j|%u': no job id (%i or %A)");
	assert_int_equal(squeue_parse_format("%i%j", "1x\n", 3, &t, &e), -1);
	assert_string_equal(e.msg,
	    "squeue format '%i%j': fields 1 and 2 have no separator");
	assert_int_equal(squeue_parse_table("garbage\n", 8, &t, &e), -1);
	assert_string_equal(e.msg,
	    "squeue output: no header line starting with JOBID");
	assert_int_equal(squeue_parse_table("", 0, &t, &e), 0);
	assert_int_equal(t.n, 0);
	/* Widths and a literal percent. */
	assert_int_equal(squeue_parse_format("%.6i 100%% %t", "   17 100% R\n",
	    13, &t, &e), 1);
	assert_int_equal(schedfix_row(&t, "17")->state, JOB_RUNNING);
	jobtab_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_recorded_own_format),
		cmocka_unit_test(test_recorded_times),
		cmocka_unit_test(test_recorded_tables),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_end_states),
		cmocka_unit_test(test_odd_inputs),
		cmocka_unit_test(test_junk_and_huge),
		cmocka_unit_test(test_format_errors),
	};
	const struct CMUnitTest shared[] = {
		cmocka_unit_test(test_fixture_default),
		cmocka_unit_test(test_fixture_long),
		cmocka_unit_test(test_fixture_caret),
	};

	return schedfix_run("squeue", own, sizeof own / sizeof own[0], shared,
	    sizeof shared / sizeof shared[0]);
}
