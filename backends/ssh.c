#include "ssh.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/host.h"
#include "core/shquote.h"
#include "core/xmalloc.h"
#include "proc.h"
#include "procfs.h"

/* How often start looks for the controller's engine connection file. */
#define SSH_FILE_TICK_MS 100
/* Bound on that file (a few hundred bytes). */
#define SSH_FILE_MAX (64 * 1024)

/* Where a cluster's files live on each host, relative to the remote home
 * (where SSH commands start): its IPython dir, holding the copy of the
 * engine connection file, and the engines' logs. Removed by stop. */
static char *
remote_dir(const struct cluster *c)
{
	return xasprintf(".hpctop/ssh/%s", c->name);
}

static char *
remote_ipython_dir(const struct cluster *c)
{
	char *d = remote_dir(c), *out = xasprintf("%s/ipython", d);

	free(d);
	return out;
}

static char *
remote_security_dir(const struct cluster *c)
{
	char *d = remote_ipython_dir(c);
	char *out = xasprintf("%s/profile_%s/security", d,
	    c->ipython_profile);

	free(d);
	return out;
}

/* The engine connection file's copy, under the name the engines look
 * for (the controller's own file name). */
static char *
remote_engine_file(const struct cluster *c)
{
	const char *base = strrchr(c->engine_file, '/');
	char *d = remote_security_dir(c);
	char *out = xasprintf("%s/%s", d, base != NULL ? base + 1 :
	    c->engine_file);

	free(d);
	return out;
}

void
ssh_placement(const struct profile *p, int n, int *counts)
{
	size_t nh = p->hosts.n;
	long sum = 0;

	for (size_t i = 0; p->host_engines != NULL && i < nh; i++)
		sum += p->host_engines[i];
	for (size_t i = 0; i < nh; i++) {
		if (p->host_engines != NULL && sum == n)
			counts[i] = p->host_engines[i];
		else
			counts[i] = n / (int)nh + ((int)i < n % (int)nh);
	}
}

/* Engine i's spawn on its host: the IPython dir of the cluster there,
 * the profile's env and setup, its log there. */
static void
engine_spawn(const struct cluster *c, int i, struct spawn *s)
{
	char *d = remote_dir(c);

	proc_engine_argv(c, false, &s->argv);
	proc_profile_env(c, s);
	s->log = xasprintf("%s/engine-%d.log", d, i);
	free(d);
	d = remote_ipython_dir(c);
	strv_pushf(&s->env, "IPYTHONDIR=%s", d);
	free(d);
}

static void
mkdir_argv(const struct cluster *c, struct strv *argv)
{
	strv_push(argv, "mkdir");
	strv_push(argv, "-p");
	strv_push(argv, "-m");
	strv_push(argv, "700");
	strv_push_take(argv, remote_security_dir(c));
}

static int
check_hosts(const struct cluster *c, struct err *e)
{
	if (c->profile->hosts.n == 0)
		return err_set(e, "hosts: backend ssh needs the hosts its "
		    "engines run on (a list, or a mapping host: engines)");
	return 0;
}

/* "ssh HOST 'words'" for the script. */
static char *
ssh_line(const char *host, char *command)
{
	char *qh = shquote(host), *qc = shquote(command);
	char *out = xasprintf("ssh %s %s", qh, qc);

	free(qh);
	free(qc);
	free(command);
	return out;
}

static int
ssh_script(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	const struct profile *p = c->profile;
	struct strv lines = STRV_INIT;
	int *counts, next = 0;
	char *file = remote_engine_file(c);

	if (check_hosts(c, e) == -1) {
		free(file);
		return -1;
	}
	counts = xcalloc(p->hosts.n, sizeof *counts);
	ssh_placement(p, c->engines, counts);
	proc_script_begin(c, &lines);
	strv_pushf(&lines, "# %d engine%s on %zu host%s over ssh (paths "
	    "relative to the remote home), once the controller wrote its "
	    "engine connection file", c->engines, c->engines == 1 ? "" : "s",
	    p->hosts.n, p->hosts.n == 1 ? "" : "s");
	for (size_t i = 0; i < p->hosts.n; i++) {
		const char *h = p->hosts.v[i];
		struct strv argv = STRV_INIT;
		char *qf, *qd, *dest;

		if (counts[i] == 0)
			continue;
		strv_pushf(&lines, "# %s: %d engine%s", h, counts[i],
		    counts[i] == 1 ? "" : "s");
		mkdir_argv(c, &argv);
		strv_push_take(&lines, ssh_line(h, shquote_argv(argv.v)));
		strv_clear(&argv);
		qf = shquote(c->engine_file);
		qd = xasprintf("%s:%s", h, file);
		dest = shquote(qd);
		strv_push_take(&lines, xasprintf("scp -p %s %s", qf, dest));
		free(dest);
		free(qd);
		free(qf);
		for (int k = 0; k < counts[i]; k++) {
			struct spawn s = { 0 };

			engine_spawn(c, next++, &s);
			strv_push_take(&lines, ssh_line(h, spawn_render(&s)));
			spawn_clear(&s);
		}
	}
	free(file);
	free(counts);
	proc_script_end(c, &lines);
	proc_complete(l, c, NULL, cb, arg);
	return 0;
}

