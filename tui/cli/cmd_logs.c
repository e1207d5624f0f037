#include "cmd_logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "clustercli.h"
#include "core/host.h"
#include "core/loop.h"
#include "core/pxfmt.h"
#include "core/safetext.h"
#include "core/strv.h"
#include "core/xmalloc.h"

static const char help[] =
    "Print the output of the cluster's processes (every log, with a header\n"
    "each, unless one is chosen). Logs live in the cluster's state dir (on\n"
    "its host for a profile with host:, read through the SSH session).\n"
    "\n"
    "  -c, --controller   only the controller's log\n"
    "  -e, --engine ID    only engine ID's log (launch index; with the mpi\n"
    "                     backend all engines share mpiexec's log)\n"
    "  -f, --follow       keep printing as the logs grow (tail -F; clusters\n"
    "                     on this machine only)\n"
    "  -h, --help         show this help\n";

/* One log line (n bytes) to stdout, secrets masked; the colours
 * ipyparallel's loggers write are dropped unless stdout takes them (a pipe,
 * NO_COLOR, TERM=dumb: no escape sequence). */
static void
put_line(char *line, size_t n)
{
	char *dup, *plain;

	safetext_mask_secrets(line, n);
	if (memchr(line, '\033', n) == NULL || cli_color(STDOUT_FILENO)) {
		fwrite(line, 1, n, stdout);
		return;
	}
	dup = xstrndup(line, n);
	plain = pxfmt_strip_ansi(dup);
	fputs(plain, stdout);
	free(plain);
	free(dup);
}

/* Copies f to stdout line by line with secrets masked (ipengine logs its
 * config, HMAC key included); flushes after each line when following. */
static void
copy_masked(FILE *f, bool flush)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		put_line(line, (size_t)n);
		if (flush)
			fflush(stdout);
	}
	free(line);
}

/* Largest log printed from another machine (read whole, then masked). */
#define REMOTE_LOG_MAX (64 * 1024 * 1024)

/* cat_file for a log on another machine. */
static int
cat_remote(struct loop *l, struct host *h, const char *path, bool header)
{
	struct err e;
	char *buf;
	size_t len;

	if (header)
		cli_printf(stdout, "==> %s:%s <==\n", host_label(h), path);
	if (host_read_file(h, l, path, REMOTE_LOG_MAX, 0, &buf, &len,
	    &e) == -1) {
		if (errno == ENOENT) {
			printf("(no log yet)\n");
			return CLI_OK;
		}
		return cli_error("%s", e.msg);
	}
	for (size_t i = 0; i < len;) {
		char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (buf + i)) + 1 : len - i;

		put_line(buf + i, n);
		i += n;
	}
	free(buf);
	return CLI_OK;
}

static int
cat_file(const char *path, bool header)
{
	FILE *f = fopen(path, "re");

	if (header)
		cli_printf(stdout, "==> %s <==\n", path);
	if (f == NULL) {
		printf("(no log yet)\n");
		return 0;
	}
	copy_masked(f, false);
	fclose(f);
	return 0;
}

/* tail -F follows renames and truncation; its output is read back through
 * a pipe so that it is masked like the rest. */
static int
follow(const struct strv *logs)
{
	struct strv args = STRV_INIT;
	int fds[2], status;
	pid_t pid;
	FILE *f;

	strv_push(&args, "tail");
	strv_push(&args, "-n");
	strv_push(&args, "+1");
	strv_push(&args, "-F");
	strv_extend(&args, logs);
	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC) == -1) {
		strv_clear(&args);
		return cli_error("cannot follow the logs: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execvp("tail", strv_argv(&args));
		fprintf(stderr, "hpctop: cannot run tail: %s\n", strerror(errno));
		_exit(127);
	}
	strv_clear(&args);
	close(fds[1]);
	if (pid == -1) {
		close(fds[0]);
		return cli_error("cannot follow the logs: %s", strerror(errno));
	}
	f = fdopen(fds[0], "r");
	if (f == NULL)
		fatal("fdopen: %s", strerror(errno));
	copy_masked(f, true);
	fclose(f);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? CLI_OK :
	    CLI_FAIL;
}

static int
pick(const struct cluster *c, bool controller, int engine, struct strv *out)
{
	bool mpi_engines = false;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		char want[32];

		if (pr->log == NULL)
			continue;
		if (controller) {
			if (pr->role == CLUSTER_CONTROLLER)
				strv_push(out, pr->log);
			continue;
		}
		if (engine < 0) {
			strv_push(out, pr->log);
			continue;
		}
		snprintf(want, sizeof want, "ipengine.%d", engine);
		if (pr->role == CLUSTER_ENGINES && strcmp(pr->name, want) == 0)
			strv_push(out, pr->log);
		else if (pr->role == CLUSTER_ENGINES && pr->engines > 1 &&
		    engine < pr->engines && !mpi_engines) {
			strv_push(out, pr->log);
			mpi_engines = true;
		}
	}
	if (out->n == 0)
		return cli_error("%s: no %s log", c->name, controller ?
		    "controller" : "such engine");
	return CLI_OK;
}

static int
logs_exec(const struct cmd_args *a)
{
	struct strv logs = STRV_INIT;
	struct cluster *c;
	bool controller = cmd_has(a, 'c'), following = cmd_has(a, 'f');
	int engine = (int)cmd_num(a, 'e', -1), rc;

	if (controller && engine >= 0)
		return cmd_usage(&cmd_logs_entry, "--controller and --engine "
		    "exclude each other");
	c = clustercli_load(a->argv[0]);
	if (c == NULL)
		return CLI_FAIL;
	rc = pick(c, controller, engine, &logs);
	if (rc == CLI_OK && c->host != NULL) {
		struct loop *l = cli_loop();
		struct err e;
		struct host *h = cluster_host(l, c, &e);

		if (h == NULL)
			rc = cli_error("%s", e.msg);
		else if (following)
			rc = cli_error("%s: --follow reads logs on this machine "
			    "only; the logs are on %s", c->name, c->host);
		for (size_t i = 0; h != NULL && !following && i < logs.n &&
		    rc == CLI_OK; i++)
			rc = cat_remote(l, h, logs.v[i], logs.n > 1);
	} else if (rc == CLI_OK && following) {
		rc = follow(&logs);
	} else if (rc == CLI_OK) {
		for (size_t i = 0; i < logs.n; i++)
			cat_file(logs.v[i], logs.n > 1);
	}
	cluster_free(c);
	strv_clear(&logs);
	return rc;
}

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.usage = "PROFILE [--controller | --engine ID] [-f]",
	.summary = "print a cluster's process logs",
	.help = help,
	.args = { "ce:f", 1, 1 },
	.longopts = (const struct option[]){
		{ "controller", no_argument, NULL, 'c' },
		{ "engine", required_argument, NULL, 'e' },
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	},
	.ints = (const struct cmd_int[]){
		{ 'e', "--engine", 0, PROFILE_MAX_ENGINES - 1, NULL },
		{ 0, NULL, 0, 0, NULL }
	},
	.exec = logs_exec,
};
