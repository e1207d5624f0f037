#include "cmd_start.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/clusterstate.h"
#include "core/diag.h"
#include "core/loop.h"
#include "core/file.h"
#include "core/host.h"
#include "core/renewer.h"
#include "core/xmalloc.h"

#define WAIT_DEFAULT_S 120
#define WAIT_MAX_S 86400
#define WAIT_TICK_MS 100
#define LOG_TAIL_LINES 15
#define LOG_TAIL_BYTES 16384

static const char help[] =
    "Start the controller and N engines of PROFILE through its backend. The\n"
    "cluster keeps running after hpctop exits; 'hpctop status' shows it and\n"
    "'hpctop stop' ends it.\n"
    "\n"
    "  -n, --engines N        number of engines (default: the profile's)\n"
    "  -w, --wait[=SECONDS]   wait until N engines registered (default 120 s);\n"
    "                         exit 1 on timeout, saying why, or at once\n"
    "                         when the cluster is stalled, every engine task\n"
    "                         exited, or the engines of an mpi: true cluster\n"
    "                         do not share one MPI world\n"
    "  -f, --force            start even far more local engines than cores\n"
    "                         (more than 4 per core; asked on a terminal)\n"
    "  -h, --help             show this help\n";

static double
secs_since(uint64_t t0)
{
	return (double)(loop_now() - t0) / 1000.0;
}

/* The end of a log on c's other machine, through its host. */
static void
remote_tail(struct loop *l, const struct cluster *c, const char *log,
    struct strv *tail)
{
	char bytes[32], *argv[] = { "tail", "-c", bytes, (char *)log, NULL };
	struct subproc_result *r;
	struct host *h = cluster_host(l, c, NULL);
	size_t n;
	char *b;

	if (h == NULL)
		return;
	/* One byte more than kept: whether the text starts inside a line. */
	snprintf(bytes, sizeof bytes, "%d", LOG_TAIL_BYTES + 1);
	r = host_run_sync(h, l, argv, NULL, NULL, 0, HOST_SYNC_TIMEOUT_MS);
	if (r->ok) {
		n = r->outlen > LOG_TAIL_BYTES ? LOG_TAIL_BYTES : r->outlen;
		b = xmalloc(n + 1);
		memcpy(b, r->out + (r->outlen - n), n);
		file_tail_text(b, n, r->outlen > LOG_TAIL_BYTES, LOG_TAIL_LINES,
		    tail, NULL);
		free(b);
	}
	subproc_result_free(r);
}

static void
print_tail(struct loop *l, const struct cluster *c, const char *what,
    const char *log)
{
	struct strv tail = STRV_INIT;

	fprintf(stderr, "hpctop: %s log %s%s%s:\n", what, c->host != NULL ?
	    c->host : "", c->host != NULL ? ":" : "", log ? log : "(none)");
	if (log != NULL && c->host != NULL)
		remote_tail(l, c, log, &tail);
	else if (log != NULL)
		file_tail(log, LOG_TAIL_BYTES, LOG_TAIL_LINES, &tail, NULL,
		    NULL);
	for (size_t i = 0; i < tail.n; i++)
		fprintf(stderr, "    %s\n", tail.v[i]);
	if (tail.n == 0)
		fprintf(stderr, "    (empty)\n");
	strv_clear(&tail);
}

/* Stops what a failed start left running, so nothing stays behind. */
static void
teardown(struct loop *l, const struct backend *b, struct cluster *c)
{
	struct err e;

	if (clusterop_stop_sync(l, b, c, &e) == -1)
		cli_error("cannot stop what was started: %s", e.msg);
}

/* "engines job 12 queued (Priority)" for the first batch job still
 * waiting in its queue, or with `still` "engines job 12 still queued:
 * Priority"; NULL when none waits. Caller frees. */
