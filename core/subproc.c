#include "subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "xmalloc.h"

/* After the child exits, how long grandchildren holding our pipes may keep
 * them open before we stop reading. */
#define DRAIN_MS 500
/* Between SIGTERM and SIGKILL on timeout or cancel. */
#define KILL_GRACE_MS 1000

struct stream {
	int fd;
	struct loop_io *io;
	char *buf;
	size_t len, cap;
};

struct subproc {
	struct loop *loop;
	char *name;
	pid_t pid;
	bool exited;
	int status;
	struct stream out, err;
	int in_fd;
	struct loop_io *in_io;
	char *input;
	size_t inputlen, inputoff;
	int exec_fd;		/* reports exec failure errno */
	int exec_errno;
	struct loop_timer *timeout, *drain, *kill;
	bool timed_out;
	uint64_t timeout_ms, started;
	subproc_cb cb;
	void *arg;
};

static void finish(struct subproc *j);

/* Stops watching *fd and closes it, once. */
static void
close_watched(struct loop *l, int *fd, struct loop_io **io)
{
	if (*fd == -1)
		return;
	loop_io_del(l, *io);
	*io = NULL;
	close(*fd);
	*fd = -1;
}

static void
close_stream(struct subproc *j, struct stream *s)
{
	close_watched(j->loop, &s->fd, &s->io);
}

static void
close_input(struct subproc *j)
{
	close_watched(j->loop, &j->in_fd, &j->in_io);
}

static void
maybe_finish(struct subproc *j)
{
	if (j->exited && j->out.fd == -1 && j->err.fd == -1)
		finish(j);
}

static void
read_stream(struct subproc *j, struct stream *s)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(s->fd, buf, sizeof buf);
		if (n > 0) {
			size_t keep = (size_t)n;

			if (s->len + keep > SUBPROC_MAX_OUTPUT)
				keep = SUBPROC_MAX_OUTPUT - s->len;
			if (s->len + keep + 1 > s->cap) {
				while (s->len + keep + 1 > s->cap)
					s->cap = s->cap ? s->cap * 2 : 4096;
				s->buf = xreallocarray(s->buf, s->cap, 1);
			}
			memcpy(s->buf + s->len, buf, keep);
			s->len += keep;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		close_stream(j, s);
		maybe_finish(j);
		return;
	}
}

static void
on_out(short revents, void *arg)
{
	struct subproc *j = arg;

	(void)revents;
	read_stream(j, &j->out);
}

static void
on_err(short revents, void *arg)
{
	struct subproc *j = arg;

	(void)revents;
	read_stream(j, &j->err);
}

static void
on_in(short revents, void *arg)
{
	struct subproc *j = arg;

	(void)revents;
	while (j->inputoff < j->inputlen) {
		ssize_t n = write(j->in_fd, j->input + j->inputoff,
		    j->inputlen - j->inputoff);

		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			break;	/* EPIPE: the command did not want it */
		}
		j->inputoff += (size_t)n;
	}
	close_input(j);
}

static void
on_drain(void *arg)
{
	struct subproc *j = arg;

	j->drain = NULL;
	close_stream(j, &j->out);
	close_stream(j, &j->err);
	maybe_finish(j);
}

static void
on_exit_status(pid_t pid, int status, void *arg)
{
	struct subproc *j = arg;

	(void)pid;
	j->exited = true;
	j->status = status;
	if (j->exec_fd != -1) {
		if (read(j->exec_fd, &j->exec_errno, sizeof j->exec_errno) !=
		    (ssize_t)sizeof j->exec_errno)
			j->exec_errno = 0;
		close(j->exec_fd);
		j->exec_fd = -1;
	}
	if (j->out.fd != -1 || j->err.fd != -1)
		j->drain = loop_timer_add(j->loop, DRAIN_MS, on_drain, j);
	maybe_finish(j);
}

static void
on_kill(void *arg)
{
	struct subproc *j = arg;

	j->kill = NULL;
	if (!j->exited)
		killpg(j->pid, SIGKILL);
}

