/* core/nodes: node lists expanded (Slurm hostlists, qstat's hosts),
 * hostnames matched short against fully qualified, expected engines per
 * node from tasks_per_node or an even split (flagged as a guess), and the
 * report of a constructed cluster with its job table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nodes.h"
#include "core/xmalloc.h"

/* The expansion joined by spaces, or "ERR: message". Caller frees. */
static char *
expand(const char *list)
{
	struct strv sv = STRV_INIT;
	struct err e;
	char *out;

	err_clear(&e);
	if (nodes_expand(list, &sv, &e) == -1) {
		assert_true(e.msg[0] != '\0');
		strv_clear(&sv);
		return xasprintf("ERR: %s", e.msg);
	}
	out = strv_join(&sv, " ");
	strv_clear(&sv);
	return out;
}

static void
assert_expands(const char *list, const char *want)
{
	char *got = expand(list);

	if (strcmp(got, want) != 0)
		fail_msg("'%s' expands to '%s', want '%s'", list, got, want);
	free(got);
}

static void
test_expand(void **state)
{
	assert_expands("cn1", "cn1");
	assert_expands("cn[1-2]", "cn1 cn2");
	assert_expands("cn1,cn2", "cn1 cn2");
	assert_expands("cn[1-3,7],login", "cn1 cn2 cn3 cn7 login");
	assert_expands("n[08-11]", "n08 n09 n10 n11");
	assert_expands("n[001-002]", "n001 n002");
	assert_expands("r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2");
	assert_expands("a[1]b[1]c[1]d[1]e[1]f[1]g[1]h[1]", "a1b1c1d1e1f1g1h1");
	assert_expands("gpu[1-2]-ib", "gpu1-ib gpu2-ib");
	assert_expands("cn1.cluster.example,cn[2-3].cluster.example",
	    "cn1.cluster.example cn2.cluster.example cn3.cluster.example");
	assert_expands("cn[2]", "cn2");
	assert_expands(" cn1 \n", "cn1");
}

