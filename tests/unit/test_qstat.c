/* qstat: the argv hpctop runs, format detection, every format recorded on
 * the test Slurm's qstat wrapper and captured on real PBS/Torque sites,
 * state mapping, and odd input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/qstat.h"
#include "core/xmalloc.h"
#include "tests/unit/schedfix.h"

/* Parses through qstat_parse after checking the detected format. */
static void
parse(const char *buf, size_t len, enum qstat_format want, long rows,
    struct job_table *t)
{
	struct err e;
	long n;

	assert_string_equal(qstat_format_name(qstat_detect(buf, len)),
	    qstat_format_name(want));
	n = qstat_parse(buf, len, t, &e);
	if (n < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(n, rows);
	assert_int_equal(t->n, rows);
	assert_int_equal(t->skipped, 0);
}

static void
test_argv(void **state)
{
	struct strv sv = STRV_INIT;

	(void)state;
	qstat_argv("bob", &sv);
	assert_int_equal(sv.n, 6);
	assert_string_equal(sv.v[0], "qstat");
	assert_string_equal(sv.v[1], "-a");
	assert_string_equal(sv.v[2], "-n");
	assert_string_equal(sv.v[3], "-1");
	assert_string_equal(sv.v[4], "-u");
	assert_string_equal(sv.v[5], "bob");
	strv_clear(&sv);
}

/* `qstat -a -n -1 -u root` on the Slurm wrapper: HH:MM times. */
static void
test_recorded_alt(void **state)
{
	size_t len;
	char *buf = schedfix_data("qstat-a-n-1-u.txt", &len);
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	parse(buf, len, QSTAT_ALT, 20, &t);
	assert_int_equal(schedfix_count(&t, JOB_RUNNING), 7);
	assert_int_equal(schedfix_count(&t, JOB_QUEUED), 9);
	assert_int_equal(schedfix_count(&t, JOB_COMPLETED), 3);
	assert_int_equal(schedfix_count(&t, JOB_HELD), 1);
	r = schedfix_row(&t, "1");
	assert_string_equal(r->name, "run one");
	assert_string_equal(r->user, "root");
	assert_string_equal(r->queue, "debug");
	assert_int_equal(r->nodes, 1);
	assert_int_equal(r->tasks, 2);
	assert_null(r->mem);
	assert_string_equal(r->time_req, "10:00");
	assert_string_equal(r->raw_state, "R");
	assert_int_equal(r->elapsed, 0);
	assert_string_equal(r->layout, "2");
	assert_string_equal(r->nodelist, "vm");
	/* Time left: Req'd Time less Elap Time, for running jobs only. */
	assert_int_equal(r->time_limit, 600);
	assert_int_equal(r->time_left, 600);
	/* Exactly 10 minutes is not under 10 minutes; 1 minute is. */
	assert_false(jobtab_near_limit(r));
	assert_int_equal(schedfix_row(&t, "10")->time_left, 60);
	assert_true(jobtab_near_limit(schedfix_row(&t, "10")));
	assert_int_equal(schedfix_row(&t, "5")->time_left, 3600);
	assert_false(jobtab_near_limit(schedfix_row(&t, "5")));
	assert_int_equal(schedfix_row(&t, "3")->time_limit, 3600);
	assert_int_equal(schedfix_row(&t, "3")->time_left, -1);
	assert_int_equal(schedfix_row(&t, "7")->time_left, -1);
	r = schedfix_row(&t, "2");
	assert_string_equal(r->raw_state, "S");
	assert_int_equal(r->state, JOB_HELD);
	assert_string_equal(r->time_req, "1-00:00:00");
	r = schedfix_row(&t, "3");
	assert_int_equal(r->state, JOB_QUEUED);
	assert_null(r->nodelist);
	assert_string_equal(schedfix_row(&t, "12")->name, "weird|name^x");
	assert_int_equal(schedfix_row(&t, "5")->tasks, 8);
	jobtab_clear(&t);
	free(buf);
}

static void
test_recorded_full_and_brief(void **state)
{
	size_t len;
	char *buf = schedfix_data("qstat-f.txt", &len);
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	/* The wrapper indents attributes with a TAB, not 4 spaces. */
	parse(buf, len, QSTAT_FULL, 20, &t);
	r = schedfix_row(&t, "1");
	assert_string_equal(r->name, "run one");
	assert_string_equal(r->user, "root");
	assert_int_equal(r->tasks, 2);
	assert_int_equal(r->nodes, 1);
	assert_string_equal(r->time_req, "10:00");
	assert_string_equal(r->nodelist, "vm");
	assert_int_equal(r->elapsed, -1);
	assert_int_equal(schedfix_row(&t, "9")->state, JOB_COMPLETED);
	assert_int_equal(schedfix_row(&t, "2")->state, JOB_HELD);
	jobtab_clear(&t);
	free(buf);

	buf = schedfix_data("qstat-default.txt", &len);
	parse(buf, len, QSTAT_BRIEF, 20, &t);
	r = schedfix_row(&t, "1");
	assert_string_equal(r->name, "run one");
	assert_string_equal(r->queue, "debug");
	assert_int_equal(r->state, JOB_RUNNING);
	assert_int_equal(r->elapsed, -1);
	assert_string_equal(schedfix_row(&t, "12")->name, "weird|name^x");
	assert_int_equal(schedfix_row(&t, "7")->state, JOB_COMPLETED);
	jobtab_clear(&t);
	free(buf);
}

static void
test_torque_full(void **state)
{
	SCHEDFIX_SHARED(buf, len, "torque_qstat-f_kuleuven_first40jobs.txt");
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	parse(buf, len, QSTAT_FULL, 40, &t);
	assert_int_equal(schedfix_count(&t, JOB_RUNNING), 29);
	assert_int_equal(schedfix_count(&t, JOB_QUEUED), 11);
	r = schedfix_row(&t, "20025307.icts-p-svcs-1");
	assert_string_equal(r->name, "tai-3");
	assert_string_equal(r->user, "vsc30772");
	assert_string_equal(r->queue, "q7d");
	assert_int_equal(r->nodes, 20);
	assert_int_equal(r->tasks, -1);
	assert_string_equal(r->mem, "1gb");
	assert_string_equal(r->time_req, "7-00:00:00");
	assert_null(r->nodelist);
	r = schedfix_row(&t, "20025920.icts-p-svcs-1");
	assert_int_equal(r->nodes, 1);
	assert_int_equal(r->tasks, 20);
	r = schedfix_row(&t, "20034160.icts-p-svcs-1");
	assert_int_equal(r->state, JOB_RUNNING);
	assert_int_equal(r->nodes, 2);
	assert_int_equal(r->tasks, 40);
	assert_string_equal(r->nodelist, "r1i2n10,r1i2n11");
	assert_string_equal(r->layout, "20,20");
	assert_int_equal(r->elapsed, 50323);
	r = schedfix_row(&t, "20031802.icts-p-svcs-1");
	assert_string_equal(r->mem, "30gb");
	assert_string_equal(r->time_req, "15-00:00:00");
	assert_int_equal(r->elapsed, 218925);
	jobtab_clear(&t);
	free(buf);
}

static void
test_pbspro_full(void **state)
{
	SCHEDFIX_SHARED(buf, len, "pbspro_qstat-f_queued-running-held.txt");
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	parse(buf, len, QSTAT_FULL, 6, &t);
	r = schedfix_row(&t, "68350.mycluster");
	assert_int_equal(r->state, JOB_QUEUED);
	assert_string_equal(r->name, "cell-Qnormal");
	assert_string_equal(r->user, "usernum1");
	assert_string_equal(r->queue, "Q_express");
	assert_int_equal(r->nodes, 15);
	assert_int_equal(r->tasks, 240);
	assert_string_equal(r->reason,
	    "Not Running: Node is in an ineligible state: offline");
	r = schedfix_row(&t, "69301.mycluster");
	assert_int_equal(r->state, JOB_RUNNING);
	assert_int_equal(r->elapsed, 64 * 3600 + 26 * 60 + 16);
	assert_string_equal(r->nodelist, "b141,b142,b143,b144");
	assert_string_equal(r->layout, "16,16,16,16");
	assert_string_equal(r->time_req, "3-00:00:00");
	/* Resource_List.walltime 72:00:00 less resources_used.walltime. */
	assert_int_equal(r->time_limit, 72 * 3600);
	assert_int_equal(r->time_left, 72 * 3600 - r->elapsed);
	/* 7:33:44 left of 72 hours: more than 10%. */
	assert_false(jobtab_near_limit(r));
	assert_null(r->reason);
	r = schedfix_row(&t, "69302.mycluster");
	assert_int_equal(r->state, JOB_HELD);
	assert_string_equal(r->reason, "Dependency");
	assert_int_equal(schedfix_count(&t, JOB_HELD), 2);
	assert_int_equal(schedfix_count(&t, JOB_RUNNING), 2);
	assert_string_equal(schedfix_row(&t, "74164.mycluster")->nodelist,
	    "b270,b275");
	jobtab_clear(&t);
	free(buf);
}

static void
test_torque_brief(void **state)
{
	SCHEDFIX_SHARED(buf, len,
	    "torque_qstat_default_ral-lcgbatch02_first1518jobs.txt");
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	parse(buf, len, QSTAT_BRIEF, 1518, &t);
	assert_int_equal(schedfix_count(&t, JOB_RUNNING), 1511);
	assert_int_equal(schedfix_count(&t, JOB_QUEUED), 7);
	r = &t.v[0];
	assert_string_equal(r->id, "7657245.lcgbatch02");
	assert_string_equal(r->name, "cre07_870811047");
	assert_string_equal(r->user, "tlhcb015");
	assert_string_equal(r->queue, "grid4000M");
	r = schedfix_row(&t, "7756294.lcgbatch02");
	assert_int_equal(r->state, JOB_QUEUED);
	assert_string_equal(r->queue, "grid3000M");
	jobtab_clear(&t);
	free(buf);
}

static void
test_torque_alt(void **state)
{
	SCHEDFIX_SHARED(buf, len, "torque_qstat-u_alt-format_queued.txt");
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	parse(buf, len, QSTAT_ALT, 1, &t);
	r = schedfix_row(&t, "918738.cclc01.som.ucsf");
	assert_string_equal(r->user, "henrik");
	assert_string_equal(r->queue, "batch");
	assert_string_equal(r->name, "hello_world");
	assert_int_equal(r->nodes, 1);
	assert_int_equal(r->tasks, 1);
	assert_null(r->mem);
	assert_string_equal(r->time_req, "4-03:23:59");
	assert_int_equal(r->state, JOB_QUEUED);
	assert_int_equal(r->elapsed, -1);
	jobtab_clear(&t);
	free(buf);
}

static void
test_torque_alt_nodes(void **state)
{
	SCHEDFIX_SHARED(buf, len, "torque_qstat-n-1-u_running-with-nodes.txt");
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	parse(buf, len, QSTAT_ALT, 3, &t);
	r = schedfix_row(&t, "523813.cclc01.som.ucsf");
	assert_string_equal(r->name, "echo_152617-2016");
	assert_int_equal(r->state, JOB_RUNNING);
	assert_int_equal(r->elapsed, 93);
	assert_int_equal(r->time_limit, 99 * 3600 + 23 * 60 + 59);
	assert_int_equal(r->time_left, r->time_limit - 93);
	assert_false(jobtab_near_limit(r));
	assert_string_equal(r->nodelist, "n2");
	assert_string_equal(schedfix_row(&t,
	    "523814.cclc01.som.ucsf")->nodelist, "n5");
	assert_string_equal(schedfix_row(&t,
	    "523815.cclc01.som.ucsf")->nodelist, "n2");
	jobtab_clear(&t);
	free(buf);
}

static void
test_torque_xml(void **state)
{
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	{
		SCHEDFIX_SHARED(buf, len, "torque_qstat-x_queued_single-line.xml");

		parse(buf, len, QSTAT_XML, 1, &t);
		r = schedfix_row(&t, "4499334.pbsserver");
		assert_string_equal(r->name,
		    "r180328_183957634_pid_4_starAlignment");
		assert_string_equal(r->user, "otp-data");
		assert_string_equal(r->queue, "otp");
		assert_int_equal(r->state, JOB_QUEUED);
		assert_int_equal(r->nodes, 1);
		assert_int_equal(r->tasks, 4);
		assert_string_equal(r->mem, "37888mb");
		assert_string_equal(r->time_req, "5:00:00");
		jobtab_clear(&t);
		free(buf);
	}
	{
		SCHEDFIX_SHARED(buf, len,
		    "torque_qstat-x_completed_sched-hint-with-newlines.xml");

		parse(buf, len, QSTAT_XML, 1, &t);
		r = schedfix_row(&t, "4564045.pbsserver");
		assert_int_equal(r->state, JOB_COMPLETED);
		assert_int_equal(r->elapsed, 6);
		assert_string_equal(r->nodelist, "denbi5-int");
		assert_int_equal(r->tasks, 3);
		assert_null(r->reason);
		jobtab_clear(&t);
		free(buf);
	}
	{
		SCHEDFIX_SHARED(buf, len, "torque_qstat-x_lisa_pretty-printed.xml");

		parse(buf, len, QSTAT_XML, 7, &t);
		assert_int_equal(schedfix_count(&t, JOB_RUNNING), 4);
		assert_int_equal(schedfix_count(&t, JOB_QUEUED), 3);
		r = schedfix_row(&t, "8938236.batch1.lisa.surfsara.nl");
		assert_int_equal(r->nodes, 8);
		assert_int_equal(r->tasks, 96);
		assert_int_equal(r->elapsed, 76 * 3600 + 1 * 60 + 56);
		assert_string_equal(r->nodelist, "r13n30,r13n21,r13n17,r13n16,"
		    "r13n13,r13n8,r13n4,r13n3");
		r = schedfix_row(&t, "8921165.batch1.lisa.surfsara.nl");
		assert_int_equal(r->tasks, 24);
		assert_string_equal(r->mem, "3gb");
		assert_string_equal(r->time_req, "2-02:00:00");

		/* Cut in the middle of the fourth job: the three before it
		 * survive, the cut one is dropped and counted. */
		const char *cut = strstr(buf, "<Job_Id>8941161");
		struct job_table t2 = { 0 };
		struct err e;

		assert_non_null(cut);
		cut = strstr(cut, "<queue>");
		assert_int_equal(qstat_parse_xml(buf, (size_t)(cut - buf), &t2,
		    &e), 4);
		assert_int_equal(t2.skipped, 0);
		jobtab_clear(&t2);
		cut = strstr(buf, "<Job_Id>8941161");
		assert_int_equal(qstat_parse_xml(buf, (size_t)(cut - buf) + 3,
		    &t2, &e), 3);
		assert_int_equal(t2.skipped, 1);
		jobtab_clear(&t2);
		jobtab_clear(&t);
		free(buf);
	}
}

static void
test_pbs_json(void **state)
{
	struct job_table t = { 0 };
	const struct job_row *r;

	(void)state;
	{
		SCHEDFIX_SHARED(buf, len, "pbspro-19.0_qstat-x-f-F-json_held.json");

		parse(buf, len, QSTAT_JSON, 1, &t);
		r = schedfix_row(&t, "157.pbs");
		assert_int_equal(r->state, JOB_HELD);
		assert_string_equal(r->reason, "JobHeldUser");
		assert_string_equal(r->name, "pbs_hold_job");
		assert_string_equal(r->user, "pbsuser");
		assert_int_equal(r->nodes, 1);
		assert_int_equal(r->tasks, 1);
		assert_string_equal(r->time_req, "2:00");
		jobtab_clear(&t);
		free(buf);
	}
	{
		SCHEDFIX_SHARED(buf, len,
		    "openpbs-23.06_qstat-F-json-f-x_finished-and-running.json");

		parse(buf, len, QSTAT_JSON, 3, &t);
		r = schedfix_row(&t, "1004.pbs");
		assert_int_equal(r->state, JOB_COMPLETED);
		assert_string_equal(r->raw_state, "F");
		assert_int_equal(r->elapsed, 30);
		assert_string_equal(r->nodelist, "pbs");
		/* Exit_status 0: it ended well, no reason. */
		assert_null(r->reason);
		r = schedfix_row(&t, "1006.pbs");
		assert_int_equal(r->state, JOB_RUNNING);
		assert_string_equal(r->user, "firesrv");
		assert_string_equal(r->name, "hi_pbs");

		struct job_table t2 = { 0 };
		struct err e;

		assert_int_equal(qstat_parse_json(buf, len / 2, &t2, &e), -1);
		assert_non_null(strstr(e.msg, "qstat -F json output:"));
		assert_int_equal(t2.n, 0);
		jobtab_clear(&t);
		free(buf);
	}
}

static void
test_states(void **state)
{
	static const char *const q = "QWT", *const r = "RB", *const c = "CFXM",
	    *const h = "HS";

	(void)state;
	for (const char *p = q; *p; p++)
		assert_int_equal(qstat_state(p, 1), JOB_QUEUED);
	for (const char *p = r; *p; p++)
		assert_int_equal(qstat_state(p, 1), JOB_RUNNING);
	for (const char *p = c; *p; p++)
		assert_int_equal(qstat_state(p, 1), JOB_COMPLETED);
	for (const char *p = h; *p; p++)
		assert_int_equal(qstat_state(p, 1), JOB_HELD);
	assert_int_equal(qstat_state("E", 1), JOB_EXITING);
	assert_int_equal(qstat_state("U", 1), JOB_UNKNOWN);
	assert_int_equal(qstat_state("Z", 1), JOB_UNKNOWN);
	assert_int_equal(qstat_state("RR", 2), JOB_UNKNOWN);
	assert_int_equal(qstat_state("", 0), JOB_UNKNOWN);
}

static const char alt_head[] =
    "\nvm:\n"
    "                                                                  "
    "             Req'd  Req'd   Elap \n"
    "Job id               Username Queue    Name                 SessID "
    "NDS   TSK   Memory Time Use S Time \n"
    "-------------------- -------- -------- -------------------- ------ "
    "----- ----- ------ ----- - -----\n";

/* exec_host as tasks per node (job_row.layout): Slurm's qsub wrapper
 * writes each host once with its CPUs; Torque one entry per slot, or
 * ranges; PBS Pro index*ncpus. The wrapper's form is told from Torque's
 * by its numbers adding up to the job's tasks. */
static void
test_exec_host_layout(void **state)
{
	static const struct {
		const char *exec_host, *nodes, *layout;
		int tasks;
	} cases[] = {
		{ "cn1/3+cn2/1", "cn1,cn2", "3,1", 4 },
		{ "cn1/1+cn2/1", "cn1,cn2", "1,1", 2 },
		{ "cn1/3+cn2/1", "cn1,cn2", "1,1", 2 },
		{ "n1/0+n1/1+n2/0+n2/1", "n1,n2", "2,2", 4 },
		{ "n1/0-3+n2/0-1", "n1,n2", "4,2", 6 },
		{ "n1/0,2+n2/5", "n1,n2", "2,1", 3 },
		{ "b1/0*16+b2/0*16", "b1,b2", "16,16", 32 },
		{ "n1/0+n2/0", "n1,n2", "1,1", 2 },
		{ "n1+n2", "n1,n2", "1,1", 2 },
	};
	struct job_table t = { 0 };
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *in = xasprintf("%s1 root debug x -- 2 %d -- 01:00 R "
		    "00:05   %s\n", alt_head, cases[i].tasks,
		    cases[i].exec_host);
		char *full = xasprintf("Job Id: 2.srv\n"
		    "    job_state = R\n"
		    "    exec_host = %s\n"
		    "    Resource_List.ncpus = %d\n\n", cases[i].exec_host,
		    cases[i].tasks);

		assert_int_equal(qstat_parse(in, strlen(in), &t, &e), 1);
		assert_string_equal(t.v[0].nodelist, cases[i].nodes);
		if (strcmp(t.v[0].layout, cases[i].layout) != 0)
			fail_msg("%s (%d tasks): layout %s, want %s",
			    cases[i].exec_host, cases[i].tasks, t.v[0].layout,
			    cases[i].layout);
		jobtab_clear(&t);
		/* -f: exec_host before the tasks are known. */
		assert_int_equal(qstat_parse(full, strlen(full), &t, &e), 1);
		assert_string_equal(t.v[0].layout, cases[i].layout);
		jobtab_clear(&t);
		free(in);
		free(full);
	}
}

