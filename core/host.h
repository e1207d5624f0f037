/* Where a command runs: this machine, or one SSH destination (a login
 * node, a compute node, a gateway hop away). One interface with two
 * implementations (core/host.c for this machine, core/sshhost.c for one
 * libssh session per destination), so that backends, the ipyparallel
 * client and `hpctop tunnel` never ask where they are.
 *
 * Rules every operation follows:
 *   - Hosts are shared: host_get returns the one host per destination, kept
 *     in a table this module owns until host_free_all. Callers never free a
 *     host.
 *   - Commands are argv vectors. The SSH implementation quotes every word
 *     (core/shquote.h) before it reaches the remote shell; nothing is ever
 *     pasted unquoted.
 *   - Asynchronous operations never block and call their callback exactly
 *     once, from the loop (never from inside the call that started them),
 *     unless cancelled first.
 *   - The *_sync forms run the same loop (loop_once) until their operation
 *     is done, like subproc_run_sync; they are for the CLI and for small
 *     files, and are bounded by HOST_SYNC_TIMEOUT_MS.
 *   - Errors name the destination: "login1: connection refused",
 *     "login1: sbatch exited with status 1: …". Secrets (passwords,
 *     one-time codes, keys) are never printed, logged or kept in errors.
 */
#ifndef HPCTOP_HOST_H
#define HPCTOP_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "loop.h"
#include "procsnap.h"
#include "spawn.h"
#include "subproc.h"

/* Bound for each *_sync file or process operation. */
#define HOST_SYNC_TIMEOUT_MS 30000u

struct host;
struct host_job;

/* host_procs' callback, called once from the loop: ps is the snapshot
 * (the callback owns it: procsnap_free), or NULL with e saying why (e
 * names the destination). */
typedef void (*host_procs_cb)(struct procsnap *ps, const struct err *e,
    void *arg);

enum host_state {
	HOST_UP,		/* this machine, or an authenticated session */
	HOST_CONNECTING,	/* first connection under way */
	HOST_RECONNECTING,	/* the session dropped; retrying with backoff */
	HOST_DOWN,		/* gave up (auth refused, host key refused, …) */
};

/* The implementation behind a host. core/host.c fills one for this
 * machine, core/sshhost.c one for SSH; nothing else does. Each operation
 * has the contract of the public function of the same name below. */
struct host_impl {
	const char *name;	/* "local", "ssh" */
	struct host_job *(*run)(struct host *h, struct loop *l,
	    char *const argv[], char *const env[], const char *input,
	    size_t inputlen, uint64_t timeout_ms, subproc_cb cb, void *arg,
	    struct err *e);
	void (*cancel)(struct host_job *j);
	int (*read_file)(struct host *h, struct loop *l, const char *path,
	    size_t max, unsigned flags, char **buf, size_t *len,
	    struct err *e);
	int (*write_file)(struct host *h, struct loop *l, const char *path,
	    const char *data, size_t len, unsigned mode, struct err *e);
	pid_t (*spawn)(struct host *h, struct loop *l, const struct spawn *s,
	    struct err *e);
	int (*signal)(struct host *h, struct loop *l, const pid_t *pids,
	    size_t n, int sig, struct err *e);
	int (*procs)(struct host *h, struct loop *l, const char *envname,
	    host_procs_cb cb, void *arg, struct err *e);
	int (*forward)(struct host *h, struct loop *l, const char *addr,
	    int port, int lport, int *bound, struct err *e);
	void (*unforward)(struct host *h, int bound);
	enum host_state (*state)(const struct host *h, struct err *why);
	void (*free)(struct host *h);
};

/* The first member of each implementation's job, so host_job_cancel finds
 * its implementation. */
struct host_job {
	const struct host_impl *impl;
};

struct host {
	const struct host_impl *impl;
	char *dest;		/* NULL for this machine */
	void *priv;		/* the implementation's own state */
};

/* The host for dest: NULL or "" is this machine; anything else an SSH
 * destination (user@host[:port] or a Host alias of the ssh config). The
 * first call for a destination creates its entry; an SSH session connects
 * lazily, on its first operation, in the loop. NULL with e filled only for
 * a destination that cannot be one ("bad destination 'a b'"). */
struct host *host_get(struct loop *l, const char *dest, struct err *e);
/* Closes every session and listener, frees every host. */
void host_free_all(void);

