#include "ippcluster.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "host.h"
#include "paths.h"
#include "procsnap.h"
#include "xmalloc.h"

/* A cluster file names a few launchers and pids: far below this. */
#define IPPCLUSTER_MAX (1024 * 1024)

static char *
profile_dir(const struct cluster *c)
{
	char *ipdir = cluster_ipython_dir(c);
	char *dir = paths_ipython_profile_dir_in(ipdir, c->ipython_profile);

	free(ipdir);
	return dir;
}

char *
ippcluster_path(const struct cluster *c)
{
	return paths_below(profile_dir(c), "security/cluster-%s.json",
	    c->cluster_id != NULL ? c->cluster_id : "");
}

/* What the poll left alive, or not polled yet (a start writes the file
 * before the first poll). */
static bool
proc_live(const struct cluster_proc *p)
{
	return p->live != CLUSTER_LIVE_GONE;
}

/* BaseLauncher's state: what every launcher keeps. */
static json_t *
launcher_new(const struct cluster *c, const char *pdir)
{
	json_t *o = json_object();

	json_object_set_new(o, "cluster_id", json_string(c->cluster_id));
	json_object_set_new(o, "profile_dir", json_string(pdir));
	json_object_set_new(o, "state", json_string("running"));
	return o;
}

/* The state of p's launcher: a LocalProcessLauncher's (local processes,
 * mpiexec: pid, output_file) or a BatchSystemLauncher's (job_id, queue,
 * batch_template, namespace); n (its engines) when above 0. */
static json_t *
launcher_state(const struct cluster *c, const char *pdir,
    const struct cluster_proc *p, int n)
{
	json_t *o = launcher_new(c, pdir);

	if (p->job_id == NULL) {
		json_object_set_new(o, "pid", json_integer(p->pid));
		json_object_set_new(o, "output_file", json_string(p->log !=
		    NULL ? p->log : ""));
	} else {
		json_object_set_new(o, "job_id", json_string(p->job_id));
		json_object_set_new(o, "queue", json_string(""));
		json_object_set_new(o, "batch_template", json_string(""));
		json_object_set_new(o, "namespace", json_object());
	}
	if (n > 0)
		json_object_set_new(o, "n", json_integer(n));
	return o;
}

/* The launcher classes, as abbreviate_launcher_class() names them. */
static const char *
engines_class(const char *backend)
{
	if (strcmp(backend, "local") == 0 || strcmp(backend, "mpi") == 0 ||
	    strcmp(backend, "slurm") == 0)
		return backend;
	if (strcmp(backend, "pbs") == 0)
		return "ipyparallel.cluster.launcher.PBSEngineSetLauncher";
	if (strcmp(backend, "ssh") == 0)
		return "ssh";
	return NULL;
}

/* The interpreter ipcluster runs on an engine's host to wait for it
 * (SSHLauncher.remote_python): the profile's when its engine command is
 * ipyparallel's own form for SSH engines, PYTHON -m ipyparallel.engine;
 * else ipyparallel's default, python3 on that host's PATH. */
static const char *
remote_python(const struct cluster *c)
{
	const struct strv *cmd = c->profile != NULL ?
	    &c->profile->engine.command : NULL;

	if (cmd != NULL && cmd->n >= 3 && strcmp(cmd->v[1], "-m") == 0 &&
	    strcmp(cmd->v[2], "ipyparallel.engine") == 0)
		return cmd->v[0];
	return "python3";
}

/* An SSHEngineLauncher's state beside its pid: where it runs and how
 * ipcluster reaches it (the ssh client with hpctop's ssh config, when that
 * is not the user's own) to signal it and wait for it. */
static void
ssh_state(const struct cluster *c, const struct cluster_proc *p, json_t *o)
{
	const char *conf = host_ssh_config();

	json_object_set_new(o, "hostname", json_string(p->host != NULL ?
	    p->host : ""));
	json_object_set_new(o, "user", json_string(""));
	json_object_set_new(o, "ssh_cmd", json_pack("[s]", "ssh"));
	json_object_set_new(o, "ssh_args", conf != NULL ?
	    json_pack("[s,s]", "-F", conf) : json_array());
	json_object_set_new(o, "scp_cmd", json_pack("[s]", "scp"));
	json_object_set_new(o, "scp_args", conf != NULL ?
	    json_pack("[s,s]", "-F", conf) : json_array());
	json_object_set_new(o, "remote_python", json_string(remote_python(c)));
	json_object_set_new(o, "remote_output_file", json_string(p->log !=
	    NULL ? p->log : ""));
	json_object_set_new(o, "output_file", json_string(""));
}

