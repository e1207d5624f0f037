#include "sshhost.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "fatal.h"
#include "file.h"
#include "shquote.h"
#include "strv.h"
#include "xmalloc.h"

/* ConnectTimeout when the config has none. */
#define CONNECT_TIMEOUT_S 10
/* Reconnect backoff: 1, 2, 4 ... seconds, at most this. */
#define BACKOFF_MAX_S 30
/* What one read from a channel or socket moves. */
#define CHUNK 16384
/* Bytes a forwarded connection buffers in each direction before it stops
 * reading its source. */
#define BRIDGE_MAX (256u * 1024)
#define SECRET_MAX 1024
/* Commands at once on one session: sshd's MaxSessions default. More wait
 * their turn; a server allowing fewer lowers it (sessions_max). */
#define SESSIONS_MAX 10
/* Passes over the channels in one drive while packets keep arriving. */
#define DRIVE_PASSES 16
/* How soon to look again while an open or exec request awaits its answer
 * (which no callback announces). */
#define TICK_MS 20

enum phase {
	PH_IDLE,		/* no session */
	PH_CONNECT,		/* TCP + key exchange */
	PH_AUTH_NONE,
	PH_AUTH_PUBKEY,
	PH_AUTH_KBDINT,
	PH_AUTH_PASSWORD,
	PH_UP,
};

struct sshhost;

/* One command: an exec channel. */
struct sjob {
	struct host_job job;
	struct sshhost *sh;
	struct sjob *prev, *next;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cbs;
	enum { J_QUEUED, J_OPEN, J_EXEC, J_RUN } st;
	char *cmd;		/* the whole remote command line */
	char *name;		/* argv[0], for messages */
	char *input;
	size_t inputlen, inputoff;
	bool eof_sent;
	bool counted;		/* holds one of sh->sessions */
	/* The remote shell prints its pid (its process group: sshd gives
	 * each session one) before exec'ing the command, so a timeout or a
	 * cancel can kill the group: sshd refuses signal requests for root. */
	char pidline[24];
	size_t pidlen;
	bool pid_seen;
	long rpid;
	uint64_t seq;
	char *out, *errout;
	size_t outlen, errlen;
	size_t outcap, errcap;
	int exit_status;	/* -1 until the remote says */
	int exit_signal;	/* > 0 when a signal ended it */
	struct loop_timer *timer;
	uint64_t timeout_ms, started;
	subproc_cb cb;
	void *arg;
};

/* A local fd carried over a direct-tcpip channel (a forwarded connection,
 * or the transport of a session one ProxyJump hop behind). */
struct bridge {
	struct sshhost *sh;
	struct bridge *prev, *next;
	struct fwd *fwd;	/* its listener, or NULL */
	int fd;
	struct loop_io *io;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cbs;
	bool open;		/* the channel is open */
	char *addr;
	int port;
	char tochan[BRIDGE_MAX], tofd[BRIDGE_MAX];
	size_t tochanlen, tofdlen;
	bool fd_eof, chan_eof, eof_sent, shut_wr;
	void (*gone)(void *arg);	/* called once when it ends */
	void *gone_arg;
};

/* A listener of host_forward. */
struct fwd {
	struct sshhost *sh;
	struct fwd *next;
	int fd, bound;
	struct loop_io *io;
	char *addr;
	int port;
};

struct sshhost {
	struct host h;
	struct loop *loop;
	char *alias;		/* the host part of dest (a Host alias, or a name) */
	char *user;		/* from dest, or NULL */
	int port;		/* from dest, or 0 */
	char *conffile;		/* HPCTOP_SSH_CONFIG, or NULL: ~/.ssh/config */
	unsigned connect_timeout_s;
	char *strict;		/* StrictHostKeyChecking, or NULL */
	char *jumpdest;		/* ProxyJump, or NULL */

	ssh_session s;
	ssh_event ev;
	int fd;
	struct loop_io *io;
	enum phase ph;
	int methods;
	bool asked_hostkey;
	enum host_state state;
	struct err why;
	bool ever_up;
	unsigned backoff_s;
	uint64_t retry_at;
	struct loop_timer *retry, *ctimer, *kick, *tick;
	/* Set by the channel callbacks: libssh read a packet for some
	 * channel (maybe while another channel was being read), so every
	 * channel needs another look: no poll event will say so, the bytes
	 * having left the socket. */
	bool notified;
	/* ProxyJump: the hop's bridge carrying our transport. */
	struct sshhost *jump;
	struct bridge *jumpbr;

	/* Answers kept for reconnecting within the process, wiped on free
	 * and as soon as the server refuses them. */
	char *password;
	struct strv kbd_prompts, kbd_answers;

	struct sjob *jobs;
	unsigned sessions, sessions_max;	/* channels open for jobs */
	uint64_t jobseq;
	struct bridge *bridges;
	struct fwd *fwds;
};

static const struct host_impl ssh_impl;

static void drive(struct sshhost *sh);
static void kick(struct sshhost *sh);
static void bridge_free(struct bridge *b);

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
wipe_strv(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		explicit_bzero(sv->v[i], strlen(sv->v[i]));
	strv_clear(sv);
}

static void
forget_answers(struct sshhost *sh)
{
	wipe_free(sh->password);
	sh->password = NULL;
	wipe_strv(&sh->kbd_prompts);
	wipe_strv(&sh->kbd_answers);
}

/* ---- the ssh config: what libssh parses but does not let us read ---- */

static char *
home_path(const char *rel)
{
	struct passwd *pw = getpwuid(getuid());

	/* ssh reads ~ of the passwd entry, not $HOME. */
	return xasprintf("%s/%s", pw != NULL ? pw->pw_dir : "/", rel);
}

