#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "fatal.h"
#include "file.h"
#include "sshhost.h"
#include "xmalloc.h"

/* The table of hosts: this machine first, then one per SSH destination. */
static struct host **hosts;
static size_t nhosts;

static host_ask_fn ask_fn;
static void *ask_arg;

/* ---- this machine ---- */

static const struct host_impl local_impl;

struct local_job {
	struct host_job job;
	struct subproc *sp;
	subproc_cb cb;
	void *arg;
};

static void
local_done(const struct subproc_result *r, void *arg)
{
	struct local_job *lj = arg;
	subproc_cb cb = lj->cb;
	void *cbarg = lj->arg;

	free(lj);
	cb(r, cbarg);
}

static struct host_job *
local_run(struct host *h, struct loop *l, char *const argv[],
    char *const env[], const char *input, size_t inputlen,
    uint64_t timeout_ms, subproc_cb cb, void *arg, struct err *e)
{
	struct local_job *lj = xcalloc(1, sizeof *lj);

	(void)h;
	lj->cb = cb;
	lj->arg = arg;
	lj->job.impl = &local_impl;
	lj->sp = subproc_run(l, argv, env, input, inputlen, timeout_ms,
	    local_done, lj, e);
	if (lj->sp == NULL) {
		free(lj);
		return NULL;
	}
	return &lj->job;
}

static void
local_cancel(struct host_job *j)
{
	struct local_job *lj = (struct local_job *)j;

	subproc_cancel(lj->sp);
	free(lj);
}

static int
local_read_file(struct host *h, struct loop *l, const char *path, size_t max,
    unsigned flags, char **buf, size_t *len, struct err *e)
{
	(void)h;
	(void)l;
	return file_read(path, max, flags, buf, len, e);
}

static int
local_write_file(struct host *h, struct loop *l, const char *path,
    const char *data, size_t len, unsigned mode, struct err *e)
{
	(void)h;
	(void)l;
	return file_write_atomic(path, data, len, mode, e);
}

static pid_t
local_spawn(struct host *h, struct loop *l, const struct spawn *s,
    struct err *e)
{
	(void)h;
	(void)l;
	return spawn_start(s, e);
}

static int
local_signal(struct host *h, struct loop *l, const pid_t *pids, size_t n,
    int sig, struct err *e)
{
	(void)h;
	(void)l;
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && kill(-pids[i], sig) == -1 && errno != ESRCH)
			return err_errno(e, "cannot signal process group %ld",
			    (long)pids[i]);
	return 0;
}

struct procs_later {
	struct procsnap ps;
	struct err e;
	bool failed;
	host_procs_cb cb;
	void *arg;
};

static void
procs_deliver(void *arg)
{
	struct procs_later *pl = arg;

	if (pl->failed)
		pl->cb(NULL, &pl->e, pl->arg);
	else {
		struct procsnap *ps = xmalloc(sizeof *ps);

		*ps = pl->ps;
		pl->cb(ps, NULL, pl->arg);
	}
	free(pl);
}

/* Reading /proc does not block: the snapshot is taken now and delivered
 * from the loop, as every asynchronous operation is. */
static int
local_procs(struct host *h, struct loop *l, const char *envname,
    host_procs_cb cb, void *arg, struct err *e)
{
	struct procs_later *pl = xcalloc(1, sizeof *pl);

	(void)h;
	(void)e;
	pl->cb = cb;
	pl->arg = arg;
	pl->failed = procsnap_read_local(envname, &pl->ps, &pl->e) == -1;
	loop_timer_add(l, 0, procs_deliver, pl);
	return 0;
}

static int
local_forward(struct host *h, struct loop *l, const char *addr, int port,
    int lport, int *bound, struct err *e)
{
	(void)h;
	(void)l;
	(void)addr;
	(void)lport;
	(void)e;
	*bound = port;
	return 0;
}

static void
local_unforward(struct host *h, int bound)
{
	(void)h;
	(void)bound;
}

static enum host_state
local_state(const struct host *h, struct err *why)
{
	(void)h;
	err_clear(why);
	return HOST_UP;
}

static void
local_free(struct host *h)
{
	free(h);
}

static const struct host_impl local_impl = {
	.name = "local",
	.run = local_run,
	.cancel = local_cancel,
	.read_file = local_read_file,
	.write_file = local_write_file,
	.spawn = local_spawn,
	.signal = local_signal,
	.procs = local_procs,
	.forward = local_forward,
	.unforward = local_unforward,
	.state = local_state,
	.free = local_free,
};

/* ---- the table ---- */

static void
add_host(struct host *h)
{
	hosts = xreallocarray(hosts, nhosts + 1, sizeof *hosts);
	hosts[nhosts++] = h;
}

