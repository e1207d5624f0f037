/* The cluster record: save/load round trip, mode 0600, listing, removal,
 * corrupt records, the engine registry (lost engines), liveness, process
 * identity (a reused pid is not ours) and the start/stop lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/procfs.h"
#include "core/cluster.h"
#include "core/file.h"
#include "core/paths.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

static const char yaml[] = "backend: local\nengines: 3\n"
    "env: {A: \"it's\"}\nsetup: [\"echo hi\"]\n";

static struct cluster *
mk(const char *name)
{
	struct err e;
	struct profile *p = profile_load_buffer(yaml, strlen(yaml), "x.yaml",
	    name, &e);
	struct cluster *c;

	assert_non_null(p);
	c = cluster_new(p, yaml, 4, &e);
	assert_non_null(c);
	profile_free(p);
	return c;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}


static void
test_round_trip(void **state)
{
	struct cluster *c = mk("t1"), *d;
	struct err e;
	struct stat st;
	char *path;
	bool missing;
	int ids[] = { 2, 0 };

	(void)state;
	cluster_add_proc(c, CLUSTER_CONTROLLER, "ipcontroller", 100, NULL, 0,
	    "h", "/l/c.log");
	cluster_add_proc(c, CLUSTER_ENGINES, "sbatch", 0, "123.x", 4, NULL,
	    NULL);
	cluster_meta_set(c, "mpi_family", "openmpi");
	cluster_meta_set(c, "mpi_family", "hydra");
	assert_true(cluster_set_ids(c, ids, 2));
	assert_false(cluster_set_ids(c, ids, 1));
	assert_int_equal(cluster_save(c, &e), 0);
	path = xasprintf("%s/cluster.json", c->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(path);

	d = cluster_load("t1", &missing, &e);
	if (d == NULL)
		fail_msg("%s", e.msg);
	assert_string_equal(d->name, "t1");
	assert_string_equal(d->backend, "local");
	assert_string_equal(d->profile_yaml, yaml);
	assert_string_equal(profile_getenv(d->profile, "A"), "it's");
	assert_int_equal(d->engines, 4);
	assert_string_equal(d->client_file, c->client_file);
	assert_int_equal(d->nprocs, 2);
	assert_int_equal(d->procs[0].role, CLUSTER_CONTROLLER);
	assert_int_equal(d->procs[0].pid, 100);
	assert_string_equal(d->procs[0].log, "/l/c.log");
	assert_null(d->procs[0].job_id);
	assert_string_equal(d->procs[1].job_id, "123.x");
	assert_int_equal(d->procs[1].engines, 4);
	assert_string_equal(cluster_meta_get(d, "mpi_family"), "hydra");
	assert_null(cluster_meta_get(d, "mpi"));
	assert_int_equal(d->nseen, 2);
	assert_int_equal(d->seen_ids[0], 0);
	assert_int_equal(d->seen_ids[1], 2);
	assert_true(d->started > 1e9);
	cluster_free(d);

	assert_int_equal(cluster_remove(c, &e), 0);
	assert_null(cluster_load("t1", &missing, &e));
	assert_true(missing);
	cluster_free(c);
}

/* A cluster on another machine: the record names the host and its home,
 * and its work files and connection files are there; a record of this
 * machine has neither key, and one without them loads as local. */
