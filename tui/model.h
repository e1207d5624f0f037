/* What the dashboard shows, in one place: the header facts, the profiles
 * with their cluster state, and for each cluster its job table, engines
 * and px output. The screen only reads this; keys act through the
 * model_* actions. Every data source is filled by exactly one function in
 * model.c (marked "SOURCE:"), and every action goes through exactly one
 * hook (marked "HOOK:"); that is where core/cluster, core/backend and
 * core/ipp plug in. Callbacks run from the event loop; nothing blocks. */
#ifndef HPCTOP_MODEL_H
#define HPCTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/cluster.h"
#include "core/clusterstate.h"
#include "core/conn.h"
#include "core/err.h"
#include "core/ipp.h"
#include "core/jobfmt.h"
#include "core/jobtab.h"
#include "core/loop.h"
#include "core/nodes.h"
#include "core/proflist.h"
#include "core/pxfmt.h"
#include "core/strv.h"
#include "core/tunnel.h"

/* How long a scheduler command may take before it is killed. */
#define MODEL_SCHED_TIMEOUT_MS 10000
/* How long px code may run before its engines are shown as timed out. */
#define MODEL_PX_TIMEOUT_MS 600000
/* The profile directories are scanned again every this many refreshes
 * (and on r). */
#define MODEL_RESCAN_EVERY 10
/* px console lines kept per cluster. */
#define MODEL_PX_LINES 5000

enum model_sched {
	MODEL_SCHED_UNKNOWN,	/* not asked yet, or no answer */
	MODEL_SCHED_NONE,
	MODEL_SCHED_SLURM,
	MODEL_SCHED_PBS,
};

enum model_engine_state {
	MODEL_ENGINE_REGISTERED,
	MODEL_ENGINE_BUSY,
	MODEL_ENGINE_LOST,
};

struct model_engine {
	int id;
	char *host;		/* owned; may be NULL */
	enum model_engine_state state;
};

enum model_px_kind {
	MODEL_PX_INPUT,		/* the code as typed */
	MODEL_PX_INFO,		/* hpctop's own note */
	MODEL_PX_OUTPUT,	/* a line of a px record (core/pxfmt) */
};

struct model_px_line {
	enum model_px_kind kind;
	enum pxfmt_kind rec;	/* OUTPUT: the record's kind */
	int engine;		/* OUTPUT: the record's engine; else -1 */
	size_t label_len;	/* a record's first line starts with its
				 * label, text[0..label_len); else 0 */
	char *text;		/* owned; one line, no '\n' */
};

/* Freshness of one polled source: the screen marks data "stale" with its
 * age when the last attempt failed or an answer is overdue. */
struct model_source {
	uint64_t ok_ms;		/* last good answer (loop_now); 0: never */
	uint64_t busy_ms;	/* when the pending request started; 0: idle */
	bool failed;		/* the last attempt failed */
	struct err err;		/* why, when failed */
};

/* One profile and the cluster started from it (if any). */
struct model_cluster {
	const struct proflist_entry *entry;	/* in model->profiles */
	enum clusterstate state;	/* as core/clusterstate decides */
	bool stopping;		/* the dashboard's stop is running */
	bool stale;		/* registered is the last snapshot (set after
				 * model_cluster_set_state, which clears it) */
	int registered;		/* engines registered */
	int requested;		/* engines asked for (0: not started) */
	char *error;		/* owned; what the state means here, or why a
				 * start failed */

	struct job_table jobs;	/* its batch jobs / local processes */
	struct jobfmt jobs_fmt;	/* jobfmt_widths of jobs while it has rows,
				 * measured when they arrive, not per frame */
	size_t time_note;	/* the job model_time_note speaks of; >=
				 * jobs.n: none */
	struct model_source jobs_src;
	struct model_engine *engines;	/* owned, sorted by id */
	size_t nengines;
	struct nodes_report nodes;	/* per node of its running engines
					 * jobs, from jobs and engines */
	struct model_source engines_src;

	/* The tunnel to a cluster on another host (core/tunnel): what
	 * the status line says of it, NULL when there is none to keep. */
	char *tunnel_note;	/* owned */
	/* cluster_controller_where of the record, NULL when none. */
	char *controller_at;	/* owned */

	struct model_px_line *px;	/* ring of MODEL_PX_LINES */
	size_t px_first, px_n;

	/* Wiring (model.c only). */
	struct model *model;
	struct cluster *rec;	/* the record while a cluster exists; owned */
	const struct backend *backend;
	bool op_busy;		/* start or stop in flight */
	char renew_what[256];	/* the renewal step in flight, for its note */
	char *renew_seen;	/* the last step shown (record meta renew_note) */
	struct strv set_lines;	/* cluster_set_line of each engine set, when
				 * it has more than one */
	bool polling;		/* in a backend poll batch */
	bool unreadable;	/* its record exists but cannot be read */
	struct conn *conn;	/* the ipyparallel client, once its */
	struct ipp *ipp;	/* connection file exists; owned */
	struct ipp_exec *px_exec;	/* the px request running; owned */
	struct ipp_exec *mpi_exec;	/* the MPI world question; owned */
	bool px_interrupted;		/* interrupted once: next time expire */
	char *preview;		/* what start would run (backend script op) */
	char *preview_err;	/* why there is none */
	int preview_n;		/* engines it was rendered for */
	bool preview_busy;
	struct tunnel *tunnel;	/* kept while it runs elsewhere; owned */
	uint64_t tunnel_retry_ms;	/* no new try before (loop_now) */
};

struct model {
	struct loop *loop;
	struct proflist *profiles;	/* owned */
	struct model_cluster *clusters;	/* one per profile, same order */
	size_t nclusters;
	size_t sel;		/* the selected cluster */