static json_t *
engine_sets(const struct cluster *c, const char *pdir)
{
	json_t *sets = json_object(), *local = NULL, *each = NULL;
	bool is_ssh = strcmp(c->backend, "ssh") == 0;
	/* One set of per-engine launchers, as Local and SSHEngineSetLauncher
	 * keep them. */
	bool is_local = is_ssh || strcmp(c->backend, "local") == 0;
	int nlocal = 0, k = 0;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *p = &c->procs[i];
		char key[32];

		if (p->role != CLUSTER_ENGINES)
			continue;
		/* Stable keys: an engine keeps its number while others go. */
		snprintf(key, sizeof key, "%d", k++);
		if (!proc_live(p))
			continue;
		if (is_local) {
			json_t *e = launcher_state(c, pdir, p, 1);

			if (is_ssh)
				ssh_state(c, p, e);
			if (local == NULL) {
				local = launcher_new(c, pdir);
				each = json_object();
			}
			json_object_set_new(each, key, e);
			nlocal++;
		} else {
			json_object_set_new(sets, key, launcher_state(c, pdir,
			    p, p->engines));
		}
	}
	if (local != NULL) {
		json_object_set_new(local, "pid", json_integer(-1));
		json_object_set_new(local, "n", json_integer(nlocal));
		json_object_set_new(local, "engines", each);
		json_object_set_new(sets, "hpctop", local);
	}
	return sets;
}

char *
ippcluster_json(const struct cluster *c)
{
	const char *eclass = engines_class(c->backend);
	json_t *root, *info, *engines;
	char *pdir, *text;

	if (eclass == NULL)
		return NULL;
	pdir = profile_dir(c);
	root = json_object();
	info = json_object();
	json_object_set_new(info, "class",
	    json_string("ipyparallel.cluster.cluster.Cluster"));
	json_object_set_new(info, "cluster_id", json_string(c->cluster_id));
	json_object_set_new(info, "profile_dir", json_string(pdir));
	json_object_set_new(info, "n", json_integer(c->engines));
	json_object_set_new(info, "delay", json_real(1.0));
	json_object_set_new(info, "controller_args", json_array());
	json_object_set_new(info, "controller_ip", json_string(""));
	json_object_set_new(info, "controller_location", json_string(""));
	json_object_set_new(root, "cluster", info);
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *p = &c->procs[i];
		json_t *ctl;

		if (p->role != CLUSTER_CONTROLLER || !proc_live(p))
			continue;
		ctl = json_object();
		json_object_set_new(ctl, "class", json_string(p->job_id !=
		    NULL ? c->backend : "local"));
		json_object_set_new(ctl, "state", launcher_state(c, pdir, p,
		    p->job_id != NULL ? 1 : 0));
		json_object_set_new(root, "controller", ctl);
		break;
	}
	engines = json_object();
	json_object_set_new(engines, "class", json_string(eclass));
	json_object_set_new(engines, "sets", engine_sets(c, pdir));
	json_object_set_new(root, "engines", engines);
	text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	free(pdir);
	if (text == NULL)
		fatal("json_dumps failed");
	return text;
}

/* The host c's files are on, once their paths are known there (another
 * machine's home is asked by cluster_place); NULL before. */
static struct host *
file_host(struct loop *l, const struct cluster *c)
{
	if (c->host != NULL && c->host_home == NULL)
		return NULL;
	return cluster_host(l, c, NULL);
}

/* Makes dir (mode 0700) on h: the controller makes security/ as it
 * starts, maybe not yet. */
static int
mkdir_on(struct loop *l, struct host *h, const char *dir, struct err *e)
{
	char *argv[] = { "mkdir", "-p", "-m", "0700", (char *)dir, NULL };
	struct subproc_result *r;
	int rc;

	if (host_is_local(h))
		return paths_mkdir_p(dir, 0700, e);
	r = host_run_sync(h, l, argv, NULL, NULL, 0, HOST_SYNC_TIMEOUT_MS);
	rc = r->ok ? 0 : -1;
	if (!r->ok && e != NULL)
		*e = r->err;
	subproc_result_free(r);
	return rc;
}

