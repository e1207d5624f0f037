/* What the local and mpi backends share: both run the controller and the
 * engines as detached local processes (core/spawn.h), watch them through
 * /proc and stop them with signals to their process groups. */
#ifndef HPCTOP_PROC_H
#define HPCTOP_PROC_H

#include "core/backend.h"
#include "core/host.h"
#include "core/spawn.h"

/* How often the Hub's heart monitor beats, in ms. The Hub admits an engine
 * only after its first heartbeat, so this bounds start-up time (bench/
 * start.sh; ipyparallel's default is 3000). The engines' heart is a
 * GIL-free zmq thread, so 10 missed beats (2 s) still means dead. Engines
 * keep their nanny: it reports a killed engine at once and carries
 * signal_request (interrupting %px), though it doubles start-up CPU. */
#define PROC_HEARTBEAT_MS 200
/* The rank of the process a shell runs in, as sh expands it: the MPI
 * launcher's (Open MPI, PMIx, MPICH's PMI), else Slurm's task id, else 0.
 * What makes the idents of engines started by one command unique. */
#define PROC_RANK_SH \
	"${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-${PMI_RANK:-${SLURM_PROCID:-0}}}}"
/* How long a freshly started engine waits for the controller's connection
 * file (engines start in parallel with the controller). */
#define PROC_URL_WAIT_S 120

/* The address a controller on c's host listens on: controller.ip, the
 * IPv4 address of controller.interface here (not on another machine), or
 * 127.0.0.1. NULL with e filled when the interface has none. Caller
 * frees. */
char *proc_controller_addr(const struct cluster *c, struct err *e);
/* The controller's spawn for c: profile controller.command, --profile,
 * --cluster-id, --ip=addr (and --location=addr for controller.interface,
 * so the connection files advertise it), the heartbeat period, then the
 * profile's args; the profile's env and setup; its log. */
void proc_controller_spawn(const struct cluster *c, const char *addr,
    struct spawn *s);
/* One engine's argv (command, --profile, --cluster-id, waiting for the
 * connection file, --mpi when mpi is true, then the profile's args). */
void proc_engine_argv(const struct cluster *c, bool mpi, struct strv *argv);
/* env and setup of the profile into s (shared by every process). */
void proc_profile_env(const struct cluster *c, struct spawn *s);

/* Checks that argv[0] can be found (on the profile's PATH if it sets one)
 * unless setup lines may change PATH. -1 with "<what>: command '<cmd>' not
 * found on PATH" in e. */
int proc_check_command(const struct cluster *c, const char *what,
    const char *cmd, struct err *e);

/* Creates the IPython profile directory (ipengine exits when it does not
 * exist yet) and removes the Hub's engine-state file from an earlier run
 * so registration counts start at zero. */
int proc_prepare_profile(const struct cluster *c, struct err *e);

/* proc_prepare_profile on c's host; on another machine also its logs
 * directory there, and no engine file of an earlier run (it would send
 * engines to an old address). */
int proc_prepare_host(struct loop *l, const struct cluster *c,
    struct err *e);
/* Spawns s on h (host_spawn) and records it in c as a process with this
 * role and name, on this machine's host name or h's destination. */
int proc_spawn_on(struct loop *l, struct host *h, struct cluster *c,
    struct spawn *s, enum cluster_role role, const char *name, int engines,
    struct err *e);
/* proc_spawn_on this machine. */
int proc_spawn(struct loop *l, struct cluster *c, struct spawn *s,
    enum cluster_role role, const char *name, int engines, struct err *e);
/* Records the start time of each of c's local procs that has none, from
 * one snapshot of this machine. */
void proc_fill_starts(struct loop *l, struct cluster *c);

/* backend.start_controller for process backends: checks the controller's
 * command and the engines' launcher (`what`, `cmd`: "engine" and ipengine,
 * or "mpiexec"; what NULL: none here, for engines on other hosts),
 * prepares the IPython profile, spawns the controller and
 * completes from the loop. */
int proc_start_controller(struct loop *l, struct cluster *c,
    const char *what, const char *cmd, backend_cb cb, void *arg,
    struct err *e);

/* Calls cb(c, e) from the loop (ops never complete inside the call). */
void proc_complete(struct loop *l, struct cluster *c, const struct err *e,
    backend_cb cb, void *arg);

/* The jobs row of process pr of c (its liveness set in pr) from a
 * snapshot of its host, ps NULL when that host did not answer, why. */
void proc_row(const struct cluster *c, const struct procsnap *ps,
    const char *why, double now, struct cluster_proc *pr, struct job_row *r);

/* backend.poll for process backends: procs' liveness and c->jobs rows,
 * from one snapshot per host (host_procs): this machine's, or with remote
 * each host the procs' records name (an SSH destination); a host that
 * does not answer makes its procs' rows "unreachable" with why. */
int proc_poll_on(struct loop *l, struct cluster **cs, size_t n, bool remote,
    backend_poll_cb cb, void *arg);
int proc_poll(const struct backend *b, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e);
/* backend.stop for process backends: SIGTERM engine groups, wait, SIGKILL;
 * then SIGTERM the controller, wait, SIGKILL its group; verify; through
 * host_signal on the procs' hosts as proc_poll_on finds them. */
int proc_stop_on(struct loop *l, struct cluster *c, bool remote,
    backend_cb cb, void *arg);
int proc_stop(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e);
/* backend.stop_set: the same steps for the engines of one set only. */
int proc_stop_set_on(struct loop *l, struct cluster *c, bool remote,
    int set, backend_cb cb, void *arg);
int proc_stop_set(const struct backend *b, struct loop *l,
    struct cluster *c, int set, backend_cb cb, void *arg, struct err *e);

/* Engines per core beyond which starting asks first: each engine is two
 * Python processes (the engine and its nanny) on this machine. */
#define PROC_ENGINES_PER_CORE 4
#define PROC_PER_ENGINE 2
/* backend.confirm for process backends: -1 with how many processes that
 * means when c->engines exceeds PROC_ENGINES_PER_CORE per online core. */
int proc_confirm(const struct backend *b, const struct cluster *c,
    struct err *e);
/* backend.remote_engines for backends whose engines run on the profile's
 * hosts: "engines on hosts cn1, cn2 (hosts)" for those other than this
 * one (they cannot reach a loopback controller); NULL when none. */
char *proc_remote_engines(const struct backend *b, const struct cluster *c);
/* The registry entry of a process backend: its own script and start
 * operations, the three above, whether its engines may run on
 * other hosts (remote_op, NULL: never) and whether it can stop one engine
 * set (stop_set_op: proc_stop_set when its start_engines honours
 * add_set/add_n; NULL: it cannot scale). */
#define PROC_BACKEND(backend_name, script_op, controller_op, engines_op, \
    remote_op, stop_set_op) {						\
	.name = (backend_name),						\
	.script = (script_op),						\
	.start_controller = (controller_op),				\
	.start_engines = (engines_op),					\
	.poll = proc_poll,						\
	.stop = proc_stop,						\
	.confirm = proc_confirm,					\
	.remote_engines = (remote_op),					\
	.stop_set = (stop_set_op),					\
}

/* The script header and the controller line, shared by both scripts;
 * appends to *out. */
void proc_script_begin(const struct cluster *c, struct strv *lines);
/* Makes lines (begun with proc_script_begin, then the engines) c->script,
 * and clears them. */
void proc_script_end(struct cluster *c, struct strv *lines);

#endif
