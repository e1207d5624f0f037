/* A client of an ipyparallel 7.1 controller, speaking its ZeroMQ protocol
 * directly (doc/wire-protocol.md: sockets section 2, liveness 5, engine
 * table 6, execution 7 and 8, interrupts 9): a live engine table from the
 * Hub, controller liveness, and %px-style execution.
 *
 * Non-blocking by design: ipp_attach() puts the client's sockets and timers
 * into the caller's struct loop, and every event is handled from
 * loop_once(). No function here blocks except the ipp_wait_* helpers,
 * which drive loop_once() themselves for command-line use.
 *
 * Ownership: ipp_new copies what it needs from the struct conn. Strings
 * and tables returned by accessors belong to the struct ipp and are valid
 * until the next loop_once() or ipp_free(). Free every struct ipp with
 * ipp_free() before the loop it is attached to. */
#ifndef HPCTOP_IPP_H
#define HPCTOP_IPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "err.h"
#include "loop.h"
#include "strv.h"

struct ipp;

enum ipp_state {
	IPP_CONNECTING,	/* attached, no answer from the Hub yet */
	IPP_UP,		/* the Hub answered its last query in time */
	IPP_DOWN,	/* it did not answer in time, or shut down */
};

struct ipp_engine {
	int id;
	char *uuid;
	char *host;		/* its hostname, once ipp_want_hosts() asked */
	bool registered;	/* false once the Hub said it is gone */
};

enum ipp_status {
	IPP_PENDING,	/* not finished yet */
	IPP_OK,
	IPP_ERROR,	/* the code raised: ename, evalue, traceback */
	IPP_ABORTED,	/* the engine aborted the request unrun */
	IPP_TIMEOUT,	/* no answer within the timeout (or expired) */
	IPP_LOST,	/* the engine unregistered before answering */
	IPP_DISCONNECTED, /* the controller stopped answering first */
};

/* What one engine did with one request. */
struct ipp_reply {
	int engine;
	char *uuid;
	char *msg_id;
	enum ipp_status status;
	char *out;		/* stdout, concatenated; never NULL. May hold
				 * NUL bytes: outlen counts them */
	char *err;		/* stderr, the same; errlen */
	size_t outlen, errlen;
	/* The other texts have any NUL shown as \x00 (ipp_show_nul), and
	 * all are UTF-8 (what was not is U+FFFD, as Jupyter decodes). */
	struct strv displays;	/* text/plain of each display_data */
	char *result;		/* execute_result text/plain, or NULL */
	char *value;		/* ipp_evaluate: the repr, or NULL */
	int execution_count;
	char *ename;		/* set for IPP_ERROR */
	char *evalue;
	struct strv traceback;	/* lines, with the engine's ANSI colours */
	uint64_t done_us;	/* monotonic time it finished */
	bool got_reply;		/* internal: execute_reply seen */
	bool got_idle;		/* internal: iopub idle seen */
	size_t outcap, errcap;	/* internal */
};

struct ipp_exec;
/* Runs once when every reply of x is finished. x stays the caller's. */
typedef void (*ipp_exec_cb)(struct ipp_exec *x, void *arg);

/* One %px request: one reply per target engine, in target order. The
 * caller owns it (ipp_exec_free) and reads it; only the client writes. */
struct ipp_exec {
	size_t n;
	struct ipp_reply *r;
	size_t pending;		/* replies still IPP_PENDING */
	uint64_t start_us;	/* monotonic, when ipp_execute was called */
	uint64_t end_us;	/* when the last reply finished */

	/* Private to ipp.c. */
	struct ipp *ipp;
	struct ipp_exec *next;
	bool sent;
	char *code;
	char *expr;		/* ipp_evaluate's expression, or NULL */
	ipp_exec_cb cb;
	void *cb_arg;
	struct loop_timer *timer;
};

/* Called from loop_once(). They may call any function here except
 * ipp_free on the ipp that called them. */
struct ipp_hooks {
	void (*engines)(struct ipp *ipp, void *arg);	/* table changed */
	void (*state)(struct ipp *ipp, enum ipp_state s, void *arg);
	void *arg;
};

struct ipp_stats {
	unsigned long bad_signature;	/* dropped: signature did not match */
	unsigned long malformed;	/* dropped: framing or JSON wrong */
	unsigned long received;		/* accepted messages */
};

/* Creates the ZeroMQ context and sockets and starts connecting (libzmq
 * connects in the background; nothing blocks). NULL with e set when a
 * socket cannot be created. */