static void
test_round_trip_host(void **state)
{
	static const char hy[] = "backend: slurm\nhost: me@login1\n";
	struct profile *p;
	struct cluster *c, *d;
	struct err e;
	char *path, *text, *w;
	bool missing;
	size_t len;

	(void)state;
	p = profile_load_buffer(hy, strlen(hy), "h.yaml", "h", &e);
	assert_non_null(p);
	c = cluster_new(p, hy, 2, &e);
	assert_non_null(c);
	profile_free(p);
	assert_string_equal(c->host, "me@login1");
	assert_null(c->host_home);
	/* Placed: what cluster_place sets once the home is known. */
	c->host_home = xstrdup("/home/me");
	free(c->client_file);
	free(c->engine_file);
	c->client_file = xstrdup("/home/me/.ipython/profile_h/security/"
	    "ipcontroller-client.json");
	c->engine_file = NULL;
	w = cluster_work_dir(c);
	assert_string_equal(w, "/home/me/.local/state/hpctop/clusters/h");
	free(w);
	w = cluster_log_path(c, "controller");
	assert_string_equal(w, "/home/me/.local/state/hpctop/clusters/h/"
	    "logs/controller.log");
	free(w);
	w = cluster_tasks_dir(c);
	assert_string_equal(w, "/home/me/.local/state/hpctop/clusters/h/"
	    "tasks");
	free(w);
	w = cluster_engine_state_path(c);
	assert_string_equal(w, "/home/me/.ipython/profile_h/log/"
	    "engines.json");
	free(w);
	/* The record itself stays here. */
	assert_int_equal(strncmp(c->dir, "/home/me/", 9) == 0, 0);
	assert_int_equal(cluster_save(c, &e), 0);
	d = cluster_load("h", &missing, &e);
	if (d == NULL)
		fail_msg("%s", e.msg);
	assert_string_equal(d->host, "me@login1");
	assert_string_equal(d->host_home, "/home/me");
	assert_string_equal(d->client_file, c->client_file);
	w = cluster_work_dir(d);
	assert_string_equal(w, "/home/me/.local/state/hpctop/clusters/h");
	free(w);
	/* Asking again is a no-op once the home is known. */
	assert_int_equal(cluster_place(NULL, d, &e), 0);
	cluster_free(d);
	assert_int_equal(cluster_remove(c, &e), 0);
	cluster_free(c);

	c = mk("loc");
	assert_null(c->host);
	assert_int_equal(cluster_save(c, &e), 0);
	path = xasprintf("%s/cluster.json", c->dir);
	assert_int_equal(file_read(path, 1 << 20, 0, &text, &len, &e), 0);
	assert_null(strstr(text, "\"host\""));
	assert_null(strstr(text, "host_home"));
	free(text);
	free(path);
	w = cluster_work_dir(c);
	assert_string_equal(w, c->dir);
	free(w);
	d = cluster_load("loc", &missing, &e);
	assert_non_null(d);
	assert_null(d->host);
	assert_int_equal(cluster_place(NULL, d, &e), 0);
	cluster_free(d);
	assert_int_equal(cluster_remove(c, &e), 0);
	cluster_free(c);
}

static void
test_list_and_corrupt(void **state)
{
	struct cluster *a = mk("a"), *b = mk("b");
	struct strv names = STRV_INIT;
	struct err e;
	char *path;
	bool missing;

	(void)state;
	assert_int_equal(cluster_save(b, &e), 0);
	assert_int_equal(cluster_save(a, &e), 0);
	cluster_list(&names);
	assert_int_equal(names.n, 2);
	assert_string_equal(names.v[0], "a");
	assert_string_equal(names.v[1], "b");
	strv_clear(&names);

	path = xasprintf("%s/cluster.json", a->dir);
	write_file(path, "{\"version\": 1, \"name\": ");
	assert_null(cluster_load("a", &missing, &e));
	assert_false(missing);
	assert_non_null(strstr(e.msg, "cluster.json:1:"));
	write_file(path, "{\"version\": 7}");
	assert_null(cluster_load("a", &missing, &e));
	assert_non_null(strstr(e.msg, "unsupported record version"));
	/* The first string that is missing or not one is named. */
	write_file(path, "{\"version\": 1, \"name\": \"a\", \"backend\": 3}");
	assert_null(cluster_load("a", &missing, &e));
	assert_non_null(strstr(e.msg, "cluster.json: \"backend\" is not a "
	    "string"));
	write_file(path, "{\"version\": 1, \"name\": \"a\", \"backend\": "
	    "\"local\", \"boot_id\": null}");
	assert_null(cluster_load("a", &missing, &e));
	assert_non_null(strstr(e.msg,
	    "cluster.json: missing \"profile_yaml\""));
	write_file(path, "{\"version\": 1, \"name\": \"a\", \"backend\": \"local\","
	    " \"profile_yaml\": \"backend: local\\n\", \"ipython_profile\": \"a\","
	    " \"engines\": 2, \"procs\": [{\"role\": \"boss\", \"name\": \"x\","
	    " \"pid\": 1}]}");
	assert_null(cluster_load("a", &missing, &e));
	assert_non_null(strstr(e.msg, "unknown role 'boss'"));
	write_file(path, "{\"version\": 1, \"name\": \"b\", \"backend\": \"local\","
	    " \"profile_yaml\": \"backend: local\\n\", \"ipython_profile\": \"a\","
	    " \"engines\": 2, \"procs\": []}");
	assert_null(cluster_load("a", &missing, &e));
	assert_non_null(strstr(e.msg, "record is for 'b'"));
	write_file(path, "{\"version\": 1, \"name\": \"a\", \"backend\": \"local\","
	    " \"profile_yaml\": \"backend: locl\\n\", \"ipython_profile\": \"a\","
	    " \"engines\": 2, \"procs\": []}");
	assert_null(cluster_load("a", &missing, &e));
	assert_non_null(strstr(e.msg, "profile snapshot"));
	free(path);
	assert_int_equal(cluster_remove(a, &e), 0);
	assert_int_equal(cluster_remove(b, &e), 0);
	cluster_free(a);
	cluster_free(b);
}