int
ippcluster_sync(struct loop *l, struct cluster *c, struct err *e)
{
	char *text, *path, *old = NULL, *dir;
	struct host *h;
	size_t len;
	int rc = 0, rd, rerr;

	/* An adopted file is its writer's to keep current. */
	if (ippcluster_adopted(c) ||
	    (!cluster_any_alive(c) && !cluster_any_unknown(c)))
		return 0;
	if ((h = file_host(l, c)) == NULL)
		return 0;
	if ((text = ippcluster_json(c)) == NULL)
		return 0;
	/* Nothing changed since the last look: not even a read (each
	 * refresh comes here). */
	if (c->ipp_file_text != NULL && strcmp(c->ipp_file_text, text) == 0) {
		free(text);
		return 0;
	}
	path = ippcluster_path(c);
	rd = host_read_file(h, l, path, IPPCLUSTER_MAX, 0, &old, &len, NULL);
	rerr = errno;
	if (rd == 0 && strcmp(old, text) == 0)
		goto seen;
	/* Removed since hpctop wrote it: ipyparallel is stopping the
	 * cluster (ipcluster stop removes it before the last process has
	 * gone), which is not undone. */
	if (rd == -1 && rerr == ENOENT &&
	    cluster_meta_get(c, IPPCLUSTER_META) != NULL)
		goto out;
	dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	rc = mkdir_on(l, h, dir, e);
	free(dir);
	if (rc == 0)
		rc = host_write_file(h, l, path, text, strlen(text), 0600, e);
	if (rc == -1)
		goto out;
	if (cluster_meta_get(c, IPPCLUSTER_META) == NULL)
		cluster_meta_set(c, IPPCLUSTER_META, path);
seen:
	free(c->ipp_file_text);
	c->ipp_file_text = text;
	text = NULL;
out:
	free(old);
	free(path);
	free(text);
	return rc;
}

void
ippcluster_remove(struct loop *l, const struct cluster *c)
{
	char *argv[] = { "rm", "-f", NULL, NULL };
	const char *path = cluster_meta_get(c, IPPCLUSTER_META);
	struct host *h;

	if (path == NULL || (h = file_host(l, c)) == NULL)
		return;
	if (host_is_local(h)) {
		unlink(path);
		return;
	}
	argv[2] = (char *)path;
	subproc_result_free(host_run_sync(h, l, argv, NULL, NULL, 0,
	    HOST_SYNC_TIMEOUT_MS));
}

bool
ippcluster_stopped_outside(struct loop *l, const struct cluster *c)
{
	const char *path = cluster_meta_get(c, IPPCLUSTER_META);
	struct host *h;
	char *buf;
	size_t len;

	/* The cheap checks first: the host is asked only once nothing of c
	 * runs. An unreachable host says nothing. */
	if (path == NULL || !c->complete || c->nprocs == 0 ||
	    cluster_any_alive(c) || cluster_any_unknown(c) ||
	    (h = file_host(l, c)) == NULL)
		return false;
	if (host_read_file(h, l, path, IPPCLUSTER_MAX, 0, &buf, &len,
	    NULL) == 0) {
		free(buf);
		return false;
	}
	return errno == ENOENT;
}

bool
ippcluster_adopted(const struct cluster *c)
{
	return cluster_meta_get(c, IPPCLUSTER_ADOPTED) != NULL;
}

/* The backend for launchers of class cls (as the file names them). */
static const char *
backend_of(const char *cls)
{
	static const char *const names[] = { "local", "mpi", "slurm", "pbs" };

	if (cls == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(cls, names[i]) == 0)
			return names[i];
	if (strstr(cls, "PBS") != NULL)
		return "pbs";
	if (strstr(cls, "Slurm") != NULL)
		return "slurm";
	if (strstr(cls, "MPI") != NULL)
		return "mpi";
	if (strstr(cls, "launcher.Local") != NULL)
		return "local";
	return NULL;
}

static const char *
str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) && json_string_value(v)[0] != '\0' ?
	    json_string_value(v) : NULL;
}

static int
int_of(const json_t *o, const char *key, int dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < 1000000 ? (int)json_integer_value(v) :
	    dflt;
}

/* When the process that started `ticks` after boot (/proc/PID/stat field
 * 22) started, in wall-clock seconds; now when /proc/uptime says nothing. */
static double
started_at(unsigned long long ticks)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec ts;
	double up = -1, now;
	char *buf;
	size_t len;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	if (file_read("/proc/uptime", 4096, 0, &buf, &len, NULL) == 0) {
		if (sscanf(buf, "%lf", &up) != 1)
			up = -1;
		free(buf);
	}
	if (up < 0 || hz <= 0 || (double)ticks / hz > up)
		return now;
	return now - (up - (double)ticks / hz);
}

