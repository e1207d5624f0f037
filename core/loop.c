#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "xmalloc.h"

struct loop_io {
	int fd;
	void *sock;
	short events;
	loop_io_cb cb;
	void *arg;
	bool dead;
};

struct loop_timer {
	uint64_t when;
	uint64_t seq;		/* ties fire in creation order */
	loop_timer_cb cb;
	void *arg;
	bool dead;
};

struct sigwatch {
	int signo;
	loop_signal_cb cb;
	void *arg;
	struct sigaction old;
};

struct childwatch {
	pid_t pid;
	loop_child_cb cb;
	void *arg;
};

struct loop {
	struct loop_io **io;
	size_t nio;
	struct loop_timer **timers;
	size_t ntimers;
	uint64_t seq;
	struct sigwatch *sigs;
	size_t nsigs;
	struct childwatch *children;
	size_t nchildren;
	bool sigchld_installed;
	struct sigaction old_chld;
	struct loop_io *pipe_io;
	bool stop;
};

/* The self-pipe: handlers write the signal number, the loop reads it. */
static int sigpipe[2] = { -1, -1 };

static void
on_signal(int signo)
{
	unsigned char b = (unsigned char)signo;
	int saved = errno;

	if (write(sigpipe[1], &b, 1) == -1) {
		/* Pipe full: the loop already has wake-ups queued. */
	}
	errno = saved;
}

uint64_t
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
reap_children(struct loop *l)
{
	for (size_t i = 0; i < l->nchildren; ) {
		struct childwatch cw = l->children[i];
		int status;
		pid_t r = waitpid(cw.pid, &status, WNOHANG);

		if (r == cw.pid || (r == -1 && errno == ECHILD)) {
			l->children[i] = l->children[--l->nchildren];
			if (r == -1)
				status = 0;
			cw.cb(cw.pid, status, cw.arg);
			i = 0;	/* the callback may have changed the table */
			continue;
		}
		i++;
	}
}

static void
on_pipe(short revents, void *arg)
{
	struct loop *l = arg;
	unsigned char buf[64];
	ssize_t n;
	bool chld = false;

	(void)revents;
	while ((n = read(sigpipe[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == SIGCHLD) {
				chld = true;
				continue;
			}
			for (size_t j = 0; j < l->nsigs; j++)
				if (l->sigs[j].signo == buf[i])
					l->sigs[j].cb(buf[i], l->sigs[j].arg);
		}
	}
	if (chld)
		reap_children(l);
}

struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof *l);

	if (sigpipe[0] == -1) {
		if (pipe(sigpipe) == -1)
			fatal("pipe: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			fcntl(sigpipe[i], F_SETFL,
			    fcntl(sigpipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(sigpipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	l->pipe_io = loop_io_fd(l, sigpipe[0], ZMQ_POLLIN, on_pipe, l);
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->nsigs; i++)
		sigaction(l->sigs[i].signo, &l->sigs[i].old, NULL);
	if (l->sigchld_installed)
		sigaction(SIGCHLD, &l->old_chld, NULL);
	for (size_t i = 0; i < l->nio; i++)
		free(l->io[i]);
	for (size_t i = 0; i < l->ntimers; i++)
		free(l->timers[i]);
	free(l->io);
	free(l->timers);
	free(l->sigs);
	free(l->children);
	free(l);
}

static struct loop_io *
add_io(struct loop *l, int fd, void *sock, short events, loop_io_cb cb,
    void *arg)
{
	struct loop_io *io = xcalloc(1, sizeof *io);

	io->fd = fd;
	io->sock = sock;
	io->events = events;
	io->cb = cb;
	io->arg = arg;
	l->io = xreallocarray(l->io, l->nio + 1, sizeof *l->io);
	l->io[l->nio++] = io;
	return io;
}

struct loop_io *
loop_io_fd(struct loop *l, int fd, short events, loop_io_cb cb, void *arg)
{
	return add_io(l, fd, NULL, events, cb, arg);
}

struct loop_io *
loop_io_zmq(struct loop *l, void *sock, short events, loop_io_cb cb,
    void *arg)
{
	return add_io(l, -1, sock, events, cb, arg);
}

void
loop_io_events(struct loop_io *io, short events)
{
	io->events = events;
}

void
loop_io_del(struct loop *l, struct loop_io *io)
{
	(void)l;
	if (io != NULL)
		io->dead = true;
}

struct loop_timer *
loop_timer_add(struct loop *l, uint64_t ms, loop_timer_cb cb, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);

	t->when = loop_now() + ms;
	t->seq = l->seq++;
	t->cb = cb;
	t->arg = arg;
	l->timers = xreallocarray(l->timers, l->ntimers + 1,
	    sizeof *l->timers);
	l->timers[l->ntimers++] = t;
	return t;
}

void
loop_timer_del(struct loop *l, struct loop_timer *t)
{
	(void)l;
	if (t != NULL)
		t->dead = true;
}

static void
install(int signo, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
	sigaction(signo, &sa, old);
}

void
loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	for (size_t i = 0; i < l->nsigs; i++) {
		if (l->sigs[i].signo != signo)
			continue;
		if (cb == NULL) {
			sigaction(signo, &l->sigs[i].old, NULL);
			l->sigs[i] = l->sigs[--l->nsigs];
		} else {
			l->sigs[i].cb = cb;
			l->sigs[i].arg = arg;
		}
		return;
	}
	if (cb == NULL)
		return;
	l->sigs = xreallocarray(l->sigs, l->nsigs + 1, sizeof *l->sigs);
	l->sigs[l->nsigs].signo = signo;
	l->sigs[l->nsigs].cb = cb;
	l->sigs[l->nsigs].arg = arg;
	install(signo, &l->sigs[l->nsigs].old);
	l->nsigs++;
}