static void
on_timeout(void *arg)
{
	struct subproc *j = arg;

	j->timeout = NULL;
	if (j->exited)
		return;
	j->timed_out = true;
	killpg(j->pid, SIGTERM);
	j->kill = loop_timer_add(j->loop, KILL_GRACE_MS, on_kill, j);
}

static char *
first_line(const char *s, size_t len)
{
	const char *start = s, *end;

	/* The last non-empty line usually says the most ("error: ..."). */
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	    s[len - 1] == ' '))
		len--;
	end = s + len;
	for (const char *p = s; p < end; p++)
		if (*p == '\n')
			start = p + 1;
	return xstrndup(start, (size_t)(end - start) > 300 ? 300 :
	    (size_t)(end - start));
}

void
subproc_result_explain(struct subproc_result *r, const char *name, int signo,
    int exec_errno, uint64_t timeout_ms)
{
	r->ok = false;
	if (exec_errno != 0) {
		r->exit_code = -1;
		if (exec_errno == ENOENT)
			err_set(&r->err, "%s: command not found", name);
		else
			err_set(&r->err, "%s: cannot run: %s", name,
			    strerror(exec_errno));
	} else if (r->timed_out) {
		err_set(&r->err, "%s: no answer after %.3g s (killed)",
		    name, (double)timeout_ms / 1000);
	} else if (r->exit_code != 0) {
		char *line = first_line(r->errout, r->errlen);

		if (*line == '\0') {
			free(line);
			line = first_line(r->out, r->outlen);
		}
		if (signo > 0)
			err_set(&r->err, "%s killed by signal %d%s%s", name,
			    signo, *line ? ": " : "", line);
		else
			err_set(&r->err, "%s exited with status %d%s%s",
			    name, r->exit_code, *line ? ": " : "", line);
		free(line);
	} else {
		err_clear(&r->err);
		r->ok = true;
	}
}

static void
fill_result(struct subproc *j, struct subproc_result *r)
{
	memset(r, 0, sizeof *r);
	r->out = j->out.buf != NULL ? j->out.buf : xstrdup("");
	r->outlen = j->out.len;
	r->out[r->outlen] = '\0';
	r->errout = j->err.buf != NULL ? j->err.buf : xstrdup("");
	r->errlen = j->err.len;
	r->errout[r->errlen] = '\0';
	j->out.buf = j->err.buf = NULL;
	r->timed_out = j->timed_out;
	r->elapsed_ms = loop_now() - j->started;
	if (WIFEXITED(j->status))
		r->exit_code = WEXITSTATUS(j->status);
	else if (WIFSIGNALED(j->status))
		r->exit_code = 128 + WTERMSIG(j->status);
	else
		r->exit_code = -1;
	subproc_result_explain(r, j->name,
	    WIFSIGNALED(j->status) ? WTERMSIG(j->status) : 0, j->exec_errno,
	    j->timeout_ms);
}

static void
subproc_free(struct subproc *j)
{
	close_stream(j, &j->out);
	close_stream(j, &j->err);
	close_input(j);
	if (j->exec_fd != -1)
		close(j->exec_fd);
	loop_timer_del(j->loop, j->timeout);
	loop_timer_del(j->loop, j->drain);
	loop_timer_del(j->loop, j->kill);
	free(j->out.buf);
	free(j->err.buf);
	free(j->input);
	free(j->name);
	free(j);
}

static void
finish(struct subproc *j)
{
	struct subproc_result r;

	fill_result(j, &r);
	j->cb(&r, j->arg);
	free(r.out);
	free(r.errout);
	subproc_free(j);
}

static void
set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void
child(char *const argv[], char *const env[], int in, int out, int err,
    int exec_fd)
{
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		_exit(127);
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		putenv(env[i]);
	execvp(argv[0], argv);
	{
		int saved = errno;

		if (write(exec_fd, &saved, sizeof saved) == -1)
			_exit(127);
	}
	_exit(127);
}

