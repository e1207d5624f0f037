/* A cluster hpctop started: the persistent record that outlives hpctop
 * (one directory per cluster under the state dir) and the runtime view a
 * backend's poll fills in.
 *
 * Layout, under $XDG_STATE_HOME/hpctop/clusters/<name>/ (mode 0700):
 *   cluster.json      the record (mode 0600, written atomically: tmp file,
 *                     fsync, rename, fsync of the directory)
 *   script.sh         what start ran (hpctop script's output)
 *   logs/<proc>.log   stdout+stderr of each process (or batch job)
 *   mpi_world         the MPI world verdict of this run (core/mpiworld.h)
 *   tasks/hpctop-setS-HOST.RANK.exit, .log   batch engine tasks (of
 *                     engine set S): each task's output,
 *                     and "HOST RANK CODE" once it exited (written by
 *                     the wrapper the engines job runs each task under;
 *                     home is shared with the compute nodes)
 * <name> is the profile name: one cluster per profile at a time.
 *
 * A cluster on another machine (profile key `host: DEST`, core/host.h)
 * keeps this record here, naming DEST, and its files there: script.sh and
 * cluster.json stay local, while the job scripts, logs/ and tasks/ are in
 * DEST's $HOME/.local/state/hpctop/clusters/<name>/ (the work dir) and the
 * connection files in DEST's $HOME/.ipython/profile_<ipython profile>/.
 * DEST's $HOME is asked once per session (printenv HOME, with id -un for
 * the scheduler queries, through the host)
 * and kept in the record as host_home, so every path is absolute and
 * nothing depends on the directory a command runs in there. DEST's own
 * XDG_STATE_HOME and IPYTHONDIR are not read.
 *
 * cluster.json (format version 1; unknown keys are ignored on load):
 *   { "version": 1, "name": "local", "backend": "local",
 *     "profile_path": "/…/local.yaml", "profile_yaml": "<the YAML text>",
 *     "engines": 3, "ipython_profile": "local", "cluster_id": "",
 *     "client_file": "…/security/ipcontroller-client.json",
 *     "engine_file": "…/security/ipcontroller-engine.json",
 *     "started": 1718000000.25,
 *     "seen_ids": [0, 1, 2],            engine ids that registered once
 *     "meta": {"mpi_family": "openmpi"}, backend-private strings
 *     "procs": [ { "role": "controller", "name": "ipcontroller",
 *                  "pid": 1234, "job_id": null, "engines": 0,
 *                  "host": "node1", "log": "…/logs/controller.log",
 *                  "started": 1718000000.25, "start_time": 123456 }, … ],
 *   "boot_id": "…", "complete": true,
 *   "host": "login1", "host_home": "/home/me" }   absent: this machine
 * pid is the process id AND process-group id (local/mpi start each process
 * with setsid); batch backends leave it 0 and set job_id. start_time (field
 * 22 of /proc/PID/stat) and boot_id tell the process hpctop started from
 * one that got its pid later: a pid whose start time or boot differs is
 * gone, and is never signalled. complete is false until start has
 * launched everything, so an interrupted start is recognisable.
 *
 * Beside the records, <state dir>/clusters/.<name>.lock is flock()ed by
 * whoever starts or stops that cluster, so two of them never interleave. */
#ifndef HPCTOP_CLUSTER_H
#define HPCTOP_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"
#include "host.h"
#include "jobtab.h"
#include "loop.h"
#include "profile.h"
#include "strv.h"

#define CLUSTER_FORMAT_VERSION 1
/* Set to the record's directory in the environment of every local process
 * of a cluster, so its processes can be found without the record. */
#define CLUSTER_ENV "HPCTOP_CLUSTER"

enum cluster_role {
	CLUSTER_CONTROLLER,
	CLUSTER_ENGINES,	/* one engine, an mpiexec of many, or a job */
};

/* Liveness of one process or job, as the last poll saw it. */
enum cluster_live {
	CLUSTER_LIVE_UNKNOWN,	/* not polled yet */
	CLUSTER_LIVE_RUNNING,
	CLUSTER_LIVE_PENDING,	/* batch: queued or held */
	CLUSTER_LIVE_GONE,	/* exited, killed or finished */
};

