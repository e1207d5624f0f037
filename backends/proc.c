#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/netif.h"
#include "core/paths.h"
#include "core/shquote.h"
#include "core/xmalloc.h"
#include "procfs.h"

/* Stop: how long each polite step may take before the next, harder one. */
#define STOP_ENGINE_GRACE_MS 5000
#define STOP_CONTROLLER_GRACE_MS 5000
#define STOP_KILL_WAIT_MS 3000
#define STOP_TICK_MS 100

void
proc_profile_env(const struct cluster *c, struct spawn *s)
{
	const struct profile *p = c->profile;

	for (size_t i = 0; i < p->nenv; i++)
		strv_pushf(&s->env, "%s=%s", p->env[i].key, p->env[i].value);
	strv_extend(&s->setup, &p->setup);
}

char *
proc_controller_addr(const struct cluster *c, struct err *e)
{
	const struct profile *p = c->profile;
	char *addr;

	if (p->controller.interface == NULL)
		return xstrdup(p->controller.ip != NULL ? p->controller.ip :
		    "127.0.0.1");
	addr = netif_ipv4(p->controller.interface, e);
	if (addr == NULL)
		err_prefix(e, "controller.interface");
	return addr;
}

void
proc_controller_spawn(const struct cluster *c, const char *addr,
    struct spawn *s)
{
	const struct profile *p = c->profile;

	strv_extend(&s->argv, &p->controller.command);
	strv_pushf(&s->argv, "--profile=%s", c->ipython_profile);
	if (*c->cluster_id != '\0')
		strv_pushf(&s->argv, "--cluster-id=%s", c->cluster_id);
	strv_pushf(&s->argv, "--ip=%s", addr);
	if (p->controller.interface != NULL)
		strv_pushf(&s->argv, "--location=%s", addr);
	strv_pushf(&s->argv, "--HeartMonitor.period=%d", PROC_HEARTBEAT_MS);
	strv_extend(&s->argv, &p->controller.args);
	proc_profile_env(c, s);
	s->log = cluster_log_path(c, "controller");
}

void
proc_engine_argv(const struct cluster *c, bool mpi, struct strv *argv)
{
	const struct profile *p = c->profile;

	strv_extend(argv, &p->engine.command);
	strv_pushf(argv, "--profile=%s", c->ipython_profile);
	if (*c->cluster_id != '\0')
		strv_pushf(argv, "--cluster-id=%s", c->cluster_id);
	strv_pushf(argv, "--IPEngine.wait_for_url_file=%d", PROC_URL_WAIT_S);
	if (mpi)
		strv_push(argv, "--mpi");
	strv_extend(argv, &p->engine.args);
}

int
proc_check_command(const struct cluster *c, const char *what,
    const char *cmd, struct err *e)
{
	const char *path = profile_getenv(c->profile, "PATH");
	char *found;

	/* setup lines (module load, conda activate) may put it on PATH. */
	if (c->profile->setup.n > 0)
		return 0;
	found = spawn_which(cmd, path);
	if (found == NULL)
		return err_set(e, "%s: command '%s' not found on PATH%s", what,
		    cmd, strchr(cmd, '/') != NULL ? " (or not executable)" : "");
	free(found);
	return 0;
}

int
proc_prepare_profile(const struct cluster *c, struct err *e)
{
	char *dir = paths_ipython_profile_dir(c->ipython_profile);
	const char *subs[] = { "security", "log", "pid", "startup" };
	char *state;
	int rc = 0;

	for (size_t i = 0; i < sizeof subs / sizeof *subs && rc == 0; i++) {
		char *sub = xasprintf("%s/%s", dir, subs[i]);

		rc = paths_mkdir_p(sub, 0700, e);
		free(sub);
	}
	free(dir);
	state = cluster_engine_state_path(c);
	if (rc == 0 && unlink(state) == -1 && errno != ENOENT)
		rc = err_errno(e, "cannot remove %s", state);
	free(state);
	return rc;
}

int
proc_spawn(struct cluster *c, struct spawn *s, enum cluster_role role,
    const char *name, int engines, struct err *e)
{
	char host[256] = "localhost";
	struct cluster_proc *pr;
	pid_t pid;

	/* The mark finds the process even when no record names it. */
	strv_pushf(&s->env, "%s=%s", CLUSTER_ENV, c->dir);
	pid = spawn_start(s, e);
	if (pid == -1)
		return err_prefix(e, "%s", name);
	gethostname(host, sizeof host - 1);
	pr = cluster_add_proc(c, role, name, pid, NULL, engines, host, s->log);
	/* exec keeps the start time: it tells this process from a later one
	 * given the same pid. */
	pr->start_time = procfs_pid_start_time(pid);
	return 0;
}

struct later {
	struct cluster *c;
	struct err e;
	bool failed;
	backend_cb cb;
	void *arg;
};

static void
on_later(void *arg)
{
	struct later *lt = arg;

	lt->cb(lt->c, lt->failed ? &lt->e : NULL, lt->arg);
	free(lt);
}