static char *
queued_text(const struct cluster *c, bool still)
{
	for (size_t i = 0; i < c->nprocs && i < c->jobs.n; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		const char *why = c->jobs.v[i].reason;
		const char *role = pr->role == CLUSTER_CONTROLLER ?
		    "controller" : "engines";

		if (pr->live != CLUSTER_LIVE_PENDING || pr->job_id == NULL)
			continue;
		if (why == NULL || *why == '\0')
			return xasprintf("%s job %s %squeued", role, pr->job_id,
			    still ? "still " : "");
		if (still)
			return xasprintf("%s job %s still queued: %s", role,
			    pr->job_id, why);
		return xasprintf("%s job %s queued (%s)", role, pr->job_id,
		    why);
	}
	return NULL;
}

/* Why the engines are not coming (core/diag.h), on stderr. */
static void
print_diag(const struct cluster *c)
{
	struct diag d;

	diag_cluster(registry_find(c->backend), c, &d);
	if (d.reason != NULL)
		fprintf(stderr, "hpctop: why: %s\nhpctop: hint: %s\n",
		    d.reason, d.hint);
	diag_clear(&d);
}

/* Gone for sure: a pending or not yet polled batch job is not. */
static bool
controller_gone(const struct cluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_CONTROLLER &&
		    c->procs[i].live != CLUSTER_LIVE_GONE)
			return false;
	return true;
}

static int
wait_engines(struct loop *l, const struct backend *b, struct cluster *c,
    int timeout_s)
{
	uint64_t t0 = loop_now(), up_at = 0;
	int last = -1;
	char *lastq = NULL;
	struct err e;

	for (;;) {
		bool up = clusterop_client_file_exists(l, c, NULL) == 1;
		bool stalled, exited;
		char *q;
		int n;

		if (clusterop_refresh_sync(l, b, c, &e) == -1) {
			cli_error("%s: %s", c->name, e.msg);
			return CLI_FAIL;
		}
		if (up && up_at == 0)
			up_at = loop_now();
		n = (int)c->nids;
		q = queued_text(c, false);
		if (q != NULL && (lastq == NULL || strcmp(q, lastq) != 0)) {
			printf("waiting for engines: %d/%d (%s)\n", n,
			    c->engines, q);
			fflush(stdout);
			last = n;
		}
		free(lastq);
		lastq = q;
		if (n != last) {
			if (up_at != 0)
				printf("waiting for engines: %d/%d (controller up "
				    "%.1f s)\n", n, c->engines, secs_since(up_at));
			else
				printf("waiting for engines: %d/%d (controller "
				    "starting)\n", n, c->engines);
			fflush(stdout);
			last = n;
		}
		if (n >= c->engines) {
			char *mpi;

			printf("engines %d/%d registered in %.1f s\n", n,
			    c->engines, secs_since(t0));
			free(lastq);
			/* Registered, but not in one MPI world: say so now
			 * rather than at the first collective. */
			if ((mpi = clustercli_mpi_world(l, c)) == NULL)
				return CLI_OK;
			cli_error("%s: %s; the cluster keeps running ('hpctop "
			    "stop %s' ends it)", c->name, mpi, c->name);
			free(mpi);
			return CLI_FAIL;
		}
		if (controller_gone(c)) {
			free(lastq);
			cli_error("%s: the controller exited after %.1f s, with "
			    "%d/%d engines registered", c->name, secs_since(t0),
			    n, c->engines);
			print_tail(l, c, "controller", c->procs[0].log);
			teardown(l, b, c);
			return CLI_FAIL;
		}
		for (size_t i = 0; i < c->nprocs; i++) {
			const struct cluster_proc *pr = &c->procs[i];

			if (pr->role != CLUSTER_ENGINES ||
			    pr->live != CLUSTER_LIVE_GONE)
				continue;
			if (pr->job_id != NULL)
				cli_error("%s: engines job %s ended; %d/%d "
				    "engines registered; the rest keeps running "
				    "('hpctop stop %s' ends it)", c->name,
				    pr->job_id, n, c->engines, c->name);
			else
				cli_error("%s: %s (pid %ld) exited; %d/%d "
				    "engines registered; the rest keeps running "
				    "('hpctop stop %s' ends it)", c->name,
				    pr->name, (long)pr->pid, n, c->engines,
				    c->name);
			print_diag(c);
			print_tail(l, c, pr->name, pr->log);
			free(lastq);
			return CLI_FAIL;
		}
		/* Not coming: say why now rather than at the timeout. */
		stalled = clusterstate_of(c) == CLUSTERSTATE_STALLED;
		exited = clusterstate_tasks_exited(c);
		if (stalled || exited) {
			cli_error("%s: %s after %.1f s: %d/%d engines registered%s; "
			    "the cluster keeps running ('hpctop stop %s' ends "
			    "it)", c->name, stalled ? "stalled" : "every engine "
			    "task exited", secs_since(t0), n, c->engines,
			    stalled && exited ? ", every engine task exited" :
			    "", c->name);
			print_diag(c);
			free(lastq);
			return CLI_FAIL;
		}
		if (secs_since(t0) >= timeout_s && lastq != NULL) {
			/* A busy queue, not a broken cluster: say why. */
			free(lastq);
			lastq = queued_text(c, true);
			cli_error("%s: timed out after %d s: %s; the jobs stay "
			    "queued ('hpctop stop %s' cancels them)", c->name,
			    timeout_s, lastq, c->name);
			free(lastq);
			return CLI_FAIL;
		}
		if (secs_since(t0) >= timeout_s) {
			cli_error("%s: timed out after %d s: %d/%d engines "
			    "registered, %s; the cluster keeps running ('hpctop "
			    "stop %s' ends it)", c->name, timeout_s, n,
			    c->engines, up_at != 0 ? "controller up" :
			    "the controller has not written its connection "
			    "file", c->name);
			free(lastq);
			return CLI_FAIL;
		}
		{
			uint64_t until = loop_now() + WAIT_TICK_MS;

			while (loop_now() < until)
				loop_once(l, (int64_t)(until - loop_now()));
		}
	}
}

