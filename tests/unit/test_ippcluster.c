/* ipyparallel's cluster files (core/ippcluster.h): what hpctop writes for
 * each backend (launcher classes, pids, job ids, gone engines left out,
 * none for ssh), the write (mode 0600, only when changed) and removal,
 * stopped_outside, and adoption of files others wrote (a live pid is
 * recorded with its start time, a dead one or an unknown launcher class
 * is not, the notebook's null n). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cluster.h"
#include "core/host.h"
#include "core/ippcluster.h"
#include "core/loop.h"
#include "core/paths.h"
#include "core/procsnap.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

static json_t *
parsed(const struct cluster *c)
{
	char *text = ippcluster_json(c);
	json_t *root;

	assert_non_null(text);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	free(text);
	return root;
}

static const char *
str_at(json_t *root, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	json_t *v = root;
	static char buf[256];

	for (char *k = strtok_r(copy, ".", &save); k != NULL;
	    k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k)) :
		    json_object_get(v, k);
	free(copy);
	if (json_is_string(v))
		snprintf(buf, sizeof buf, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%lld",
		    (long long)json_integer_value(v));
	else
		snprintf(buf, sizeof buf, "%s", v == NULL ? "(none)" : "?");
	return buf;
}

static void
test_local(void **state)
{
	struct cluster *c = testutil_cluster("loc", "backend: local\n", 2);
	struct cluster_proc *p;
	json_t *root;
	char *path, *want;
	struct stat st;
	struct loop *l = loop_new();

	(void)state;
	cluster_add_proc(c, CLUSTER_CONTROLLER, "ipcontroller", 100, NULL, 0,
	    NULL, "/l/c.log");
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.0", 101, NULL, 1,
	    NULL, "/l/e0.log");
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.1", 102, NULL, 1,
	    NULL, "/l/e1.log");
	root = parsed(c);
	assert_string_equal(str_at(root, "cluster.class"),
	    "ipyparallel.cluster.cluster.Cluster");
	assert_string_equal(str_at(root, "cluster.n"), "2");
	assert_string_equal(str_at(root, "controller.class"), "local");
	assert_string_equal(str_at(root, "controller.state.pid"), "100");
	assert_string_equal(str_at(root, "controller.state.state"), "running");
	assert_string_equal(str_at(root, "engines.class"), "local");
	assert_string_equal(str_at(root, "engines.sets.hpctop.n"), "2");
	assert_string_equal(str_at(root, "engines.sets.hpctop.engines.1.pid"),
	    "102");
	assert_string_equal(str_at(root,
	    "engines.sets.hpctop.engines.1.output_file"), "/l/e1.log");
	json_decref(root);

	/* Engine 0 went: left out, the others keep their keys. */
	c->procs[1].live = CLUSTER_LIVE_GONE;
	root = parsed(c);
	assert_string_equal(str_at(root, "engines.sets.hpctop.n"), "1");
	assert_string_equal(str_at(root, "engines.sets.hpctop.engines.0"),
	    "(none)");
	assert_string_equal(str_at(root, "engines.sets.hpctop.engines.1.pid"),
	    "102");
	json_decref(root);

	/* Written 0600 where ipyparallel looks, meta names it. */
	path = ippcluster_path(c);
	want = xasprintf("%s/ipy dir/profile_loc/security/cluster-.json",
	    testutil_state_dir());
	assert_string_equal(path, want);
	assert_int_equal(ippcluster_sync(l, c, NULL), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(cluster_meta_get(c, IPPCLUSTER_META), path);
	assert_false(ippcluster_stopped_outside(l, c));

	/* Everything gone and the file removed by another: stopped. */
	c->complete = true;
	for (size_t i = 0; i < c->nprocs; i++)
		c->procs[i].live = CLUSTER_LIVE_GONE;
	assert_false(ippcluster_stopped_outside(l, c));
	ippcluster_remove(l, c);
	assert_int_equal(access(path, F_OK), -1);
	assert_true(ippcluster_stopped_outside(l, c));
	p = &c->procs[0];
	p->live = CLUSTER_LIVE_RUNNING;
	assert_false(ippcluster_stopped_outside(l, c));
	free(want);
	free(path);
	cluster_free(c);

	/* On another machine: its home there not asked yet, so its paths are
	 * not known and nothing is written (nor asked). */
	c = testutil_cluster("far", "backend: local\nhost: nowhere.invalid\n",
	    1);
	cluster_add_proc(c, CLUSTER_CONTROLLER, "ipcontroller", 100, NULL, 0,
	    NULL, NULL);
	root = parsed(c);
	assert_string_equal(str_at(root, "controller.state.pid"), "100");
	json_decref(root);
	assert_int_equal(ippcluster_sync(l, c, NULL), 0);
	assert_null(cluster_meta_get(c, IPPCLUSTER_META));
	c->complete = true;
	c->procs[0].live = CLUSTER_LIVE_GONE;
	cluster_meta_set(c, IPPCLUSTER_META, "/nowhere/cluster-.json");
	assert_false(ippcluster_stopped_outside(l, c));
	cluster_free(c);
	host_free_all();
	loop_free(l);
}