static bool
host_matches(char *patterns, const char *name)
{
	bool yes = false;
	char *save = NULL;

	for (char *p = strtok_r(patterns, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		bool neg = *p == '!';

		if (fnmatch(neg ? p + 1 : p, name, FNM_CASEFOLD) == 0) {
			if (neg)
				return false;
			yes = true;
		}
	}
	return yes;
}

/* The first value of keyword for alias in file (ssh_config(5) order: the
 * first obtained value wins); Match blocks other than `Match all` are
 * skipped. NULL when none. */
static char *
conf_file_get(const char *file, const char *alias, const char *keyword)
{
	FILE *f = fopen(file, "re");
	char line[4096];
	bool on = true;
	char *val = NULL;

	if (f == NULL)
		return NULL;
	while (val == NULL && fgets(line, sizeof line, f) != NULL) {
		char *p = line, *kw, *v, *end;

		p += strspn(p, " \t");
		end = p + strlen(p);
		while (end > p && strchr(" \t\r\n", end[-1]) != NULL)
			*--end = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		kw = p;
		p += strcspn(p, " \t=");
		if (*p != '\0')
			*p++ = '\0';
		p += strspn(p, " \t");
		if (*p == '=')
			p++;
		p += strspn(p, " \t");
		v = p;
		if (strcasecmp(kw, "Host") == 0)
			on = host_matches(v, alias);
		else if (strcasecmp(kw, "Match") == 0)
			on = strcasecmp(v, "all") == 0;
		else if (on && strcasecmp(kw, keyword) == 0) {
			if (*v == '"' && end > v + 1 && end[-1] == '"') {
				v++;
				end[-1] = '\0';
			}
			val = xstrdup(v);
		}
	}
	fclose(f);
	return val;
}

static char *
conf_get(const struct sshhost *sh, const char *keyword)
{
	char *file, *v;

	if (sh->conffile != NULL)
		return conf_file_get(sh->conffile, sh->alias, keyword);
	file = home_path(".ssh/config");
	v = conf_file_get(file, sh->alias, keyword);
	free(file);
	if (v == NULL)
		v = conf_file_get("/etc/ssh/ssh_config", sh->alias, keyword);
	return v;
}

static void
read_conf(struct sshhost *sh)
{
	char *v;

	sh->connect_timeout_s = CONNECT_TIMEOUT_S;
	if ((v = conf_get(sh, "ConnectTimeout")) != NULL) {
		long n = strtol(v, NULL, 10);

		if (n > 0 && n < 86400)
			sh->connect_timeout_s = (unsigned)n;
		free(v);
	}
	free(sh->strict);
	sh->strict = conf_get(sh, "StrictHostKeyChecking");
	free(sh->jumpdest);
	sh->jumpdest = conf_get(sh, "ProxyJump");
	if (sh->jumpdest != NULL && strcasecmp(sh->jumpdest, "none") == 0) {
		free(sh->jumpdest);
		sh->jumpdest = NULL;
	}
}

/* ---- the session ---- */

static void
on_io(short revents, void *arg)
{
	struct sshhost *sh = arg;

	(void)revents;
	/* Up, nothing else reads the socket (a drop, keepalives, window
	 * adjustments); drive sees what it did. */
	if (sh->ev != NULL)
		ssh_event_dopoll(sh->ev, 0);
	drive(sh);
}

static void
watch_fd(struct sshhost *sh)
{
	short ev = ZMQ_POLLIN;
	int fd;

	if (sh->s == NULL)
		return;
	fd = ssh_get_fd(sh->s);
	if (fd != sh->fd) {
		loop_io_del(sh->loop, sh->io);
		sh->io = NULL;
		sh->fd = fd;
	}
	if (fd == -1)
		return;
	if (ssh_get_poll_flags(sh->s) & SSH_WRITE_PENDING)
		ev |= ZMQ_POLLOUT;
	if (sh->io == NULL)
		sh->io = loop_io_fd(sh->loop, fd, ev, on_io, sh);
	else
		loop_io_events(sh->io, ev);
}

static void
session_close(struct sshhost *sh)
{
	loop_io_del(sh->loop, sh->io);
	sh->io = NULL;
	sh->fd = -1;
	loop_timer_del(sh->loop, sh->ctimer);
	sh->ctimer = NULL;
	if (sh->s != NULL) {
		/* ssh_free frees the session's channels: forget ours. */
		for (struct sjob *j = sh->jobs; j != NULL; j = j->next)
			if (j->ch != NULL) {
				ssh_remove_channel_callbacks(j->ch, &j->cbs);
				j->ch = NULL;
			}
		for (struct bridge *b = sh->bridges; b != NULL; b = b->next) {
			b->ch = NULL;
			b->open = false;
		}
		if (sh->ev != NULL)
			ssh_event_remove_session(sh->ev, sh->s);
		ssh_disconnect(sh->s);
		ssh_free(sh->s);
		sh->s = NULL;
	}
	if (sh->ev != NULL) {
		ssh_event_free(sh->ev);
		sh->ev = NULL;
	}
	if (sh->jumpbr != NULL) {
		struct bridge *b = sh->jumpbr;

		sh->jumpbr = NULL;
		b->gone = NULL;
		bridge_free(b);
	}
	sh->ph = PH_IDLE;
}

static void
job_result(struct sjob *j, struct subproc_result *r)
{
	memset(r, 0, sizeof *r);
	r->out = j->out != NULL ? j->out : xstrdup("");
	r->outlen = j->outlen;
	r->errout = j->errout != NULL ? j->errout : xstrdup("");
	r->errlen = j->errlen;
	j->out = j->errout = NULL;
	r->elapsed_ms = loop_now() - j->started;
}

static struct host_job *ssh_run(struct host *h, struct loop *l,
    char *const argv[], char *const env[], const char *input, size_t inputlen,
    uint64_t timeout_ms, subproc_cb cb, void *arg, struct err *e);

/* A job stopped before its end: TERM to its remote process group, by a
 * signal request and by kill(1) on a channel of its own (nobody waits for
 * it). */
static void
kill_remote(struct sjob *j)
{
	char pg[32];
	char *argv[] = { "kill", "-TERM", "--", pg, NULL };

	ssh_channel_request_send_signal(j->ch, "TERM");
	if (j->rpid <= 0)
		return;
	snprintf(pg, sizeof pg, "-%ld", j->rpid);
	ssh_run(&j->sh->h, j->sh->loop, argv, NULL, NULL, 0,
	    HOST_SYNC_TIMEOUT_MS, NULL, NULL, NULL);
}

static void
job_free(struct sjob *j)
{
	struct sshhost *sh = j->sh;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		sh->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	loop_timer_del(sh->loop, j->timer);
	if (j->counted)
		sh->sessions--;
	if (j->ch != NULL) {
		if (sh->s != NULL && ssh_channel_is_open(j->ch)) {
			if (j->st == J_RUN && !ssh_channel_is_eof(j->ch))
				kill_remote(j);
			ssh_channel_close(j->ch);
		}
		/* libssh keeps the channel until the server closes it too. */
		ssh_remove_channel_callbacks(j->ch, &j->cbs);
		ssh_channel_free(j->ch);
	}
	free(j->cmd);
	free(j->name);
	if (j->input != NULL)
		explicit_bzero(j->input, j->inputlen);
	free(j->input);
	free(j->out);
	free(j->errout);
	free(j);
}

/* Calls the job's callback with r (its err already set) and frees it. */
static void
job_finish(struct sjob *j, struct subproc_result *r)
{
	subproc_cb cb = j->cb;
	void *arg = j->arg;

	job_free(j);
	if (cb != NULL)
		cb(r, arg);
	free(r->out);
	free(r->errout);
}

static void
job_fail(struct sjob *j, const char *why)
{
	struct subproc_result r;

	job_result(j, &r);
	r.exit_code = 255;
	err_set(&r.err, "%s", why);
	job_finish(j, &r);
}

static void
job_done(struct sjob *j)
{
	struct subproc_result r;
	struct sshhost *sh = j->sh;

	job_result(j, &r);
	if (j->exit_signal > 0)
		r.exit_code = 128 + j->exit_signal;
	else if (j->exit_status >= 0)
		r.exit_code = j->exit_status;
	else
		r.exit_code = 255;
	/* The remote shell's word for "not found" and "not executable". */
	subproc_result_explain(&r, j->name, j->exit_signal,
	    j->exit_signal == 0 && r.exit_code == 127 ? ENOENT :
	    j->exit_signal == 0 && r.exit_code == 126 ? EACCES : 0,
	    j->timeout_ms);
	if (r.exit_code == -1)
		r.exit_code = r.err.msg[0] != '\0' && j->exit_status >= 0 ?
		    j->exit_status : 255;
	if (!r.ok)
		err_prefix(&r.err, "%s", sh->h.dest);
	job_finish(j, &r);
}

/* Fails every job and forwarded connection of the session with why. With
 * keep, jobs whose command was not sent yet wait for the next session
 * instead: a drop noticed only when the next command starts does not
 * fail that command. */
static void
fail_all(struct sshhost *sh, const char *why, bool keep)
{
	uint64_t last = sh->jobseq;
	struct sjob *j;

	for (j = sh->jobs; keep && j != NULL; j = j->next)
		if (j->st == J_QUEUED || j->st == J_OPEN) {
			if (j->counted)
				sh->sessions--;
			j->counted = false;
			j->st = J_QUEUED;
			j->seq = ++sh->jobseq;
		}
	/* Only the jobs there now: a callback may queue new ones (they wait
	 * for the next session) or cancel others (so look again each time). */
	do {
		for (j = sh->jobs; j != NULL && j->seq > last; j = j->next)
			;
		if (j != NULL)
			job_fail(j, why);
	} while (j != NULL);
	while (sh->bridges != NULL)
		bridge_free(sh->bridges);
}

static bool
has_work(const struct sshhost *sh)
{
	return sh->jobs != NULL || sh->bridges != NULL;
}

static void
on_retry(void *arg)
{
	struct sshhost *sh = arg;

	sh->retry = NULL;
	drive(sh);
}

/* The session failed or dropped: everything on it fails with why; a
 * refusal (fatal) leaves the host DOWN, a network failure RECONNECTING
 * with the next attempt after the backoff. */
static void
session_failed(struct sshhost *sh, bool fatal_refusal, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
session_failed(struct sshhost *sh, bool fatal_refusal, const char *fmt, ...)
{
	va_list ap;
	char msg[ERR_MAX];

	bool was_up = sh->ph == PH_UP;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	session_close(sh);
	err_set(&sh->why, "%s: %s", sh->h.dest, msg);
	if (fatal_refusal) {
		sh->state = HOST_DOWN;
		sh->retry_at = 0;
	} else {
		sh->state = sh->ever_up ? HOST_RECONNECTING : HOST_DOWN;
		sh->retry_at = loop_now() + (uint64_t)sh->backoff_s * 1000;
		if (sh->backoff_s < BACKOFF_MAX_S)
			sh->backoff_s = sh->backoff_s * 2 > BACKOFF_MAX_S ?
			    BACKOFF_MAX_S : sh->backoff_s * 2;
	}
	fail_all(sh, sh->why.msg, was_up && !fatal_refusal);
	/* Listeners stay; a timer brings the session back for them. */
	if (sh->fwds != NULL && sh->retry == NULL && !fatal_refusal)
		sh->retry = loop_timer_add(sh->loop, sh->retry_at - loop_now(),
		    on_retry, sh);
}

static void
on_connect_timeout(void *arg)
{
	struct sshhost *sh = arg;

	sh->ctimer = NULL;
	session_failed(sh, false, "no answer from %s after %u s",
	    sh->alias, sh->connect_timeout_s);
}

static void
arm_connect_timer(struct sshhost *sh)
{
	loop_timer_del(sh->loop, sh->ctimer);
	sh->ctimer = loop_timer_add(sh->loop,
	    (uint64_t)sh->connect_timeout_s * 1000, on_connect_timeout, sh);
}

static struct bridge *bridge_new(struct sshhost *sh, int fd, const char *addr,
    int port, struct fwd *fwd);

static void
on_jump_gone(void *arg)
{
	struct sshhost *sh = arg;

	sh->jumpbr = NULL;
	if (sh->s != NULL) {
		struct err why = sh->jump->why;

		session_failed(sh, false, "the hop %s went away%s%s",
		    sh->jump->h.dest, why.msg[0] ? ": " : "", why.msg);
	}
}

/* A session of its own for dest, options from the config; -1 with e. */
static int
session_open(struct sshhost *sh, struct err *e)
{
	int verbosity = SSH_LOG_NOLOG;
	unsigned cport = 0;

	read_conf(sh);
	if ((sh->s = ssh_new()) == NULL)
		fatal("ssh_new: out of memory");
	ssh_options_set(sh->s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	if (ssh_options_set(sh->s, SSH_OPTIONS_HOST, sh->alias) < 0 ||
	    ssh_options_parse_config(sh->s, sh->conffile) < 0) {
		err_set(e, "%s: bad ssh config%s%s: %s", sh->h.dest,
		    sh->conffile ? " " : "", sh->conffile ? sh->conffile : "",
		    ssh_get_error(sh->s));
		ssh_free(sh->s);
		sh->s = NULL;
		return -1;
	}
	if (sh->user != NULL)
		ssh_options_set(sh->s, SSH_OPTIONS_USER, sh->user);
	if (sh->port > 0)
		ssh_options_set(sh->s, SSH_OPTIONS_PORT, &sh->port);
	/* Small request/reply messages (px, forwarded zmq): without it Nagle
	 * and delayed ACKs add ~40 ms to a round trip (bench/ssh_mn.sh). */
	ssh_options_set(sh->s, SSH_OPTIONS_NODELAY, &(int){ 1 });
	if (sh->jumpdest != NULL) {
		struct host *jh;
		char *hostname = NULL;
		int sv[2];

		/* The hop ourselves (libssh 0.10 would run `ssh -W` for it,
		 * which reads another config): a channel on the hop's session
		 * to our host's port, our transport one end of a socketpair. */
		ssh_options_set(sh->s, SSH_OPTIONS_PROXYCOMMAND, "none");
		if (strchr(sh->jumpdest, ',') != NULL) {
			err_set(e, "%s: ProxyJump %s: only one hop is supported "
			    "(give the hop a ProxyJump of its own)", sh->h.dest,
			    sh->jumpdest);
			jh = NULL;
		} else
			jh = host_get(sh->loop, sh->jumpdest, e);
		if (jh == NULL || jh->impl != &ssh_impl || jh == &sh->h) {
			if (jh != NULL)
				err_set(e, "%s: bad ProxyJump %s", sh->h.dest,
				    sh->jumpdest);
			ssh_free(sh->s);
			sh->s = NULL;
			return -1;
		}
		sh->jump = jh->priv;
		ssh_options_get(sh->s, SSH_OPTIONS_HOST, &hostname);
		ssh_options_get_port(sh->s, &cport);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0, sv) == -1)
			fatal("socketpair: %s", strerror(errno));
		sh->jumpbr = bridge_new(sh->jump, sv[1], hostname, (int)cport,
		    NULL);
		sh->jumpbr->gone = on_jump_gone;
		sh->jumpbr->gone_arg = sh;
		ssh_string_free_char(hostname);
		ssh_options_set(sh->s, SSH_OPTIONS_FD, &sv[0]);
		kick(sh->jump);
	}
	ssh_set_blocking(sh->s, 0);
	return 0;
}

static void
start_connect(struct sshhost *sh)
{
	struct err e;

	loop_timer_del(sh->loop, sh->retry);
	sh->retry = NULL;
	if (session_open(sh, &e) == -1) {
		err_set(&sh->why, "%s", e.msg);
		sh->state = HOST_DOWN;
		fail_all(sh, e.msg, false);
		return;
	}
	sh->state = sh->ever_up ? HOST_RECONNECTING : HOST_CONNECTING;
	sh->ph = PH_CONNECT;
	sh->asked_hostkey = false;
	arm_connect_timer(sh);
}

/* "SHA256:…" of the server's key; caller frees. */
static char *
server_fingerprint(ssh_session s)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp, *out;

	if (ssh_get_server_publickey(s, &key) != SSH_OK)
		return xstrdup("(no key)");
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != 0) {
		ssh_key_free(key);
		return xstrdup("(no key)");
	}
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	out = xstrdup(fp != NULL ? fp : "(no key)");
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return out;
}