static void
test_engine_state(void **state)
{
	struct cluster *c = mk("es");
	struct err e;
	char *path = cluster_engine_state_path(c), *dir;
	int *lost;
	size_t n;

	(void)state;
	assert_non_null(strstr(path, "/profile_es/log/engines.json"));
	/* No file yet: nothing registered. */
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), 0);
	assert_true(c->ids_known);
	assert_int_equal(c->nids, 0);
	dir = xasprintf("%s/ipy dir/profile_es/log", testutil_state_dir());
	assert_int_equal(paths_mkdir_p(dir, 0700, &e), 0);
	write_file(path, "{\"engines\": {\"2\": \"u2\", \"0\": \"u0\", \"1\": "
	    "\"u1\"}, \"next_id\": 3}");
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), 0);
	assert_int_equal(c->nids, 3);
	assert_int_equal(c->nseen, 3);
	write_file(path, "{\"engines\": {\"2\": \"u2\", \"0\": \"u0\"}, "
	    "\"next_id\": 3}");
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), 0);
	assert_int_equal(c->nids, 2);
	n = cluster_lost_ids(c, &lost);
	assert_int_equal(n, 1);
	assert_int_equal(lost[0], 1);
	free(lost);
	/* Caught while the Hub rewrites it (empty, or cut short): the last
	 * good read stands. */
	write_file(path, "");
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), 0);
	assert_int_equal(c->nids, 2);
	write_file(path, "{\"engines\": {\"2\": \"u");
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), 0);
	assert_int_equal(c->nids, 2);
	/* Damaged before its end: an error that says where. */
	write_file(path, "{\"engines\": ]} ");
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), -1);
	assert_non_null(strstr(e.msg, "engines.json:1:"));
	free(path);
	free(dir);
	cluster_free(c);
}

/* Engine sets: idents tell each registered id's set, a set's ids are
 * retired before it stops (never lost), the record keeps sets, retired
 * ids and the next set id, and a record without them loads as set 0. */
static void
test_sets(void **state)
{
	struct cluster *c = mk("sets"), *d;
	struct err e;
	char *path = cluster_engine_state_path(c), *dir, *ident, *line;
	const char *old;
	int *v, *lost;
	size_t n;
	bool missing;

	(void)state;
	ident = cluster_engine_ident(12, "cn1.3");
	assert_string_equal(ident, "hpctop-set12-cn1.3");
	assert_int_equal(cluster_ident_set(ident), 12);
	free(ident);
	assert_int_equal(cluster_ident_set("hpctop-set"), 0);
	assert_int_equal(cluster_ident_set("hpctop-set3"), 0);
	assert_int_equal(cluster_ident_set("0f3c-uuid"), 0);
	cluster_add_proc(c, CLUSTER_CONTROLLER, "ipcontroller", 10, NULL, 0,
	    "h", NULL);
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.0", 11, NULL, 1, "h",
	    NULL);
	c->add_set = c->next_set++;
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.s1.0", 12, NULL, 1, "h",
	    NULL);
	cluster_add_proc(c, CLUSTER_ENGINES, "ipengine.s1.1", 13, NULL, 1, "h",
	    NULL);
	assert_int_equal(c->procs[0].set, 0);
	assert_int_equal(c->procs[2].set, 1);
	assert_int_equal(cluster_set_engines(c, 1), 2);
	n = cluster_sets(c, &v);
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 1);
	free(v);
	dir = xasprintf("%s/ipy dir/profile_sets/log", testutil_state_dir());
	assert_int_equal(paths_mkdir_p(dir, 0700, &e), 0);
	write_file(path, "{\"engines\": {\"0\": \"hpctop-set0-0\", \"1\": "
	    "\"hpctop-set1-s1.1\", \"2\": \"hpctop-set1-s1.0\"}}");
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), 0);
	assert_int_equal(cluster_id_set(c, 0), 0);
	assert_int_equal(cluster_id_set(c, 2), 1);
	line = cluster_set_line(c, 1);
	assert_string_equal(line, "set 1: ids 1,2 of 2 engines; "
	    "ipengine.s1.0 ipengine.s1.1");
	free(line);
	cluster_retire_set(c, 1);
	assert_int_equal(c->nretired, 2);
	/* Gone on purpose: not lost. */
	write_file(path, "{\"engines\": {\"0\": \"hpctop-set0-0\"}}");
	assert_int_equal(cluster_read_engine_state(NULL, c, &e), 0);
	assert_int_equal(cluster_lost_ids(c, &lost), 0);
	free(lost);
	c->engines = 3;
	cluster_drop_set(c, 1);
	assert_int_equal(c->nprocs, 2);
	assert_int_equal(c->engines, 1);
	assert_int_equal(cluster_save(c, &e), 0);
	d = cluster_load("sets", &missing, &e);
	assert_non_null(d);
	assert_int_equal(d->next_set, 2);
	assert_int_equal(d->nretired, 2);
	assert_int_equal(d->retired_ids[1], 2);
	cluster_free(d);
	free(path);
	free(dir);
	cluster_free(c);
	/* A record from before sets: engines procs of set 0, next set 1. */
	old = "{\"version\": 1, \"name\": \"old\", "
	    "\"backend\": \"local\", \"profile_path\": \"x.yaml\", "
	    "\"profile_yaml\": \"backend: local\\n\", \"engines\": 1, "
	    "\"ipython_profile\": \"old\", \"cluster_id\": \"\", "
	    "\"procs\": [{\"role\": \"engines\", \"name\": \"ipengine.0\", "
	    "\"pid\": 5, \"engines\": 1}]}";
	d = cluster_load_buffer(old, strlen(old), "old.json", &e);
	if (d == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(d->procs[0].set, 0);
	assert_int_equal(d->next_set, 1);
	cluster_free(d);
}