/* One launcher's state as a process or job of c; whether it runs (a pid
 * that exists now; a job, which only its scheduler can tell). */
static bool
add_launcher(struct cluster *c, enum cluster_role role, const char *name,
    const json_t *st, int engines)
{
	const char *job = str_of(st, "job_id");
	json_int_t pid = json_integer_value(json_object_get(st, "pid"));
	struct cluster_proc *p;
	unsigned long long start = 0;

	if (job == NULL && (pid <= 1 || pid > 1 << 22 ||
	    (start = procsnap_pid_start((pid_t)pid)) == 0))
		return false;
	p = cluster_add_proc(c, role, name, job != NULL ? 0 : (pid_t)pid,
	    job, engines, NULL, str_of(st, "output_file"));
	p->start_time = start;
	if (start != 0)
		p->started = started_at(start);
	return true;
}

static bool
add_engines(struct cluster *c, const json_t *sets, bool local)
{
	const char *id, *k;
	json_t *set, *one;
	bool any = false;
	int i = 0;

	json_object_foreach((json_t *)sets, id, set) {
		const json_t *each = json_object_get(set, "engines");
		char name[64];

		if (local && json_is_object(each)) {
			json_object_foreach((json_t *)each, k, one) {
				snprintf(name, sizeof name, "ipengine.%d", i++);
				any |= add_launcher(c, CLUSTER_ENGINES, name,
				    one, 1);
			}
			continue;
		}
		snprintf(name, sizeof name, "engines.%d", i++);
		any |= add_launcher(c, CLUSTER_ENGINES, name, set,
		    int_of(set, "n", 1));
	}
	return any;
}

/* The engines of every set (ipcluster list's count). */
static int
set_engines(const json_t *sets)
{
	const char *id;
	json_t *set;
	int n = 0;

	json_object_foreach((json_t *)sets, id, set)
		n += int_of(set, "n", 0);
	return n;
}

/* The YAML of an adopted cluster's profile: what the file says. Strings
 * as JSON strings, which YAML reads as they are. */
static char *
adopted_yaml(const char *backend, int n, const char *profile,
    const char *id, const char *path)
{
	char *desc = xasprintf("ipyparallel cluster file %s", path);
	const char *in[3] = { profile, id, desc };
	char *t[3], *yaml;

	for (int i = 0; i < 3; i++) {
		json_t *s = json_string(in[i]);

		if (s == NULL || (t[i] = json_dumps(s, JSON_ENCODE_ANY)) ==
		    NULL)
			fatal("json_dumps failed");
		json_decref(s);
	}
	yaml = xasprintf("version: 1\nbackend: %s\nengines: %d\n"
	    "ipython_profile: %s\ncluster_id: %s\ndescription: %s\n",
	    backend, n > 0 ? n : 1, t[0], t[1], t[2]);
	for (int i = 0; i < 3; i++)
		free(t[i]);
	free(desc);
	return yaml;
}

static bool
record_exists(const char *name)
{
	char *dir = cluster_dir_for(name);
	char *path = xasprintf("%s/cluster.json", dir);
	bool exists = access(path, F_OK) == 0;

	free(path);
	free(dir);
	return exists;
}

/* Whether a process of c carries hpctop's mark: the file is one hpctop
 * wrote for a cluster whose record went (status shows what is left of
 * it by its mark), not another's. One snapshot, taken when first asked. */
static bool
hpctops(const struct cluster *c, struct procsnap **ps)
{
	if (*ps == NULL) {
		*ps = xcalloc(1, sizeof **ps);
		if (procsnap_read_local(CLUSTER_ENV, *ps, NULL) == -1)
			return false;
	}
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct procsnap_proc *p = c->procs[i].pid > 0 ?
		    procsnap_find(*ps, c->procs[i].pid) : NULL;

		if (p != NULL && p->env != NULL)
			return true;
	}
	return false;
}

/* Records the cluster file at path (IPython profile, cluster id) under
 * name unless it cannot be, or nothing of it runs. */