/* "FILE:LINE" of the (first) known_hosts entry naming this server, the one
 * its key no longer matches; caller frees. Hashed names are not matched:
 * then just FILE. */
static char *
known_line(ssh_session s)
{
	char *file = NULL, *host = NULL, *name, *where, line[8192];
	unsigned port = 22;
	FILE *f;
	size_t n = 0;

	ssh_options_get(s, SSH_OPTIONS_KNOWNHOSTS, &file);
	if (file == NULL)
		file = home_path(".ssh/known_hosts");
	else {
		char *c = xstrdup(file);

		ssh_string_free_char(file);
		file = c;
	}
	ssh_options_get(s, SSH_OPTIONS_HOST, &host);
	ssh_options_get_port(s, &port);
	name = port == 22 ? xstrdup(host ? host : "") :
	    xasprintf("[%s]:%u", host ? host : "", port);
	ssh_string_free_char(host);
	where = xstrdup(file);
	if ((f = fopen(file, "re")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			char *save = NULL;
			bool hit = false;

			n++;
			line[strcspn(line, " \t\r\n")] = '\0';
			for (char *h = strtok_r(line, ",", &save); h != NULL &&
			    !hit; h = strtok_r(NULL, ",", &save))
				hit = strcmp(h, name) == 0;
			if (hit) {
				free(where);
				where = xasprintf("%s:%zu", file, n);
				break;
			}
		}
		fclose(f);
	}
	free(name);
	free(file);
	return where;
}