bool host_is_local(const struct host *h);
/* The ssh client configuration read for SSH destinations when it is not
 * the user's own (~/.ssh/config, then /etc/ssh/ssh_config): the file
 * HPCTOP_SSH_CONFIG names, read alone; NULL otherwise. What hpctop hands
 * to another ssh client (ipcluster's) so that it reaches the same hosts. */
const char *host_ssh_config(void);
/* "this machine" for the local host; the destination otherwise. */
const char *host_label(const struct host *h);
enum host_state host_state(const struct host *h, struct err *why);

/* Runs argv on h as subproc_run does on this machine: env adds NAME=VALUE
 * strings, input feeds stdin, timeout_ms 0 means none. The callback gets
 * the same subproc_result (exit_code 255 and ok false with err saying so
 * when the session failed; err names the destination). NULL with e filled
 * when the job cannot even be queued. */
struct host_job *host_run(struct host *h, struct loop *l, char *const argv[],
    char *const env[], const char *input, size_t inputlen,
    uint64_t timeout_ms, subproc_cb cb, void *arg, struct err *e);
/* Stops the command and frees the job; its callback never runs. Not from
 * the job's own callback. */
void host_job_cancel(struct host_job *j);
/* Blocking form: the caller frees the result (never NULL). */
struct subproc_result *host_run_sync(struct host *h, struct loop *l,
    char *const argv[], char *const env[], const char *input,
    size_t inputlen, uint64_t timeout_ms);

/* file_read (core/file.h) on h: the same flags, limits and errno meaning
 * (ENOENT when the file does not exist). */
int host_read_file(struct host *h, struct loop *l, const char *path,
    size_t max, unsigned flags, char **buf, size_t *len, struct err *e);
/* Writes path on h atomically (a temporary file beside it, then rename):
 * readers see the old or the new contents, never a part; new files get
 * mode. */
int host_write_file(struct host *h, struct loop *l, const char *path,
    const char *data, size_t len, unsigned mode, struct err *e);

/* spawn_start (core/spawn.h) on h: a detached process in a session of its
 * own that outlives hpctop and the SSH session. Returns its pid as h sees
 * it, or -1 with e filled. */
pid_t host_spawn(struct host *h, struct loop *l, const struct spawn *s,
    struct err *e);
/* Sends sig to each process group -pids[i] on h. Groups already gone are
 * not an error. */
int host_signal(struct host *h, struct loop *l, const pid_t *pids, size_t n,
    int sig, struct err *e);

/* A snapshot of the calling user's processes on h (core/procsnap.h),
 * each with the value of envname in its environment: what the process
 * backends watch and stop their processes by, one query per host. 0 when
 * started (cb then runs once, from the loop; arg must live until then),
 * -1 with e filled when it cannot be. */
int host_procs(struct host *h, struct loop *l, const char *envname,
    host_procs_cb cb, void *arg, struct err *e);
/* Blocking form: 0 with *ps filled (caller frees: procsnap_free), or -1
 * with e filled. */
int host_procs_sync(struct host *h, struct loop *l, const char *envname,
    struct procsnap *ps, struct err *e);
/* The procs op of a host that runs commands (core/sshhost.c's): runs
 * procsnap_argv on h with host_run and parses its output. */
int host_procs_run(struct host *h, struct loop *l, const char *envname,
    host_procs_cb cb, void *arg, struct err *e);

/* Makes addr:port, as seen from h, reachable from this machine: *bound is
 * the port to connect to on 127.0.0.1 instead. For this machine that is
 * port itself and nothing listens (addr must then be this machine's own
 * address, which it is for what a controller wrote here). For SSH a
 * listener on 127.0.0.1:lport (0: any free port) carries each connection
 * over the one session as a direct-tcpip channel to addr:port; it lives
 * across reconnects until host_unforward or host_free_all. */
int host_forward(struct host *h, struct loop *l, const char *addr, int port,
    int lport, int *bound, struct err *e);
void host_unforward(struct host *h, int bound);

/* How a password, a one-time code or a yes/no about a host key is asked.
 * Returns 0 with the answer in buf (NUL-terminated), or -1 when nobody can
 * answer (no terminal): the operation then fails with a clear error. The
 * default asks on /dev/tty without echo when echo is false, and fails when
 * there is none. The dashboard sets one that leaves curses first. */
typedef int (*host_ask_fn)(const char *dest, const char *prompt, bool echo,
    char *buf, size_t size, void *arg);
void host_set_ask(host_ask_fn fn, void *arg);
int host_ask(const char *dest, const char *prompt, bool echo, char *buf,
    size_t size);

#endif