/* The file of a cluster of one engines process or job. */
static json_t *
engines_only(const char *yaml, pid_t pid, const char *job, int n)
{
	struct cluster *c = testutil_cluster("one", yaml, n);
	json_t *root;

	cluster_add_proc(c, CLUSTER_ENGINES, "engines", pid, job, n, NULL,
	    NULL);
	root = parsed(c);
	cluster_free(c);
	return root;
}

static void
test_batch_mpi_ssh(void **state)
{
	struct cluster *c = testutil_cluster("sl", "backend: slurm\n", 4);
	json_t *root;

	(void)state;
	cluster_add_proc(c, CLUSTER_CONTROLLER, "controller", 0, "17", 0,
	    NULL, NULL);
	cluster_add_proc(c, CLUSTER_ENGINES, "engines", 0, "18", 4, NULL,
	    NULL);
	root = parsed(c);
	assert_string_equal(str_at(root, "controller.class"), "slurm");
	assert_string_equal(str_at(root, "controller.state.job_id"), "17");
	assert_string_equal(str_at(root, "engines.class"), "slurm");
	assert_string_equal(str_at(root, "engines.sets.0.job_id"), "18");
	assert_string_equal(str_at(root, "engines.sets.0.n"), "4");
	json_decref(root);
	cluster_free(c);

	root = engines_only("backend: pbs\n", 0, "9.server", 2);
	assert_string_equal(str_at(root, "engines.class"),
	    "ipyparallel.cluster.launcher.PBSEngineSetLauncher");
	assert_string_equal(str_at(root, "engines.sets.0.job_id"), "9.server");
	json_decref(root);

	root = engines_only("backend: mpi\n", 300, NULL, 3);
	assert_string_equal(str_at(root, "engines.class"), "mpi");
	assert_string_equal(str_at(root, "engines.sets.0.pid"), "300");
	assert_string_equal(str_at(root, "engines.sets.0.n"), "3");
	json_decref(root);

	/* ssh: SSHEngineSetLauncher, each engine with its host, pid, log
	 * there and how ipcluster reaches it (hpctop's ssh config). */
	setenv("HPCTOP_SSH_CONFIG", "/etc/x/ssh_config", 1);
	c = testutil_cluster("sh", "backend: ssh\nhosts: [a, b]\nengine:\n"
	    "  command: [/opt/py/bin/python3, -m, ipyparallel.engine]\n", 2);
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.0", 300, NULL, 1, "a",
	    ".hpctop/ssh/sh/engine-0.log");
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.1", 301, NULL, 1, "b",
	    ".hpctop/ssh/sh/engine-1.log");
	root = parsed(c);
	assert_string_equal(str_at(root, "engines.class"), "ssh");
	assert_string_equal(str_at(root, "engines.sets.hpctop.n"), "2");
	assert_string_equal(str_at(root, "engines.sets.hpctop.engines.1.pid"),
	    "301");
	assert_string_equal(str_at(root,
	    "engines.sets.hpctop.engines.1.hostname"), "b");
	assert_string_equal(str_at(root,
	    "engines.sets.hpctop.engines.0.remote_output_file"),
	    ".hpctop/ssh/sh/engine-0.log");
	assert_string_equal(str_at(root,
	    "engines.sets.hpctop.engines.0.remote_python"),
	    "/opt/py/bin/python3");
	assert_string_equal(str_at(root,
	    "engines.sets.hpctop.engines.0.ssh_args.1"), "/etc/x/ssh_config");
	json_decref(root);
	cluster_free(c);
	unsetenv("HPCTOP_SSH_CONFIG");
	/* An ipengine command: python3 of the host's PATH, as ipyparallel. */
	c = testutil_cluster("sh", "backend: ssh\nhosts: [a]\n", 1);
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.0", 300, NULL, 1, "a",
	    NULL);
	root = parsed(c);
	assert_string_equal(str_at(root,
	    "engines.sets.hpctop.engines.0.remote_python"), "python3");
	assert_string_equal(str_at(root,
	    "engines.sets.hpctop.engines.0.ssh_args.0"), "(none)");
	json_decref(root);
	cluster_free(c);
}