/* 0: the server is who known_hosts says, or accepted now; -1: failed. */
static int
check_host_key(struct sshhost *sh)
{
	enum ssh_known_hosts_e k = ssh_session_is_known_server(sh->s);
	char *fp, *where, ans[16];
	bool accept_new = sh->strict != NULL &&
	    (strcasecmp(sh->strict, "accept-new") == 0 ||
	    strcasecmp(sh->strict, "no") == 0 ||
	    strcasecmp(sh->strict, "off") == 0);
	bool never_ask = sh->strict != NULL &&
	    (strcasecmp(sh->strict, "yes") == 0 ||
	    strcasecmp(sh->strict, "on") == 0);

	switch (k) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		fp = server_fingerprint(sh->s);
		where = known_line(sh->s);
		session_failed(sh, true, "host key changed: the server shows "
		    "%s, not the key of %s (refused; if the change is expected, "
		    "remove that line)", fp, where);
		free(fp);
		free(where);
		return -1;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		fp = server_fingerprint(sh->s);
		if (!accept_new) {
			char *prompt = xasprintf("unknown host key %s; connect "
			    "and remember it? (yes/no) ", fp);
			int rc = never_ask ? -1 :
			    host_ask(sh->h.dest, prompt, true, ans, sizeof ans);

			free(prompt);
			arm_connect_timer(sh);
			if (rc == -1 || strcasecmp(ans, "yes") != 0) {
				session_failed(sh, true, "unknown host key %s "
				    "(add it to known_hosts, or set "
				    "StrictHostKeyChecking accept-new)", fp);
				free(fp);
				return -1;
			}
		}
		free(fp);
		if (ssh_session_update_known_hosts(sh->s) != SSH_OK) {
			session_failed(sh, true, "cannot record the host key: %s",
			    ssh_get_error(sh->s));
			return -1;
		}
		return 0;
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		session_failed(sh, true, "cannot check the host key: %s",
		    ssh_get_error(sh->s));
		return -1;
	}
}

static void
methods_next(struct sshhost *sh)
{
	sh->methods = ssh_userauth_list(sh->s, NULL);
}

/* The phase after cur for the methods the server still offers. */
static enum phase
auth_after(struct sshhost *sh, enum phase cur)
{
	if (cur < PH_AUTH_PUBKEY && (sh->methods & SSH_AUTH_METHOD_PUBLICKEY))
		return PH_AUTH_PUBKEY;
	if (cur < PH_AUTH_KBDINT && (sh->methods & SSH_AUTH_METHOD_INTERACTIVE))
		return PH_AUTH_KBDINT;
	if (cur < PH_AUTH_PASSWORD && (sh->methods & SSH_AUTH_METHOD_PASSWORD))
		return PH_AUTH_PASSWORD;
	return PH_IDLE;
}

static void
auth_refused(struct sshhost *sh, const char *how)
{
	char *user = NULL;

	ssh_options_get(sh->s, SSH_OPTIONS_USER, &user);
	session_failed(sh, true, "%s%s%s", how, user ? " for user " : "",
	    user ? user : "");
	ssh_string_free_char(user);
}

/* Answers the server's keyboard-interactive prompts; -1 when failed. */
static int
kbdint_answer(struct sshhost *sh)
{
	int n = ssh_userauth_kbdint_getnprompts(sh->s);

	for (int i = 0; i < n; i++) {
		char echo = 0, buf[SECRET_MAX];
		const char *prompt = ssh_userauth_kbdint_getprompt(sh->s,
		    (unsigned)i, &echo);
		const char *cached = NULL;

		for (size_t k = 0; k < sh->kbd_prompts.n; k++)
			if (strcmp(sh->kbd_prompts.v[k], prompt) == 0)
				cached = sh->kbd_answers.v[k];
		if (cached != NULL) {
			ssh_userauth_kbdint_setanswer(sh->s, (unsigned)i, cached);
			continue;
		}
		if (host_ask(sh->h.dest, prompt, echo != 0, buf,
		    sizeof buf) == -1) {
			explicit_bzero(buf, sizeof buf);
			session_failed(sh, true, "%s needed and no terminal to "
			    "ask on", *prompt ? prompt : "an answer");
			return -1;
		}
		arm_connect_timer(sh);
		ssh_userauth_kbdint_setanswer(sh->s, (unsigned)i, buf);
		strv_push(&sh->kbd_prompts, prompt);
		strv_push(&sh->kbd_answers, buf);
		explicit_bzero(buf, sizeof buf);
	}
	return 0;
}

/* A host that vanishes (powered off, a dropped link) must not leave a
 * session that looks up for ever: TCP keepalives find an idle one dead in
 * about a minute, TCP_USER_TIMEOUT one with data unacknowledged for 30 s.
 * Not TCP (a ProxyJump socketpair): the hop's own session has them. */
static void
tcp_liveness(int fd)
{
	int on = 1, idle = 30, intvl = 10, cnt = 3;
	unsigned user_timeout = 30000;

	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
	    sizeof user_timeout);
}

static void
authenticated(struct sshhost *sh)
{
	loop_timer_del(sh->loop, sh->ctimer);
	sh->ctimer = NULL;
	sh->ph = PH_UP;
	sh->state = HOST_UP;
	sh->ever_up = true;
	sh->backoff_s = 1;
	sh->retry_at = 0;
	err_clear(&sh->why);
	tcp_liveness(ssh_get_fd(sh->s));
	sh->ev = ssh_event_new();
	if (sh->ev == NULL || ssh_event_add_session(sh->ev, sh->s) != SSH_OK)
		fatal("ssh_event_add_session failed");
}

/* One step of authentication; false when it must wait for the server. */
static bool
auth_step(struct sshhost *sh)
{
	int rc;
	char buf[SECRET_MAX];

	switch (sh->ph) {
	case PH_AUTH_NONE:
		rc = ssh_userauth_none(sh->s, NULL);
		break;
	case PH_AUTH_PUBKEY:
		rc = ssh_userauth_publickey_auto(sh->s, NULL, NULL);
		break;
	case PH_AUTH_KBDINT:
		rc = ssh_userauth_kbdint(sh->s, NULL, NULL);
		if (rc == SSH_AUTH_INFO) {
			if (kbdint_answer(sh) == -1)
				return false;
			return true;
		}
		if (rc == SSH_AUTH_DENIED) {
			/* Wrong answers: ask again next time. */
			wipe_strv(&sh->kbd_prompts);
			wipe_strv(&sh->kbd_answers);
		}
		break;
	case PH_AUTH_PASSWORD:
		if (sh->password == NULL) {
			char *user = NULL, *prompt;

			ssh_options_get(sh->s, SSH_OPTIONS_USER, &user);
			prompt = xasprintf("%s's password: ", user ? user : "");
			ssh_string_free_char(user);
			rc = host_ask(sh->h.dest, prompt, false, buf, sizeof buf);
			free(prompt);
			if (rc == -1) {
				explicit_bzero(buf, sizeof buf);
				session_failed(sh, true, "password needed and no "
				    "terminal to ask on");
				return false;
			}
			arm_connect_timer(sh);
			sh->password = xstrdup(buf);
			explicit_bzero(buf, sizeof buf);
		}
		rc = ssh_userauth_password(sh->s, NULL, sh->password);
		if (rc == SSH_AUTH_DENIED) {
			wipe_free(sh->password);
			sh->password = NULL;
			auth_refused(sh, "password refused");
			return false;
		}
		break;
	default:
		return false;
	}
	switch (rc) {
	case SSH_AUTH_AGAIN:
		return false;
	case SSH_AUTH_SUCCESS:
		authenticated(sh);
		return true;
	case SSH_AUTH_DENIED:
	case SSH_AUTH_PARTIAL:
		methods_next(sh);
		sh->ph = auth_after(sh, rc == SSH_AUTH_PARTIAL ? PH_AUTH_NONE :
		    sh->ph);
		if (sh->ph == PH_IDLE) {
			auth_refused(sh, "authentication refused (no key or "
			    "password accepted)");
			return false;
		}
		return true;
	default:
		session_failed(sh, false, "authentication failed: %s",
		    ssh_get_error(sh->s));
		return false;
	}
}