static void
test_expand_malformed(void **state)
{
	static const struct {
		const char *list, *want;
	} cases[] = {
		{ "", "ERR: node list '': empty" },
		{ "cn[1-", "ERR: node list 'cn[1-': no ']'" },
		{ "cn1]", "ERR: node list 'cn1]': ']' without '['" },
		{ "cn[2-1]", "ERR: node list 'cn[2-1]': range '2-1' runs "
		    "backwards" },
		{ "cn[a-b]", "ERR: node list 'cn[a-b]': 'a-b' is not a "
		    "number or range" },
		{ "cn[]", "ERR: node list 'cn[]': '' is not a number or "
		    "range" },
		{ "cn[1,]", "ERR: node list 'cn[1,]': '' is not a number or "
		    "range" },
		{ "cn1,,cn2", "ERR: node list 'cn1,,cn2': an empty name" },
		{ "cn1 cn2", "ERR: node list 'cn1 cn2': a space or control "
		    "character in a name" },
		{ "n[0-99999999]", "ERR: node list 'n[0-99999999]': more "
		    "than 65536 names" },
		{ "a[0-999]b[0-999]", "ERR: node list 'a[0-999]b[0-999]': "
		    "more than 65536 names" },
		{ "a[1]b[1]c[1]d[1]e[1]f[1]g[1]h[1]i[1]", "ERR: node list "
		    "'a[1]b[1]c[1]d[1]e[1]f[1]g[1]h[1]i[1]': more than 8 "
		    "bracket groups in a name" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_expands(cases[i].list, cases[i].want);
}

static void
test_count_ids(void **state)
{
	static const struct {
		const char *s;
		long want;
	} cases[] = {
		{ "0", 1 }, { "0-3", 4 }, { "0-3,6", 5 }, { "1-3,0", 4 },
		{ "7,9,11", 3 }, { "", -1 }, { "3-1", -1 }, { "0-", -1 },
		{ "-2", -1 }, { "0,", -1 }, { "a", -1 }, { "0-1-2", -1 },
		{ "1234567890", -1 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (nodes_count_ids(cases[i].s, strlen(cases[i].s)) !=
		    cases[i].want)
			fail_msg("'%s': %ld, want %ld", cases[i].s,
			    nodes_count_ids(cases[i].s, strlen(cases[i].s)),
			    cases[i].want);
}

static void
test_same_host(void **state)
{
	assert_true(nodes_same_host("cn1", "cn1"));
	assert_true(nodes_same_host("cn1", "CN1"));
	assert_true(nodes_same_host("cn1", "cn1.cluster.example"));
	assert_true(nodes_same_host("cn1.cluster.example", "cn1"));
	assert_true(nodes_same_host("cn1.cluster.example",
	    "CN1.Cluster.Example"));
	assert_false(nodes_same_host("cn1", "cn10"));
	assert_false(nodes_same_host("cn1", "cn10.cluster.example"));
	assert_false(nodes_same_host("cn1.a.example", "cn1.b.example"));
	assert_false(nodes_same_host("cn1", "cn2"));
	assert_false(nodes_same_host("cn1", ".example"));
}

static void
assert_summary(const struct nodes_report *r, const char *want)
{
	char *got = nodes_summary(r);

	assert_string_equal(got, want);
	free(got);
}

/* The notes joined by "|" ("" for none). */
static void
assert_notes(const struct nodes_report *r, const char *want)
{
	struct strv notes = STRV_INIT;
	char *got;

	nodes_notes(r, &notes);
	got = strv_join(&notes, "|");
	assert_string_equal(got != NULL ? got : "", want);
	free(got);
	strv_clear(&notes);
}

static void
test_per_node(void **state)
{
	struct nodes_report r = { 0 };
	struct err e;

	/* tasks_per_node 2: as asked, the last node what is left. */
	assert_int_equal(nodes_add_job(&r, "cn[1-3]", NULL, 5, 2, &e), 0);
	assert_summary(&r, "cn1 0/2  cn2 0/2  cn3 0/1");
	assert_false(r.guessed);
	assert_false(r.v[0].guessed);
	nodes_clear(&r);

	/* No tasks_per_node: an even split, the remainder first. */
	assert_int_equal(nodes_add_job(&r, "cn[1-3]", NULL, 5, 0, &e), 0);
	assert_summary(&r, "cn1 0/2  cn2 0/2  cn3 0/1 (guess: even split)");
	assert_true(r.guessed);
	assert_true(r.v[2].guessed);
	nodes_clear(&r);

	assert_int_equal(nodes_add_job(&r, "cn1,cn2", NULL, 4, 2, &e), 0);
	assert_summary(&r, "cn1 0/2  cn2 0/2");
	/* A second job on a node already listed adds to it. */
	assert_int_equal(nodes_add_job(&r, "cn2", NULL, 1, 1, &e), 0);
	assert_summary(&r, "cn1 0/2  cn2 0/3");
	nodes_clear(&r);

	/* One node: all there, no guess. */
	assert_int_equal(nodes_add_job(&r, "cn1", NULL, 4, 0, &e), 0);
	assert_summary(&r, "cn1 0/4");
	assert_false(r.guessed);
	nodes_clear(&r);

	assert_int_equal(nodes_add_job(&r, "cn[1-", NULL, 4, 2, &e), -1);
	assert_string_equal(e.msg, "node list 'cn[1-': no ']'");
	assert_int_equal(r.n, 0);
	nodes_clear(&r);
}

static void
test_layout(void **state)
{
	struct nodes_report r = { 0 };
	struct err e;

	/* The scheduler's layout wins over tasks_per_node and the guess. */
	assert_int_equal(nodes_add_job(&r, "cn1,cn2", "3,1", 4, 2, &e), 0);
	assert_summary(&r, "cn1 0/3  cn2 0/1");
	assert_false(r.guessed);
	nodes_clear(&r);
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", "3,1", 4, 0, &e), 0);
	assert_summary(&r, "cn1 0/3  cn2 0/1");
	assert_false(r.guessed);
	nodes_clear(&r);
	/* More slots than engines: the first nodes take them. */
	assert_int_equal(nodes_add_job(&r, "b1,b2", "16,16", 20, 0, &e), 0);
	assert_summary(&r, "b1 0/16  b2 0/4");
	nodes_clear(&r);
	/* A layout that does not fit the node list is ignored. */
	static const char *const bad[] = { "3", "3,1,1", "3,x", "3,", ",3",
		"3;1", "-3,1", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(nodes_add_job(&r, "cn1,cn2", bad[i], 4, 0, &e),
		    0);
		assert_summary(&r, "cn1 0/2  cn2 0/2 (guess: even split)");
		nodes_clear(&r);
	}
}

static void
test_hosts_and_notes(void **state)
{
	struct nodes_report r = { 0 };
	struct err e;

	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 2, &e), 0);
	nodes_add_host(&r, "cn1.cluster.example");
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "CN2");
	nodes_add_host(&r, "cn2");
	assert_summary(&r, "cn1 2/2  cn2 2/2");
	assert_notes(&r, "");
	assert_false(nodes_missing(&r, 1));
	nodes_clear(&r);

	/* cn2's engines missing; one engine elsewhere, one unknown: they
	 * may be cn2's, so cn2 is not named, but the count is explained. */
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 0, &e), 0);
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "login");
	nodes_add_host(&r, NULL);
	assert_summary(&r, "cn1 2/2  cn2 0/2 (guess: even split)");
	assert_false(nodes_missing(&r, 1));
	assert_int_equal(r.elsewhere, 1);
	assert_int_equal(r.unknown, 1);
	assert_notes(&r,
	    "1 engine registered from a host that is none of the jobs' "
	    "nodes|"
	    "1 engine whose hostname is not known (not asked yet, busy, or "
	    "the controller did not answer)");
	nodes_clear(&r);

	/* One engine elsewhere cannot be both of cn2's. */
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 0, &e), 0);
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "login");
	assert_true(nodes_missing(&r, 1));
	assert_notes(&r, "cn2: 0/2 engines registered|"
	    "1 engine registered from a host that is none of the jobs' "
	    "nodes|"
	    "engines per node are a guess (an even split): the profile sets "
	    "no tasks_per_node");
	nodes_clear(&r);

	/* Hosts not known yet: no node named missing, the reason said. */
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 2, &e), 0);
	for (int i = 0; i < 4; i++)
		nodes_add_host(&r, NULL);
	assert_summary(&r, "cn1 0/2  cn2 0/2");
	assert_false(nodes_missing(&r, 0));
	assert_false(nodes_missing(&r, 1));
	assert_notes(&r, "4 engines whose hostname is not known (not "
	    "asked yet, busy, or the controller did not answer)");
	nodes_clear(&r);
	/* One unknown cannot make up for cn2's 2. */
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 2, &e), 0);
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, NULL);
	assert_true(nodes_missing(&r, 1));
	nodes_clear(&r);

	/* A guess the scheduler did otherwise (3 and 1): all 4 there, no
	 * node missing; 2 and 0 is cn2 missing whatever the layout. */
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 0, &e), 0);
	for (int i = 0; i < 3; i++)
		nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "cn2");
	assert_summary(&r, "cn1 3/2  cn2 1/2 (guess: even split)");
	assert_false(nodes_missing(&r, 1));
	assert_notes(&r, "");
	nodes_clear(&r);
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 0, &e), 0);
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "cn2");
	nodes_add_host(&r, "cn1");
	assert_false(nodes_missing(&r, 0));
	assert_true(nodes_missing(&r, 1));
	nodes_clear(&r);
	assert_int_equal(nodes_add_job(&r, "cn[1-2]", NULL, 4, 0, &e), 0);
	nodes_add_host(&r, "cn1");
	nodes_add_host(&r, "cn1");
	assert_true(nodes_missing(&r, 1));
	nodes_clear(&r);
}

