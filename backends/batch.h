/* What the slurm and pbs backends share: two batch jobs per cluster, a
 * controller job and an engines job, rendered from the profile as job
 * scripts with #SBATCH / #PBS directives, submitted with sbatch / qsub,
 * watched with ONE squeue / qstat per refresh for all clusters, and
 * cancelled with scancel / qdel. A struct batch_kind says what differs. */
#ifndef HPCTOP_BATCH_H
#define HPCTOP_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/backend.h"
#include "core/jobtab.h"
#include "core/strv.h"

/* Time limits of scheduler commands: a hung slurmctld must not hang us. */
#define BATCH_QUERY_TIMEOUT_MS 10000
#define BATCH_SUBMIT_TIMEOUT_MS 30000
#define BATCH_CANCEL_TIMEOUT_MS 15000
/* Stop: how long cancelled jobs may take to leave before the next step. */
#define BATCH_STOP_GRACE_MS 30000
#define BATCH_STOP_KILL_WAIT_MS 15000
#define BATCH_STOP_TICK_MS 500

enum batch_job {
	BATCH_CONTROLLER,
	/* With controller.placement allocation its script starts the
	 * controller too. */
	BATCH_ENGINES,
	/* The engines job's script without a controller, whatever the
	 * placement (what doctor's probe job replaces its last line of). */
	BATCH_ENGINES_ALONE,
};

/* What a batch backend's registry entry carries (struct backend.batch);
 * its name is the entry's. */
struct batch_kind {
	const char *prefix;	/* "#SBATCH", "#PBS" */
	const char *ext;	/* job script extension */
	const char *submit;	/* "sbatch", "qsub" */
	const char *cancel;	/* "scancel", "qdel" */
	const char *query;	/* "squeue", "qstat" */

	/* The directives (words after the prefix) of one job of c; job is
	 * the job's name. -1 with e when a profile value cannot be used. */
	int (*directives)(const struct cluster *c, enum batch_job which,
	    const char *job, struct strv *out, struct err *e);
	/* The engines launcher when the profile does not ask for MPI (srun
	 * for Slurm; mpiexec for PBS), before the ipengine argv. */
	void (*launcher)(const struct cluster *c, struct strv *argv);
	/* The submit command for a job script at the absolute path script,
	 * named job, logging to log, started only after job id `after` has
	 * started (NULL: no dependency). Runs in directory *cwd afterwards
	 * (set to NULL when any is fine; else a string the caller frees).
	 * The log path may depend on the job id: see log_path. */
	void (*submit_argv)(const struct cluster *c, const char *job,
	    const char *script, const char *log, const char *after,
	    struct strv *argv, char **cwd);
	/* Where the job's output goes, once its id is known; log is what
	 * submit_argv was given. Caller frees. */
	char *(*log_path)(const struct cluster *c, const char *job,
	    const char *log, const char *id);
	/* Polls every job of user, and parses that output. */
	void (*query_argv)(const char *user, struct strv *argv);
	long (*parse)(const char *buf, size_t len, struct job_table *out,
	    struct err *e);
	/* Cancels jobs (ids appended after); hard: the second, forceful try. */
	void (*cancel_argv)(bool hard, struct strv *argv);
	/* Optional (NULL: the query says it, or nothing does): the command
	 * telling a running job's tasks per node, asked once per job, and
	 * its reading as job_row.layout for that job's node list (NULL when
	 * it does not say). */
	void (*layout_argv)(const char *id, struct strv *argv);
	char *(*layout_parse)(const char *buf, size_t len,
	    const char *nodelist);
};

/* Job name of a cluster's job: hpctop-<name>-ctl / hpctop-<name>-eng,
 * the name reduced to [A-Za-z0-9_.-] (job names reach shells in some qsub
 * wrappers). Caller frees. */
char *batch_job_name(const struct cluster *c, enum batch_job which);
/* How many engines the engines job being made runs: c->add_n of set
 * c->add_set (the whole c->engines at start). */
int batch_job_engines(const struct cluster *c);
/* Path of the job script file in the cluster's directory. Caller frees. */
char *batch_script_path(const struct batch_kind *k, const struct cluster *c,
    enum batch_job which);
/* The job script for one job: the directives, the exports, setup lines
 * and the one command (ipcontroller, or the engines' launcher). -1 with
 * e when a profile value cannot be used. Caller frees *out. */
int batch_render_job(const struct batch_kind *k, const struct cluster *c,
    enum batch_job which, char **out, struct err *e);
/* The argv each engine task of the engines job runs after its launcher:
 * the engine (proc_engine_argv) under a wrapper that records its exit
 * in cluster_tasks_dir (core/cluster.h). */
void batch_task_argv(const struct cluster *c, struct strv *argv);
/* The whole `hpctop script` text: both job scripts as here-documents and
 * the two submit commands, the second depending on the first. */
int batch_render(const struct batch_kind *k, const struct cluster *c,
    char **out, struct err *e);

/* The job id in sbatch/qsub output ("Submitted batch job 123", "123",
 * "123;cluster" from --parsable, "123.server" from qsub); NULL when there
 * is none. Caller frees. */
char *batch_parse_submit(const char *out);
/* The telling line of a failed submission (the last "error:" line, from
 * stderr or, for wrappers that print there, stdout), trimmed. Caller
 * frees. */
char *batch_submit_error(const char *out, const char *errout);
/* Appends to out the words that run argv with cwd (NULL: here) as its
 * directory, as a submit command with a directory is run. */
void batch_in_dir(const struct strv *argv, const char *cwd, struct strv *out);

/* The backend operations of slurm and pbs (struct backend's contract);
 * the kind is b->batch, which their registry entries carry. */
int batch_script(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e);
int batch_start_controller(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e);
int batch_start_engines(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e);
int batch_poll(const struct backend *b, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e);
/* backend.stop_set: cancels the jobs of one engine set, the same steps. */
int batch_stop_set(const struct backend *b, struct loop *l,
    struct cluster *c, int set, backend_cb cb, void *arg, struct err *e);
int batch_stop(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e);
/* Engines run on whatever compute nodes the scheduler gives. */
char *batch_remote_engines(const struct backend *b, const struct cluster *c);

/* The registry entry of a batch backend: those operations, and its kind. */
#define BATCH_BACKEND(backend_name, kind) {				\
	.name = (backend_name),						\
	.script = batch_script,						\
	.start_controller = batch_start_controller,			\
	.start_engines = batch_start_engines,				\
	.poll = batch_poll,						\
	.stop = batch_stop,						\
	.stop_set = batch_stop_set,					\
	.remote_engines = batch_remote_engines,				\
	.batch = (kind),						\
}

/* For a cluster whose record is lost (c->backend naming a batch backend):
 * lists the user's jobs with ONE query and adds to c a proc for each live
 * job named as c's jobs are (batch_job_name), then calls cb. */
int batch_adopt_named(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e);

/* Maps a job table row to the liveness of the job it describes. */
enum cluster_live batch_live(const struct job_row *r);

#endif
