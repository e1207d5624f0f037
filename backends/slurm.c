#include "slurm.h"

#include <stdlib.h>

#include "core/scontrol.h"
#include "core/shquote.h"
#include "core/squeue.h"
#include "core/units.h"
#include "core/xmalloc.h"

/* "--key=value" with the value shell-quoted: sbatch reads its directives
 * with sh-like quoting. */
static void
opt(struct strv *out, const char *key, const char *value)
{
	char *q = shquote(value);

	strv_pushf(out, "--%s=%s", key, q);
	free(q);
}

static int
slurm_directives(const struct cluster *c, enum batch_job which,
    const char *job, struct strv *out, struct err *e)
{
	const struct profile *p = c->profile;

	opt(out, "job-name", job);
	if (which == BATCH_CONTROLLER) {
		strv_push(out, "--nodes=1");
		strv_push(out, "--ntasks=1");
	} else {
		strv_pushf(out, "--ntasks=%d", batch_job_engines(c));
		if (p->nodes > 0)
			strv_pushf(out, "--nodes=%d", p->nodes);
		if (p->tasks_per_node > 0)
			strv_pushf(out, "--ntasks-per-node=%d",
			    p->tasks_per_node);
	}
	if (p->queue != NULL)
		opt(out, "partition", p->queue);
	if (profile_job_walltime(p, which == BATCH_ENGINES) >= 0) {
		char t[32];

		units_format_duration(profile_job_walltime(p,
		    which == BATCH_ENGINES), UNITS_CLOCK_DHMS, t, sizeof t);
		opt(out, "time", t);
	}
	if (p->account != NULL)
		opt(out, "account", p->account);
	if (p->mem >= 0) {
		char m[32];

		units_format_size(p->mem, UNITS_SIZE_UPPER, m, sizeof m);
		strv_pushf(out, "--mem=%s", m);
	}
	/* The environment of `hpctop start` (PATH, IPYTHONDIR, ...). */
	strv_push(out, "--export=ALL");
	return 0;
}

static void
slurm_launcher(const struct cluster *c, struct strv *argv)
{
	strv_push(argv, "srun");
	strv_pushf(argv, "--ntasks=%d", batch_job_engines(c));
}

static void
slurm_submit_argv(const struct cluster *c, const char *job,
    const char *script, const char *log, const char *after,
    struct strv *argv, char **cwd)
{
	strv_push(argv, "sbatch");
	strv_push(argv, "--parsable");
	strv_pushf(argv, "--output=%s", log);
	if (after != NULL)
		strv_pushf(argv, "--dependency=after:%s", after);
	strv_push(argv, script);
}

static char *
slurm_log_path(const struct cluster *c, const char *job, const char *log,
    const char *id)
{
	return xstrdup(log);
}

static long
slurm_parse(const char *buf, size_t len, struct job_table *out,
    struct err *e)
{
	return (long)squeue_parse(buf, len, out);
}

static void
slurm_cancel_argv(bool hard, struct strv *argv)
{
	strv_push(argv, "scancel");
	if (hard) {
		/* Every process of the job, the batch shell included. */
		strv_push(argv, "--full");
		strv_push(argv, "--signal=KILL");
	}
}

const struct batch_kind slurm_kind = {
	.prefix = "#SBATCH",
	.ext = "sbatch",
	.submit = "sbatch",
	.cancel = "scancel",
	.query = "squeue",
	.directives = slurm_directives,
	.launcher = slurm_launcher,
	.submit_argv = slurm_submit_argv,
	.log_path = slurm_log_path,
	.query_argv = squeue_argv,
	.parse = slurm_parse,
	.cancel_argv = slurm_cancel_argv,
	.layout_argv = scontrol_job_argv,
	.layout_parse = scontrol_layout,
};

const struct backend slurm_backend = BATCH_BACKEND("slurm", &slurm_kind);