void
proc_complete(struct loop *l, struct cluster *c, const struct err *e,
    backend_cb cb, void *arg)
{
	struct later *lt = xcalloc(1, sizeof *lt);

	lt->c = c;
	lt->cb = cb;
	lt->arg = arg;
	if (e != NULL) {
		lt->e = *e;
		lt->failed = true;
	}
	loop_timer_add(l, 0, on_later, lt);
}

/* Local processes are the user's own: name the owner as squeue would.
 * Looked up once, not on every refresh. */
static const char *
user_name(void)
{
	static char name[64];

	if (name[0] == '\0') {
		char *u = paths_user_name();

		snprintf(name, sizeof name, "%s", u != NULL ? u : "?");
		free(u);
	}
	return name;
}

static void
poll_one(struct cluster *c)
{
	double now;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	/* A start killed between spawning and saving left processes no
	 * record names: show them, so they are seen and stopped. */
	if (!c->complete)
		procfs_adopt_marked(c, false);
	jobtab_clear(&c->jobs);
	for (size_t i = 0; i < c->nprocs; i++) {
		struct cluster_proc *pr = &c->procs[i];
		struct job_row *r = jobtab_append(&c->jobs);
		bool main = procfs_proc_alive(c, pr);
		bool group = main || procfs_proc_pids(c, pr, NULL) > 0;

		pr->live = main ? CLUSTER_LIVE_RUNNING : CLUSTER_LIVE_GONE;
		pr->stopped = main && procfs_proc_stopped(c, pr);
		r->id = xasprintf("%ld", (long)pr->pid);
		r->name = xstrdup(pr->name);
		r->user = xstrdup(user_name());
		r->state = main ? JOB_RUNNING : group ? JOB_EXITING :
		    JOB_COMPLETED;
		r->raw_state = xstrdup(pr->stopped ? "stopped" : main ?
		    "running" : group ? "exiting" : "gone");
		r->elapsed = main && now > pr->started ?
		    (long)(now - pr->started) : -1;
		r->nodes = 1;
		r->tasks = pr->role == CLUSTER_CONTROLLER ? 1 : pr->engines;
		r->nodelist = pr->host != NULL ? xstrdup(pr->host) : NULL;
		r->pid = pr->pid;
	}
}

int
proc_start_controller(struct loop *l, struct cluster *c, const char *what,
    const char *cmd, backend_cb cb, void *arg, struct err *e)
{
	struct spawn s = { 0 };
	char *addr;
	int rc;

	if (proc_check_command(c, "controller",
	    c->profile->controller.command.v[0], e) == -1 ||
	    proc_check_command(c, what, cmd, e) == -1 ||
	    (addr = proc_controller_addr(c, e)) == NULL)
		return -1;
	if (proc_prepare_profile(c, e) == -1) {
		free(addr);
		return -1;
	}
	proc_controller_spawn(c, addr, &s);
	free(addr);
	rc = proc_spawn(c, &s, CLUSTER_CONTROLLER, "ipcontroller", 0, e);
	spawn_clear(&s);
	if (rc == 0)
		proc_complete(l, c, NULL, cb, arg);
	return rc;
}

struct poll_done {
	struct cluster **cs;
	size_t n;
	backend_poll_cb cb;
	void *arg;
};

static void
on_poll_done(void *arg)
{
	struct poll_done *pd = arg;

	pd->cb(pd->cs, pd->n, NULL, pd->arg);
	free(pd);
}

int
proc_poll(const struct backend *b, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e)
{
	struct poll_done *pd = xcalloc(1, sizeof *pd);

	for (size_t i = 0; i < n; i++)
		poll_one(cs[i]);
	pd->cs = cs;
	pd->n = n;
	pd->cb = cb;
	pd->arg = arg;
	loop_timer_add(l, 0, on_poll_done, pd);
	return 0;
}

enum stop_phase {
	STOP_ENGINES,		/* SIGTERM sent to engine groups */
	STOP_ENGINES_KILLED,
	STOP_CONTROLLER,	/* SIGTERM sent to the controller */
	STOP_CONTROLLER_KILLED,
};

struct stopper {
	struct loop *loop;
	struct cluster *c;
	backend_cb cb;
	void *arg;
	enum stop_phase phase;
	uint64_t deadline;
};

static bool
role_alive(const struct cluster *c, enum cluster_role role)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == role &&
		    procfs_proc_pids(c, &c->procs[i], NULL) > 0)
			return true;
	return false;
}

/* Signals the session leader we started, or with `all` every process
 * left in its session (they are ours: nothing else joins a session). A
 * pid that now belongs to another process is never signalled. */
static void
signal_role(const struct cluster *c, enum cluster_role role, int sig,
    bool all)
{
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		pid_t *pids;
		size_t n;

		if (pr->role != role || pr->pid <= 0)
			continue;
		if (!all) {
			if (procfs_proc_alive(c, pr))
				kill(pr->pid, sig);
			continue;
		}
		n = procfs_proc_pids(c, pr, &pids);
		for (size_t k = 0; k < n; k++)
			kill(pids[k], sig);
		free(pids);
	}
}