	char host[256];
	char user[64];
	enum model_sched sched;
	char *sched_version;	/* "slurm 22.05.8"; owned, may be NULL */
	struct model_source sched_src;
	uint64_t interval_ms;	/* refresh interval (-d) */
	uint64_t started_ms;

	/* Called after anything visible changed, so the screen redraws. */
	void (*changed)(void *arg);
	void *changed_arg;
	/* Scans the profile search path again (NULL: never); the model takes
	 * what it returns. */
	struct proflist *(*rescan)(void *arg);
	void *rescan_arg;
	int refreshes;		/* model_refresh calls, for the rescan */
	/* One-line messages for the status bar (never stderr). */
	void (*message)(bool error, const char *msg, void *arg);
	void *message_arg;

	struct subproc *sched_job;	/* scheduler detection in flight */
	const char *sched_probe;	/* "squeue" or "qstat" being asked */
	uint64_t sched_retry_ms;	/* not before (loop_now) */
	uint64_t sched_backoff_ms;
	int polls;		/* backend poll batches in flight */
	int ops;		/* starts and stops in flight */
};

/* Takes ownership of profiles. interval_ms is the refresh period. */
struct model *model_new(struct loop *l, struct proflist *profiles,
    uint64_t interval_ms);
/* Cancels anything in flight (killing scheduler commands) and waits for
 * backend polls, starts and stops already running (each bounded by its
 * own timeouts); clusters keep running. */
void model_free(struct model *m);

/* Index of the profile called name; -1 if none. */
int model_find(const struct model *m, const char *name);
void model_select(struct model *m, size_t idx);
struct model_cluster *model_selected(struct model *m);

/* One refresh tick: polls every source that is due and not still busy;
 * now (the r key) also asks sources backing off after failures and
 * rescans the profiles (else every MODEL_RESCAN_EVERY ticks; a rescan
 * waits while something in flight holds a cluster). Answers arrive later
 * through the loop. */
void model_refresh(struct model *m, bool now);

/* Age in ms of a source's data when it must be shown as stale, else 0. */
uint64_t model_stale_ms(const struct model *m, const struct model_source *s);
/* "Slurm", "PBS", "none" or "?". */
const char *model_sched_name(enum model_sched s);
/* The state's words as clusterstate_format gives them ("running 2/2"),
 * "stopping" while a stop runs, and the note after a colon; into buf. */
const char *model_state_label(const struct model_cluster *c, char *buf,
    size_t len);
/* Why px cannot run on c now, from its state (into e); 0 when it can. */
int model_px_check(const struct model_cluster *c, struct err *e);
/* The i-th px line of c, oldest first (i < c->px_n). */
const struct model_px_line *model_px_line(const struct model_cluster *c,
    size_t i);
/* Appends an INPUT or INFO note, split into lines. */
void model_px_note(struct model_cluster *c, enum model_px_kind kind,
    const char *text);
/* Appends records as the CLI prints them, split into lines, NUL shown as
 * \x00. px_done calls this with what core/pxfmt renders. */
void model_px_records(struct model_cluster *c, const struct pxfmt_rec *v,
    size_t n);
/* The walltime note of c's jobs (core/jobfmt: jobfmt_time_note) into
 * buf: of the jobs near their time limit the one that ends first (the
 * engines job of two that end together), else the first waiting job with
 * an estimated start; *near says a job is near its limit (its
 * engines will soon be lost). false (buf "") when there is none. */
bool model_time_note(const struct model_cluster *c, bool *near, char *buf,
    size_t len);
/* Clusters still running, as "local (2/2 engines)" strings, for the
 * message printed when hpctop quits. */
void model_running(const struct model *m, struct strv *out);

/* Data pushed by the cluster layer and the ipyparallel client; each
 * marks its source fresh and calls changed(). set_jobs takes the rows
 * (leaving *jobs empty); set_engines takes the array and its strings. */
void model_cluster_set_state(struct model *m, struct model_cluster *c,
    enum clusterstate state, int registered, int requested,
    const char *error);
void model_cluster_set_jobs(struct model *m, struct model_cluster *c,
    struct job_table *jobs);
void model_cluster_set_engines(struct model *m, struct model_cluster *c,
    struct model_engine *engines, size_t n);

/* Actions on cluster idx. Each returns -1 with e filled when it cannot
 * even start (not available, bad state); results arrive later through
 * the sources and model->message. */
int model_start(struct model *m, size_t idx, int engines, struct err *e);
/* -1 with what it means when starting idx with that many engines needs a
 * yes first (core/clusterop.h: clusterop_confirm); 0 when not. */
int model_start_check(struct model *m, size_t idx, int engines,
    struct err *e);
int model_stop(struct model *m, size_t idx, struct err *e);
/* Adds an engine set of n engines to the running cluster idx. */
int model_scale(struct model *m, size_t idx, int n, struct err *e);
/* Runs code on every engine of cluster idx; output through
 * model_px_records. */
int model_px(struct model *m, size_t idx, const char *code, struct err *e);
/* Interrupts the px code running on cluster idx (SIGINT to each engine
 * still running it, as IPython's Ctrl-C); the engines then answer with
 * KeyboardInterrupt. Called again for the same code, it stops waiting:
 * the engines still running it finish as timeout. */
int model_px_interrupt(struct model *m, size_t idx, struct err *e);
/* Log files of cluster idx, newest last, into files. */
int model_logs(struct model *m, size_t idx, struct strv *files,
    struct err *e);
/* What start would submit or run for cluster idx with n engines (a job
 * script or command lines), one line per entry of lines. */
int model_script(struct model *m, size_t idx, int engines,
    struct strv *lines, struct err *e);

#endif
