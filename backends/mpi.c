#include "mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/host.h"
#include "core/mpiworld.h"
#include "core/paths.h"
#include "core/netif.h"
#include "core/subproc.h"
#include "core/xmalloc.h"
#include "proc.h"

#define VERSION_TIMEOUT_MS 20000

enum mpi_family
mpi_family_parse(const char *out)
{
	/* MPICH: for MPI_Get_library_version's "MPICH Version: …" too. */
	if (strstr(out, "HYDRA") != NULL || strstr(out, "Hydra") != NULL ||
	    strstr(out, "MPICH") != NULL)
		return MPI_HYDRA;
	if (strstr(out, "Open MPI") != NULL || strstr(out, "OpenRTE") != NULL ||
	    strstr(out, "open-mpi.org") != NULL)
		return MPI_OPENMPI;
	return MPI_UNKNOWN;
}

const char *
mpi_family_name(enum mpi_family f)
{
	switch (f) {
	case MPI_HYDRA:
		return "hydra";
	case MPI_OPENMPI:
		return "openmpi";
	case MPI_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
mpi_family_words(enum mpi_family f)
{
	return f == MPI_HYDRA ? "MPICH (Hydra)" : f == MPI_OPENMPI ?
	    "Open MPI" : "an unknown MPI";
}

enum mpi_family
mpi_family_from_name(const char *name)
{
	if (name != NULL && strcmp(name, "hydra") == 0)
		return MPI_HYDRA;
	if (name != NULL && strcmp(name, "openmpi") == 0)
		return MPI_OPENMPI;
	return MPI_UNKNOWN;
}

/* "cn1:2,cn2:3": each host with its count from a hosts: mapping, else
 * with k (0: bare names). */
static char *
host_counts(const struct profile *p, int k)
{
	struct strv hs = STRV_INIT;
	char *out;

	for (size_t i = 0; i < p->hosts.n; i++) {
		int n = p->host_engines != NULL ? p->host_engines[i] : k;

		if (n > 0)
			strv_pushf(&hs, "%s:%d", p->hosts.v[i], n);
		else
			strv_push(&hs, p->hosts.v[i]);
	}
	out = strv_join(&hs, ",");
	strv_clear(&hs);
	return out;
}

void
mpi_engines_argv(const struct cluster *c, enum mpi_family f, int cores,
    struct strv *argv)
{
	const struct profile *p = c->profile;
	/* A set added later has its own N. */
	int n = c->add_n > 0 ? c->add_n : c->engines, ppn = p->tasks_per_node;
	size_t nhosts = p->hosts.n;
	char *list;

	strv_extend(argv, &p->mpiexec);
	strv_push(argv, "-n");
	strv_pushf(argv, "%d", n);
	if (f == MPI_HYDRA) {
		if (nhosts > 0) {
			list = host_counts(p, 0);
			strv_push(argv, "-hosts");
			strv_push_take(argv, list);
		}
		if (ppn > 0) {
			strv_push(argv, "-ppn");
			strv_pushf(argv, "%d", ppn);
		}
	} else {
		int slots;

		if (nhosts > 0) {
			/* Open MPI gives a bare host one slot: say how many. */
			int k = ppn > 0 ? ppn : (n + (int)nhosts - 1) /
			    (int)nhosts;

			strv_push(argv, "--host");
			strv_push_take(argv, host_counts(p, k));
			slots = 0;
			for (size_t i = 0; i < nhosts; i++)
				slots += p->host_engines != NULL ?
				    p->host_engines[i] : k;
		} else {
			slots = ppn > 0 ? ppn : cores;
		}
		if (ppn > 0) {
			strv_push(argv, "--map-by");
			strv_pushf(argv, "ppr:%d:node", ppn);
		}
		if (n > slots && !strv_contains(&p->mpiexec_args,
		    "--oversubscribe"))
			strv_push(argv, "--oversubscribe");
		/* Hydra forwards the whole environment; Open MPI only to local
		 * ranks unless told with -x. Remote ranks must find the
		 * IPython profile hpctop reads, whatever HOME and IPYTHONDIR
		 * their ssh session has. */
		if (nhosts > 0) {
			char *ipdir = cluster_ipython_dir(c);

			for (size_t i = 0; i < p->nenv; i++) {
				strv_push(argv, "-x");
				strv_push(argv, p->env[i].key);
			}
			strv_push(argv, "-x");
			strv_pushf(argv, "IPYTHONDIR=%s", ipdir);
			free(ipdir);
		}
	}
	strv_extend(argv, &p->mpiexec_args);
	/* A later set's ranks register with idents of that set (set 0 keeps
	 * the engines' own, as before sets), unique by rank. */
	if (c->add_set > 0) {
		strv_push(argv, "sh");
		strv_push(argv, "-c");
		strv_push(argv, "exec \"$@\" \"--Session.session=$0\"" PROC_RANK_SH);
		strv_push_take(argv, cluster_engine_ident(c->add_set, ""));
	}
	proc_engine_argv(c, p->mpi, argv);
}

bool
mpi_world_conclude(const struct cluster *c, const struct ipp_exec *x,
    char **verdict)
{
	enum mpi_family f = mpi_family_from_name(cluster_meta_get(c,
	    "mpi_family"));
	struct mpiworld_answer *a;
	bool all = mpiworld_answers(x, &a);
	struct err e;

	*verdict = NULL;
	if (all) {
		*verdict = mpiworld_verdict(c->engines, a, x->n,
		    c->profile->mpiexec.v[0], f != MPI_UNKNOWN ?
		    mpi_family_words(f) : NULL);
		/* If it cannot be kept, the engines are asked again next
		 * time; this answer stands. */
		mpiworld_save(c, *verdict, &e);
	}
	mpiworld_answers_free(a, x->n);
	return all;
}

static int
cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static void
engines_spawn(const struct cluster *c, enum mpi_family f, struct spawn *s)
{
	char *name = c->add_set == 0 ? xstrdup("engines") :
	    xasprintf("engines-s%d", c->add_set);

	mpi_engines_argv(c, f, cores(), &s->argv);
	proc_profile_env(c, s);
	s->log = cluster_log_path(c, name);
	free(name);
}

static void
render(struct cluster *c, enum mpi_family f)
{
	struct strv lines = STRV_INIT;
	struct spawn s = { 0 };

	proc_script_begin(c, &lines);
	strv_pushf(&lines, "# %d engines %s (%s launcher; they wait for the "
	    "controller's connection file)", c->engines, c->profile->mpi ?
	    "in one MPI world" : "under mpiexec, without MPI (mpi: false)",
	    f == MPI_HYDRA ? "MPICH Hydra" : "Open MPI");
	engines_spawn(c, f, &s);
	strv_push_take(&lines, spawn_render(&s));
	spawn_clear(&s);
	proc_script_end(c, &lines);
}

struct probe {
	struct cluster *c;
	backend_cb cb;
	void *arg;
};

static void
on_version(const struct subproc_result *r, void *arg)
{
	struct probe *pr = arg;
	struct cluster *c = pr->c;
	enum mpi_family f = MPI_UNKNOWN;
	struct err e;

	err_clear(&e);
	if (r->exit_code == -1 || r->timed_out) {
		e = r->err;
		err_prefix(&e, "mpi launcher");
	} else {
		/* Some launchers print the version on stderr, some exit 1. */
		f = mpi_family_parse(r->out);
		if (f == MPI_UNKNOWN)
			f = mpi_family_parse(r->errout);
		if (f == MPI_UNKNOWN)
			err_set(&e, "cannot tell which MPI '%s' is from its "
			    "--version output (neither Open MPI nor MPICH "
			    "Hydra)", c->profile->mpiexec.v[0]);
	}
	if (f != MPI_UNKNOWN) {
		cluster_meta_set(c, "mpi_family", mpi_family_name(f));
		render(c, f);
	}
	pr->cb(c, f != MPI_UNKNOWN ? NULL : &e, pr->arg);
	free(pr);
}

static int
mpi_script(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	enum mpi_family f = mpi_family_from_name(cluster_meta_get(c,
	    "mpi_family"));
	struct strv argv = STRV_INIT, env = STRV_INIT;
	struct probe *pr;
	struct host_job *j;
	struct host *h;

	if (cluster_place(l, c, e) == -1)
		return -1;
	if (f != MPI_UNKNOWN) {
		render(c, f);
		proc_complete(l, c, NULL, cb, arg);
		return 0;
	}
	/* On another machine the probe itself says whether it is there. */
	if (c->host == NULL && proc_check_command(c, "mpiexec",
	    c->profile->mpiexec.v[0], e) == -1)
		return -1;
	if ((h = cluster_host(l, c, e)) == NULL)
		return -1;
	strv_extend(&argv, &c->profile->mpiexec);
	strv_push(&argv, "--version");
	for (size_t i = 0; i < c->profile->nenv; i++)
		strv_pushf(&env, "%s=%s", c->profile->env[i].key,
		    c->profile->env[i].value);
	pr = xcalloc(1, sizeof *pr);
	pr->c = c;
	pr->cb = cb;
	pr->arg = arg;
	j = host_run(h, l, strv_argv(&argv), strv_argv(&env), NULL, 0,
	    VERSION_TIMEOUT_MS, on_version, pr, e);
	strv_clear(&argv);
	strv_clear(&env);
	if (j == NULL) {
		free(pr);
		return -1;
	}
	return 0;
}

static int
mpi_start_controller(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	return proc_start_controller(l, c, "mpiexec",
	    c->profile->mpiexec.v[0], cb, arg, e);
}

static int
mpi_start_engines(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	enum mpi_family f = mpi_family_from_name(cluster_meta_get(c,
	    "mpi_family"));
	struct spawn s = { 0 };
	char *name;
	int rc;

	if (f == MPI_UNKNOWN)
		return err_set(e, "mpi: launcher family unknown (the script "
		    "operation runs first)");
	name = c->add_set == 0 ? xstrdup("mpiexec") :
	    xasprintf("mpiexec.s%d", c->add_set);
	engines_spawn(c, f, &s);
	rc = proc_spawn(l, c, &s, CLUSTER_ENGINES, name, c->add_n > 0 ?
	    c->add_n : c->engines, e);
	free(name);
	spawn_clear(&s);
	proc_fill_starts(l, c);
	if (rc == 0)
		proc_complete(l, c, NULL, cb, arg);
	return rc;
}

const struct backend mpi_backend = PROC_BACKEND("mpi", mpi_script,
    mpi_start_controller, mpi_start_engines, proc_remote_engines,
    proc_stop_set);