static void
connect_step(struct sshhost *sh)
{
	int rc = ssh_connect(sh->s);

	if (rc == SSH_AGAIN)
		return;
	if (rc != SSH_OK) {
		const char *msg = ssh_get_error(sh->s);
		unsigned p = 0;

		ssh_options_get_port(sh->s, &p);
		if (strstr(msg, "refused") != NULL)
			session_failed(sh, false, "connection refused (%s port "
			    "%u)", sh->alias, p);
		else
			session_failed(sh, false, "cannot connect to %s port %u: "
			    "%s", sh->alias, p, msg);
		return;
	}
	if (check_host_key(sh) == -1)
		return;
	sh->ph = PH_AUTH_NONE;
	while (sh->ph >= PH_AUTH_NONE && sh->ph < PH_UP && auth_step(sh))
		;
}

/* ---- commands ---- */

/* Channel callbacks that only note that something arrived; the data stay
 * in libssh's buffer for the next read (a data callback returns what it
 * consumed: nothing). */
static int
job_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct sjob *j = arg;

	(void)s, (void)ch, (void)data, (void)len, (void)is_stderr;
	j->sh->notified = true;
	return 0;
}

static void
job_event(ssh_session s, ssh_channel ch, void *arg)
{
	struct sjob *j = arg;

	(void)s, (void)ch;
	j->sh->notified = true;
}

static int
job_window(ssh_session s, ssh_channel ch, uint32_t bytes, void *arg)
{
	struct sjob *j = arg;

	(void)s, (void)ch, (void)bytes;
	j->sh->notified = true;
	return 0;
}

static int
bridge_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct bridge *b = arg;

	(void)s, (void)ch, (void)data, (void)len, (void)is_stderr;
	b->sh->notified = true;
	return 0;
}

static void
bridge_event(ssh_session s, ssh_channel ch, void *arg)
{
	struct bridge *b = arg;

	(void)s, (void)ch;
	b->sh->notified = true;
}

static int
bridge_window(ssh_session s, ssh_channel ch, uint32_t bytes, void *arg)
{
	struct bridge *b = arg;

	(void)s, (void)ch, (void)bytes;
	b->sh->notified = true;
	return 0;
}

static void
on_exit_status(ssh_session s, ssh_channel ch, int status, void *arg)
{
	struct sjob *j = arg;

	(void)s;
	(void)ch;
	j->exit_status = status;
	j->sh->notified = true;
}

static void
on_exit_signal(ssh_session s, ssh_channel ch, const char *sig, int core,
    const char *errmsg, const char *lang, void *arg)
{
	struct sjob *j = arg;

	(void)s;
	(void)ch;
	(void)core;
	(void)errmsg;
	(void)lang;
	j->sh->notified = true;
	j->exit_signal = SIGTERM;
	for (int n = 1; n < NSIG; n++) {
		const char *abbrev = sigabbrev_np(n);

		if (abbrev != NULL && strcmp(abbrev, sig) == 0)
			j->exit_signal = n;
	}
}

