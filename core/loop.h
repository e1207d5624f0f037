/* The one event loop: zmq_poll over file descriptors (stdin, child pipes,
 * the signal self-pipe) and ZeroMQ sockets, plus one-shot timers. No
 * threads. Callbacks run from loop_once(); they may add or delete watches
 * and timers, including their own. */
#ifndef HPCTOP_LOOP_H
#define HPCTOP_LOOP_H

#include <stdint.h>
#include <sys/types.h>

struct loop;
struct loop_io;
struct loop_timer;

/* revents is a mask of ZMQ_POLLIN / ZMQ_POLLOUT / ZMQ_POLLERR. */
typedef void (*loop_io_cb)(short revents, void *arg);
typedef void (*loop_timer_cb)(void *arg);
typedef void (*loop_signal_cb)(int signo, void *arg);
/* status is as from waitpid(). */
typedef void (*loop_child_cb)(pid_t pid, int status, void *arg);

/* One loop per process (signals are process-wide). */
struct loop *loop_new(void);
/* Frees every watch and timer still registered; restores signal handlers. */
void loop_free(struct loop *l);

/* Watches an fd or a ZeroMQ socket. The loop does not own the fd/socket.
 * The returned handle stays valid until loop_io_del or loop_free. */
struct loop_io *loop_io_fd(struct loop *l, int fd, short events,
    loop_io_cb cb, void *arg);
struct loop_io *loop_io_zmq(struct loop *l, void *sock, short events,
    loop_io_cb cb, void *arg);
void loop_io_events(struct loop_io *io, short events);
/* Safe from any callback; NULL is fine. */
void loop_io_del(struct loop *l, struct loop_io *io);

/* One-shot timer after `ms` milliseconds. The handle is invalid once the
 * callback has started; loop_timer_del before that cancels it. */
struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms,
    loop_timer_cb cb, void *arg);
void loop_timer_del(struct loop *l, struct loop_timer *t);

/* Delivers signo through the self-pipe, so cb runs in loop context.
 * cb NULL removes it. SIGCHLD is reserved for loop_child. */
void loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg);

/* Calls cb once when child `pid` exits; the loop reaps it (and only it). */
void loop_child(struct loop *l, pid_t pid, loop_child_cb cb, void *arg);
/* Forgets a child without reaping it (its owner waits itself). */
void loop_child_del(struct loop *l, pid_t pid);

/* Waits at most max_ms (-1: until the next timer or event) and dispatches.
 * Returns the number of callbacks run, or -1 when zmq_poll failed for a
 * reason other than EINTR. */
int loop_once(struct loop *l, int64_t max_ms);
/* Runs until loop_stop is called from a callback. */
void loop_run(struct loop *l);
void loop_stop(struct loop *l);
int loop_stopped(const struct loop *l);

/* Monotonic milliseconds. */
uint64_t loop_now(void);

#endif
