#include "diag.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clusterstate.h"
#include "conn.h"
#include "file.h"
#include "netif.h"
#include "nodes.h"
#include "strv.h"
#include "xmalloc.h"

#define LOG_SCAN_BYTES 65536
#define LOG_SCAN_LINES 400
#define LINE_MAX_SHOWN 200

/* What a telling line says went wrong, each with its own hint. */
enum cause {
	CAUSE_UNREACHABLE,	/* registration timed out */
	CAUSE_NO_MODULE,	/* the engine's Python lacks ipyparallel */
	CAUSE_NO_COMMAND,	/* the engine command is not on the node */
	CAUSE_OTHER,
};

/* In order of how much they tell: the first that a log has wins, and
 * within it the last line that has it. */
static const struct {
	const char *text;
	enum cause cause;
} telling[] = {
	{ "Registration timed out", CAUSE_UNREACHABLE },
	{ "No module named", CAUSE_NO_MODULE },
	{ ": not found", CAUSE_NO_COMMAND },
	{ "command not found", CAUSE_NO_COMMAND },
	{ "No such file or directory", CAUSE_NO_COMMAND },
	{ "Permission denied", CAUSE_NO_COMMAND },
	{ "CRITICAL", CAUSE_OTHER },
	{ "Error", CAUSE_OTHER },
	{ "error", CAUSE_OTHER },
};

void
diag_clear(struct diag *d)
{
	free(d->reason);
	free(d->hint);
	free(d->node);
	d->reason = d->hint = d->node = NULL;
}

/* "2026-12-04 01:00:00.123 [IPEngine] CRITICAL | x" -> "CRITICAL | x". */
static char *
shown_line(const char *line)
{
	const char *p = line, *b;
	size_t n;

	while (isspace((unsigned char)*p))
		p++;
	if (isdigit((unsigned char)*p) && (b = strstr(p, "] ")) != NULL &&
	    b - p < 64)
		p = b + 2;
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	return xstrndup(p, n < LINE_MAX_SHOWN ? n : LINE_MAX_SHOWN);
}

static char *
telling_line(const char *log, enum cause *cause)
{
	struct strv tail = STRV_INIT;
	char *out = NULL;

	*cause = CAUSE_OTHER;
	if (log == NULL || file_tail(log, LOG_SCAN_BYTES, LOG_SCAN_LINES,
	    &tail, NULL, NULL) == -1)
		return NULL;
	for (size_t k = 0; k < sizeof telling / sizeof *telling && !out; k++)
		for (size_t i = tail.n; i-- > 0 && out == NULL;)
			if (strstr(tail.v[i], telling[k].text) != NULL) {
				out = shown_line(tail.v[i]);
				*cause = telling[k].cause;
			}
	for (size_t i = tail.n; i-- > 0 && out == NULL;)
		if (tail.v[i][strspn(tail.v[i], " \t")] != '\0')
			out = shown_line(tail.v[i]);
	strv_clear(&tail);
	return out;
}

char *
diag_telling_line(const char *log)
{
	enum cause cause;

	return telling_line(log, &cause);
}

/* host:port of where the engines register (the engine connection file,
 * else the client's); NULL when neither can be read yet. */
static char *
registration_address(const struct cluster *c)
{
	const char *files[] = { c->engine_file, c->client_file };

	for (size_t i = 0; i < 2; i++) {
		struct conn *cn;
		char *out;

		if (files[i] == NULL || (cn = conn_load(files[i], NULL)) == NULL)
			continue;
		out = xstrdup(strncmp(cn->registration, "tcp://", 6) == 0 ?
		    cn->registration + 6 : cn->registration);
		conn_free(cn);
		return out;
	}
	return NULL;
}

/* The host part of "host:port" / "[v6]:port", into a new string. */
static char *
host_of(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	size_t n = colon != NULL ? (size_t)(colon - addr) : strlen(addr);

	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']')
		return xstrndup(addr + 1, n - 2);
	return xstrndup(addr, n);
}