static int
ssh_start_controller(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	const struct profile *p = c->profile;
	char *where;

	if (check_hosts(c, e) == -1)
		return -1;
	/* Without an address the controller listens on loopback, which
	 * engines on other hosts do not reach. */
	if (p->controller.ip == NULL && p->controller.interface == NULL &&
	    !p->controller.allow_loopback &&
	    (where = proc_remote_engines(b, c)) != NULL) {
		err_set(e, "controller: backend ssh runs %s, which do not "
		    "reach this machine's loopback, where the controller listens "
		    "without controller.ip or controller.interface; set one "
		    "(or controller.allow_loopback: true if they do reach it)",
		    where);
		free(where);
		return -1;
	}
	/* The engines' command is looked for on their hosts, not here. */
	return proc_start_controller(l, c, NULL, NULL, cb, arg, e);
}

struct starter {
	struct loop *loop;
	struct cluster *c;
	backend_cb cb;
	void *arg;
	uint64_t deadline;
};

static void
start_done(struct starter *st, const struct err *e)
{
	st->cb(st->c, e, st->arg);
	free(st);
}

/* One host's engines: the cluster's directory there, the connection
 * file's copy (0600), then each engine. */
static int
start_host(struct starter *st, const char *dest, int first, int n,
    const char *data, size_t len, struct err *e)
{
	struct cluster *c = st->c;
	struct strv argv = STRV_INIT;
	struct subproc_result *r;
	struct host *h;
	char *file;
	int rc;

	if ((h = host_get(st->loop, dest, e)) == NULL)
		return err_prefix(e, "hosts: %s", dest);
	mkdir_argv(c, &argv);
	r = host_run_sync(h, st->loop, argv.v, NULL, NULL, 0,
	    HOST_SYNC_TIMEOUT_MS);
	strv_clear(&argv);
	if (!r->ok) {
		/* r->err names the host. */
		err_set(e, "%s", r->err.msg);
		subproc_result_free(r);
		return -1;
	}
	subproc_result_free(r);
	file = remote_engine_file(c);
	rc = host_write_file(h, st->loop, file, data, len, 0600, e);
	free(file);
	if (rc == -1)
		return err_prefix(e, "%s: engine connection file", dest);
	for (int k = first; k < first + n; k++) {
		struct spawn s = { 0 };
		char *name = xasprintf("ipengine.%d", k);

		engine_spawn(c, k, &s);
		rc = proc_spawn_on(st->loop, h, c, &s, CLUSTER_ENGINES, name, 1,
		    e);
		spawn_clear(&s);
		free(name);
		if (rc == -1)
			return err_prefix(e, "%s", dest);
	}
	return 0;
}

static void
start_all(struct starter *st, const char *data, size_t len)
{
	const struct profile *p = st->c->profile;
	int *counts = xcalloc(p->hosts.n, sizeof *counts), next = 0;
	struct err e;
	int rc = 0;

	ssh_placement(p, st->c->engines, counts);
	cluster_meta_set(st->c, CLUSTER_META_PLACED, "hosts");
	for (size_t i = 0; i < p->hosts.n && rc == 0; i++) {
		if (counts[i] > 0)
			rc = start_host(st, p->hosts.v[i], next, counts[i],
			    data, len, &e);
		next += counts[i];
	}
	free(counts);
	start_done(st, rc == 0 ? NULL : &e);
}

/* Whether the controller still runs (from this machine's snapshot). */
static bool
controller_alive(struct starter *st)
{
	struct procsnap ps;
	struct err e;
	bool alive = false;

	if (host_procs_sync(cluster_host(st->loop, st->c, &e), st->loop,
	    CLUSTER_ENV, &ps, &e) == -1)
		return true;
	for (size_t i = 0; i < st->c->nprocs && !alive; i++)
		alive = st->c->procs[i].role == CLUSTER_CONTROLLER &&
		    procfs_proc_alive(st->c, &ps, &st->c->procs[i]);
	procsnap_free(&ps);
	return alive;
}

