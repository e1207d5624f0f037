#include "pbs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "core/qstat.h"
#include "core/units.h"
#include "core/xmalloc.h"

/* Plain words: PBS reads its directives without shell quoting (queue and
 * account were checked to be plain names). */
static int
pbs_directives(const struct cluster *c, enum batch_job which,
    const char *job, struct strv *out, struct err *e)
{
	const struct profile *p = c->profile;
	int n = batch_job_engines(c), nodes = p->nodes, ppn = p->tasks_per_node;

	strv_pushf(out, "-N %s", job);
	/* One output file per job, with stderr. */
	strv_push(out, "-j oe");
	/* The environment of `hpctop start` (PATH, IPYTHONDIR, ...). */
	strv_push(out, "-V");
	if (which == BATCH_CONTROLLER) {
		strv_push(out, "-l nodes=1:ppn=1");
	} else {
		if (ppn > 0 && nodes <= 0)
			nodes = (n + ppn - 1) / ppn;
		else if (ppn <= 0 && nodes > 0)
			ppn = (n + nodes - 1) / nodes;
		else if (ppn <= 0) {
			nodes = 1;
			ppn = n;
		}
		strv_pushf(out, "-l nodes=%d:ppn=%d", nodes, ppn);
	}
	if (p->queue != NULL)
		strv_pushf(out, "-q %s", p->queue);
	if (profile_job_walltime(p, which == BATCH_ENGINES) >= 0) {
		char t[32];

		units_format_duration(profile_job_walltime(p,
		    which == BATCH_ENGINES), UNITS_CLOCK_HMS, t, sizeof t);
		strv_pushf(out, "-l walltime=%s", t);
	}
	if (p->account != NULL)
		strv_pushf(out, "-A %s", p->account);
	if (p->mem >= 0) {
		char m[32];

		units_format_size(p->mem, UNITS_SIZE_LOWER_B, m, sizeof m);
		strv_pushf(out, "-l mem=%s", m);
	}
	return 0;
}

static void
pbs_launcher(const struct cluster *c, struct strv *argv)
{
	/* PBS has no srun: mpiexec starts tasks on the job's nodes. */
	strv_extend(argv, &c->profile->mpiexec);
	strv_push(argv, "-n");
	strv_pushf(argv, "%d", batch_job_engines(c));
	strv_extend(argv, &c->profile->mpiexec_args);
}

/* qsub runs in the logs directory: PBS writes <job>.o<seq> where it was
 * submitted from, and the Slurm wrapper forces that name, so the output
 * lands in the logs directory under a name known once the id is. The
 * script is named relative to it: the wrapper pastes it into a shell. */
static void
pbs_submit_argv(const struct cluster *c, const char *job,
    const char *script, const char *log, const char *after,
    struct strv *argv, char **cwd)
{
	const char *base = strrchr(script, '/');

	strv_push(argv, "qsub");
	strv_push(argv, "-N");
	strv_push(argv, job);
	strv_push(argv, "-j");
	strv_push(argv, "oe");
	if (after != NULL) {
		strv_push(argv, "-W");
		strv_pushf(argv, "depend=after:%s", after);
	}
	strv_pushf(argv, "../%s", base != NULL ? base + 1 : script);
	*cwd = paths_below(cluster_work_dir(c), "logs");
}

static char *
pbs_log_path(const struct cluster *c, const char *job, const char *log,
    const char *id)
{
	return paths_below(cluster_work_dir(c), "logs/%s.o%.*s", job,
	    (int)strcspn(id, "."), id);
}

static void
pbs_cancel_argv(bool hard, struct strv *argv)
{
	/* Torque, PBS Pro and the Slurm wrapper share no force flag: the
	 * second try asks again. */
	strv_push(argv, "qdel");
}

const struct batch_kind pbs_kind = {
	.prefix = "#PBS",
	.ext = "pbs",
	.submit = "qsub",
	.cancel = "qdel",
	.query = "qstat",
	.directives = pbs_directives,
	.launcher = pbs_launcher,
	.submit_argv = pbs_submit_argv,
	.log_path = pbs_log_path,
	.query_argv = qstat_argv,
	.parse = qstat_parse,
	.cancel_argv = pbs_cancel_argv,
};

const struct backend pbs_backend = BATCH_BACKEND("pbs", &pbs_kind);