/* How an ended job ended, from exit_status (Torque, -f and -x) or
 * Exit_status (PBS Pro, -f and -F json), whose negative codes differ. */
/* PBS Pro's estimated.start_time (written here as its qstat -f and -F json
 * print it; no capture has one): kept for a queued job only. */
static void
test_estimated_start(void **state)
{
	static const char full[] =
	    "Job Id: 1.pbs\n    job_state = Q\n"
	    "    estimated.start_time = Fri Dec  4 03:00:00 2026\n"
	    "    estimated.exec_vnode = (n1:ncpus=4)\n\n"
	    "Job Id: 2.pbs\n    job_state = R\n"
	    "    estimated.start_time = Fri Dec  4 01:00:00 2026\n\n"
	    "Job Id: 3.pbs\n    job_state = Q\n"
	    "    estimated.start_time = soon\n\n";
	static const char json[] = "{\"Jobs\":{\"4.pbs\":{\"job_state\":"
	    "\"Q\",\"estimated\":{\"start_time\":\"Fri Dec  4 03:00:00 "
	    "2026\"}}}}";
	struct job_table t = { 0 };
	struct err e;

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(qstat_parse(full, sizeof full - 1, &t, &e), 3);
	assert_int_equal(schedfix_row(&t, "1.pbs")->start_at, 1796353200);
	assert_int_equal(schedfix_row(&t, "2.pbs")->start_at, -1);
	assert_int_equal(schedfix_row(&t, "3.pbs")->start_at, -1);
	jobtab_clear(&t);
	assert_int_equal(qstat_parse(json, sizeof json - 1, &t, &e), 1);
	assert_int_equal(schedfix_row(&t, "4.pbs")->start_at, 1796353200);
	jobtab_clear(&t);
}