struct ipp *ipp_new(const struct conn *c, struct err *e);
/* Closes the sockets without lingering. Pending execs are left as they
 * are, no longer updated, and remain the caller's to free. */
void ipp_free(struct ipp *ipp);

void ipp_set_hooks(struct ipp *ipp, const struct ipp_hooks *h);
/* How often the Hub is queried (default 3000 ms) and how long an answer
 * may take before the controller is declared down (default 5000 ms). Set
 * before ipp_attach. */
void ipp_set_liveness(struct ipp *ipp, uint64_t interval_ms,
    uint64_t answer_ms);

/* Registers the sockets and timers with l and sends the first query. Call
 * once. */
void ipp_attach(struct ipp *ipp, struct loop *l);

enum ipp_state ipp_state(const struct ipp *ipp);
/* Why the state is IPP_DOWN ("" otherwise). */
const char *ipp_state_msg(const struct ipp *ipp);
/* All engines seen, registered or lost, sorted by id. */
const struct ipp_engine *ipp_engines(const struct ipp *ipp, size_t *n);
/* Registered engines only. */
size_t ipp_engine_count(const struct ipp *ipp);
/* NULL when the id was never seen. */
const struct ipp_engine *ipp_engine_find(const struct ipp *ipp, int id);
void ipp_stats(const struct ipp *ipp, struct ipp_stats *st);

/* Sends `code` to the targets (engine ids; NULL/0 means every registered
 * engine) and returns the request, which the caller owns. timeout_ms 0
 * means none. cb (may be NULL) runs when every engine has finished. Needs
 * state IPP_UP; unknown or lost targets are refused (NULL, e set). */
struct ipp_exec *ipp_execute(struct ipp *ipp, const char *code,
    const int *targets, size_t ntargets, uint64_t timeout_ms,
    ipp_exec_cb cb, void *arg, struct err *e);
/* Evaluates a Python expression on the targets as ipp_execute runs code,
 * but silently (Jupyter's user_expressions): nothing is printed, nothing
 * enters the engines' history or execution count. Each reply's value is
 * the expression's repr; an exception makes the reply IPP_ERROR. */
struct ipp_exec *ipp_evaluate(struct ipp *ipp, const char *expr,
    const int *targets, size_t ntargets, uint64_t timeout_ms,
    ipp_exec_cb cb, void *arg, struct err *e);
/* From now on, ask every engine that registers (and those registered)
 * for its hostname, once, with ipp_evaluate; each answer fills its
 * ipp_engine.host and runs the engines hook. An engine that does not
 * answer within 5 s (busy with long code) keeps host NULL. */
void ipp_want_hosts(struct ipp *ipp);
/* True while a hostname query is in flight. */
bool ipp_hosts_pending(const struct ipp *ipp);

/* Finishes every pending reply of x now as IPP_TIMEOUT (running cb). The
 * engines may still run the code; their late answers are ignored. */
void ipp_exec_expire(struct ipp_exec *x);
/* Interrupts the code x runs: a signal_request with SIGINT through the
 * control channel to the nanny of every engine still pending, as
 * IPython's Ctrl-C and ipyparallel's Client.send_signal do. The code then
 * raises KeyboardInterrupt and x finishes as usual. Returns how many
 * engines were asked; -1 with e set when none could be. */
int ipp_interrupt(struct ipp_exec *x, struct err *e);
/* A copy of s[0..len) with each NUL byte written as \x00, for text that
 * is shown rather than passed on raw. Caller frees. */
char *ipp_show_nul(const char *s, size_t len);
/* Frees x; a pending x is cancelled first without running its cb. */
void ipp_exec_free(struct ipp_exec *x);
const char *ipp_status_name(enum ipp_status s);

/* Blocking helpers for the command line: drive loop_once() until the Hub
 * answered (0) or the controller is down (-1, e says why). */
int ipp_wait_up(struct ipp *ipp, struct loop *l, struct err *e);
/* Until x is finished. If the controller goes down first, its pending
 * replies finish as IPP_DISCONNECTED and -1 is returned with e set. (A
 * controller that goes down finishes every pending request that way.) */
int ipp_wait_exec(struct ipp *ipp, struct loop *l, struct ipp_exec *x,
    struct err *e);

/* Until no hostname query is in flight (bounded by its timeout) or the
 * controller is down. */
void ipp_wait_hosts(struct ipp *ipp, struct loop *l);

/* Monotonic microseconds (the clock of start_us/end_us/done_us). */
uint64_t ipp_now_us(void);

#endif