struct host *
host_get(struct loop *l, const char *dest, struct err *e)
{
	struct host *h;

	if (dest == NULL || *dest == '\0') {
		for (size_t i = 0; i < nhosts; i++)
			if (hosts[i]->dest == NULL)
				return hosts[i];
		h = xcalloc(1, sizeof *h);
		h->impl = &local_impl;
		add_host(h);
		return h;
	}
	for (size_t i = 0; i < nhosts; i++)
		if (hosts[i]->dest != NULL && strcmp(hosts[i]->dest, dest) == 0)
			return hosts[i];
	if ((h = sshhost_new(l, dest, e)) == NULL)
		return NULL;
	add_host(h);
	return h;
}

void
host_free_all(void)
{
	for (size_t i = nhosts; i > 0; i--)
		hosts[i - 1]->impl->free(hosts[i - 1]);
	free(hosts);
	hosts = NULL;
	nhosts = 0;
}

const char *
host_ssh_config(void)
{
	const char *env = getenv("HPCTOP_SSH_CONFIG");

	return env != NULL && *env != '\0' ? env : NULL;
}

bool
host_is_local(const struct host *h)
{
	return h->dest == NULL;
}

const char *
host_label(const struct host *h)
{
	return h->dest == NULL ? "this machine" : h->dest;
}

enum host_state
host_state(const struct host *h, struct err *why)
{
	return h->impl->state(h, why);
}

struct host_job *
host_run(struct host *h, struct loop *l, char *const argv[],
    char *const env[], const char *input, size_t inputlen,
    uint64_t timeout_ms, subproc_cb cb, void *arg, struct err *e)
{
	return h->impl->run(h, l, argv, env, input, inputlen, timeout_ms, cb,
	    arg, e);
}

void
host_job_cancel(struct host_job *j)
{
	if (j == NULL)
		return;
	j->impl->cancel(j);
}

struct sync_state {
	struct subproc_result *r;
};

static void
sync_done(const struct subproc_result *r, void *arg)
{
	struct sync_state *st = arg;

	st->r = subproc_result_copy(r);
}

struct subproc_result *
host_run_sync(struct host *h, struct loop *l, char *const argv[],
    char *const env[], const char *input, size_t inputlen,
    uint64_t timeout_ms)
{
	struct sync_state st = { NULL };
	struct err e;

	if (host_run(h, l, argv, env, input, inputlen, timeout_ms, sync_done,
	    &st, &e) == NULL)
		return subproc_result_failed(&e);
	while (st.r == NULL)
		if (loop_once(l, -1) == -1)
			fatal("zmq_poll: %s", strerror(errno));
	return st.r;
}

int
host_read_file(struct host *h, struct loop *l, const char *path, size_t max,
    unsigned flags, char **buf, size_t *len, struct err *e)
{
	return h->impl->read_file(h, l, path, max, flags, buf, len, e);
}

int
host_write_file(struct host *h, struct loop *l, const char *path,
    const char *data, size_t len, unsigned mode, struct err *e)
{
	return h->impl->write_file(h, l, path, data, len, mode, e);
}

pid_t
host_spawn(struct host *h, struct loop *l, const struct spawn *s,
    struct err *e)
{
	return h->impl->spawn(h, l, s, e);
}

int
host_signal(struct host *h, struct loop *l, const pid_t *pids, size_t n,
    int sig, struct err *e)
{
	return h->impl->signal(h, l, pids, n, sig, e);
}

int
host_procs(struct host *h, struct loop *l, const char *envname,
    host_procs_cb cb, void *arg, struct err *e)
{
	return h->impl->procs(h, l, envname, cb, arg, e);
}

struct procs_sync {
	bool done;
	bool failed;
	struct procsnap *ps;
	struct err *e;
};

static void
procs_sync_done(struct procsnap *ps, const struct err *e, void *arg)
{
	struct procs_sync *st = arg;

	st->done = true;
	if (ps != NULL) {
		*st->ps = *ps;
		free(ps);
	} else {
		*st->e = *e;
		st->failed = true;
	}
}

int
host_procs_sync(struct host *h, struct loop *l, const char *envname,
    struct procsnap *ps, struct err *e)
{
	struct procs_sync st = { .ps = ps, .e = e };

	memset(ps, 0, sizeof *ps);
	if (host_procs(h, l, envname, procs_sync_done, &st, e) == -1)
		return -1;
	while (!st.done)
		if (loop_once(l, -1) == -1)
			fatal("zmq_poll: %s", strerror(errno));
	return st.failed ? -1 : 0;
}

struct procs_run {
	struct host *h;
	char *envname;
	host_procs_cb cb;
	void *arg;
};