void
loop_child(struct loop *l, pid_t pid, loop_child_cb cb, void *arg)
{
	if (!l->sigchld_installed) {
		install(SIGCHLD, &l->old_chld);
		l->sigchld_installed = true;
	}
	l->children = xreallocarray(l->children, l->nchildren + 1,
	    sizeof *l->children);
	l->children[l->nchildren].pid = pid;
	l->children[l->nchildren].cb = cb;
	l->children[l->nchildren].arg = arg;
	l->nchildren++;
	/* It may have exited before we were watching. */
	on_signal(SIGCHLD);
}

void
loop_child_del(struct loop *l, pid_t pid)
{
	for (size_t i = 0; i < l->nchildren; i++)
		if (l->children[i].pid == pid) {
			l->children[i] = l->children[--l->nchildren];
			return;
		}
}

static void
compact(struct loop *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->nio; i++) {
		if (l->io[i]->dead)
			free(l->io[i]);
		else
			l->io[j++] = l->io[i];
	}
	l->nio = j;
	j = 0;
	for (size_t i = 0; i < l->ntimers; i++) {
		if (l->timers[i]->dead)
			free(l->timers[i]);
		else
			l->timers[j++] = l->timers[i];
	}
	l->ntimers = j;
}

static struct loop_timer *
next_timer(struct loop *l)
{
	struct loop_timer *best = NULL;

	for (size_t i = 0; i < l->ntimers; i++) {
		struct loop_timer *t = l->timers[i];

		if (t->dead)
			continue;
		if (best == NULL || t->when < best->when ||
		    (t->when == best->when && t->seq < best->seq))
			best = t;
	}
	return best;
}

int
loop_once(struct loop *l, int64_t max_ms)
{
	zmq_pollitem_t *items;
	struct loop_io **polled;
	struct loop_timer *t;
	size_t n = 0, nio;
	int64_t wait = max_ms;
	uint64_t now, start_seq;
	int rc, ran = 0;

	compact(l);
	t = next_timer(l);
	if (t != NULL) {
		now = loop_now();
		int64_t due = t->when > now ? (int64_t)(t->when - now) : 0;

		if (wait < 0 || due < wait)
			wait = due;
	}
	nio = l->nio;
	items = xcalloc(nio, sizeof *items);
	polled = xcalloc(nio, sizeof *polled);
	for (size_t i = 0; i < nio; i++) {
		if (l->io[i]->events == 0)
			continue;
		items[n].socket = l->io[i]->sock;
		items[n].fd = l->io[i]->fd;
		items[n].events = l->io[i]->events;
		polled[n++] = l->io[i];
	}
	rc = zmq_poll(items, (int)n, (long)wait);
	if (rc == -1 && errno != EINTR) {
		free(items);
		free(polled);
		return -1;
	}
	for (size_t i = 0; rc > 0 && i < n; i++) {
		if (items[i].revents == 0 || polled[i]->dead)
			continue;
		polled[i]->cb(items[i].revents, polled[i]->arg);
		ran++;
	}
	free(items);
	free(polled);

	/* Timers due now, oldest first; ones added by callbacks wait for the
	 * next pass so a zero-delay timer cannot starve the poll. */
	now = loop_now();
	start_seq = l->seq;
	for (;;) {
		t = next_timer(l);
		if (t == NULL || t->when > now || t->seq >= start_seq)
			break;
		t->dead = true;
		t->cb(t->arg);
		ran++;
	}
	compact(l);
	return ran;
}

void
loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop)
		if (loop_once(l, -1) == -1)
			fatal("zmq_poll: %s", zmq_strerror(errno));
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

int
loop_stopped(const struct loop *l)
{
	return l->stop;
}