static void
append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len >= SUBPROC_MAX_OUTPUT)
		return;
	if (n > SUBPROC_MAX_OUTPUT - *len)
		n = SUBPROC_MAX_OUTPUT - *len;
	if (*len + n + 1 > *cap) {
		size_t want = *cap ? *cap : 4096;

		while (want < *len + n + 1)
			want *= 2;
		*buf = xreallocarray(*buf, want, 1);
		*cap = want;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Reads what the channel has; -1 on a session error. */
static int
drain(ssh_channel ch, int is_stderr, char **buf, size_t *len, size_t *cap)
{
	char chunk[CHUNK];
	int n;

	while ((n = ssh_channel_read_nonblocking(ch, chunk, sizeof chunk,
	    is_stderr)) > 0)
		append(buf, len, cap, chunk, (size_t)n);
	return n == SSH_ERROR ? -1 : 0;
}

/* One step of a job; false when it failed and was freed. */
static bool
job_step(struct sjob *j)
{
	struct sshhost *sh = j->sh;
	int rc;

	switch (j->st) {
	case J_QUEUED:
		if (sh->sessions >= sh->sessions_max)
			return true;
		if ((j->ch = ssh_channel_new(sh->s)) == NULL) {
			job_fail(j, sh->h.dest);
			return false;
		}
		ssh_callbacks_init(&j->cbs);
		j->cbs.userdata = j;
		j->cbs.channel_exit_status_function = on_exit_status;
		j->cbs.channel_exit_signal_function = on_exit_signal;
		j->cbs.channel_data_function = job_data;
		j->cbs.channel_eof_function = job_event;
		j->cbs.channel_close_function = job_event;
		j->cbs.channel_write_wontblock_function = job_window;
		ssh_set_channel_callbacks(j->ch, &j->cbs);
		j->st = J_OPEN;
		j->counted = true;
		sh->sessions++;
		/* fall through */
	case J_OPEN:
		rc = ssh_channel_open_session(j->ch);
		if (rc == SSH_AGAIN)
			return true;
		if (rc != SSH_OK && sh->sessions > 1 && ssh_is_connected(sh->s)) {
			/* The server's MaxSessions is lower: wait for a turn. */
			ssh_remove_channel_callbacks(j->ch, &j->cbs);
			ssh_channel_free(j->ch);
			j->ch = NULL;
			j->counted = false;
			sh->sessions--;
			sh->sessions_max = sh->sessions > 0 ? sh->sessions : 1;
			j->st = J_QUEUED;
			return true;
		}
		if (rc != SSH_OK)
			goto chan_error;
		j->st = J_EXEC;
		/* fall through */
	case J_EXEC:
		rc = ssh_channel_request_exec(j->ch, j->cmd);
		if (rc == SSH_AGAIN)
			return true;
		if (rc != SSH_OK)
			goto chan_error;
		j->st = J_RUN;
		/* fall through */
	case J_RUN:
		while (!j->eof_sent) {
			uint32_t win = ssh_channel_window_size(j->ch);
			size_t left = j->inputlen - j->inputoff;

			if (left == 0) {
				ssh_channel_send_eof(j->ch);
				j->eof_sent = true;
				break;
			}
			if (win == 0)
				break;
			if (left > win)
				left = win;
			if (left > CHUNK)
				left = CHUNK;
			rc = ssh_channel_write(j->ch, j->input + j->inputoff,
			    (uint32_t)left);
			if (rc == SSH_ERROR)
				goto chan_error;
			if (rc == 0)
				break;
			j->inputoff += (size_t)rc;
		}
		while (!j->pid_seen) {
			char c;

			rc = ssh_channel_read_nonblocking(j->ch, &c, 1, 0);
			if (rc == SSH_ERROR)
				goto chan_error;
			if (rc <= 0)
				break;
			if (c == '\n' || j->pidlen + 1 >= sizeof j->pidline) {
				j->pidline[j->pidlen] = '\0';
				j->rpid = strtol(j->pidline, NULL, 10);
				j->pid_seen = true;
			} else {
				j->pidline[j->pidlen++] = c;
			}
		}
		if ((j->pid_seen && drain(j->ch, 0, &j->out, &j->outlen, &j->outcap) == -1) ||
		    drain(j->ch, 1, &j->errout, &j->errlen, &j->errcap) == -1)
			goto chan_error;
		if (ssh_channel_is_eof(j->ch) &&
		    ssh_channel_poll(j->ch, 0) == SSH_EOF &&
		    ssh_channel_poll(j->ch, 1) == SSH_EOF &&
		    (j->exit_status >= 0 || j->exit_signal > 0 ||
		    ssh_channel_is_closed(j->ch))) {
			job_done(j);
			return false;
		}
		return true;
	}
	return true;
chan_error:
	if (!ssh_is_connected(sh->s) ||
	    (ssh_get_status(sh->s) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
		/* The session, not this command: every job fails alike. */
		sh->backoff_s = 1;
		session_failed(sh, false, "connection lost");
		return false;
	}
	{
		char *msg = xasprintf("%s: %s: %s", sh->h.dest, j->name,
		    ssh_get_error(sh->s));

		job_fail(j, msg);
		free(msg);
	}
	return false;
}

static void
on_job_timeout(void *arg)
{
	struct sjob *j = arg;
	struct subproc_result r;

	j->timer = NULL;
	job_result(j, &r);
	r.exit_code = 128 + SIGTERM;
	r.timed_out = true;
	subproc_result_explain(&r, j->name, 0, 0, j->timeout_ms);
	err_prefix(&r.err, "%s", j->sh->h.dest);
	job_finish(j, &r);
}

static void
on_kick(void *arg)
{
	struct sshhost *sh = arg;

	sh->kick = NULL;
	drive(sh);
}

/* Runs drive from the loop soon (never from inside the caller). */
static void
kick(struct sshhost *sh)
{
	if (sh->kick == NULL)
		sh->kick = loop_timer_add(sh->loop, 0, on_kick, sh);
}

static struct host_job *
ssh_run(struct host *h, struct loop *l, char *const argv[], char *const env[],
    const char *input, size_t inputlen, uint64_t timeout_ms, subproc_cb cb,
    void *arg, struct err *e)
{
	struct sshhost *sh = h->priv;
	struct sjob *j;
	struct strv words = STRV_INIT;
	char *cmd, *line;

	(void)l;
	if (argv == NULL || argv[0] == NULL) {
		err_set(e, "%s: no command", h->dest);
		return NULL;
	}
	/* env(1) sets the variables: sshd accepts few env requests. */
	if (env != NULL && env[0] != NULL) {
		strv_push(&words, "env");
		for (size_t i = 0; env[i] != NULL; i++)
			strv_push(&words, env[i]);
	}
	for (size_t i = 0; argv[i] != NULL; i++)
		strv_push(&words, argv[i]);
	line = shquote_argv(strv_argv(&words));
	strv_clear(&words);
	cmd = xasprintf("echo $$; exec %s", line);
	free(line);
	j = xcalloc(1, sizeof *j);
	j->job.impl = &ssh_impl;
	j->sh = sh;
	j->cmd = cmd;
	j->name = xstrdup(argv[0]);
	if (inputlen > 0) {
		j->input = xmalloc(inputlen);
		memcpy(j->input, input, inputlen);
		j->inputlen = inputlen;
	}
	j->exit_status = -1;
	j->seq = ++sh->jobseq;
	j->timeout_ms = timeout_ms;
	j->started = loop_now();
	j->cb = cb;
	j->arg = arg;
	if (timeout_ms > 0)
		j->timer = loop_timer_add(sh->loop, timeout_ms, on_job_timeout, j);
	j->next = sh->jobs;
	if (sh->jobs != NULL)
		sh->jobs->prev = j;
	sh->jobs = j;
	kick(sh);
	return &j->job;
}

static void
ssh_cancel(struct host_job *hj)
{
	job_free((struct sjob *)hj);
}

/* ---- forwarding ---- */

static void bridge_step(struct bridge *b);

static void
bridge_on_io(short revents, void *arg)
{
	struct bridge *b = arg;
	struct sshhost *sh = b->sh;

	(void)revents;
	bridge_step(b);
	if (sh->ph == PH_UP)
		drive(sh);
}

static void
bridge_watch(struct bridge *b)
{
	short ev = 0;

	if (b->fd == -1)
		return;
	if (!b->fd_eof && b->tochanlen < sizeof b->tochan)
		ev |= ZMQ_POLLIN;
	if (b->tofdlen > 0)
		ev |= ZMQ_POLLOUT;
	loop_io_events(b->io, ev);
}

static struct bridge *
bridge_new(struct sshhost *sh, int fd, const char *addr, int port,
    struct fwd *fwd)
{
	struct bridge *b = xcalloc(1, sizeof *b);

	b->sh = sh;
	b->fd = fd;
	b->fwd = fwd;
	b->addr = xstrdup(addr);
	b->port = port;
	b->io = loop_io_fd(sh->loop, fd, 0, bridge_on_io, b);
	b->next = sh->bridges;
	if (sh->bridges != NULL)
		sh->bridges->prev = b;
	sh->bridges = b;
	return b;
}

static void
bridge_free(struct bridge *b)
{
	struct sshhost *sh = b->sh;
	void (*gone)(void *) = b->gone;
	void *garg;

	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		sh->bridges = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	loop_io_del(sh->loop, b->io);
	if (b->fd != -1)
		close(b->fd);
	if (b->ch != NULL) {
		/* A channel freed while open lives on until the server's close:
		 * no callback of it may reach b after this. */
		ssh_remove_channel_callbacks(b->ch, &b->cbs);
		if (sh->s != NULL && ssh_channel_is_open(b->ch))
			ssh_channel_close(b->ch);
		ssh_channel_free(b->ch);
	}
	free(b->addr);
	explicit_bzero(b->tochan, b->tochanlen);
	explicit_bzero(b->tofd, b->tofdlen);
	garg = b->gone_arg;
	free(b);
	if (gone != NULL)
		gone(garg);
}

/* Moves bytes both ways; frees b when both ends are done. */
static void
bridge_step(struct bridge *b)
{
	struct sshhost *sh = b->sh;
	ssize_t n;
	int rc;

	if (sh->ph != PH_UP) {
		bridge_watch(b);
		return;
	}
	if (b->ch == NULL) {
		if ((b->ch = ssh_channel_new(sh->s)) == NULL)
			goto gone;
		ssh_callbacks_init(&b->cbs);
		b->cbs.userdata = b;
		b->cbs.channel_data_function = bridge_data;
		b->cbs.channel_eof_function = bridge_event;
		b->cbs.channel_close_function = bridge_event;
		b->cbs.channel_write_wontblock_function = bridge_window;
		ssh_set_channel_callbacks(b->ch, &b->cbs);
	}
	if (!b->open) {
		rc = ssh_channel_open_forward(b->ch, b->addr, b->port,
		    "127.0.0.1", 0);
		if (rc == SSH_AGAIN) {
			bridge_watch(b);
			return;
		}
		if (rc != SSH_OK)
			goto gone;
		b->open = true;
	}
	/* fd -> channel */
	while (!b->fd_eof && b->tochanlen < sizeof b->tochan) {
		n = read(b->fd, b->tochan + b->tochanlen,
		    sizeof b->tochan - b->tochanlen);
		if (n > 0)
			b->tochanlen += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			b->fd_eof = true;
		else
			break;
	}
	while (b->tochanlen > 0) {
		uint32_t win = ssh_channel_window_size(b->ch);
		size_t k = b->tochanlen;

		if (win == 0)
			break;
		if (k > win)
			k = win;
		rc = ssh_channel_write(b->ch, b->tochan, (uint32_t)k);
		if (rc == SSH_ERROR)
			goto gone;
		if (rc == 0)
			break;
		memmove(b->tochan, b->tochan + rc, b->tochanlen - (size_t)rc);
		b->tochanlen -= (size_t)rc;
	}
	if (b->fd_eof && b->tochanlen == 0 && !b->eof_sent) {
		ssh_channel_send_eof(b->ch);
		b->eof_sent = true;
	}
	/* channel -> fd */
	while (b->tofdlen < sizeof b->tofd) {
		rc = ssh_channel_read_nonblocking(b->ch, b->tofd + b->tofdlen,
		    (uint32_t)(sizeof b->tofd - b->tofdlen), 0);
		if (rc == SSH_ERROR)
			goto gone;
		if (rc <= 0)
			break;
		b->tofdlen += (size_t)rc;
	}
	while (b->tofdlen > 0) {
		n = write(b->fd, b->tofd, b->tofdlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			goto gone;
		}
		memmove(b->tofd, b->tofd + n, b->tofdlen - (size_t)n);
		b->tofdlen -= (size_t)n;
	}
	if (!b->chan_eof && ssh_channel_is_eof(b->ch) &&
	    ssh_channel_poll(b->ch, 0) == SSH_EOF)
		b->chan_eof = true;
	if (b->chan_eof && b->tofdlen == 0 && !b->shut_wr) {
		shutdown(b->fd, SHUT_WR);
		b->shut_wr = true;
	}
	/* Closed by the far end: what it sent still reaches the fd first. */
	if ((b->shut_wr && b->eof_sent) ||
	    (ssh_channel_is_closed(b->ch) && b->tofdlen == 0))
		goto gone;
	bridge_watch(b);
	return;
gone:
	bridge_free(b);
}

static void
on_accept(short revents, void *arg)
{
	struct fwd *f = arg;
	int fd;

	(void)revents;
	while ((fd = accept4(f->fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		    sizeof(int));
		bridge_new(f->sh, fd, f->addr, f->port, f);
		kick(f->sh);
	}
}

static int
ssh_forward(struct host *h, struct loop *l, const char *addr, int port,
    int lport, int *bound, struct err *e)
{
	struct sshhost *sh = h->priv;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof sin;
	struct fwd *f;
	int fd;

	(void)l;
	if (port <= 0 || port > 65535 || lport < 0 || lport > 65535)
		return err_set(e, "%s: bad port for forwarding %s:%d", h->dest,
		    addr, port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return err_errno(e, "%s: socket", h->dest);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)lport);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		err_errno(e, "%s: cannot listen on 127.0.0.1:%d for %s:%d",
		    h->dest, lport, addr, port);
		close(fd);
		return -1;
	}
	f = xcalloc(1, sizeof *f);
	f->sh = sh;
	f->fd = fd;
	f->bound = ntohs(sin.sin_port);
	f->addr = xstrdup(addr);
	f->port = port;
	f->io = loop_io_fd(sh->loop, fd, ZMQ_POLLIN, on_accept, f);
	f->next = sh->fwds;
	sh->fwds = f;
	*bound = f->bound;
	return 0;
}

static void
fwd_free(struct fwd *f)
{
	struct sshhost *sh = f->sh;

	for (struct bridge *b = sh->bridges, *nb; b != NULL; b = nb) {
		nb = b->next;
		if (b->fwd == f)
			bridge_free(b);
	}
	loop_io_del(sh->loop, f->io);
	close(f->fd);
	free(f->addr);
	free(f);
}

static void
ssh_unforward(struct host *h, int bound)
{
	struct sshhost *sh = h->priv;

	for (struct fwd **fp = &sh->fwds; *fp != NULL; fp = &(*fp)->next)
		if ((*fp)->bound == bound) {
			struct fwd *f = *fp;

			*fp = f->next;
			fwd_free(f);
			return;
		}
}

/* ---- the driver ---- */

/* Steps every job and bridge once; false when the session went away
 * meanwhile. */
static bool
step_all(struct sshhost *sh)
{
	/* A finished job's callback may cancel or queue others: start over
	 * after each. */
again:
	for (struct sjob *j = sh->jobs; j != NULL; j = j->next)
		if (!job_step(j)) {
			if (sh->ph != PH_UP)
				return false;
			goto again;
		}
	for (struct bridge *b = sh->bridges, *nb; b != NULL; b = nb) {
		nb = b->next;
		bridge_step(b);
	}
	return true;
}

static bool
awaiting_reply(const struct sshhost *sh)
{
	for (const struct sjob *j = sh->jobs; j != NULL; j = j->next)
		if (j->st == J_OPEN || j->st == J_EXEC)
			return true;
	for (const struct bridge *b = sh->bridges; b != NULL; b = b->next)
		if (b->ch != NULL && !b->open)
			return true;
	return false;
}

static void
on_tick(void *arg)
{
	struct sshhost *sh = arg;

	sh->tick = NULL;
	drive(sh);
}

static void
drive(struct sshhost *sh)
{
	if (sh->ph == PH_IDLE) {
		if (!has_work(sh) && sh->fwds == NULL)
			return;
		if (!has_work(sh) && sh->retry != NULL)
			return;
		if (sh->retry_at > loop_now()) {
			/* Within the backoff: wait for it (jobs keep their own
			 * timeouts). */
			if (sh->retry == NULL)
				sh->retry = loop_timer_add(sh->loop,
				    sh->retry_at - loop_now(), on_retry, sh);
			return;
		}
		if (!has_work(sh) && sh->state == HOST_DOWN &&
		    sh->retry_at == 0)
			return;
		start_connect(sh);
		if (sh->ph == PH_IDLE)
			return;
	}
	if (sh->ph == PH_CONNECT)
		connect_step(sh);
	else if (sh->ph > PH_CONNECT && sh->ph < PH_UP)
		while (sh->ph > PH_CONNECT && sh->ph < PH_UP && auth_step(sh))
			;
	if (sh->ph == PH_UP) {
		/* Reading one channel may take in packets for others already
		 * stepped: step all again while the callbacks say something
		 * arrived (bounded; the rest from the loop soon). */
		for (int pass = 0;; pass++) {
			sh->notified = false;
			if (!step_all(sh))
				return;
			if (!sh->notified)
				break;
			if (pass == DRIVE_PASSES) {
				kick(sh);
				break;
			}
		}
		/* An open or exec request's answer comes with no callback: look
		 * again soon while one is awaited. */
		if (awaiting_reply(sh) && sh->tick == NULL)
			sh->tick = loop_timer_add(sh->loop, TICK_MS, on_tick, sh);
		if (sh->s != NULL && (!ssh_is_connected(sh->s) ||
		    (ssh_get_status(sh->s) & (SSH_CLOSED | SSH_CLOSED_ERROR)))) {
			sh->backoff_s = 1;
			session_failed(sh, false, "connection lost");
			return;
		}
	}
	watch_fd(sh);
}

/* ---- files, processes, signals: commands run to completion ---- */

struct sync_state {
	struct subproc_result *r;
};

static void
sync_done(const struct subproc_result *r, void *arg)
{
	struct sync_state *st = arg;

	st->r = subproc_result_copy(r);
}

static struct subproc_result *
run_sync(struct sshhost *sh, char *const argv[], const char *input,
    size_t inputlen)
{
	struct sync_state st = { NULL };
	struct err e;

	if (ssh_run(&sh->h, sh->loop, argv, NULL, input, inputlen,
	    HOST_SYNC_TIMEOUT_MS, sync_done, &st, &e) == NULL)
		return subproc_result_failed(&e);
	while (st.r == NULL)
		if (loop_once(sh->loop, -1) == -1)
			fatal("zmq_poll: %s", strerror(errno));
	return st.r;
}

/* Exit codes of the read script, and the errno each means. */
#define READ_ENOENT 3
#define READ_EINVAL 4
#define READ_EFBIG 5
#define READ_EACCES 6

static int
ssh_read_file(struct host *h, struct loop *l, const char *path, size_t max,
    unsigned flags, char **buf, size_t *len, struct err *e)
{
	struct sshhost *sh = h->priv;
	char maxs[32];
	/* A FIFO or device in its place is refused before cat could block. */
	char *argv[] = { "sh", "-c",
	    "[ -e \"$1\" ] || exit 3; [ -f \"$1\" ] || exit 4; "
	    "[ -r \"$1\" ] || exit 6; "
	    "[ \"$(wc -c <\"$1\")\" -le \"$2\" ] || exit 5; exec cat -- \"$1\"",
	    "sh", (char *)path, maxs, NULL };
	struct subproc_result *r;
	int rc = -1, err = EIO;

	(void)l;
	snprintf(maxs, sizeof maxs, "%zu", max);
	r = run_sync(sh, argv, NULL, 0);
	if (r->ok && r->outlen <= max) {
		*buf = r->out;
		*len = r->outlen;
		r->out = NULL;
		rc = 0;
	} else if (r->exit_code == READ_ENOENT) {
		err = ENOENT;
		err_set(e, "%s: cannot read %s: %s", h->dest, path,
		    strerror(ENOENT));
	} else if (r->exit_code == READ_EINVAL) {
		err = EINVAL;
		err_set(e, "%s: %s: not a regular file", h->dest, path);
	} else if (r->exit_code == READ_EFBIG || (r->ok && r->outlen > max)) {
		err = EFBIG;
		err_set(e, "%s: %s: larger than %zu bytes", h->dest, path, max);
	} else if (r->exit_code == READ_EACCES) {
		err = EACCES;
		err_set(e, "%s: cannot read %s: %s", h->dest, path,
		    strerror(EACCES));
	} else {
		err_set(e, "%s", r->err.msg);
	}
	if (r->out != NULL && (flags & FILE_SECRET))
		explicit_bzero(r->out, r->outlen);
	subproc_result_free(r);
	errno = err;
	return rc;
}

static int
ssh_write_file(struct host *h, struct loop *l, const char *path,
    const char *data, size_t len, unsigned mode, struct err *e)
{
	struct sshhost *sh = h->priv;
	char modes[16];
	/* A temporary file beside it, then mv: readers see all or nothing. */
	char *argv[] = { "sh", "-c",
	    "umask 077; t=$(mktemp \"$1.XXXXXX\") || exit 1; "
	    "if cat >\"$t\" && chmod \"$2\" \"$t\" && mv -f -- \"$t\" \"$1\"; "
	    "then exit 0; fi; rm -f -- \"$t\"; exit 1",
	    "sh", (char *)path, modes, NULL };
	struct subproc_result *r;
	int rc = 0;

	(void)l;
	snprintf(modes, sizeof modes, "%o", mode & 07777);
	r = run_sync(sh, argv, data, len);
	if (!r->ok) {
		char *line = r->errlen > 0 ? xstrndup(r->errout,
		    strcspn(r->errout, "\n")) : NULL;

		if (line != NULL)
			err_set(e, "%s: cannot write %s: %s", h->dest, path, line);
		else
			err_set(e, "%s: cannot write %s: %s", h->dest, path,
			    r->err.msg);
		free(line);
		rc = -1;
	}
	subproc_result_free(r);
	return rc;
}

static pid_t
ssh_spawn(struct host *h, struct loop *l, const struct spawn *s,
    struct err *e)
{
	struct sshhost *sh = h->priv;
	struct spawn copy = *s;
	struct strv lines = STRV_INIT;
	char *line, *script;
	struct subproc_result *r;
	char *argv[] = { "sh", "-c", NULL, NULL };
	pid_t pid = -1;
	char *end;
	long v;

	(void)l;
	if (s->argv.n == 0)
		return err_set(e, "%s: nothing to spawn", h->dest);
	if (s->cwd != NULL) {
		char *q = shquote(s->cwd);

		strv_pushf(&lines, "cd %s || exit 1", q);
		free(q);
	}
	if (s->setup.n == 0) {
		char *q = shquote(s->argv.v[0]);

		/* spawn_start's "command not found", before going away. */
		strv_pushf(&lines, "command -v %s >/dev/null 2>&1 || { echo "
		    "%s: command not found >&2; exit 127; }", q, q);
		free(q);
	}
	if (copy.log == NULL)
		copy.log = "/dev/null";
	line = spawn_render(&copy);
	strv_push_take(&lines, line);
	strv_push(&lines, "echo $!");
	script = strv_join(&lines, "\n");
	strv_clear(&lines);
	argv[2] = script;
	r = run_sync(sh, argv, NULL, 0);
	free(script);
	if (r->ok) {
		errno = 0;
		v = strtol(r->out, &end, 10);
		if (errno == 0 && end != r->out && v > 0)
			pid = (pid_t)v;
		else
			err_set(e, "%s: spawning %s: no pid in '%.60s'", h->dest,
			    s->argv.v[0], r->out);
	} else if (r->exit_code == 127) {
		err_set(e, "%s: %s: command not found", h->dest, s->argv.v[0]);
	} else {
		err_set(e, "%s", r->err.msg);
	}
	subproc_result_free(r);
	return pid;
}

static int
ssh_signal(struct host *h, struct loop *l, const pid_t *pids, size_t n,
    int sig, struct err *e)
{
	struct sshhost *sh = h->priv;
	struct strv argv = STRV_INIT;
	struct subproc_result *r;
	int rc = 0;

	(void)l;
	if (n == 0)
		return 0;
	/* Groups already gone are not an error: only other complaints are. */
	strv_push(&argv, "sh");
	strv_push(&argv, "-c");
	strv_push(&argv, "s=$1; shift; rc=0; for g; do "
	    "out=$(kill -s \"$s\" -- \"-$g\" 2>&1) || "
	    "case $out in *'No such process'*) ;; *) echo \"$out\" >&2; rc=1;; "
	    "esac; done; exit $rc");
	strv_push(&argv, "sh");
	strv_pushf(&argv, "%s", sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) :
	    "TERM");
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			strv_pushf(&argv, "%ld", (long)pids[i]);
	r = run_sync(sh, strv_argv(&argv), NULL, 0);
	strv_clear(&argv);
	if (!r->ok) {
		err_set(e, "%s", r->err.msg);
		rc = -1;
	}
	subproc_result_free(r);
	return rc;
}