/* This machine's processes now. */
static struct procsnap
snap_now(void)
{
	struct procsnap ps;
	struct err e;

	assert_int_equal(procsnap_read_local(CLUSTER_ENV, &ps, &e), 0);
	return ps;
}

/* A process in a session of its own is ours only with its own start time
 * and this boot's id; a record from before start times checks the mark. */
static void
test_identity(void **state)
{
	struct cluster *c = mk("ident");
	struct cluster_proc *pr;
	struct procsnap ps;
	int release;
	pid_t child, *pids;

	(void)state;
	child = testutil_session_child(&release);
	pr = cluster_add_proc(c, CLUSTER_ENGINES, "e", child, NULL, 1, NULL,
	    NULL);
	ps = snap_now();
	assert_non_null(procsnap_find(&ps, child));
	pr->start_time = procsnap_find(&ps, child)->start;
	assert_true(pr->start_time > 0);
	assert_true(procfs_proc_alive(c, &ps, pr));
	assert_int_equal(procfs_proc_pids(c, &ps, pr, &pids), 1);
	free(pids);
	/* The same pid, started at another time: someone else's. */
	pr->start_time++;
	assert_false(procfs_proc_alive(c, &ps, pr));
	assert_int_equal(procfs_proc_pids(c, &ps, pr, &pids), 0);
	assert_null(pids);
	/* The right start time from another boot. */
	pr->start_time--;
	free(c->boot_id);
	c->boot_id = xstrdup("another-boot");
	assert_false(procfs_proc_alive(c, &ps, pr));
	assert_int_equal(procfs_proc_pids(c, &ps, pr, NULL), 0);
	/* No start time recorded: the child carries neither mark, so none is
	 * filled in either. */
	free(c->boot_id);
	c->boot_id = NULL;
	pr->start_time = 0;
	assert_false(procfs_proc_alive(c, &ps, pr));
	procfs_fill_start(c, &ps, pr);
	assert_int_equal(pr->start_time, 0);
	/* A pid that leads no session (this process, unless run as one):
	 * never ours, whatever its start time. */
	if (getsid(0) != getpid()) {
		pr->pid = getpid();
		pr->start_time = procsnap_find(&ps, getpid())->start;
		assert_false(procfs_proc_alive(c, &ps, pr));
	}
	procsnap_free(&ps);
	testutil_session_end(child, release);
	pr->pid = child;
	ps = snap_now();
	assert_false(procfs_proc_alive(c, &ps, pr));
	procsnap_free(&ps);
	cluster_free(c);
}

/* Writes the lock note of a holder that has exited into b's lock. */
static void
note_dead_holder(struct cluster *b)
{
	pid_t pid = fork();
	char buf[64];
	int n;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	n = snprintf(buf, sizeof buf, "%ld stopping\n", (long)pid);
	assert_int_equal(ftruncate(b->lock_fd, 0), 0);
	assert_int_equal(pwrite(b->lock_fd, buf, (size_t)n, 0), n);
}

