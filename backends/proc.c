#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/host.h"
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
	/* The interface is another machine's there. */
	if (c->host != NULL) {
		err_set(e, "controller.interface: not with host %s (give "
		    "controller.ip, its address there)", c->host);
		return NULL;
	}
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

/* What proc_prepare_profile and cluster_mkdirs do here, on another
 * machine through its host. */
int
proc_prepare_host(struct loop *l, const struct cluster *c, struct err *e)
{
	static const char *const subs[] = { "security", "log", "pid",
	    "startup" };
	struct host *h = cluster_host(l, c, e);
	struct strv mk = STRV_INIT, rm = STRV_INIT;
	struct subproc_result *r;
	char *ipdir, *dir;
	int rc = 0;

	if (h == NULL)
		return -1;
	if (host_is_local(h))
		return proc_prepare_profile(c, e);
	ipdir = cluster_ipython_dir(c);
	dir = paths_ipython_profile_dir_in(ipdir, c->ipython_profile);
	free(ipdir);
	strv_push(&mk, "mkdir");
	strv_push(&mk, "-p");
	strv_push(&mk, "-m");
	strv_push(&mk, "700");
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
		strv_pushf(&mk, "%s/%s", dir, subs[i]);
	free(dir);
	strv_push_take(&mk, paths_below(cluster_work_dir(c), "logs"));
	strv_push(&rm, "rm");
	strv_push(&rm, "-f");
	strv_push_take(&rm, cluster_engine_state_path(c));
	if (c->engine_file != NULL)
		strv_push(&rm, c->engine_file);
	for (int i = 0; i < 2 && rc == 0; i++) {
		r = host_run_sync(h, l, strv_argv(i == 0 ? &mk : &rm), NULL,
		    NULL, 0, HOST_SYNC_TIMEOUT_MS);
		if (!r->ok)
			rc = err_set(e, "%s: %s", c->backend, r->err.msg[0] ?
			    r->err.msg : r->errout);
		subproc_result_free(r);
	}
	strv_clear(&mk);
	strv_clear(&rm);
	return rc;
}

int
proc_spawn_on(struct loop *l, struct host *h, struct cluster *c,
    struct spawn *s, enum cluster_role role, const char *name, int engines,
    struct err *e)
{
	char host[256] = "localhost";
	pid_t pid;

	/* The mark finds the process even when no record names it. */
	strv_pushf(&s->env, "%s=%s", CLUSTER_ENV, c->dir);
	pid = host_spawn(h, l, s, e);
	if (pid == -1)
		return err_prefix(e, "%s", name);
	if (host_is_local(h))
		gethostname(host, sizeof host - 1);
	cluster_add_proc(c, role, name, pid, NULL, engines,
	    host_is_local(h) ? host : host_label(h), s->log);
	return 0;
}

int
proc_spawn(struct loop *l, struct cluster *c, struct spawn *s,
    enum cluster_role role, const char *name, int engines, struct err *e)
{
	struct host *h = cluster_host(l, c, e);

	if (h == NULL)
		return -1;
	return proc_spawn_on(l, h, c, s, role, name,
	    engines, e);
}

void
proc_fill_starts(struct loop *l, struct cluster *c)
{
	struct procsnap ps;
	struct err e;

	/* Without one the mark tells them apart until the next poll. */
	if (host_procs_sync(cluster_host(l, c, &e), l, CLUSTER_ENV, &ps,
	    &e) == -1)
		return;
	for (size_t i = 0; i < c->nprocs; i++)
		procfs_fill_start(c, &ps, &c->procs[i]);
	procsnap_free(&ps);
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

/* ---- snapshots of the hosts the procs run on ---- */

struct snap {
	struct host *h;
	struct procsnap *ps;	/* NULL until taken, or when it failed */
	struct err e;
	bool failed;
};

struct snaps {
	struct snap *v;
	size_t n;
	size_t pending;
	void (*done)(void *arg);
	void *arg;
};

struct snap_req {
	struct snaps *s;
	size_t i;
};

/* The host pr runs on: c's (this machine, or its `host:`), or with remote
 * (the ssh backend) for engines the SSH destination their record names. */
static struct host *
host_of(struct loop *l, bool remote, const struct cluster *c,
    const struct cluster_proc *pr, struct err *e)
{
	if (remote && pr->role == CLUSTER_ENGINES)
		return host_get(l, pr->host, e);
	return cluster_host(l, c, e);
}

static void
snaps_add(struct snaps *s, struct host *h)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].h == h)
			return;
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	memset(&s->v[s->n], 0, sizeof *s->v);
	s->v[s->n++].h = h;
}

