/* A test driver for core/host.h: each operation of host_get(DEST) from the
 * command line, so TAP tests can drive a real host (tests/ssh.t).
 *
 *   hostcmd DEST STEP [::: STEP]...
 *
 * Steps run in order on one host (one session), each printing its result:
 *   run [-t MS] [-e NAME=VALUE]... [-i] -- ARGV...
 *       stdout/stderr as the command's; "exit=N" (and the error) on stderr;
 *       -i feeds our stdin to it
 *   par N [-t MS] -- ARGV...   N at once; "ok K/N" when K succeeded
 *   read PATH [MAX]            the contents; "errno=NAME: error" on failure
 *   write PATH MODE            our stdin to PATH
 *   spawn [-l LOG] [-e N=V]... [-s LINE]... [-C DIR] -- ARGV...   "pid=N"
 *   signal SIG PGID...
 *   forward ADDR PORT [LPORT]  "bound=N", then carries connections until
 *                              the file named by -w FILE exists (default:
 *                              until our stdin ends)
 *   pause FILE                 runs the loop until FILE exists
 *   state                      "state=WORD: why"
 * The exit status is the last step's (a run's exit code; 1 on failure).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "core/file.h"
#include "core/host.h"
#include "core/loop.h"
#include "core/strv.h"
#include "core/xmalloc.h"

static struct loop *loop;
static struct host *host;

static char *
slurp_stdin(size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	*len = 0;
	for (;;) {
		if (*len + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(0, buf + *len, cap - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	return buf;
}

static void
run_loop_ms(uint64_t ms)
{
	uint64_t end = loop_now() + ms;

	while (loop_now() < end)
		loop_once(loop, (int64_t)(end - loop_now()));
}

static int
step_run(char **argv, int argc)
{
	struct strv env = STRV_INIT;
	uint64_t timeout = 0;
	bool in = false;
	int i = 0, rc;
	char *input = NULL;
	size_t inlen = 0;
	struct subproc_result *r;

	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			timeout = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
			strv_push(&env, argv[++i]);
		else if (strcmp(argv[i], "-i") == 0)
			in = true;
	}
	if (i >= argc - 1) {
		fprintf(stderr, "hostcmd: run: no command\n");
		strv_clear(&env);
		return 2;
	}
	if (in)
		input = slurp_stdin(&inlen);
	r = host_run_sync(host, loop, argv + i + 1,
	    env.n ? strv_argv(&env) : NULL, input, inlen, timeout);
	fwrite(r->out, 1, r->outlen, stdout);
	fflush(stdout);
	fwrite(r->errout, 1, r->errlen, stderr);
	fprintf(stderr, "exit=%d timed_out=%d%s%s\n", r->exit_code,
	    r->timed_out, r->ok ? "" : " err=", r->ok ? "" : r->err.msg);
	rc = r->exit_code < 0 ? 255 : r->exit_code;
	subproc_result_free(r);
	free(input);
	strv_clear(&env);
	return rc;
}

struct par {
	int done, ok;
};

static void
par_done(const struct subproc_result *r, void *arg)
{
	struct par *p = arg;

	p->done++;
	if (r->ok)
		p->ok++;
	else
		fprintf(stderr, "hostcmd: %s\n", r->err.msg);
}

static int
step_par(char **argv, int argc)
{
	int n, i = 1;
	uint64_t timeout = 0;
	struct par p = { 0, 0 };
	struct err e;

	if (argc < 3)
		return 2;
	n = atoi(argv[0]);
	for (; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			timeout = strtoull(argv[++i], NULL, 10);
	for (int k = 0; k < n; k++)
		if (host_run(host, loop, argv + i + 1, NULL, NULL, 0, timeout,
		    par_done, &p, &e) == NULL) {
			fprintf(stderr, "hostcmd: %s\n", e.msg);
			p.done++;
		}
	while (p.done < n)
		loop_once(loop, -1);
	printf("ok %d/%d\n", p.ok, n);
	fflush(stdout);
	return p.ok == n ? 0 : 1;
}

static const char *
errno_name(int err)
{
	switch (err) {
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EFBIG: return "EFBIG";
	case EACCES: return "EACCES";
	default: return "EIO";
	}
}

static int
step_read(char **argv, int argc)
{
	char *buf;
	size_t len, max = argc > 1 ? strtoull(argv[1], NULL, 10) : 1 << 20;
	struct err e;

	if (argc < 1)
		return 2;
	if (host_read_file(host, loop, argv[0], max, 0, &buf, &len, &e) == -1) {
		fprintf(stderr, "errno=%s: %s\n", errno_name(errno), e.msg);
		return 1;
	}
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
	return 0;
}

static int
step_write(char **argv, int argc)
{
	size_t len;
	char *data;
	struct err e;
	int rc;

	if (argc < 2)
		return 2;
	data = slurp_stdin(&len);
	rc = host_write_file(host, loop, argv[0], data, len,
	    (unsigned)strtoul(argv[1], NULL, 8), &e);
	if (rc == -1)
		fprintf(stderr, "hostcmd: %s\n", e.msg);
	free(data);
	return rc == -1;
}

static int
step_spawn(char **argv, int argc)
{
	struct spawn s = { STRV_INIT, STRV_INIT, STRV_INIT, NULL, NULL };
	struct err e;
	pid_t pid;
	int i = 0;

	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "-l") == 0)
			s.log = xstrdup(argv[++i]);
		else if (strcmp(argv[i], "-e") == 0)
			strv_push(&s.env, argv[++i]);
		else if (strcmp(argv[i], "-s") == 0)
			strv_push(&s.setup, argv[++i]);
		else if (strcmp(argv[i], "-C") == 0)
			s.cwd = xstrdup(argv[++i]);
	}
	for (i++; i < argc; i++)
		strv_push(&s.argv, argv[i]);
	pid = host_spawn(host, loop, &s, &e);
	spawn_clear(&s);
	if (pid == -1) {
		fprintf(stderr, "hostcmd: %s\n", e.msg);
		return 1;
	}
	printf("pid=%ld\n", (long)pid);
	fflush(stdout);
	return 0;
}

static int
step_signal(char **argv, int argc)
{
	pid_t pids[64];
	size_t n = 0;
	struct err e;
	int sig;

	if (argc < 1)
		return 2;
	sig = atoi(argv[0]);
	for (int i = 1; i < argc && n < 64; i++)
		pids[n++] = (pid_t)atol(argv[i]);
	if (host_signal(host, loop, pids, n, sig, &e) == -1) {
		fprintf(stderr, "hostcmd: %s\n", e.msg);
		return 1;
	}
	return 0;
}

static void
on_stdin(short revents, void *arg)
{
	bool *eof = arg;
	char buf[256];

	(void)revents;
	if (read(0, buf, sizeof buf) <= 0)
		*eof = true;
}

static int
step_pause(const char *file)
{
	while (access(file, F_OK) != 0)
		run_loop_ms(100);
	return 0;
}

static int
step_forward(char **argv, int argc)
{
	int bound, lport = 0;
	const char *wait = NULL;
	struct err e;
	bool eof = false;
	struct loop_io *io = NULL;
	int i = 0;
	char *pos[3] = { NULL, NULL, NULL };
	int npos = 0;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
			wait = argv[++i];
		else if (npos < 3)
			pos[npos++] = argv[i];
	}
	if (npos < 2)
		return 2;
	if (npos > 2)
		lport = atoi(pos[2]);
	if (host_forward(host, loop, pos[0], atoi(pos[1]), lport, &bound,
	    &e) == -1) {
		fprintf(stderr, "hostcmd: %s\n", e.msg);
		return 1;
	}
	printf("bound=%d\n", bound);
	fflush(stdout);
	if (wait != NULL)
		step_pause(wait);
	else {
		io = loop_io_fd(loop, 0, ZMQ_POLLIN, on_stdin, &eof);
		while (!eof)
			loop_once(loop, -1);
		loop_io_del(loop, io);
	}
	host_unforward(host, bound);
	return 0;
}

static int
step_state(void)
{
	static const char *const words[] = {
		[HOST_UP] = "up", [HOST_CONNECTING] = "connecting",
		[HOST_RECONNECTING] = "reconnecting", [HOST_DOWN] = "down",
	};
	struct err why;
	enum host_state st = host_state(host, &why);

	printf("state=%s%s%s\n", words[st], why.msg[0] ? ": " : "", why.msg);
	fflush(stdout);
	return st == HOST_UP ? 0 : 1;
}

static int
step(char **argv, int argc)
{
	const char *op = argv[0];

	argv++;
	argc--;
	if (strcmp(op, "run") == 0)
		return step_run(argv, argc);
	if (strcmp(op, "par") == 0)
		return step_par(argv, argc);
	if (strcmp(op, "read") == 0)
		return step_read(argv, argc);
	if (strcmp(op, "write") == 0)
		return step_write(argv, argc);
	if (strcmp(op, "spawn") == 0)
		return step_spawn(argv, argc);
	if (strcmp(op, "signal") == 0)
		return step_signal(argv, argc);
	if (strcmp(op, "forward") == 0)
		return step_forward(argv, argc);
	if (strcmp(op, "pause") == 0 && argc > 0)
		return step_pause(argv[0]);
	if (strcmp(op, "state") == 0)
		return step_state();
	fprintf(stderr, "hostcmd: unknown step %s\n", op);
	return 2;
}

int
main(int argc, char **argv)
{
	struct err e;
	int rc = 0, start = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: hostcmd DEST STEP [::: STEP]...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	loop = loop_new();
	if ((host = host_get(loop, argv[1], &e)) == NULL) {
		fprintf(stderr, "hostcmd: %s\n", e.msg);
		loop_free(loop);
		return 2;
	}
	for (int i = 2; i <= argc; i++)
		if (i == argc || strcmp(argv[i], ":::") == 0) {
			argv[i] = NULL;	/* ends the step's argv */
			if (i > start)
				rc = step(argv + start, i - start);
			start = i + 1;
		}
	host_free_all();
	loop_free(loop);
	return rc;
}