/* One process (group) or batch job. Strings owned; NULL when unknown. */
struct cluster_proc {
	enum cluster_role role;
	char *name;		/* "ipcontroller", "ipengine.2", "mpiexec", … */
	pid_t pid;		/* process and group id; 0 for batch jobs */
	char *job_id;		/* batch job id; NULL for local/mpi */
	int engines;		/* engines it provides (0 for the controller) */
	char *host;
	char *log;		/* absolute path of its output */
	double started;		/* wall clock, seconds since the epoch */
	unsigned long long start_time;	/* /proc stat field 22; 0 unknown */
	int set;		/* engine set (0: the set start made); "set" */
	/* Runtime only (not saved): */
	enum cluster_live live;
	bool stopped;		/* alive but stopped (SIGSTOP): cannot answer */
};

/* An engine task that exited (tasks/HOST.RANK.exit). Strings owned. */
struct cluster_task {
	char *host;		/* the node's host name */
	int rank;		/* task (rank) number in its job */
	int code;		/* exit status (128 + N: killed by signal N) */
	char *log;		/* its output: tasks/HOST.RANK.log */
};

struct cluster {
	/* Saved. */
	char *name;		/* profile name; the record's directory */
	char *backend;
	char *profile_path;
	char *profile_yaml;	/* snapshot of the profile as started */
	int engines;		/* N requested */
	char *ipython_profile;
	char *cluster_id;	/* "" when none */
	char *client_file;	/* connection files (the Hub writes them) */
	char *engine_file;
	double started;
	struct cluster_proc *procs;
	size_t nprocs;
	int *seen_ids;		/* sorted engine ids that registered once */
	size_t nseen;
	struct strv meta;	/* "key=value" backend-private strings */
	char *boot_id;		/* the boot the pids belong to; NULL unknown */
	bool complete;		/* start launched every process or job */
	char *host;		/* ssh destination it runs on; NULL: here */
	char *host_home;	/* $HOME on host; NULL until asked (or here) */
	int next_set;		/* the id the next engine set gets */
	int *retired_ids;	/* sorted ids of engines of sets stopped on
				 * purpose: gone, never lost */
	size_t nretired;

	/* Runtime (not saved). */
	char *dir;		/* <state dir>/clusters/<name> */
	struct profile *profile;	/* parsed profile_yaml; owned */
	struct job_table jobs;	/* filled by the backend's poll */
	int *ids;		/* engine ids registered now (sorted) */
	size_t nids;
	bool ids_known;		/* false until a registry source answered */
	int *id_sets;		/* the set of each of ids (cluster_ident_set
				 * of its uuid), from the Hub's state file;
				 * NULL when the source gave no uuids */
	int add_set;		/* start_engines starts add_n engines of set */
	int add_n;		/* add_set: c->engines at start, N on scale */
	char *script;		/* set by the backend's script op */
	int lock_fd;		/* valid while locked */
	bool locked;
	bool interrupted;	/* incomplete, and no start holds the lock */
	bool cleared;		/* stopped through ipyparallel: the record
				 * was removed (core/ippcluster.h) */
	struct cluster_task *tasks;	/* engine tasks that exited, by host
					 * and rank (cluster_read_tasks) */
	size_t ntasks;
	char *ipp_file_text;	/* what ippcluster_sync last found or wrote
				 * there, so an unchanged file is not read
				 * again (another machine's costs a round
				 * trip) */
};

/* A new, unsaved record for profile p (snapshot of yaml, which must be the
 * text p was parsed from) with n engines. Copies what it needs from p and
 * takes a parsed copy of its own. Fills dir, the connection-file paths
 * and started = now. Caller frees. */
struct cluster *cluster_new(const struct profile *p, const char *yaml,
    int n, struct err *e);
void cluster_free(struct cluster *c);

/* A record with nothing but its name, directory and, when the profile p
 * of that name is given, its connection files (backend "unknown" until
 * the caller names one), for finding and stopping what is left of a
 * cluster whose record cannot be read. It is not complete, so a stop looks
 * for what no record lists: processes by their mark, jobs by their names. */
struct cluster *cluster_stub(const char *name, const struct profile *p);