struct subproc *
subproc_run(struct loop *l, char *const argv[], char *const env[],
    const char *input, size_t inputlen, uint64_t timeout_ms, subproc_cb cb,
    void *arg, struct err *e)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int ex[2] = { -1, -1 };
	struct subproc *j;
	const char *slash;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(errp, O_CLOEXEC) == -1 || pipe2(ex, O_CLOEXEC) == -1) {
		err_errno(e, "%s: pipe", argv[0]);
		goto fail;
	}
	pid = fork();
	if (pid == -1) {
		err_errno(e, "%s: fork", argv[0]);
		goto fail;
	}
	if (pid == 0)
		child(argv, env, in[0], out[1], errp[1], ex[1]);
	/* Both sides set the group to avoid racing killpg. */
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	close(ex[1]);

	j = xcalloc(1, sizeof *j);
	j->loop = l;
	slash = strrchr(argv[0], '/');
	j->name = xstrdup(slash != NULL ? slash + 1 : argv[0]);
	j->pid = pid;
	j->cb = cb;
	j->arg = arg;
	j->started = loop_now();
	j->timeout_ms = timeout_ms;
	j->exec_fd = ex[0];
	j->out.fd = out[0];
	j->err.fd = errp[0];
	set_nonblock(out[0]);
	set_nonblock(errp[0]);
	j->out.io = loop_io_fd(l, out[0], ZMQ_POLLIN, on_out, j);
	j->err.io = loop_io_fd(l, errp[0], ZMQ_POLLIN, on_err, j);
	j->in_fd = in[1];
	if (input != NULL && inputlen > 0) {
		j->input = xmalloc(inputlen);
		memcpy(j->input, input, inputlen);
		j->inputlen = inputlen;
		set_nonblock(in[1]);
		j->in_io = loop_io_fd(l, in[1], ZMQ_POLLOUT, on_in, j);
	} else {
		close_input(j);
	}
	if (timeout_ms > 0)
		j->timeout = loop_timer_add(l, timeout_ms, on_timeout, j);
	loop_child(l, pid, on_exit_status, j);
	return j;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (out[i] != -1)
			close(out[i]);
		if (errp[i] != -1)
			close(errp[i]);
		if (ex[i] != -1)
			close(ex[i]);
	}
	return NULL;
}

void
subproc_cancel(struct subproc *j)
{
	if (j == NULL)
		return;
	if (!j->exited) {
		int status;

		loop_child_del(j->loop, j->pid);
		killpg(j->pid, SIGTERM);
		/* Bounded: reap now if it went, else make sure it goes. */
		for (int i = 0; i < SUBPROC_CANCEL_WAIT_MS / 10; i++) {
			if (waitpid(j->pid, &status, WNOHANG) != 0)
				goto reaped;
			usleep(10000);
		}
		killpg(j->pid, SIGKILL);
		waitpid(j->pid, &status, 0);
	}
reaped:
	subproc_free(j);
}

struct sync_state {
	struct subproc_result *r;
};

struct subproc_result *
subproc_result_copy(const struct subproc_result *r)
{
	struct subproc_result *c = xmalloc(sizeof *c);

	*c = *r;
	c->out = xmalloc(r->outlen + 1);
	memcpy(c->out, r->out, r->outlen + 1);
	c->errout = xmalloc(r->errlen + 1);
	memcpy(c->errout, r->errout, r->errlen + 1);
	return c;
}

struct subproc_result *
subproc_result_failed(const struct err *e)
{
	struct subproc_result *r = xcalloc(1, sizeof *r);

	r->exit_code = -1;
	r->out = xstrdup("");
	r->errout = xstrdup("");
	r->err = *e;
	return r;
}

static void
sync_done(const struct subproc_result *r, void *arg)
{
	struct sync_state *st = arg;

	st->r = subproc_result_copy(r);
}

struct subproc_result *
subproc_run_sync(struct loop *l, char *const argv[], char *const env[],
    const char *input, size_t inputlen, uint64_t timeout_ms)
{
	struct sync_state st = { NULL };
	struct err e;

	if (subproc_run(l, argv, env, input, inputlen, timeout_ms, sync_done, &st,
	    &e) == NULL)
		return subproc_result_failed(&e);
	while (st.r == NULL)
		if (loop_once(l, -1) == -1)
			fatal("zmq_poll: %s", strerror(errno));
	return st.r;
}

void
subproc_result_free(struct subproc_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->errout);
	free(r);
}