/* An earlier record: refuse when it still runs, clear it when not. */
static int
check_existing(struct loop *l, const char *name)
{
	struct cluster *old;
	const struct backend *b;
	struct err e;
	bool missing;
	int rc = CLI_OK;

	old = cluster_load(name, &missing, &e);
	if (old == NULL) {
		if (missing)
			return CLI_OK;
		return cli_error("%s: the record of '%s' cannot be read; "
		    "'hpctop stop --force %s' stops what belongs to it and "
		    "removes it", e.msg, name, name);
	}
	b = clustercli_backend(old->backend);
	if (b == NULL) {
		cluster_free(old);
		return CLI_FAIL;
	}
	if (clusterop_refresh_sync(l, b, old, &e) == -1)
		rc = cli_error("%s: %s", name, e.msg);
	/* We hold the lock: an incomplete record is no start in progress. */
	else if (!old->complete && cluster_any_alive(old))
		rc = cli_error("cluster '%s' was being started by an hpctop "
		    "that died, and part of it runs; 'hpctop stop %s' ends it",
		    name, name);
	else if (cluster_any_alive(old))
		rc = cli_error("cluster '%s' is already running (engines "
		    "%zu/%d); 'hpctop stop %s' first", name, old->nids,
		    old->engines, name);
	else {
		fprintf(stderr, "hpctop: clearing the record of '%s': its "
		    "processes are gone\n", name);
		clusterop_remove_connection_files(l, old);
		if (cluster_remove(old, &e) == -1)
			rc = cli_error("%s", e.msg);
	}
	cluster_free(old);
	return rc;
}

/* Whether the user says yes to what e describes: asked only when both
 * stdin and stderr are a terminal; otherwise refused, pointing at
 * --force. */