static void
test_lock_and_fields(void **state)
{
	struct cluster *a = mk("lk"), *b = mk("lk"), *d;
	struct err e;
	bool missing;
	char *want;

	(void)state;
	assert_int_equal(cluster_lock(a, "starting", &e), 0);
	assert_int_equal(cluster_lock(a, "starting", &e), 0);
	assert_int_equal(cluster_lock(b, "stopping", &e), -1);
	want = xasprintf("cluster 'lk' is starting (hpctop pid %ld holds ",
	    (long)getpid());
	assert_non_null(strstr(e.msg, want));
	free(want);
	cluster_unlock(a);
	assert_int_equal(cluster_lock(b, "stopping", &e), 0);
	/* Between a holder's flock and its note, the note is the last
	 * holder's: released, it is gone; left by a dead one, not quoted. */
	assert_int_equal(cluster_lock(a, "starting", &e), -1);
	assert_non_null(strstr(e.msg, "cluster 'lk' is stopping (hpctop pid "));
	note_dead_holder(b);
	assert_int_equal(cluster_lock(a, "starting", &e), -1);
	assert_non_null(strstr(e.msg, "cluster 'lk' is starting or stopping "
	    "(another hpctop holds "));
	/* cluster_free releases it. */
	cluster_free(b);
	assert_int_equal(cluster_lock(a, "starting", &e), 0);

	assert_string_equal(a->boot_id, cluster_boot_id());
	assert_false(a->complete);
	cluster_add_proc(a, CLUSTER_CONTROLLER, "c", 42, NULL, 0, NULL,
	    NULL)->start_time = 123456789012ULL;
	assert_int_equal(cluster_save(a, &e), 0);
	d = cluster_load("lk", &missing, &e);
	assert_non_null(d);
	assert_false(d->complete);
	assert_false(d->locked);
	assert_string_equal(d->boot_id, a->boot_id);
	assert_true(d->procs[0].start_time == 123456789012ULL);
	cluster_free(d);
	a->complete = true;
	assert_int_equal(cluster_save(a, &e), 0);
	d = cluster_load("lk", &missing, &e);
	assert_non_null(d);
	assert_true(d->complete);
	cluster_free(d);
	assert_int_equal(cluster_remove(a, &e), 0);
	cluster_free(a);
}

static void
test_bad_name(void **state)
{
	struct err e;
	struct profile *p = profile_load_buffer(yaml, strlen(yaml), "x.yaml",
	    "..", &e);

	(void)state;
	assert_non_null(p);
	assert_null(cluster_new(p, yaml, 1, &e));
	assert_non_null(strstr(e.msg, "cannot name a cluster record"));
	profile_free(p);
}

/* Where the controller runs, per placement; nothing without batch jobs. */
static void
test_controller_where(void **state)
{
	struct cluster *c;
	struct cluster_proc *pr;
	char *w;

	(void)state;
	c = mk("w1");
	cluster_add_proc(c, CLUSTER_CONTROLLER, "x-ctl", 0, "12", 0, NULL,
	    NULL);
	cluster_add_proc(c, CLUSTER_ENGINES, "x-eng", 0, "13", 2, NULL, NULL);
	assert_string_equal(w = cluster_controller_where(c), "job 12");
	free(w);
	pr = &c->procs[0];	/* adding moved the array */
	pr->live = CLUSTER_LIVE_RUNNING;
	pr->host = xstrdup("cn1");
	assert_string_equal(w = cluster_controller_where(c), "job 12 on cn1");
	free(w);
	cluster_free(c);

	c = mk("w2");
	cluster_add_proc(c, CLUSTER_CONTROLLER, "ipcontroller", 0, "14", 0,
	    NULL, NULL);
	cluster_add_proc(c, CLUSTER_ENGINES, "x-eng", 0, "14", 2, NULL, NULL);
	assert_string_equal(w = cluster_controller_where(c),
	    "in allocation 14");
	free(w);
	cluster_free(c);

	c = mk("w3");
	cluster_add_proc(c, CLUSTER_CONTROLLER, "ipcontroller", 4567, NULL, 0,
	    "login1", NULL);
	assert_null(cluster_controller_where(c));
	cluster_add_proc(c, CLUSTER_ENGINES, "x-eng", 0, "15", 2, NULL, NULL);
	assert_string_equal(w = cluster_controller_where(c),
	    "on login (pid 4567)");
	free(w);
	cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_host),
		cmocka_unit_test(test_list_and_corrupt),
		cmocka_unit_test(test_engine_state),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_lock_and_fields),
		cmocka_unit_test(test_bad_name),
		cmocka_unit_test(test_controller_where),
	};

	return cmocka_run_group_tests(tests, testutil_state_setup,
	    testutil_state_teardown);
}