/* The hosts of c's procs, c's own first (the controller's, and where
 * marked processes no record names are looked for). */
static void
snaps_add_cluster(struct snaps *s, struct loop *l, bool remote,
    const struct cluster *c)
{
	struct err e;
	struct host *own = cluster_host(l, c, &e);

	if (own != NULL)
		snaps_add(s, own);
	for (size_t i = 0; remote && i < c->nprocs; i++) {
		struct host *h = host_of(l, true, c, &c->procs[i], &e);

		if (h != NULL)
			snaps_add(s, h);
	}
}

static struct snap *
snaps_find(struct snaps *s, struct loop *l, bool remote,
    const struct cluster *c, const struct cluster_proc *pr, struct err *why)
{
	struct host *h = host_of(l, remote, c, pr, why);

	for (size_t i = 0; h != NULL && i < s->n; i++)
		if (s->v[i].h == h) {
			if (s->v[i].failed)
				*why = s->v[i].e;
			return s->v[i].failed ? NULL : &s->v[i];
		}
	return NULL;
}

static void
snaps_clear(struct snaps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].ps != NULL)
			procsnap_free(s->v[i].ps);
		free(s->v[i].ps);
		s->v[i].ps = NULL;
		s->v[i].failed = false;
	}
}

static void
snaps_free(struct snaps *s)
{
	snaps_clear(s);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void
snap_done(struct procsnap *ps, const struct err *e, void *arg)
{
	struct snap_req *rq = arg;
	struct snaps *s = rq->s;
	struct snap *sn = &s->v[rq->i];

	free(rq);
	if (ps != NULL)
		sn->ps = ps;
	else {
		sn->e = *e;
		sn->failed = true;
	}
	if (--s->pending == 0)
		s->done(s->arg);
}

static void
snaps_none_pending(void *arg)
{
	struct snaps *s = arg;

	s->done(s->arg);
}

/* Takes a snapshot of every host in s at once (one query per host);
 * done(arg) runs from the loop when all have answered. */
static void
snaps_take(struct snaps *s, struct loop *l, void (*done)(void *arg),
    void *arg)
{
	snaps_clear(s);
	s->done = done;
	s->arg = arg;
	s->pending = 1;
	for (size_t i = 0; i < s->n; i++) {
		struct snap_req *rq = xcalloc(1, sizeof *rq);

		rq->s = s;
		rq->i = i;
		s->pending++;
		if (host_procs(s->v[i].h, l, CLUSTER_ENV, snap_done, rq,
		    &s->v[i].e) == -1) {
			free(rq);
			s->v[i].failed = true;
			s->pending--;
		}
	}
	/* Every answer comes from the loop: the last one calls done. */
	if (--s->pending == 0)
		loop_timer_add(l, 0, snaps_none_pending, s);
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

/* A start killed between spawning and saving left processes no record
 * names: adopt them from each host's snapshot, so they are seen and
 * stopped. */
static void
adopt_all(struct cluster *c, struct snaps *s, struct loop *l, bool remote,
    bool children)
{
	struct err e;
	struct host *own = cluster_host(l, c, &e);

	for (size_t i = 0; i < s->n; i++) {
		bool here = s->v[i].h == own;

		/* c's own host has its controller, and with remote the
		 * engines are on theirs (where the processes of c's host may
		 * be seen too, as on nodes that are namespaces of it). */
		if (s->v[i].failed || s->v[i].ps == NULL || (!here && !remote))
			continue;
		procfs_adopt_marked(c, s->v[i].ps, host_is_local(s->v[i].h) ?
		    NULL : host_label(s->v[i].h), children, !remote ?
		    PROCFS_ADOPT_ALL : here ? PROCFS_ADOPT_CONTROLLER :
		    PROCFS_ADOPT_ENGINES);
	}
}

static void
poll_one(struct cluster *c, struct snaps *s, struct loop *l, bool remote)
{
	double now;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (!c->complete)
		adopt_all(c, s, l, remote, false);
	jobtab_clear(&c->jobs);
	for (size_t i = 0; i < c->nprocs; i++) {
		struct cluster_proc *pr = &c->procs[i];
		struct err why;
		struct snap *sn;

		err_clear(&why);
		sn = snaps_find(s, l, remote, c, pr, &why);
		proc_row(c, sn != NULL ? sn->ps : NULL, why.msg, now, pr,
		    jobtab_append(&c->jobs));
	}
}

void
proc_row(const struct cluster *c, const struct procsnap *ps,
    const char *why, double now, struct cluster_proc *pr, struct job_row *r)
{
	bool main, group;

	r->id = xasprintf("%ld", (long)pr->pid);
	r->name = xstrdup(pr->name);
	r->user = xstrdup(user_name());
	r->nodes = 1;
	r->tasks = pr->role == CLUSTER_CONTROLLER ? 1 : pr->engines;
	r->nodelist = pr->host != NULL ? xstrdup(pr->host) : NULL;
	r->pid = pr->pid;
	if (ps == NULL) {
		/* Its host did not answer: nothing is known. */
		pr->live = CLUSTER_LIVE_UNKNOWN;
		pr->stopped = false;
		r->state = JOB_UNKNOWN;
		r->raw_state = xstrdup("unreachable");
		r->reason = xstrdup(why);
		r->elapsed = -1;
		return;
	}
	procfs_fill_start(c, ps, pr);
	main = procfs_proc_alive(c, ps, pr);
	group = main || procfs_proc_pids(c, ps, pr, NULL) > 0;
	pr->live = main ? CLUSTER_LIVE_RUNNING : CLUSTER_LIVE_GONE;
	pr->stopped = main && procfs_proc_stopped(c, ps, pr);
	r->state = main ? JOB_RUNNING : group ? JOB_EXITING : JOB_COMPLETED;
	r->raw_state = xstrdup(pr->stopped ? "stopped" : main ? "running" :
	    group ? "exiting" : "gone");
	r->elapsed = main && now > pr->started ? (long)(now - pr->started) :
	    -1;
}

int
proc_start_controller(struct loop *l, struct cluster *c, const char *what,
    const char *cmd, backend_cb cb, void *arg, struct err *e)
{
	struct spawn s = { 0 };
	char *addr;
	int rc;

	/* On another machine the spawn itself says whether it is there. */
	if (c->host == NULL && (proc_check_command(c, "controller",
	    c->profile->controller.command.v[0], e) == -1 ||
	    (what != NULL && proc_check_command(c, what, cmd, e) == -1)))
		return -1;
	if ((addr = proc_controller_addr(c, e)) == NULL)
		return -1;
	if (proc_prepare_host(l, c, e) == -1) {
		free(addr);
		return -1;
	}
	proc_controller_spawn(c, addr, &s);
	free(addr);
	rc = proc_spawn(l, c, &s, CLUSTER_CONTROLLER, "ipcontroller", 0, e);
	spawn_clear(&s);
	proc_fill_starts(l, c);
	if (rc == 0)
		proc_complete(l, c, NULL, cb, arg);
	return rc;
}

struct poll_done {
	struct loop *loop;
	struct cluster **cs;
	size_t n;
	bool remote;
	struct snaps snaps;
	backend_poll_cb cb;
	void *arg;
};

static void
on_poll_snaps(void *arg)
{
	struct poll_done *pd = arg;

	for (size_t i = 0; i < pd->n; i++)
		poll_one(pd->cs[i], &pd->snaps, pd->loop, pd->remote);
	snaps_free(&pd->snaps);
	pd->cb(pd->cs, pd->n, NULL, pd->arg);
	free(pd);
}

int
proc_poll_on(struct loop *l, struct cluster **cs, size_t n, bool remote,
    backend_poll_cb cb, void *arg)
{
	struct poll_done *pd = xcalloc(1, sizeof *pd);

	pd->loop = l;
	pd->cs = cs;
	pd->n = n;
	pd->remote = remote;
	pd->cb = cb;
	pd->arg = arg;
	for (size_t i = 0; i < n; i++)
		snaps_add_cluster(&pd->snaps, l, remote, cs[i]);
	snaps_take(&pd->snaps, l, on_poll_snaps, pd);
	return 0;
}

int
proc_poll(const struct backend *b, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e)
{
	return proc_poll_on(l, cs, n, false, cb, arg);
}

enum stop_phase {
	STOP_BEGIN,		/* first snapshot under way */
	STOP_ENGINES,		/* SIGTERM sent to engine groups */
	STOP_ENGINES_KILLED,
	STOP_CONTROLLER,	/* SIGTERM sent to the controller */
	STOP_CONTROLLER_KILLED,
};

struct stopper {
	struct loop *loop;
	struct cluster *c;
	bool remote;
	struct snaps snaps;
	backend_cb cb;
	void *arg;
	enum stop_phase phase;
	uint64_t deadline;
	int only_set;		/* the engine set to stop; -1: everything */
};

/* Whether pr is one of what st stops. */
static bool
stops(const struct stopper *st, const struct cluster_proc *pr)
{
	return st->only_set < 0 || (pr->role == CLUSTER_ENGINES &&
	    pr->set == st->only_set);
}

/* Whether anything of pr's session is left; a host that did not answer
 * may still run it. */
static bool
proc_left(struct stopper *st, const struct cluster_proc *pr,
    struct err *why)
{
	struct snap *sn;

	err_clear(why);
	sn = snaps_find(&st->snaps, st->loop, st->remote, st->c, pr, why);
	return sn == NULL || procfs_proc_pids(st->c, sn->ps, pr, NULL) > 0;
}

static bool
role_alive(struct stopper *st, enum cluster_role role)
{
	struct err why;

	for (size_t i = 0; i < st->c->nprocs; i++)
		if (st->c->procs[i].role == role &&
		    stops(st, &st->c->procs[i]) &&
		    proc_left(st, &st->c->procs[i], &why))
			return true;
	return false;
}

/* The distinct process groups of pids in ps, into *out; how many. */
static size_t
groups_of(const struct procsnap *ps, const pid_t *pids, size_t n,
    pid_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct procsnap_proc *p = procsnap_find(ps, pids[i]);
		bool seen = false;

		for (size_t j = 0; p != NULL && j < k && !seen; j++)
			seen = out[j] == p->pgid;
		if (p != NULL && !seen && p->pgid > 0)
			out[k++] = p->pgid;
	}
	return k;
}

/* Signals the session leader we started (its group), or with `all` every
 * group left in its session (they are ours: nothing else joins a
 * session), on its host. A pid that now belongs to another process is
 * never signalled. */
static void
signal_role(struct stopper *st, enum cluster_role role, int sig, bool all)
{
	const struct cluster *c = st->c;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		struct err why;
		struct snap *sn;
		pid_t *pids, *groups;
		size_t n;

		if (pr->role != role || pr->pid <= 0 || !stops(st, pr))
			continue;
		sn = snaps_find(&st->snaps, st->loop, st->remote, c, pr,
		    &why);
		if (sn == NULL)
			continue;
		if (!all) {
			if (procfs_proc_alive(c, sn->ps, pr))
				host_signal(sn->h, st->loop, &pr->pid, 1, sig,
				    &why);
			continue;
		}
		n = procfs_proc_pids(c, sn->ps, pr, &pids);
		groups = xcalloc(n + 1, sizeof *groups);
		n = groups_of(sn->ps, pids, n, groups);
		if (n > 0)
			host_signal(sn->h, st->loop, groups, n, sig, &why);
		free(groups);
		free(pids);
	}
}