static void
start_tick(void *arg)
{
	struct starter *st = arg;
	struct err e;
	struct host *h = cluster_host(st->loop, st->c, &e);
	char *data;
	size_t len;

	if (h != NULL && host_read_file(h, st->loop, st->c->engine_file,
	    SSH_FILE_MAX, FILE_SECRET, &data, &len, &e) == 0) {
		json_t *j = json_loadb(data, len, 0, NULL);

		/* Complete once it parses: the Hub writes it in place. */
		if (j != NULL) {
			json_decref(j);
			start_all(st, data, len);
			explicit_bzero(data, len);
			free(data);
			return;
		}
		explicit_bzero(data, len);
		free(data);
	}
	if (loop_now() >= st->deadline || !controller_alive(st)) {
		err_set(&e, "engines: the controller wrote no engine "
		    "connection file (%s)%s; see its log", st->c->engine_file,
		    loop_now() >= st->deadline ? " in time" :
		    " before it exited");
		start_done(st, &e);
		return;
	}
	loop_timer_add(st->loop, SSH_FILE_TICK_MS, start_tick, st);
}

/* The engines need the controller's engine connection file on their
 * hosts: they start when it is there, from the loop. */
static int
ssh_start_engines(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	struct starter *st = xcalloc(1, sizeof *st);

	st->loop = l;
	st->c = c;
	st->cb = cb;
	st->arg = arg;
	st->deadline = loop_now() + PROC_URL_WAIT_S * 1000ull;
	loop_timer_add(l, 0, start_tick, st);
	return 0;
}

static int
ssh_poll(const struct backend *b, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e)
{
	return proc_poll_on(l, cs, n, true, cb, arg);
}

struct stopping {
	struct loop *loop;
	backend_cb cb;
	void *arg;
};

/* Whether engines of c were started on dest. */
static bool
used_host(const struct cluster *c, const char *dest)
{
	for (size_t k = 0; k < c->nprocs; k++)
		if (c->procs[k].role == CLUSTER_ENGINES &&
		    c->procs[k].host != NULL &&
		    strcmp(c->procs[k].host, dest) == 0)
			return true;
	return false;
}

/* Removes c's directory on dest, and its parents when nothing else is
 * left in them. */
static int
remove_remote(struct loop *l, const struct cluster *c, const char *dest,
    struct err *e)
{
	char *argv[] = { "sh", "-c", "rm -rf -- \"$1\" && "
	    "rmdir -- \"${1%/*}\" \"${1%/*/*}\" 2>/dev/null; exit 0",
	    "sh", NULL, NULL };
	struct subproc_result *r;
	struct host *h = host_get(l, dest, e);
	int rc = 0;

	if (h == NULL)
		return -1;
	argv[4] = remote_dir(c);
	r = host_run_sync(h, l, argv, NULL, NULL, 0, HOST_SYNC_TIMEOUT_MS);
	if (!r->ok)
		rc = err_set(e, "cannot remove %s: %s", argv[4], r->err.msg);
	subproc_result_free(r);
	free(argv[4]);
	return rc;
}

/* After the processes: what the cluster left on each host it used (the
 * copy of the connection file, with its key, and the logs). */
static int
ssh_leftovers(const struct backend *b, struct loop *l,
    const struct cluster *c, struct err *e)
{
	int rc = 0;

	for (size_t i = 0; c->profile != NULL && i < c->profile->hosts.n; i++)
		if (used_host(c, c->profile->hosts.v[i]) &&
		    remove_remote(l, c, c->profile->hosts.v[i], e) == -1)
			rc = -1;
	return rc;
}

static void
on_stopped(struct cluster *c, const struct err *e, void *arg)
{
	struct stopping *sg = arg;
	struct err ce;
	bool failed = ssh_leftovers(&ssh_backend, sg->loop, c, &ce) == -1;

	sg->cb(c, e != NULL ? e : failed ? &ce : NULL, sg->arg);
	free(sg);
}

static int
ssh_stop(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	struct stopping *sg = xcalloc(1, sizeof *sg);

	sg->loop = l;
	sg->cb = cb;
	sg->arg = arg;
	return proc_stop_on(l, c, true, on_stopped, sg);
}

const struct backend ssh_backend = {
	.name = "ssh",
	.script = ssh_script,
	.start_controller = ssh_start_controller,
	.start_engines = ssh_start_engines,
	.poll = ssh_poll,
	.stop = ssh_stop,
	.remote_engines = proc_remote_engines,
	.leftovers = ssh_leftovers,
};