static void
test_exit_status(void **state)
{
	static const char full[] =
	    "Job Id: 1.torque\n    job_state = C\n    exit_status = -11\n\n"
	    "Job Id: 2.torque\n    job_state = C\n    exit_status = -10\n\n"
	    "Job Id: 3.torque\n    job_state = C\n    exit_status = 271\n\n"
	    "Job Id: 4.torque\n    job_state = C\n    exit_status = 3\n\n"
	    "Job Id: 5.torque\n    job_state = C\n    exit_status = 0\n\n"
	    "Job Id: 6.pbs\n    job_state = F\n    Exit_status = -29\n\n"
	    "Job Id: 7.pbs\n    job_state = F\n    Exit_status = -11\n\n"
	    "Job Id: 8.pbs\n    job_state = F\n    Exit_status = -27\n\n"
	    "Job Id: 9.torque\n    job_state = C\n    exit_status = -x\n\n"
	    "Job Id: 10.torque\n    job_state = R\n    exit_status = 3\n\n";
	static const char xml[] = "<Data><Job><Job_Id>11.t</Job_Id>"
	    "<job_state>C</job_state><exit_status>-11</exit_status></Job>"
	    "</Data>";
	static const char json[] = "{\"Jobs\":{\"12.pbs\":{\"job_state\":"
	    "\"F\",\"Exit_status\":-29}}}";
	static const struct {
		const char *id, *reason;
	} want[] = {
		{ "1.torque", "TimeLimit" }, { "2.torque", "OutOfMemory" },
		{ "3.torque", "RaisedSignal:15" },
		{ "4.torque", "NonZeroExitCode:3" }, { "5.torque", NULL },
		{ "6.pbs", "TimeLimit" }, { "7.pbs", "ExitStatus:-11" },
		{ "8.pbs", "OutOfMemory" }, { "9.torque", NULL },
		{ "10.torque", NULL },
	};
	struct job_table t = { 0 };
	struct err e;

	(void)state;
	assert_int_equal(qstat_parse(full, sizeof full - 1, &t, &e), 10);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct job_row *r = schedfix_row(&t, want[i].id);

		if (want[i].reason == NULL)
			assert_null(r->reason);
		else
			assert_string_equal(r->reason, want[i].reason);
	}
	jobtab_clear(&t);
	assert_int_equal(qstat_parse(xml, sizeof xml - 1, &t, &e), 1);
	assert_string_equal(schedfix_row(&t, "11.t")->reason, "TimeLimit");
	jobtab_clear(&t);
	assert_int_equal(qstat_parse(json, sizeof json - 1, &t, &e), 1);
	assert_string_equal(schedfix_row(&t, "12.pbs")->reason, "TimeLimit");
	jobtab_clear(&t);
}