static const struct cluster_proc *
proc_of(const struct cluster *c, enum cluster_role role, size_t *at)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == role) {
			if (at != NULL)
				*at = i;
			return &c->procs[i];
		}
	return NULL;
}

/* Where a process or job runs: the job's node list, else its host. */
static const char *
where(const struct cluster *c, enum cluster_role role)
{
	size_t i;
	const struct cluster_proc *pr = proc_of(c, role, &i);

	if (pr == NULL)
		return NULL;
	if (i < c->jobs.n && c->jobs.v[i].nodelist != NULL &&
	    *c->jobs.v[i].nodelist != '\0' && c->jobs.v[i].state == JOB_RUNNING)
		return c->jobs.v[i].nodelist;
	return pr->host;
}

/* A node of the engines that is not the controller's: a task that
 * failed there, else (batch) the engines job's node list when it is not
 * the controller's node. NULL when none is known. */
static char *
engine_node_elsewhere(const struct cluster *c)
{
	const char *ctl = where(c, CLUSTER_CONTROLLER), *eng;

	for (size_t i = 0; i < c->ntasks; i++)
		if (c->tasks[i].code != 0 && (ctl == NULL ||
		    strcmp(c->tasks[i].host, ctl) != 0))
			return xstrdup(c->tasks[i].host);
	eng = where(c, CLUSTER_ENGINES);
	if (eng != NULL && ctl != NULL && strcmp(eng, ctl) != 0)
		return xstrdup(eng);
	return NULL;
}

static char *
hint_for(const struct cluster *c, enum cause cause, const char *node,
    const char *log)
{
	const char *cmd = c->profile != NULL &&
	    c->profile->engine.command.n > 0 ?
	    c->profile->engine.command.v[0] : "ipengine";
	char *addr, *h;

	switch (cause) {
	case CAUSE_UNREACHABLE:
		addr = registration_address(c);
		h = xasprintf("%s cannot reach the controller at %s: let it "
		    "(routing, firewall: the controller uses random ports), "
		    "or set controller.ip or controller.interface to an "
		    "address it reaches ('hpctop doctor %s' checks)", node,
		    addr != NULL ? addr : "the address it advertises",
		    c->name);
		free(addr);
		return h;
	case CAUSE_NO_MODULE:
		return xasprintf("the engines' Python on %s (%s) cannot import "
		    "ipyparallel: install it for that Python, or set "
		    "engine.command to one that has it", node, cmd);
	case CAUSE_NO_COMMAND:
		return xasprintf("the engine command %s is missing on %s: "
		    "install ipyparallel there, or set engine.command to its "
		    "full path on the nodes", cmd, node);
	case CAUSE_OTHER:
		break;
	}
	return xasprintf("its log: %s", log);
}

bool
diag_controller_out_of_reach(const struct cluster *c)
{
	const char *ctl = where(c, CLUSTER_CONTROLLER);
	char self[256] = "", *addr, *host;
	bool out;

	if (ctl == NULL || (addr = registration_address(c)) == NULL)
		return false;
	host = host_of(addr);
	(void)gethostname(self, sizeof self - 1);
	out = netif_loopback(host) && *self != '\0' &&
	    !nodes_same_host(ctl, self);
	free(host);
	free(addr);
	return out;
}

/* A loopback address is only wrong where an engine runs elsewhere: on
 * a node of its own (batch: a task or the job's nodes not the
 * controller's), or on the other hosts the backend names. */
static bool
loopback_reason(const struct backend *b, const struct cluster *c,
    struct diag *d)
{
	const struct cluster_proc *eng = proc_of(c, CLUSTER_ENGINES, NULL);
	char *addr, *host, *remote, *node;
	bool found = false;

