/* Asynchronous commands (squeue, sbatch, qstat, mpiexec --version, ...):
 * run with argv (never through a shell), output captured, a timeout, and
 * a callback from the event loop when done (tmux's job.c). */
#ifndef HPCTOP_SUBPROC_H
#define HPCTOP_SUBPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "loop.h"

#define SUBPROC_MAX_OUTPUT (64u * 1024 * 1024)	/* per stream; the rest is dropped */

struct subproc;

struct subproc_result {
	int exit_code;		/* exit status, 128+N when killed by signal N, -1 if never ran */
	bool ok;		/* ran and exited 0 */
	bool timed_out;
	char *out;		/* stdout, NUL-terminated (never NULL) */
	size_t outlen;
	char *errout;		/* stderr, NUL-terminated (never NULL) */
	size_t errlen;
	uint64_t elapsed_ms;
	/* When !ok: one line such as "squeue: command not found",
	 * "squeue: no answer after 10 s (killed)" or
	 * "sbatch exited with status 1: sbatch: error: invalid partition". */
	struct err err;
};

/* Called once from loop context. r is valid only during the call. */
typedef void (*subproc_cb)(const struct subproc_result *r, void *arg);

/* Starts argv[0] (searched on PATH) in its own process group with stdin
 * fed from `input` (may be NULL), `env` extra NAME=VALUE strings (may be
 * NULL) added to the environment. Never blocks. Returns NULL with e filled
 * only if the pipes or fork fail; a missing command is reported through
 * the callback like any other failure. timeout_ms 0 means no timeout. */
struct subproc *subproc_run(struct loop *l, char *const argv[], char *const env[],
    const char *input, size_t inputlen, uint64_t timeout_ms, subproc_cb cb,
    void *arg, struct err *e);
/* Kills the job's process group and frees it; its callback never runs.
 * Must not be called from the job's own callback. It blocks, briefly: it
 * sends SIGTERM, waits up to SUBPROC_CANCEL_WAIT_MS for the command to exit,
 * then sends SIGKILL and reaps it (at once, unless the kernel holds the
 * process in an uninterruptible wait), so nothing is left behind even
 * when no loop runs afterwards. */
#define SUBPROC_CANCEL_WAIT_MS 200
void subproc_cancel(struct subproc *j);

/* Blocking form for the CLI: runs the loop until the job is done. Returns
 * a result the caller frees with subproc_result_free (never NULL). */
struct subproc_result *subproc_run_sync(struct loop *l, char *const argv[],
    char *const env[], const char *input, size_t inputlen,
    uint64_t timeout_ms);
void subproc_result_free(struct subproc_result *r);
/* Sets r->ok and r->err from r's exit_code, timed_out, errout and out, the
 * one wording for every runner: name is the command, signo > 0 when a
 * signal killed it, exec_errno != 0 when it could not be run (ENOENT: not
 * found), timeout_ms the limit it was killed at. */
void subproc_result_explain(struct subproc_result *r, const char *name,
    int signo, int exec_errno, uint64_t timeout_ms);
/* An owned deep copy of r (for keeping a result past its callback). */
struct subproc_result *subproc_result_copy(const struct subproc_result *r);
/* An owned result for a command that never ran: exit_code -1, err *e. */
struct subproc_result *subproc_result_failed(const struct err *e);

#endif