static void
test_odd_inputs(void **state)
{
	struct job_table t = { 0 };
	struct err e;
	char *in;

	(void)state;
	assert_int_equal(qstat_detect("", 0), QSTAT_EMPTY);
	assert_int_equal(qstat_parse("", 0, &t, &e), 0);
	assert_int_equal(qstat_parse(" \n\n", 3, &t, &e), 0);
	assert_int_equal(qstat_detect("hello\nworld\n", 12), QSTAT_UNKNOWN);
	assert_int_equal(qstat_parse("hello\nworld\n", 12, &t, &e), -1);
	assert_string_equal(e.msg, "qstat output: unknown format (no \"Job "
	    "id\" header, \"Job Id:\" record, XML or JSON)");
	assert_int_equal(qstat_parse("<Foo/>", 6, &t, &e), -1);
	assert_string_equal(e.msg, "qstat -x output: not a <Data> document");
	assert_int_equal(qstat_parse("{]", 2, &t, &e), -1);
	assert_int_equal(qstat_parse("[1]", 3, &t, &e), -1);
	/* Torque's answer for a user without jobs: no Jobs key at all. */
	assert_int_equal(qstat_parse("{\"timestamp\":1}", 15, &t, &e), 0);
	assert_int_equal(qstat_parse("<Data></Data>", 13, &t, &e), 0);
	assert_int_equal(t.n, 0);

	/* -a: an unknown state letter is kept; a short line, a cut line and
	 * a control byte are counted; a name with spaces survives; a host
	 * list on its own line (-n without -1) is attached. */
	in = xasprintf("%s"
	    "7  root debug my job name -- 1 2 -- 01:00 Z 00:05   vm/2\n"
	    "8  root debug short\n"
	    "9  root debug x -- 1 2 -- 01:00 R 00:05   n\033[2J\n"
	    "10 root debug y -- 1 2 4gb 01:00:00 R 00:01:05\n"
	    "   n7/0+n7/1+n8/0\n"
	    "11 root debug z -- 1 2 -- 01:00 R 0", alt_head);
	assert_int_equal(qstat_parse(in, strlen(in), &t, &e), 3);
	assert_int_equal(t.skipped, 2);
	assert_int_equal(schedfix_row(&t, "7")->state, JOB_UNKNOWN);
	assert_string_equal(schedfix_row(&t, "7")->raw_state, "Z");
	assert_string_equal(schedfix_row(&t, "7")->name, "my job name");
	assert_string_equal(schedfix_row(&t, "10")->nodelist, "n7,n8");
	assert_string_equal(schedfix_row(&t, "10")->layout, "2,1");
	assert_string_equal(schedfix_row(&t, "10")->mem, "4gb");
	assert_int_equal(schedfix_row(&t, "10")->elapsed, 65);
	assert_int_equal(schedfix_row(&t, "11")->elapsed, 0);
	jobtab_clear(&t);
	free(in);

	/* -f: a line outside a record, a record without job_state, a line
	 * that is no attribute, a cut last record (kept: it has its state,
	 * but its cut line counts), and a continuation line. */
	{
		const char full[] = "junk before\n"
		    "Job Id: 1.srv\n"
		    "    Job_Name = a\n"
		    "    queue = q\n"
		    "\n"
		    "Job Id: 2.srv\n"
		    "    Job_Name = b\n"
		    "    job_state = R\n"
		    "    exec_host = n1/0+n1/1+n2/\n"
		    "\t0\n"
		    "    Resource_List.nodes = 2:ppn=2\n"
		    "this line is not an attribute\n"
		    "Job Id: 3.srv\n"
		    "    job_state = Q\n"
		    "    Job_Na";

		assert_int_equal(qstat_parse(full, sizeof full - 1, &t, &e), 2);
		assert_int_equal(t.skipped, 4);
		assert_string_equal(schedfix_row(&t, "2.srv")->nodelist, "n1,n2");
		assert_string_equal(schedfix_row(&t, "2.srv")->layout, "2,1");
		assert_int_equal(schedfix_row(&t, "2.srv")->tasks, 4);
		assert_int_equal(schedfix_row(&t, "3.srv")->state, JOB_QUEUED);
		assert_null(schedfix_row(&t, "3.srv")->name);
		jobtab_clear(&t);
	}
}