static void
stop_finish(struct stopper *st)
{
	struct err e, why;
	bool failed = false;

	err_clear(&e);
	for (size_t i = 0; i < st->c->nprocs; i++) {
		const struct cluster_proc *pr = &st->c->procs[i];

		if (!stops(st, pr) || !proc_left(st, pr, &why))
			continue;
		if (why.msg[0] != '\0')
			err_set(&e, "%s (session %ld on %s): cannot tell "
			    "whether it ended: %s", pr->name, (long)pr->pid,
			    pr->host != NULL ? pr->host : "?", why.msg);
		else
			err_set(&e, "%s (session %ld) survived SIGKILL",
			    pr->name, (long)pr->pid);
		failed = true;
	}
	snaps_free(&st->snaps);
	st->cb(st->c, failed ? &e : NULL, st->arg);
	free(st);
}

static void stop_tick(void *arg);

static void
stop_next(void *arg)
{
	struct stopper *st = arg;

	loop_timer_add(st->loop, STOP_TICK_MS, stop_tick, st);
}

/* With a fresh snapshot of every host: the next step. */
static void
stop_step(void *arg)
{
	struct stopper *st = arg;
	uint64_t now = loop_now();

	switch (st->phase) {
	case STOP_BEGIN:
		/* What carries this cluster's mark is stopped too, recorded or
		 * not. */
		if (st->only_set < 0)
			adopt_all(st->c, &st->snaps, st->loop, st->remote,
			    true);
		/* SIGTERM to the whole session: the engine and its nanny, or
		 * mpiexec and its ranks. */
		signal_role(st, CLUSTER_ENGINES, SIGTERM, true);
		st->phase = STOP_ENGINES;
		st->deadline = now + STOP_ENGINE_GRACE_MS;
		break;
	case STOP_ENGINES:
	case STOP_ENGINES_KILLED:
		if (role_alive(st, CLUSTER_ENGINES)) {
			if (now < st->deadline)
				break;
			if (st->phase == STOP_ENGINES) {
				signal_role(st, CLUSTER_ENGINES, SIGKILL, true);
				st->phase = STOP_ENGINES_KILLED;
				st->deadline = now + STOP_KILL_WAIT_MS;
				break;
			}
		}
		if (st->only_set >= 0) {
			stop_finish(st);
			return;
		}
		/* The Hub's own clean exit removes the connection files. */
		signal_role(st, CLUSTER_CONTROLLER, SIGTERM, false);
		st->phase = STOP_CONTROLLER;
		st->deadline = now + STOP_CONTROLLER_GRACE_MS;
		break;
	case STOP_CONTROLLER:
	case STOP_CONTROLLER_KILLED:
		if (role_alive(st, CLUSTER_CONTROLLER) &&
		    st->phase == STOP_CONTROLLER && now >= st->deadline) {
			/* Its workers share its group: end them all. */
			signal_role(st, CLUSTER_CONTROLLER, SIGKILL, true);
			st->phase = STOP_CONTROLLER_KILLED;
			st->deadline = now + STOP_KILL_WAIT_MS;
			break;
		}
		if (role_alive(st, CLUSTER_CONTROLLER) && now < st->deadline)
			break;
		stop_finish(st);
		return;
	}
	stop_next(st);
}