/* Takes the start/stop lock of c (non-blocking), writing "PID op" into it;
 * -1 with "cluster 'x' is starting (hpctop pid 12 holds its lock)" when
 * another process holds it. Taking it again while held is a no-op.
 * cluster_free releases it. */
int cluster_lock(struct cluster *c, const char *op, struct err *e);
void cluster_unlock(struct cluster *c);

/* <state dir>/clusters, and the directory of the record called name. */
char *cluster_state_root(void);
char *cluster_dir_for(const char *name);
/* The host c runs on (core/host.h): this machine, or its `host:`. */
struct host *cluster_host(struct loop *l, const struct cluster *c,
    struct err *e);
/* "up", "connecting", "reconnecting", "down": the one word for s. */
const char *cluster_host_state_label(enum host_state s);
/* Whether c runs on another machine that cannot be asked now (its session
 * is reconnecting or down): then its jobs and engines are not known, and
 * never taken for lost or gone. buf (when not NULL) gets "DEST:
 * reconnecting (why)". */
bool cluster_host_unreachable(struct loop *l, const struct cluster *c,
    char *buf, size_t len);
/* For a cluster on another machine: learns that machine's $HOME (once per
 * destination and session) into c->host_home and points the connection
 * files there. A no-op here or when host_home is known. -1 with e naming
 * the destination when it cannot be asked. */
int cluster_place(struct loop *l, struct cluster *c, struct err *e);
/* The login name c's jobs run as on its host (asked there once per
 * session for another machine); NULL with e filled when unknown. Caller
 * frees. */
char *cluster_user(struct loop *l, const struct cluster *c, struct err *e);
/* The directory of c's job scripts, logs/ and tasks/ on its host: c->dir
 * here (see the layout above). Caller frees. */
char *cluster_work_dir(const struct cluster *c);
/* Removes that directory on another machine (synchronously, through its
 * host), once c is over there; a no-op here (cluster_remove removes
 * c->dir) or while that machine's home is not known. */
void cluster_remove_work_dir(struct loop *l, const struct cluster *c);
/* The IPython directory on c's host. Caller frees. */
char *cluster_ipython_dir(const struct cluster *c);

/* Creates c->dir and c->dir/logs (mode 0700). */
int cluster_mkdirs(struct cluster *c, struct err *e);
/* Path of a log file for a process called name, on c's host:
 * <work dir>/logs/<name>.log. */
char *cluster_log_path(const struct cluster *c, const char *name);

/* The directory batch engine tasks record their exits in. Caller
 * frees. */
char *cluster_tasks_dir(const struct cluster *c);
/* Reads the exit records there (through c's host) into c->tasks
 * (replacing them; none when the directory is missing or the host cannot
 * be asked). Malformed records are skipped: they are being written, or
 * not ours. */
void cluster_read_tasks(struct loop *l, struct cluster *c);

/* Appends a process record and returns it (valid until the next append).
 * The strings are copied; log may be NULL. */
/* "controller" or "engines", as the record and status say it. */
const char *cluster_role_name(enum cluster_role role);
struct cluster_proc *cluster_add_proc(struct cluster *c,
    enum cluster_role role, const char *name, pid_t pid, const char *job_id,
    int engines, const char *host, const char *log);

/* "0,2,3": ids as status and the messages list them. Caller frees. */
char *cluster_ids_text(const int *v, size_t n);
/* A JSON array of the ids v (the record's and status's form). */
json_t *cluster_ids_json(const int *v, size_t n);
/* Writes cluster.json atomically (mode 0600). */
int cluster_save(const struct cluster *c, struct err *e);
/* Reads the record of the cluster called name: NULL with e filled when
 * missing (*missing set true) or unreadable ("<path>: …"). */
struct cluster *cluster_load(const char *name, bool *missing,
    struct err *e);
/* Same from a file path (for tests and listing). */
struct cluster *cluster_load_file(const char *path, struct err *e);
/* Same from a memory buffer; `path` is used in messages only. */
struct cluster *cluster_load_buffer(const char *buf, size_t len,
    const char *path, struct err *e);
/* Names of every record in the state dir, sorted. Unreadable entries are
 * listed too (loading them reports the error). */