static void
test_junk(void **state)
{
	struct job_table t = { 0 };
	size_t n = 1 << 20;
	char *junk = schedfix_junk(n, 777, 61, 5, ' ');
	struct err e;

	(void)state;
	/* Every parser on every byte soup: whole rows or nothing. */
	qstat_parse_brief(junk, n, &t);
	qstat_parse_alt(junk, n, &t);
	qstat_parse_full(junk, n, &t);
	assert_int_equal(qstat_parse_xml(junk, n, &t, &e), -1);
	assert_int_equal(qstat_parse_json(junk, n, &t, &e), -1);
	schedfix_rows_whole(&t);
	jobtab_clear(&t);

	/* One enormous -f value spread over continuation lines. */
	{
		size_t lines = 20000, k = 0;
		char *in = xmalloc(lines * 90 + 200);

		k += (size_t)sprintf(in, "Job Id: 5.s\n    job_state = R\n"
		    "    Variable_List = A=1");
		for (size_t i = 0; i < lines; i++)
			k += (size_t)sprintf(in + k, ",\n\tVAR%zu=%060zu", i, i);
		k += (size_t)sprintf(in + k, "\n    Job_Name = big\n");
		assert_int_equal(qstat_parse(in, k, &t, &e), 1);
		assert_string_equal(schedfix_row(&t, "5.s")->name, "big");
		jobtab_clear(&t);
		free(in);
	}
	free(junk);
}

int
main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_exec_host_layout),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_recorded_alt),
		cmocka_unit_test(test_recorded_full_and_brief),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_estimated_start),
		cmocka_unit_test(test_odd_inputs),
		cmocka_unit_test(test_junk),
	};
	const struct CMUnitTest shared[] = {
		cmocka_unit_test(test_torque_full),
		cmocka_unit_test(test_pbspro_full),
		cmocka_unit_test(test_torque_brief),
		cmocka_unit_test(test_torque_alt),
		cmocka_unit_test(test_torque_alt_nodes),
		cmocka_unit_test(test_torque_xml),
		cmocka_unit_test(test_pbs_json),
	};

	return schedfix_run("qstat", own, sizeof own / sizeof own[0], shared,
	    sizeof shared / sizeof shared[0]);
}