static void stop_tick(void *arg);

static void
stop_finish(struct stopper *st)
{
	struct err e;
	bool failed = false;

	err_clear(&e);
	for (size_t i = 0; i < st->c->nprocs; i++) {
		const struct cluster_proc *pr = &st->c->procs[i];

		if (procfs_proc_pids(st->c, pr, NULL) > 0) {
			err_set(&e, "%s (session %ld) survived SIGKILL",
			    pr->name, (long)pr->pid);
			failed = true;
		}
	}
	st->cb(st->c, failed ? &e : NULL, st->arg);
	free(st);
}

static void
stop_tick(void *arg)
{
	struct stopper *st = arg;
	uint64_t now = loop_now();

	switch (st->phase) {
	case STOP_ENGINES:
	case STOP_ENGINES_KILLED:
		if (role_alive(st->c, CLUSTER_ENGINES)) {
			if (now < st->deadline)
				break;
			if (st->phase == STOP_ENGINES) {
				signal_role(st->c, CLUSTER_ENGINES, SIGKILL,
				    true);
				st->phase = STOP_ENGINES_KILLED;
				st->deadline = now + STOP_KILL_WAIT_MS;
				break;
			}
		}
		/* The Hub's own clean exit removes the connection files. */
		signal_role(st->c, CLUSTER_CONTROLLER, SIGTERM, false);
		st->phase = STOP_CONTROLLER;
		st->deadline = now + STOP_CONTROLLER_GRACE_MS;
		break;
	case STOP_CONTROLLER:
	case STOP_CONTROLLER_KILLED:
		if (role_alive(st->c, CLUSTER_CONTROLLER) &&
		    st->phase == STOP_CONTROLLER && now >= st->deadline) {
			/* Its workers share its group: end them all. */
			signal_role(st->c, CLUSTER_CONTROLLER, SIGKILL, true);
			st->phase = STOP_CONTROLLER_KILLED;
			st->deadline = now + STOP_KILL_WAIT_MS;
			break;
		}
		if (role_alive(st->c, CLUSTER_CONTROLLER) && now < st->deadline)
			break;
		stop_finish(st);
		return;
	}
	loop_timer_add(st->loop, STOP_TICK_MS, stop_tick, st);
}

int
proc_stop(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	struct stopper *st = xcalloc(1, sizeof *st);

	st->loop = l;
	st->c = c;
	st->cb = cb;
	st->arg = arg;
	/* What carries this cluster's mark is stopped too, recorded or not. */
	procfs_adopt_marked(c, true);
	/* SIGTERM to the whole session: the engine and its nanny, or
	 * mpiexec and its ranks. */
	signal_role(c, CLUSTER_ENGINES, SIGTERM, true);
	st->phase = STOP_ENGINES;
	st->deadline = loop_now() + STOP_ENGINE_GRACE_MS;
	loop_timer_add(l, STOP_TICK_MS, stop_tick, st);
	return 0;
}

int
proc_confirm(const struct backend *b, const struct cluster *c,
    struct err *e)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN), max;

	if (cores < 1)
		cores = 1;
	max = cores * PROC_ENGINES_PER_CORE;
	if (c->engines <= max)
		return 0;
	return err_set(e, "%d engines on backend %s are %ld processes on this "
	    "machine (each engine and its nanny), which has %ld core%s; more "
	    "than %ld engines (%d per core) need confirmation", c->engines,
	    c->backend, (long)c->engines * PROC_PER_ENGINE, cores,
	    cores == 1 ? "" : "s", max, PROC_ENGINES_PER_CORE);
}

void
proc_script_begin(const struct cluster *c, struct strv *lines)
{
	struct spawn s = { 0 };
	struct err e;
	char *q = shquote(c->name), *addr;

	strv_push(lines, "#!/bin/sh");
	strv_pushf(lines, "# hpctop: cluster %s, backend %s, %d engine%s", q,
	    c->backend, c->engines, c->engines == 1 ? "" : "s");
	free(q);
	strv_push(lines, "# Each process runs in a session of its own, with "
	    CLUSTER_ENV "=<the cluster's state dir>; output goes to its log.");
	strv_push(lines, "# controller");
	/* start says the same and stops; the script shows where. */
	addr = proc_controller_addr(c, &e);
	if (addr == NULL) {
		strv_pushf(lines, "# %s", e.msg);
		addr = xstrdup("127.0.0.1");
	}
	proc_controller_spawn(c, addr, &s);
	free(addr);
	strv_push_take(lines, spawn_render(&s));
	spawn_clear(&s);
}

void
proc_script_end(struct cluster *c, struct strv *lines)
{
	strv_push(lines, "");
	free(c->script);
	c->script = strv_join(lines, "\n");
	strv_clear(lines);
}