static void
stop_tick(void *arg)
{
	struct stopper *st = arg;

	snaps_take(&st->snaps, st->loop, stop_step, st);
}

static int
stop_some(struct loop *l, struct cluster *c, bool remote, int set,
    backend_cb cb, void *arg)
{
	struct stopper *st = xcalloc(1, sizeof *st);

	st->only_set = set;
	st->loop = l;
	st->c = c;
	st->remote = remote;
	st->cb = cb;
	st->arg = arg;
	st->phase = STOP_BEGIN;
	snaps_add_cluster(&st->snaps, l, remote, c);
	snaps_take(&st->snaps, l, stop_step, st);
	return 0;
}

int
proc_stop_on(struct loop *l, struct cluster *c, bool remote, backend_cb cb,
    void *arg)
{
	return stop_some(l, c, remote, -1, cb, arg);
}

int
proc_stop_set_on(struct loop *l, struct cluster *c, bool remote, int set,
    backend_cb cb, void *arg)
{
	return stop_some(l, c, remote, set, cb, arg);
}

int
proc_stop_set(const struct backend *b, struct loop *l, struct cluster *c,
    int set, backend_cb cb, void *arg, struct err *e)
{
	return proc_stop_set_on(l, c, false, set, cb, arg);
}

int
proc_stop(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	return proc_stop_on(l, c, false, cb, arg);
}

char *
proc_remote_engines(const struct backend *b, const struct cluster *c)
{
	const struct strv *hosts = &c->profile->hosts;
	struct strv other = STRV_INIT;
	char self[256] = "";
	char *list, *out;

	(void)b;
	if (gethostname(self, sizeof self - 1) == -1)
		self[0] = '\0';
	for (size_t i = 0; i < hosts->n; i++) {
		const char *h = hosts->v[i];
		size_t n = strcspn(self, ".");

		if (netif_loopback(h) || strcmp(h, self) == 0 ||
		    (strncmp(h, self, n) == 0 && h[n] == '\0'))
			continue;
		strv_push(&other, h);
	}
	if (other.n == 0)
		return NULL;
	list = strv_join(&other, ", ");
	out = xasprintf("engines on host%s %s (hosts)", other.n == 1 ? "" :
	    "s", list);
	free(list);
	strv_clear(&other);
	return out;
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
	if (c->host != NULL) {
		q = shquote(c->host);
		strv_pushf(lines, "# on %s (through ssh), its paths there", q);
		free(q);
	}
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