static bool
confirmed(const struct err *e)
{
	char line[16];

	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		cli_error("%s; 'hpctop start --force' starts them anyway",
		    e->msg);
		return false;
	}
	fprintf(stderr, "hpctop: %s. Start anyway? [y/N] ", e->msg);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL ||
	    (line[0] != 'y' && line[0] != 'Y')) {
		fputs("hpctop: not started\n", stderr);
		return false;
	}
	return true;
}

/* A profile with renew_before: its watch renews the engine sets when no
 * status or dashboard runs (tui/cli/cmd_watch.h). */
static void
start_watch(const struct cluster *c)
{
	struct err e;
	char *log;
	pid_t pid;

	if (c->profile == NULL || c->profile->renew_before <= 0)
		return;
	if ((pid = renewer_spawn(c->name, &e)) == -1) {
		cli_error("%s: no watch renews its engine sets (%s); 'hpctop "
		    "watch %s --background' starts one", c->name, e.msg,
		    c->name);
		return;
	}
	log = renewer_path(c->name, "log");
	printf("renewal: hpctop watch (pid %ld) renews its engine sets; its "
	    "output in %s\n", (long)pid, log);
	free(log);
}

static int
start_exec(const struct cmd_args *a)
{
	const struct backend *b;
	struct cluster *c;
	struct loop *l;
	struct err e;
	int wait_s = 0, rc;
	bool force = cmd_has(a, 'f');

	if (cmd_has(a, 'w'))
		wait_s = (int)cmd_num(a, 'w', WAIT_DEFAULT_S);
	c = clustercli_new(a->argv[0], (int)cmd_num(a, 'n', 0), &b);
	if (c == NULL)
		return CLI_FAIL;
	if (!force && clusterop_confirm(b, c, &e) == -1 && !confirmed(&e)) {
		cluster_free(c);
		return CLI_FAIL;
	}
	/* Taken before looking at the old record: between the look and the
	 * start, no other hpctop may start or stop this cluster. */
	if (cluster_lock(c, "starting", &e) == -1) {
		rc = cli_error("cannot start '%s': %s", c->name, e.msg);
		cluster_free(c);
		return rc;
	}
	l = cli_loop();
	rc = check_existing(l, c->name);
	if (rc == CLI_OK && clusterop_start_sync(l, b, c, &e) == -1)
		rc = cli_error("cannot start '%s': %s", c->name, e.msg);
	/* Launched and recorded: others may look, and stop it, while we
	 * wait for the engines. */
	cluster_unlock(c);
	if (rc == CLI_OK) {
		char *where = cluster_controller_where(c);
		const char *eng = "-";

		for (size_t i = c->nprocs; i-- > 0;)
			if (c->procs[i].role == CLUSTER_ENGINES &&
			    c->procs[i].job_id != NULL)
				eng = c->procs[i].job_id;
		if (where != NULL)
			printf("started '%s' (backend %s): controller %s, "
			    "engines job %s (%d engine%s); logs in %s/logs\n",
			    c->name, c->backend, where, eng, c->engines,
			    c->engines == 1 ? "" : "s", c->dir);
		else
			printf("started '%s' (backend %s): controller pid %ld, "
			    "%d engine%s; logs in %s/logs\n", c->name,
			    c->backend, (long)c->procs[0].pid, c->engines,
			    c->engines == 1 ? "" : "s", c->dir);
		free(where);
		start_watch(c);
		fflush(stdout);
		if (wait_s > 0)
			rc = wait_engines(l, b, c, wait_s);
	}
	cluster_free(c);
	return rc;
}

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "PROFILE [-n N] [--wait[=SECONDS]] [--force]",
	.summary = "start a cluster's controller and engines",
	.help = help,
	.args = { "n:wf", 1, 1 },
	.longopts = (const struct option[]){
		CMD_ENGINES_LONGOPT,
		{ "wait", optional_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	},
	.ints = (const struct cmd_int[]){
		CMD_ENGINES_INT,
		{ 'w', "--wait", 1, WAIT_MAX_S, NULL },
		{ 0, NULL, 0, 0, NULL }
	},
	.exec = start_exec,
};