/* A slurm-like record: controller job 10 and engines job 11 of 4 engines
 * with tasks_per_node 2, and the scheduler's table. */
static void
test_of_cluster(void **state)
{
	struct cluster c;
	struct cluster_proc procs[2];
	struct profile p;
	struct job_table t = { 0 };
	struct job_row *row;
	struct nodes_report r = { 0 };
	char *hosts[] = { "cn1", "cn1.cluster.example", "cn2", NULL };

	memset(&c, 0, sizeof c);
	memset(procs, 0, sizeof procs);
	memset(&p, 0, sizeof p);
	p.tasks_per_node = 2;
	procs[0].role = CLUSTER_CONTROLLER;
	procs[0].job_id = "10";
	procs[0].live = CLUSTER_LIVE_RUNNING;
	procs[1].role = CLUSTER_ENGINES;
	procs[1].job_id = "11";
	procs[1].engines = 4;
	c.procs = procs;
	c.nprocs = 2;
	c.engines = 4;
	c.profile = &p;
	row = jobtab_append(&t);
	row->id = xstrdup("10");
	row->state = JOB_RUNNING;
	row->nodelist = xstrdup("cn1");
	row = jobtab_append(&t);
	row->id = xstrdup("11");
	row->state = JOB_QUEUED;

	/* Pending: no nodes yet, nothing to say. */
	nodes_of_cluster(&r, &c, &t, hosts, 4);
	assert_int_equal(r.n, 0);
	assert_notes(&r, "");
	nodes_clear(&r);

	/* Running on cn[1-2]: the controller job's node is not counted. */
	t.v[1].state = JOB_RUNNING;
	t.v[1].nodelist = xstrdup("cn[1-2]");
	nodes_of_cluster(&r, &c, &t, hosts, 4);
	assert_summary(&r, "cn1 2/2  cn2 1/2");
	assert_int_equal(r.unknown, 1);
	assert_null(r.error);
	nodes_clear(&r);

	/* The controller gone: its registry is stale, no report. */
	procs[0].live = CLUSTER_LIVE_GONE;
	nodes_of_cluster(&r, &c, &t, hosts, 4);
	assert_int_equal(r.n, 0);
	procs[0].live = CLUSTER_LIVE_RUNNING;

	/* A layout from the scheduler (PBS exec_host) beats
	 * tasks_per_node. */
	t.v[1].layout = xstrdup("3,1");
	nodes_of_cluster(&r, &c, &t, hosts, 4);
	assert_summary(&r, "cn1 2/3  cn2 1/1");
	nodes_clear(&r);

	free(t.v[1].nodelist);
	t.v[1].nodelist = xstrdup("cn[1-");
	nodes_of_cluster(&r, &c, &t, hosts, 4);
	assert_string_equal(r.error, "job 11: node list 'cn[1-': no ']'");
	assert_notes(&r, "job 11: node list 'cn[1-': no ']'");
	nodes_clear(&r);
	jobtab_clear(&t);
}

/* A job on 60000 nodes, an engine from each (FQDN), in reverse order:
 * every one counted on its node (sorted index, not a scan per engine). */
static void
test_big_job(void **state)
{
	char host[64];
	struct err e;
	struct nodes_report r = { 0 };

	assert_int_equal(nodes_add_job(&r, "n[00000-59999]", NULL, 60000, 1,
	    &e), 0);
	assert_int_equal(r.n, 60000);
	for (int i = 59999; i >= 0; i--) {
		snprintf(host, sizeof host, "N%05d.cluster.example", i);
		nodes_add_host(&r, host);
	}
	nodes_add_host(&r, "n60000");
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.v[i].registered, 1);
	assert_string_equal(r.v[0].name, "n00000");
	assert_string_equal(r.v[59999].name, "n59999");
	assert_int_equal(r.elsewhere, 1);
	nodes_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_expand_malformed),
		cmocka_unit_test(test_count_ids),
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_per_node),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_big_job),
		cmocka_unit_test(test_hosts_and_notes),
		cmocka_unit_test(test_of_cluster),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