	if (b == NULL || b->remote_engines == NULL || eng == NULL ||
	    (addr = registration_address(c)) == NULL)
		return false;
	host = host_of(addr);
	node = engine_node_elsewhere(c);
	if (netif_loopback(host) && (node != NULL || eng->job_id == NULL) &&
	    (remote = b->remote_engines(b, c)) != NULL) {
		d->reason = xasprintf("the controller advertises %s, a "
		    "loopback address, but backend %s runs %s%s%s%s, which "
		    "cannot reach it", addr, b->name, remote,
		    node != NULL ? " (" : "", node != NULL ? node : "",
		    node != NULL ? ")" : "");
		d->hint = xstrdup("set controller.ip to an address the "
		    "engines' nodes reach, or controller.interface to the "
		    "interface of the network they share, and drop "
		    "controller.allow_loopback");
		d->node = node;
		node = NULL;
		free(remote);
		found = true;
	}
	free(node);
	free(host);
	free(addr);
	return found;
}

static bool
task_reason(const struct cluster *c, struct diag *d)
{
	for (size_t i = 0; i < c->ntasks; i++) {
		const struct cluster_task *t = &c->tasks[i];
		size_t nfailed = 0;
		enum cause cause;
		char *line;

		if (t->code == 0)
			continue;
		for (size_t k = 0; k < c->ntasks; k++)
			nfailed += c->tasks[k].code != 0;
		line = telling_line(t->log, &cause);
		if (cause == CAUSE_OTHER && t->code == 127)
			cause = CAUSE_NO_COMMAND;
		d->node = xstrdup(t->host);
		d->reason = xasprintf("engine task %d on %s exited with code "
		    "%d%s%s", t->rank, t->host, t->code,
		    line != NULL ? ": " : "", line != NULL ? line : "");
		if (nfailed > 1) {
			char *more = xasprintf("%s (and %zu more task%s)",
			    d->reason, nfailed - 1, nfailed == 2 ? "" : "s");

			free(d->reason);
			d->reason = more;
		}
		d->hint = hint_for(c, cause, t->host, t->log);
		free(line);
		return true;
	}
	return false;
}

/* No task records (process backends, or tasks still running): what the
 * engines' own log says, when it says something telling. */
static bool
log_reason(const struct cluster *c, struct diag *d)
{
	size_t i;
	const struct cluster_proc *pr = proc_of(c, CLUSTER_ENGINES, &i);
	enum cause cause;
	char *line;
	const char *node;

	if (pr == NULL || (line = telling_line(pr->log, &cause)) == NULL)
		return false;
	if (cause == CAUSE_OTHER) {
		free(line);
		return false;
	}
	node = where(c, CLUSTER_ENGINES);
	d->node = node != NULL ? xstrdup(node) : NULL;
	d->reason = xasprintf("the engines' log (%s) says: %s", pr->name,
	    line);
	d->hint = hint_for(c, cause, node != NULL ? node : "the engines' node",
	    pr->log);
	free(line);
	return true;
}

void
diag_cluster(const struct backend *b, const struct cluster *c,
    struct diag *d)
{
	enum clusterstate st = clusterstate_of(c);
	bool failed = false;
	double ran;

	d->reason = d->hint = d->node = NULL;
	for (size_t i = 0; i < c->ntasks; i++)
		failed |= c->tasks[i].code != 0;
	if ((int)c->nids >= c->engines || !clusterstate_controller_up(c) ||
	    (st != CLUSTERSTATE_STALLED && !failed))
		return;
	if (loopback_reason(b, c, d) || task_reason(c, d) ||
	    log_reason(c, d))
		return;
	ran = clusterstate_engines_running_for(c);
	if (ran >= 0)
		d->reason = xasprintf("%zu of %d engines registered after the "
		    "engines ran %.0f s (stall_after %ld s)", c->nids,
		    c->engines, ran, c->profile != NULL ?
		    c->profile->stall_after : PROFILE_STALL_AFTER_DEFAULT);
	else
		d->reason = xasprintf("%zu of %d engines registered, and no "
		    "engines process or job is left", c->nids, c->engines);
	d->hint = xasprintf("'hpctop logs %s' shows what the engines say; "
	    "'hpctop doctor %s' checks where they run", c->name, c->name);
}