static bool
adopt(const char *path, const char *profile, const char *id,
    const char *name, struct procsnap **ps)
{
	char *buf, *yaml;
	size_t len;
	json_t *root;
	const json_t *info, *ctl, *eng;
	const char *backend, *ccls;
	struct profile *p;
	struct cluster *c;
	bool ok = false, any;
	int n;

	if (file_read(path, IPPCLUSTER_MAX, 0, &buf, &len, NULL) == -1)
		return false;
	root = json_loadb(buf, len, 0, NULL);
	free(buf);
	info = json_object_get(root, "cluster");
	ctl = json_object_get(root, "controller");
	eng = json_object_get(root, "engines");
	backend = backend_of(str_of(eng, "class"));
	ccls = backend_of(str_of(ctl, "class"));
	/* A controller of another kind than the engines (a local one beside
	 * batch engines) is not one backend's: left to ipyparallel. */
	if (!json_is_object(info) || backend == NULL || (ccls != NULL &&
	    strcmp(ccls, backend) != 0 && strcmp(ccls, "local") != 0) ||
	    (ccls != NULL && strcmp(ccls, "local") == 0 &&
	    (strcmp(backend, "slurm") == 0 || strcmp(backend, "pbs") == 0)))
		goto out;
	/* The notebook's clusters leave n null: their sets say it. */
	if ((n = int_of(info, "n", 0)) == 0)
		n = set_engines(json_object_get(eng, "sets"));
	yaml = adopted_yaml(backend, n, profile, id, path);
	p = profile_load_buffer(yaml, strlen(yaml), path, name, NULL);
	c = p != NULL ? cluster_new(p, yaml, n, NULL) : NULL;
	profile_free(p);
	free(yaml);
	if (c == NULL)
		goto out;
	any = json_is_object(ctl) && add_launcher(c, CLUSTER_CONTROLLER,
	    "ipcontroller", json_object_get(ctl, "state"), 0);
	any |= add_engines(c, json_object_get(eng, "sets"),
	    strcmp(backend, "local") == 0);

	if (c->nprocs > 0)
		c->started = c->procs[0].started;
	if (any && hpctops(c, ps)) {
		cluster_free(c);
		goto out;
	}
	c->complete = true;
	cluster_meta_set(c, IPPCLUSTER_META, path);
	cluster_meta_set(c, IPPCLUSTER_ADOPTED, "1");
	/* Under the lock, so two hpctops adopt it once. */
	ok = any && cluster_mkdirs(c, NULL) == 0 &&
	    cluster_lock(c, "adopting", NULL) == 0 &&
	    !record_exists(name) && cluster_save(c, NULL) == 0;
	if (any && !ok && !record_exists(name))
		cluster_remove(c, NULL);
	cluster_free(c);
out:
	json_decref(root);
	return ok;
}

static void
adopt_in(const char *pdir, const char *profile, struct strv *adopted,
    struct procsnap **ps)
{
	char *sec = xasprintf("%s/security", pdir);
	DIR *d = opendir(sec);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *id, *name, *path;

		if (len < 13 || strncmp(de->d_name, "cluster-", 8) != 0 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		id = xstrndup(de->d_name + 8, len - 13);
		name = id[0] == '\0' ? xstrdup(profile) :
		    xasprintf("%s.%s", profile, id);
		path = xasprintf("%s/%s", sec, de->d_name);
		if (!record_exists(name) && adopt(path, profile, id, name, ps) &&
		    adopted != NULL)
			strv_push(adopted, name);
		free(path);
		free(name);
		free(id);
	}
	if (d != NULL)
		closedir(d);
	free(sec);
}

void
ippcluster_adopt_all(struct strv *adopted)
{
	char *ipdir = paths_ipython_dir();
	DIR *d = opendir(ipdir);
	struct dirent *de;
	struct procsnap *ps = NULL;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char *pdir;

		if (strncmp(de->d_name, "profile_", 8) != 0 ||
		    de->d_name[8] == '\0' || de->d_name[8] == '.')
			continue;
		pdir = xasprintf("%s/%s", ipdir, de->d_name);
		adopt_in(pdir, de->d_name + 8, adopted, &ps);
		free(pdir);
	}
	if (d != NULL)
		closedir(d);
	if (ps != NULL)
		procsnap_free(ps);
	free(ps);
	free(ipdir);
}

void
ippcluster_add_profiles(struct proflist *pl)
{
	struct strv names = STRV_INIT;
	bool missing;

	ippcluster_adopt_all(NULL);
	cluster_list(&names);
	for (size_t i = 0; i < names.n; i++) {
		struct cluster *c;

		if (proflist_find(pl, names.v[i]) != NULL ||
		    (c = cluster_load(names.v[i], &missing, NULL)) == NULL)
			continue;
		if (ippcluster_adopted(c))
			proflist_add_text(pl, c->name,
			    cluster_meta_get(c, IPPCLUSTER_META), "ipython",
			    c->profile_yaml);
		cluster_free(c);
	}
	strv_clear(&names);
}