void cluster_list(struct strv *names);
/* Removes the record's directory (cluster.json, script, logs). */
int cluster_remove(const struct cluster *c, struct err *e);

/* Backend-private strings kept in the record. */
/* Meta key of a cluster whose backend placed each engines proc on the
 * host its record names (ssh): that host is its node (core/nodes.c). */
#define CLUSTER_META_PLACED "placed"
const char *cluster_meta_get(const struct cluster *c, const char *key);
void cluster_meta_set(struct cluster *c, const char *key, const char *value);

/* Engine registry: any source (the Hub's state file below, or the ZMQ
 * client) reports the ids registered now; the record remembers every id
 * ever seen, so lost engines are seen_ids minus ids. Returns true when
 * seen_ids grew (the caller may want to save). */
bool cluster_set_ids(struct cluster *c, const int *ids, size_t n);
/* Reads the Hub's <profile dir>/log/engines<cluster_id>.json (rewritten on
 * every (un)registration) and calls cluster_set_ids. A missing file means
 * no engine registered yet. -1 with e filled when it cannot be parsed. */
int cluster_read_engine_state(struct loop *l, struct cluster *c,
    struct err *e);
char *cluster_engine_state_path(const struct cluster *c);
/* Engine sets. An engine's set is told by its ident (the uuid the Hub
 * records in its state file): engines are started with
 * --Session.session=<cluster_engine_ident>, "hpctop-set<SET>-<UNIQ>"; an
 * engine whose uuid has no such prefix (older clusters, mpi ranks) is of
 * set 0. */
char *cluster_engine_ident(int set, const char *uniq);
int cluster_ident_set(const char *uuid);
/* The set of the registered engine id (0 when unknown). */
int cluster_id_set(const struct cluster *c, int id);
/* Sorted distinct set ids of c's engines procs, into *out (caller
 * frees); how many. */
size_t cluster_sets(const struct cluster *c, int **out);
/* The registered ids of set, sorted, into *out (caller frees); how
 * many. */
size_t cluster_set_ids_of(const struct cluster *c, int set, int **out);
/* "set 1: ids 2,3 of 2 engines; job 14" (procs by name for process
 * backends: "ipengine.s1.0 ipengine.s1.1"): the one line status and the
 * dashboard show per set. Caller frees. */
char *cluster_set_line(const struct cluster *c, int set);
/* Engines the procs of set provide (requested). */
int cluster_set_engines(const struct cluster *c, int set);
/* Records that set is being stopped on purpose: its registered ids go to
 * retired_ids (never lost, also while still registered for a moment). */
void cluster_retire_set(struct cluster *c, int set);
/* Once stopped: its procs leave the record and c->engines drops by what
 * they provided. */
void cluster_drop_set(struct cluster *c, int set);
/* Whether every proc of set was seen gone by the last poll. */
bool cluster_set_gone(const struct cluster *c, int set);

/* Ids in seen_ids but not registered now, into *out (caller frees); none
 * while no registry source answered (ids_known false). */
size_t cluster_lost_ids(const struct cluster *c, int **out);

/* Whether any recorded process or job was still alive at the last poll. */
bool cluster_any_alive(const struct cluster *c);
/* Whether the controller process/job was alive at the last poll. */
bool cluster_controller_alive(const struct cluster *c);
/* Whether another proc of c has pr's job id (a controller in the engines'
 * job: controller.placement allocation). */
bool cluster_proc_shares_job(const struct cluster *c,
    const struct cluster_proc *pr);
/* Where a batch cluster's controller runs, for status and the dashboard:
 * "job 123 on cn1", "in allocation 124 on cn1" (the engines' job), "on
 * login (pid 4567)" (a process on the cluster's host); the node once the
 * job runs. NULL for clusters without batch jobs. Caller frees. */
char *cluster_controller_where(const struct cluster *c);
/* Whether the last poll could not tell about some process/job (its
 * scheduler did not answer, or not readably). */
bool cluster_any_unknown(const struct cluster *c);
/* This boot's id (/proc/sys/kernel/random/boot_id); "" when unknown. The
 * record keeps it: after a reboot its pids name other processes. */
const char *cluster_boot_id(void);

#endif