static void
procs_run_done(const struct subproc_result *r, void *arg)
{
	struct procs_run *pr = arg;
	struct procsnap *ps = xmalloc(sizeof *ps);
	struct err e;

	err_clear(&e);
	if (!r->ok)
		err_set(&e, "%s: process list: %s", host_label(pr->h),
		    r->err.msg);
	else if (procsnap_parse(r->out, r->outlen, pr->envname, ps, &e) ==
	    -1)
		err_prefix(&e, "%s: process list", host_label(pr->h));
	if (e.msg[0] != '\0') {
		free(ps);
		pr->cb(NULL, &e, pr->arg);
	} else
		pr->cb(ps, NULL, pr->arg);
	free(pr->envname);
	free(pr);
}

int
host_procs_run(struct host *h, struct loop *l, const char *envname,
    host_procs_cb cb, void *arg, struct err *e)
{
	struct procs_run *pr = xcalloc(1, sizeof *pr);
	struct strv argv = STRV_INIT;
	struct host_job *j;

	pr->h = h;
	pr->envname = xstrdup(envname);
	pr->cb = cb;
	pr->arg = arg;
	procsnap_argv(envname, &argv);
	j = host_run(h, l, argv.v, NULL, NULL, 0, HOST_SYNC_TIMEOUT_MS,
	    procs_run_done, pr, e);
	strv_clear(&argv);
	if (j == NULL) {
		free(pr->envname);
		free(pr);
		return -1;
	}
	return 0;
}

int
host_forward(struct host *h, struct loop *l, const char *addr, int port,
    int lport, int *bound, struct err *e)
{
	return h->impl->forward(h, l, addr, port, lport, bound, e);
}

void
host_unforward(struct host *h, int bound)
{
	h->impl->unforward(h, bound);
}

/* ---- asking ---- */

/* OpenSSH's convention: $SSH_ASKPASS PROMPT prints the answer. -1 when
 * it cannot be run or fails. */
static int
askpass(const char *prog, const char *dest, const char *prompt, char *buf,
    size_t size)
{
	char *full = xasprintf("%s: %s", dest, prompt);
	int p[2], status, rc = -1;
	size_t n = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		free(full);
		return -1;
	}
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		free(full);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null != -1)
			dup2(null, 0);
		dup2(p[1], 1);
		execlp(prog, prog, full, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	free(full);
	for (;;) {
		ssize_t r = read(p[0], buf + n, size - 1 - n);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == size - 1)
			break;
	}
	close(p[0]);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else
		explicit_bzero(buf, size);
	return rc;
}

/* Asks on /dev/tty, without echo unless echo; -1 when there is none.
 * With SSH_ASKPASS set, asks that program instead when there is no
 * terminal or SSH_ASKPASS_REQUIRE says force (or prefer). */
static int
tty_ask(const char *dest, const char *prompt, bool echo, char *buf,
    size_t size, void *arg)
{
	struct termios old, raw;
	int fd, rc = -1;
	size_t n = 0;
	bool restore = false;
	char ch;
	const char *ap = getenv("SSH_ASKPASS");
	const char *req = getenv("SSH_ASKPASS_REQUIRE");

	(void)arg;
	if (req != NULL && strcmp(req, "never") == 0)
		ap = NULL;
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (ap != NULL && *ap != '\0' && (fd == -1 || (req != NULL &&
	    (strcmp(req, "force") == 0 || strcmp(req, "prefer") == 0)))) {
		if (fd != -1)
			close(fd);
		return askpass(ap, dest, prompt, buf, size);
	}
	if (fd == -1)
		return -1;
	if (!echo && tcgetattr(fd, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		raw.c_lflag |= ICANON;
		restore = tcsetattr(fd, TCSAFLUSH, &raw) == 0;
	}
	dprintf(fd, "%s: %s", dest, prompt);
	for (;;) {
		ssize_t r = read(fd, &ch, 1);

		if (r == -1 && errno == EINTR)
			continue;
		if (r != 1)
			break;
		if (ch == '\n' || ch == '\r') {
			rc = 0;
			break;
		}
		if (n + 1 < size)
			buf[n++] = ch;
	}
	buf[n] = '\0';
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		dprintf(fd, "\n");
	}
	close(fd);
	return rc;
}

void
host_set_ask(host_ask_fn fn, void *arg)
{
	ask_fn = fn;
	ask_arg = arg;
}

int
host_ask(const char *dest, const char *prompt, bool echo, char *buf,
    size_t size)
{
	if (size == 0)
		return -1;
	buf[0] = '\0';
	return (ask_fn != NULL ? ask_fn : tty_ask)(dest, prompt, echo, buf,
	    size, ask_arg);
}
