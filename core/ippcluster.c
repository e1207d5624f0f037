#include "ippcluster.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "paths.h"
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

/* A LocalProcessLauncher's (local processes, mpiexec). */
static json_t *
process_state(const struct cluster *c, const char *pdir,
    const struct cluster_proc *p)
{
	json_t *o = launcher_new(c, pdir);

	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "output_file", json_string(p->log != NULL ?
	    p->log : ""));
	return o;
}

/* A BatchSystemLauncher's. */
static json_t *
job_state(const struct cluster *c, const char *pdir,
    const struct cluster_proc *p)
{
	json_t *o = launcher_new(c, pdir);

	json_object_set_new(o, "job_id", json_string(p->job_id));
	json_object_set_new(o, "n", json_integer(p->role == CLUSTER_ENGINES ?
	    p->engines : 1));
	json_object_set_new(o, "queue", json_string(""));
	json_object_set_new(o, "batch_template", json_string(""));
	json_object_set_new(o, "namespace", json_object());
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
	return NULL;
}

static json_t *
engine_sets(const struct cluster *c, const char *pdir)
{
	json_t *sets = json_object(), *local = NULL, *each = NULL;
	bool is_local = strcmp(c->backend, "local") == 0;
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
			json_t *e = process_state(c, pdir, p);

			json_object_set_new(e, "n", json_integer(1));
			if (local == NULL) {
				local = launcher_new(c, pdir);
				each = json_object();
			}
			json_object_set_new(each, key, e);
			nlocal++;
		} else if (p->job_id != NULL) {
			json_object_set_new(sets, key, job_state(c, pdir, p));
		} else {
			json_t *e = process_state(c, pdir, p);

			json_object_set_new(e, "n", json_integer(p->engines));
			json_object_set_new(sets, key, e);
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

	if (eclass == NULL || c->host != NULL)
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
		json_object_set_new(ctl, "state", p->job_id != NULL ?
		    job_state(c, pdir, p) : process_state(c, pdir, p));
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

int
ippcluster_sync(struct cluster *c, struct err *e)
{
	char *text, *path, *old = NULL, *dir;
	size_t len;
	int rc = 0;

	if (!cluster_any_alive(c) && !cluster_any_unknown(c))
		return 0;
	if ((text = ippcluster_json(c)) == NULL)
		return 0;
	path = ippcluster_path(c);
	if (file_read(path, IPPCLUSTER_MAX, 0, &old, &len, NULL) == 0 &&
	    strcmp(old, text) == 0)
		goto out;
	/* The controller makes security/ as it starts: maybe not yet. */
	dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	rc = paths_mkdir_p(dir, 0700, e);
	free(dir);
	if (rc == 0)
		rc = file_write_atomic(path, text, strlen(text), 0600, e);
	if (rc == 0 && cluster_meta_get(c, IPPCLUSTER_META) == NULL)
		cluster_meta_set(c, IPPCLUSTER_META, path);
out:
	free(old);
	free(path);
	free(text);
	return rc;
}

void
ippcluster_remove(const struct cluster *c)
{
	const char *path = cluster_meta_get(c, IPPCLUSTER_META);

	if (path != NULL)
		unlink(path);
}

bool
ippcluster_stopped_outside(const struct cluster *c)
{
	const char *path = cluster_meta_get(c, IPPCLUSTER_META);

	return path != NULL && c->complete && c->nprocs > 0 &&
	    !cluster_any_alive(c) && !cluster_any_unknown(c) &&
	    access(path, F_OK) == -1 && errno == ENOENT;
}