static enum host_state
ssh_state(const struct host *h, struct err *why)
{
	const struct sshhost *sh = h->priv;

	if (why != NULL)
		*why = sh->why;
	return sh->state;
}

static void
ssh_free_host(struct host *h)
{
	struct sshhost *sh = h->priv;

	while (sh->fwds != NULL) {
		struct fwd *f = sh->fwds;

		sh->fwds = f->next;
		fwd_free(f);
	}
	while (sh->jobs != NULL)
		job_free(sh->jobs);
	while (sh->bridges != NULL) {
		struct bridge *b = sh->bridges;

		/* A session behind this hop loses its transport. */
		if (b->gone == on_jump_gone)
			((struct sshhost *)b->gone_arg)->jumpbr = NULL;
		b->gone = NULL;
		bridge_free(b);
	}
	session_close(sh);
	loop_timer_del(sh->loop, sh->retry);
	loop_timer_del(sh->loop, sh->kick);
	loop_timer_del(sh->loop, sh->tick);
	forget_answers(sh);
	free(sh->alias);
	free(sh->user);
	free(sh->conffile);
	free(sh->strict);
	free(sh->jumpdest);
	free(sh->h.dest);
	free(sh);
}

static const struct host_impl ssh_impl = {
	.name = "ssh",
	.run = ssh_run,
	.cancel = ssh_cancel,
	.read_file = ssh_read_file,
	.write_file = ssh_write_file,
	.spawn = ssh_spawn,
	.signal = ssh_signal,
	.procs = host_procs_run,
	.forward = ssh_forward,
	.unforward = ssh_unforward,
	.state = ssh_state,
	.free = ssh_free_host,
};