static void
put(const char *profile, const char *id, const char *text)
{
	char *dir = xasprintf("%s/ipy dir/profile_%s/security",
	    testutil_state_dir(), profile);
	char *path = xasprintf("%s/cluster-%s.json", dir, id);
	FILE *f;

	assert_int_equal(paths_mkdir_p(dir, 0700, NULL), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
	free(dir);
}

static void
test_adopt(void **state)
{
	struct strv names = STRV_INIT;
	struct cluster *c;
	char *live;
	bool missing;
	struct loop *l = loop_new();

	(void)state;
	live = xasprintf("{\"cluster\": {\"cluster_id\": \"nb\", \"n\": null},"
	    " \"controller\": {\"class\": \"local\", \"state\": {\"pid\": %d,"
	    " \"output_file\": \"/l/ctl.log\"}}, \"engines\": {\"class\":"
	    " \"local\", \"sets\": {\"s\": {\"n\": 1, \"engines\": {\"0\":"
	    " {\"pid\": %d, \"n\": 1}}}}}}", (int)getpid(), (int)getpid());
	put("ad", "nb", live);
	/* Nothing of it runs (pid of no process): not adopted. */
	put("dead", "", "{\"cluster\": {\"n\": 1}, \"controller\": {\"class\":"
	    " \"local\", \"state\": {\"pid\": 4194000}}, \"engines\":"
	    " {\"class\": \"local\", \"sets\": {}}}");
	/* A launcher hpctop has no backend for. */
	put("odd", "", "{\"cluster\": {\"n\": 1}, \"controller\": {\"class\":"
	    " \"local\", \"state\": {\"pid\": 1}}, \"engines\": {\"class\":"
	    " \"ssh\", \"sets\": {}}}");
	put("bad", "", "not json");
	ippcluster_adopt_all(&names);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], "ad.nb");
	c = cluster_load("ad.nb", &missing, NULL);
	assert_non_null(c);
	assert_string_equal(c->backend, "local");
	assert_string_equal(c->cluster_id, "nb");
	assert_string_equal(c->ipython_profile, "ad");
	assert_int_equal(c->engines, 1);
	assert_int_equal(c->nprocs, 2);
	assert_int_equal(c->procs[0].pid, getpid());
	assert_int_equal(c->procs[0].start_time, procsnap_pid_start(getpid()));
	assert_string_equal(c->procs[0].log, "/l/ctl.log");
	/* Started when this test did (its elapsed time is the process's). */
	assert_true(c->procs[0].started <= (double)time(NULL) + 1 &&
	    c->procs[0].started > (double)time(NULL) - 300);
	assert_true(c->started == c->procs[0].started);
	assert_true(ippcluster_adopted(c));
	assert_true(c->complete);
	/* Its file is its writer's: never rewritten. */
	assert_int_equal(ippcluster_sync(l, c, NULL), 0);
	cluster_free(c);
	strv_clear(&names);
	/* Once recorded, not again. */
	ippcluster_adopt_all(&names);
	assert_int_equal(names.n, 0);
	free(live);
	host_free_all();
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_batch_mpi_ssh),
		cmocka_unit_test(test_adopt),
	};

	return cmocka_run_group_tests(tests, testutil_state_setup,
	    testutil_state_teardown);
}