struct host *
sshhost_new(struct loop *l, const char *dest, struct err *e)
{
	struct sshhost *sh;
	const char *at, *host, *colon, *env;
	char *end;

	if (*dest == '-' || strpbrk(dest, " \t\r\n'\"\\;&|<>$`") != NULL) {
		err_set(e, "bad destination '%s'", dest);
		return NULL;
	}
	sh = xcalloc(1, sizeof *sh);
	at = strrchr(dest, '@');
	host = at != NULL ? at + 1 : dest;
	if (at != NULL)
		sh->user = xstrndup(dest, (size_t)(at - dest));
	if (*host == '[' && (colon = strchr(host, ']')) != NULL) {
		sh->alias = xstrndup(host + 1, (size_t)(colon - host - 1));
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else if ((colon = strchr(host, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		sh->alias = xstrndup(host, (size_t)(colon - host));
	} else {
		sh->alias = xstrdup(host);
		colon = NULL;
	}
	if (colon != NULL) {
		long p = strtol(colon + 1, &end, 10);

		if (*end != '\0' || p <= 0 || p > 65535) {
			err_set(e, "bad destination '%s' (port)", dest);
			goto bad;
		}
		sh->port = (int)p;
	}
	if (*sh->alias == '\0' || (sh->user != NULL && *sh->user == '\0')) {
		err_set(e, "bad destination '%s'", dest);
		goto bad;
	}
	if ((env = host_ssh_config()) != NULL)
		sh->conffile = xstrdup(env);
	sh->h.impl = &ssh_impl;
	sh->h.dest = xstrdup(dest);
	sh->h.priv = sh;
	sh->loop = l;
	sh->fd = -1;
	sh->backoff_s = 1;
	sh->sessions_max = SESSIONS_MAX;
	sh->state = HOST_CONNECTING;
	return &sh->h;
bad:
	free(sh->user);
	free(sh->alias);
	free(sh);
	return NULL;
}
