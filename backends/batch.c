#include "batch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/host.h"
#include "core/netif.h"
#include "core/nodes.h"
#include "core/subproc.h"
#include "core/paths.h"
#include "core/shquote.h"
#include "core/xmalloc.h"
#include "pbs.h"
#include "proc.h"
#include "procfs.h"
#include "slurm.h"

/* Stands for the controller's job id in the rendered submit commands. */
#define CTL_ID_MARK "@CTLID@"

char *
batch_job_name(const struct cluster *c, enum batch_job which)
{
	char *name = xasprintf("hpctop-%s-%s", c->name,
	    which == BATCH_CONTROLLER ? "ctl" : "eng");

	for (char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			*p = '_';
	return name;
}

int
batch_job_engines(const struct cluster *c)
{
	return c->add_n > 0 ? c->add_n : c->engines;
}

/* "controller", "engines", or for a later engine set "engines-s2": the
 * name of its script and log. */
static char *
job_file_name(const struct cluster *c, enum batch_job which)
{
	if (which == BATCH_CONTROLLER)
		return xstrdup("controller");
	return c->add_set == 0 ? xstrdup("engines") :
	    xasprintf("engines-s%d", c->add_set);
}

char *
batch_script_path(const struct batch_kind *k, const struct cluster *c,
    enum batch_job which)
{
	char *name = job_file_name(c, which);
	char *path = paths_below(cluster_work_dir(c), "%s.%s", name, k->ext);

	free(name);
	return path;
}

static char *
log_base(const struct cluster *c, enum batch_job which)
{
	char *name = job_file_name(c, which);
	char *path = cluster_log_path(c, name);

	free(name);
	return path;
}

/* The shell variable in which the controller job puts the address of
 * controller.interface on its node. */
#define IFACE_VAR "hpctop_ip"
#define IFACE_ARG_IP "--ip=$" IFACE_VAR
#define IFACE_ARG_LOCATION "--location=$" IFACE_VAR

/* The controller's argv: as the process backends run it, but listening on
 * every interface unless the profile names an address or an interface,
 * since the engines run on other nodes. */
static void
controller_argv(const struct cluster *c, struct strv *argv)
{
	const struct profile *p = c->profile;
	struct spawn s = { 0 };

	proc_controller_spawn(c, p->controller.interface != NULL ?
	    "$" IFACE_VAR : p->controller.ip != NULL ? p->controller.ip : "*",
	    &s);
	strv_extend(argv, &s.argv);
	spawn_clear(&s);
}

/* controller.interface is found on the node the job runs on, which only
 * the job knows: these lines set IFACE_VAR or stop the job saying why. */
static void
interface_lines(const struct profile *p, struct strv *lines)
{
	char *q = shquote(p->controller.interface);

	strv_pushf(lines, "# controller.interface %s: listen on and advertise "
	    "its IPv4 address on this node", q);
	strv_push(lines, "command -v ip >/dev/null || "
	    "PATH=$PATH:/usr/sbin:/sbin");
	strv_pushf(lines, IFACE_VAR "=$(ip -o -4 addr show dev %s 2>/dev/null "
	    "| awk '{ sub(\"/.*\", \"\", $4); print $4; exit }')", q);
	strv_pushf(lines, "if [ -z \"$" IFACE_VAR "\" ]; then echo \"hpctop: "
	    "controller.interface: no network interface %s with an IPv4 "
	    "address on $(hostname) (it has $(ip -o link show | awk -F': ' "
	    "'{ sub(\"@.*\", \"\", $2); print $2 }' | paste -sd ' '))\" >&2; "
	    "exit 1; fi", q);
	free(q);
}

/* A command line: every word quoted, but with an interface the
 * controller's address words expand IFACE_VAR. */
static char *
command_line(const struct strv *words, bool iface)
{
	struct strv q = STRV_INIT;
	char *joined;

	for (size_t i = 0; i < words->n; i++) {
		if (iface && (strcmp(words->v[i], IFACE_ARG_IP) == 0 ||
		    strcmp(words->v[i], IFACE_ARG_LOCATION) == 0))
			strv_pushf(&q, "\"%s\"", words->v[i]);
		else
			strv_push_take(&q, shquote(words->v[i]));
	}
	joined = strv_join(&q, " ");
	strv_clear(&q);
	return joined;
}

static char *
exec_line(const struct strv *words, bool iface)
{
	char *cmd = command_line(words, iface), *line;

	line = xasprintf("exec %s", cmd);
	free(cmd);
	return line;
}

/* Each engine task runs under this wrapper ($1 the tasks directory, $2
 * the prefix of the engine's ident (cluster_engine_ident), to which it
 * adds HOST.RANK, also naming its files, the engine's argv after it): its output goes to the job's log as before and
 * to a log of its own, and when it exits "HOST RANK CODE" is written (by
 * rename, so a reader never sees half of it) for hpctop's next refresh.
 * The rank is the MPI launcher's when there is one: under mpiexec every
 * rank of a node inherits the batch step's SLURM_PROCID. */
static const char task_wrapper[] =
    "d=$1; s=$2; shift 2; h=$(hostname); "
    "r=" PROC_RANK_SH "; "
    "f=$d/$s$h.$r; mkdir -p \"$d\"; "
    "{ \"$@\" \"--Session.session=$s$h.$r\" 2>&1; echo $? >\"$f.rc\"; } | "
    "tee \"$f.log\"; "
    "rc=$(cat \"$f.rc\" 2>/dev/null); rc=${rc:-255}; "
    "echo \"$h $r $rc\" >\"$f.tmp\" && mv \"$f.tmp\" \"$f.exit\"; "
    "exit \"$rc\"";

void
batch_task_argv(const struct cluster *c, struct strv *argv)
{
	strv_push(argv, "sh");
	strv_push(argv, "-c");
	strv_push(argv, task_wrapper);
	strv_push(argv, "hpctop-engine");
	strv_push_take(argv, cluster_tasks_dir(c));
	/* The ident's prefix ($2): its uuid in the Hub's registry says which
	 * set each engine belongs to; host and rank make it unique. */
	strv_push_take(argv, cluster_engine_ident(c->add_set, ""));
	proc_engine_argv(c, c->profile->mpi, argv);
}

static void
engines_argv(const struct batch_kind *k, const struct cluster *c,
    struct strv *argv)
{
	const struct profile *p = c->profile;

	if (p->mpi) {
		strv_extend(argv, &p->mpiexec);
		strv_push(argv, "-n");
		strv_pushf(argv, "%d", batch_job_engines(c));
		strv_extend(argv, &p->mpiexec_args);
	} else
		k->launcher(c, argv);
	batch_task_argv(c, argv);
}

/* The name of a controller in the engines' job, in records and tables. */
#define ALLOC_CTL_NAME "ipcontroller"

/* The variable holding the pid of a controller started by the engines
 * job (controller.placement allocation). */
#define ALLOC_CTL_VAR "hpctop_ctl"

/* Whether this submission carries the controller: the first engines job
 * of an allocation; a set added later is engines only. */
static bool
in_allocation(const struct cluster *c)
{
	return c->profile->controller.placement ==
	    PROFILE_PLACEMENT_ALLOCATION && c->add_set == 0;
}

/* controller.placement allocation: the engines job's script starts the
 * controller in the background on the job's first node (where the batch
 * script runs), its output to the controller's log, then the engines,
 * which wait for its connection file as they do for a controller job;
 * when they end the controller is stopped, so the job ends with them. */
static void
allocation_lines(const struct batch_kind *k, const struct cluster *c,
    struct strv *lines)
{
	const struct profile *p = c->profile;
	struct strv words = STRV_INIT;
	char *log = log_base(c, BATCH_CONTROLLER), *q = shquote(log), *cmd;

	free(log);
	strv_push(lines, "# controller.placement allocation: the controller "
	    "runs here, on the job's");
	strv_push(lines, "# first node, before the engines (one job, one queue "
	    "wait).");
	if (p->controller.interface != NULL)
		interface_lines(p, lines);
	controller_argv(c, &words);
	cmd = command_line(&words, p->controller.interface != NULL);
	strv_clear(&words);
	strv_pushf(lines, "%s >%s 2>&1 </dev/null &", cmd, q);
	free(cmd);
	free(q);
	strv_push(lines, ALLOC_CTL_VAR "=$!");
	engines_argv(k, c, &words);
	strv_push_take(lines, command_line(&words, false));
	strv_clear(&words);
	strv_push(lines, "hpctop_rc=$?");
	strv_push(lines, "kill \"$" ALLOC_CTL_VAR "\" 2>/dev/null; "
	    "wait \"$" ALLOC_CTL_VAR "\"");
	strv_push(lines, "exit \"$hpctop_rc\"");
}

int
batch_render_job(const struct batch_kind *k, const struct cluster *c,
    enum batch_job which, char **out, struct err *e)
{
	const struct profile *p = c->profile;
	struct strv lines = STRV_INIT, words = STRV_INIT;
	char *job = batch_job_name(c, which), *q;
	int rc;

	strv_push(&lines, "#!/bin/sh");
	/* Queue and account are plain names: the profile loader checked. */
	rc = k->directives(c, which, job, &words, e);
	free(job);
	if (rc == -1) {
		strv_clear(&lines);
		strv_clear(&words);
		return err_prefix(e, "%s", c->backend);
	}
	for (size_t i = 0; i < words.n; i++)
		strv_pushf(&lines, "%s %s", k->prefix, words.v[i]);
	strv_clear(&words);
	for (size_t i = 0; i < p->directives.n; i++)
		strv_pushf(&lines, "%s %s", k->prefix, p->directives.v[i]);
	q = shquote(c->name);
	if (which == BATCH_CONTROLLER) {
		strv_pushf(&lines, "# hpctop cluster %s: the controller. It "
		    "listens on the node's", q);
		strv_push(&lines, "# interfaces and writes its connection files "
		    "into the IPython profile,");
		strv_push(&lines, "# in the home directory the engine nodes "
		    "share.");
	} else
		strv_pushf(&lines, "# hpctop cluster %s: %d engine%s%s", q,
		    batch_job_engines(c), batch_job_engines(c) == 1 ? "" : "s",
		    p->mpi ? " in one MPI world" : "");
	free(q);
	/* The job must use the IPython profile hpctop reads, whatever
	 * environment the scheduler gives it. */
	q = cluster_ipython_dir(c);
	strv_push_take(&words, shquote(q));
	free(q);
	strv_pushf(&lines, "export IPYTHONDIR=%s", words.v[0]);
	strv_clear(&words);
	for (size_t i = 0; i < p->nenv; i++) {
		q = shquote(p->env[i].value);
		strv_pushf(&lines, "export %s=%s", p->env[i].key, q);
		free(q);
	}
	strv_extend(&lines, &p->setup);
	if (which == BATCH_ENGINES && in_allocation(c)) {
		allocation_lines(k, c, &lines);
		strv_push(&lines, "");
		*out = strv_join(&lines, "\n");
		strv_clear(&lines);
		return 0;
	}
	if (which == BATCH_CONTROLLER) {
		if (p->controller.interface != NULL)
			interface_lines(p, &lines);
		controller_argv(c, &words);
	} else
		engines_argv(k, c, &words);
	strv_push_take(&lines, exec_line(&words, which == BATCH_CONTROLLER &&
	    p->controller.interface != NULL));
	strv_clear(&words);
	strv_push(&lines, "");
	*out = strv_join(&lines, "\n");
	strv_clear(&lines);
	return 0;
}

/* The argv of a submission, made runnable in cwd when the kind needs one
 * (argv stays untouched by any shell: sh only changes directory). */
static void
submit_command(const struct batch_kind *k, const struct cluster *c,
    enum batch_job which, const char *after, struct strv *argv, char **cwd)
{
	char *job = batch_job_name(c, which);
	char *script = batch_script_path(k, c, which);
	char *log = log_base(c, which);

	*cwd = NULL;
	k->submit_argv(c, job, script, log, after, argv, cwd);
	free(job);
	free(script);
	free(log);
}

static char *
render_submit(const struct batch_kind *k, const struct cluster *c,
    enum batch_job which)
{
	struct strv argv = STRV_INIT;
	char *cwd, *cmd, *mark, *line;

	submit_command(k, c, which, which == BATCH_ENGINES &&
	    c->profile->controller.placement == PROFILE_PLACEMENT_JOB ?
	    CTL_ID_MARK : NULL, &argv, &cwd);
	cmd = shquote_argv(strv_argv(&argv));
	strv_clear(&argv);
	mark = strstr(cmd, CTL_ID_MARK);
	if (mark != NULL) {
		*mark = '\0';
		line = xasprintf("%s$ctl%s", cmd, mark + strlen(CTL_ID_MARK));
		free(cmd);
		cmd = line;
	}
	if (cwd != NULL) {
		char *qd = shquote(cwd);

		line = xasprintf("cd %s && %s", qd, cmd);
		free(qd);
		free(cmd);
		cmd = line;
		free(cwd);
	}
	if (which == BATCH_CONTROLLER) {
		line = xasprintf("ctl=$(%s) || exit 1", cmd);
		free(cmd);
		return line;
	}
	return cmd;
}

/* What `hpctop script` says about where the controller runs. */
static void
placement_comment(const struct cluster *c, struct strv *lines)
{
	switch (c->profile->controller.placement) {
	case PROFILE_PLACEMENT_JOB:
		strv_push(lines, "# Two batch jobs. The engines job depends on "
		    "the controller job (after:");
		strv_push(lines, "# it becomes eligible once the controller job "
		    "has started), so engines");
		strv_push(lines, "# never hold nodes while the controller is "
		    "still queued.");
		break;
	case PROFILE_PLACEMENT_ALLOCATION:
		strv_push(lines, "# One batch job: its script starts the "
		    "controller on the job's first node,");
		strv_push(lines, "# then the engines.");
		break;
	case PROFILE_PLACEMENT_LOGIN:
		strv_pushf(lines, "# The controller runs on %s as a process "
		    "hpctop records and", c->host != NULL ? c->host :
		    "this machine");
		strv_push(lines, "# supervises (started first, as below); the "
		    "engines job then.");
		break;
	}
}

/* The jobs c's placement submits, in order: *n of them. */
static const enum batch_job *
placement_jobs(const struct cluster *c, size_t *n)
{
	static const enum batch_job two[] = { BATCH_CONTROLLER,
	    BATCH_ENGINES };

	if (c->profile->controller.placement == PROFILE_PLACEMENT_JOB) {
		*n = 2;
		return two;
	}
	*n = 1;
	return two + 1;
}

/* A here-document delimiter that is no line of text. */
static char *
delimiter(const char *text)
{
	for (int i = 0;; i++) {
		char *d = i == 0 ? xstrdup("HPCTOP_EOF") :
		    xasprintf("HPCTOP_EOF_%d", i);
		size_t dl = strlen(d);
		const char *p = text;
		bool found = false;

		while (*p != '\0' && !found) {
			const char *nl = strchr(p, '\n');
			size_t ll = nl != NULL ? (size_t)(nl - p) : strlen(p);

			found = ll == dl && memcmp(p, d, dl) == 0;
			p += ll + (nl != NULL);
		}
		if (!found)
			return d;
		free(d);
	}
}

/* controller.placement login: the address the controller listens on,
 * where it runs (c's host). The compute nodes must reach it: a loopback
 * address (what is left without controller.ip or controller.interface)
 * is refused unless allowed, and so is one this machine cannot listen
 * on. NULL with e saying why. */
static char *
login_addr(const struct cluster *c, struct err *e)
{
	const struct profile *p = c->profile;
	char *addr;
	struct err le;

	if (c->host == NULL || p->controller.interface == NULL)
		addr = proc_controller_addr(c, e);
	else {
		/* Looked up where it runs, as the controller job does. */
		addr = NULL;
		err_set(e, "controller.interface %s: with host %s give "
		    "controller.ip (an address of %s the compute nodes reach) "
		    "instead", p->controller.interface, c->host, c->host);
	}
	if (addr == NULL) {
		err_prefix(e, "controller.placement login");
		return NULL;
	}
	if (netif_loopback(addr) && !p->controller.allow_loopback) {
		err_set(e, "controller.placement login: the controller would "
		    "listen on %s, a loopback address, which the compute nodes "
		    "do not reach; set controller.interface to the interface "
		    "of the network they share with %s (or controller.ip to "
		    "its address there)", addr, c->host != NULL ? c->host :
		    "this machine");
		free(addr);
		return NULL;
	}
	if (c->host == NULL && strcmp(addr, "*") != 0 &&
	    netif_can_listen(addr, &le) == -1) {
		err_set(e, "controller.placement login: controller.ip: %s (set "
		    "it to an address of this machine the compute nodes reach, "
		    "or controller.interface to its interface)", le.msg);
		free(addr);
		return NULL;
	}
	return addr;
}

static int
login_spawn(const struct cluster *c, struct spawn *s, struct err *e)
{
	char *addr = login_addr(c, e);

	if (addr == NULL)
		return -1;
	proc_controller_spawn(c, addr, s);
	free(addr);
	return 0;
}

/* The line `hpctop script` shows for a controller on the login node. */
static int
login_line(const struct cluster *c, char **out, struct err *e)
{
	struct spawn s = { 0 };
	char *line;

	if (login_spawn(c, &s, e) == -1)
		return -1;
	line = spawn_render(&s);
	spawn_clear(&s);
	*out = c->host != NULL ? xasprintf("# on %s: %s", c->host, line) :
	    xstrdup(line);
	free(line);
	return 0;
}

int
batch_render(const struct batch_kind *k, const struct cluster *c,
    char **out, struct err *e)
{
	struct strv lines = STRV_INIT;
	char *q = shquote(c->name);
	size_t njobs;
	const enum batch_job *jobs = placement_jobs(c, &njobs);

	strv_push(&lines, "#!/bin/sh");
	strv_pushf(&lines, "# hpctop: cluster %s, backend %s, %d engine%s, "
	    "controller.placement %s", q, c->backend, c->engines,
	    c->engines == 1 ? "" : "s",
	    profile_placement_name(c->profile->controller.placement));
	free(q);
	placement_comment(c, &lines);
	strv_pushf(&lines, "# The engines wait up to %d s for the connection "
	    "file the controller writes.", PROC_URL_WAIT_S);
	{
		char *logs = paths_below(cluster_work_dir(c), "logs");

		q = shquote(logs);
		strv_pushf(&lines, "mkdir -p %s", q);
		free(q);
		free(logs);
	}
	for (size_t i = 0; i < njobs; i++) {
		char *body, *path, *d;

		if (batch_render_job(k, c, jobs[i], &body, e) == -1) {
			strv_clear(&lines);
			return -1;
		}
		path = batch_script_path(k, c, jobs[i]);
		q = shquote(path);
		d = delimiter(body);
		strv_pushf(&lines, "cat >%s <<'%s'", q, d);
		/* body ends with a newline already */
		strv_pushf(&lines, "%s%s", body, d);
		free(d);
		free(q);
		free(path);
		free(body);
	}
	if (c->profile->controller.placement == PROFILE_PLACEMENT_LOGIN) {
		char *line;

		if (login_line(c, &line, e) == -1) {
			strv_clear(&lines);
			return -1;
		}
		strv_push_take(&lines, line);
	}
	if (njobs == 2) {
		strv_push_take(&lines, render_submit(k, c, BATCH_CONTROLLER));
		if (strcmp(k->submit, "sbatch") == 0)
			strv_push(&lines, "ctl=${ctl%%;*}");
	}
	strv_push_take(&lines, render_submit(k, c, BATCH_ENGINES));
	strv_push(&lines, "");
	*out = strv_join(&lines, "\n");
	strv_clear(&lines);
	return 0;
}

char *
batch_remote_engines(const struct backend *b, const struct cluster *c)
{
	(void)c;
	return xasprintf("engines on the compute nodes %s gives", b->name);
}

char *
batch_parse_submit(const char *out)
{
	const char *p = out, *last = NULL;

	/* The id is the last word of the last non-empty line. */
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t ll = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *s = p, *end = p + ll;

		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s < end)
			last = p;
		p += ll + (nl != NULL);
	}
	if (last == NULL)
		return NULL;
	{
		const char *end = strchr(last, '\n'), *w;
		size_t n = 0;

		if (end == NULL)
			end = last + strlen(last);
		while (end > last && isspace((unsigned char)end[-1]))
			end--;
		w = end;
		while (w > last && !isspace((unsigned char)w[-1]))
			w--;
		/* --parsable prints "id;cluster". */
		while (w + n < end && w[n] != ';')
			n++;
		if (n == 0 || !isdigit((unsigned char)*w))
			return NULL;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)w[i]) &&
			    strchr("._-[]", w[i]) == NULL)
				return NULL;
		return xstrndup(w, n);
	}
}

static char *
trimmed(const char *s, size_t n)
{
	while (n > 0 && (isspace((unsigned char)*s) || *s == '\'')) {
		s++;
		n--;
	}
	while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] ==
	    '\''))
		n--;
	return xstrndup(s, n);
}

static char *
error_line(const char *text)
{
	const char *p = text, *best = NULL, *first = NULL;
	size_t bestlen = 0, firstlen = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t ll = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, ll);

		if (strstr(line, "error") != NULL || strstr(line,
		    "Error") != NULL || strstr(line, "ERROR") != NULL) {
			best = p;
			bestlen = ll;
		}
		if (first == NULL && strspn(line, " \t'") < ll) {
			first = p;
			firstlen = ll;
		}
		free(line);
		p += ll + (nl != NULL);
	}
	if (best != NULL)
		return trimmed(best, bestlen);
	return first != NULL ? trimmed(first, firstlen) : NULL;
}

char *
batch_submit_error(const char *out, const char *errout)
{
	char *m = error_line(errout);

	if (m == NULL)
		m = error_line(out);
	return m;
}

enum cluster_live
batch_live(const struct job_row *r)
{
	switch (r->state) {
	case JOB_QUEUED:
	case JOB_HELD:
		return CLUSTER_LIVE_PENDING;
	case JOB_COMPLETED:
		return CLUSTER_LIVE_GONE;
	case JOB_RUNNING:
	case JOB_EXITING:
	case JOB_UNKNOWN:
		break;
	}
	/* Anything still listed and not finished may hold resources. */
	return CLUSTER_LIVE_RUNNING;
}

int
batch_script(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	const struct batch_kind *k = b->batch;
	char *text;

	if (cluster_place(l, c, e) == -1 || batch_render(k, c, &text, e) == -1)
		return -1;
	free(c->script);
	c->script = text;
	proc_complete(l, c, NULL, cb, arg);
	return 0;
}

void
batch_in_dir(const struct strv *argv, const char *cwd, struct strv *out)
{
	if (cwd != NULL) {
		/* sh only changes directory; argv stays as it is. */
		strv_push(out, "sh");
		strv_push(out, "-c");
		strv_push(out, "cd \"$1\" || exit 1; shift; exec \"$@\"");
		strv_push(out, "sh");
		strv_push(out, cwd);
	}
	strv_extend(out, argv);
}

/* Runs argv on c's host as an async job. */
static struct host_job *
run_on(struct loop *l, const struct cluster *c, struct strv *argv,
    uint64_t timeout_ms, subproc_cb cb, void *arg, struct err *e)
{
	struct host *h = cluster_host(l, c, e);

	if (h == NULL)
		return NULL;
	return host_run(h, l, strv_argv(argv), NULL, NULL, 0, timeout_ms, cb,
	    arg, e);
}

/* Runs argv in cwd (NULL: anywhere) on c's host as an async job. */
static struct host_job *
run_in(struct loop *l, const struct cluster *c, struct strv *argv,
    const char *cwd, uint64_t timeout_ms, subproc_cb cb, void *arg,
    struct err *e)
{
	struct strv full = STRV_INIT;
	struct host_job *j;

	batch_in_dir(argv, cwd, &full);
	j = run_on(l, c, &full, timeout_ms, cb, arg, e);
	strv_clear(&full);
	return j;
}

static const char *
role_word(enum batch_job which)
{
	return which == BATCH_CONTROLLER ? "controller" : "engines";
}

struct submit {
	const struct batch_kind *k;
	enum batch_job which;
	struct cluster *c;
	char *log;
	backend_cb cb;
	void *arg;
};

static void
on_submitted(const struct subproc_result *r, void *arg)
{
	struct submit *s = arg;
	const struct batch_kind *k = s->k;
	struct cluster *c = s->c;
	char *id = NULL, *name, *log;
	struct err e;

	err_clear(&e);
	if (r->exit_code == -1 || r->timed_out) {
		e = r->err;
		if (r->timed_out)
			err_prefix(&e, "%s job (it may have been queued all "
			    "the same: check %s)", role_word(s->which), k->query);
		else
			err_prefix(&e, "%s job", role_word(s->which));
	} else if (!r->ok) {
		char *why = batch_submit_error(r->out, r->errout);

		err_set(&e, "%s job: %s exited with status %d%s%s",
		    role_word(s->which), k->submit, r->exit_code,
		    why != NULL ? ": " : "", why != NULL ? why : "");
		free(why);
	} else if ((id = batch_parse_submit(r->out)) == NULL) {
		char *what = error_line(r->out);

		err_set(&e, "%s job: %s printed no job id (%s)",
		    role_word(s->which), k->submit, what != NULL ? what :
		    "no output");
		free(what);
	}
	if (id != NULL) {
		name = batch_job_name(c, s->which);
		log = k->log_path(c, name, s->log, id);
		if (s->which == BATCH_ENGINES && in_allocation(c)) {
			char *clog = log_base(c, BATCH_CONTROLLER);

			/* The controller is recorded first, as a controller
			 * job is, with the job it runs in. */
			cluster_add_proc(c, CLUSTER_CONTROLLER, ALLOC_CTL_NAME,
			    0, id, 0, NULL, clog);
			free(clog);
		}
		cluster_add_proc(c, s->which == BATCH_CONTROLLER ?
		    CLUSTER_CONTROLLER : CLUSTER_ENGINES, name, 0, id,
		    s->which == BATCH_ENGINES ? batch_job_engines(c) : 0, NULL,
		    log);
		free(name);
		free(log);
		free(id);
	}
	s->cb(c, e.msg[0] != '\0' ? &e : NULL, s->arg);
	free(s->log);
	free(s);
}

static const char *
controller_job_id(const struct cluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_CONTROLLER &&
		    c->procs[i].job_id != NULL)
			return c->procs[i].job_id;
	return NULL;
}

static int
write_script(const struct batch_kind *k, struct loop *l,
    const struct cluster *c, enum batch_job which, struct err *e)
{
	struct host *h = cluster_host(l, c, e);
	char *body, *path;
	int rc;

	if (h == NULL || batch_render_job(k, c, which, &body, e) == -1)
		return -1;
	path = batch_script_path(k, c, which);
	rc = host_write_file(h, l, path, body, strlen(body), 0700, e);
	free(path);
	free(body);
	return rc;
}

static int
write_scripts(const struct batch_kind *k, struct loop *l,
    const struct cluster *c, struct err *e)
{
	size_t njobs;
	const enum batch_job *jobs = placement_jobs(c, &njobs);

	for (size_t i = 0; i < njobs; i++)
		if (write_script(k, l, c, jobs[i], e) == -1)
			return -1;
	return 0;
}

/* What the first submission needs: the IPython profile's directories,
 * no stale engine state or engine file, the job scripts written. */
static int
prepare_jobs(const struct batch_kind *k, struct loop *l,
    const struct cluster *c, struct err *e)
{
	char *found;

	/* On another machine the submission itself says whether the
	 * scheduler's client is there. */
	if (c->host != NULL)
		return proc_prepare_host(l, c, e) == -1 ? -1 :
		    write_scripts(k, l, c, e);
	found = spawn_which(k->submit, NULL);
	if (found == NULL)
		return err_set(e, "%s: command '%s' not found on PATH (is the "
		    "scheduler's client installed here?)", c->backend,
		    k->submit);
	free(found);
	if (proc_prepare_profile(c, e) == -1 || write_scripts(k, l, c, e) == -1)
		return -1;
	/* A stale engine file would send engines to an old address. */
	if (c->engine_file != NULL)
		unlink(c->engine_file);
	return 0;
}

/* controller.placement login: the controller as a process on c's host,
 * recorded as the process backends record theirs; the engines job is
 * submitted next, with no dependency. */
static int
login_start(const struct batch_kind *k, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	struct spawn s = { 0 };
	struct host *h = cluster_host(l, c, e);
	int rc;

	if (h == NULL || (c->host == NULL && proc_check_command(c,
	    "controller", c->profile->controller.command.v[0], e) == -1) ||
	    login_spawn(c, &s, e) == -1)
		return -1;
	rc = prepare_jobs(k, l, c, e);
	if (rc == 0)
		rc = proc_spawn_on(l, h, c, &s, CLUSTER_CONTROLLER,
		    "ipcontroller", 0, e);
	spawn_clear(&s);
	if (rc == 0 && c->host == NULL)
		proc_fill_starts(l, c);
	if (rc == 0)
		proc_complete(l, c, NULL, cb, arg);
	return rc;
}

static int
start_job(const struct batch_kind *k, enum batch_job which,
    struct loop *l, struct cluster *c, backend_cb cb, void *arg,
    struct err *e)
{
	struct strv argv = STRV_INIT;
	const char *after = NULL;
	struct submit *s;
	char *cwd;
	struct host_job *j;

	/* In an allocation the engines job is the controller's: it is
	 * submitted when the controller would be, and nothing after. */
	if (in_allocation(c) && which == BATCH_ENGINES) {
		proc_complete(l, c, NULL, cb, arg);
		return 0;
	}
	if (which == BATCH_CONTROLLER) {
		if (prepare_jobs(k, l, c, e) == -1)
			return -1;
	} else {
		if (c->profile->controller.placement == PROFILE_PLACEMENT_JOB &&
		    (after = controller_job_id(c)) == NULL)
			return err_set(e, "%s: engines job: no controller job "
			    "to depend on", c->backend);
		/* A set added to a running cluster: its own script. */
		if (c->add_set > 0 &&
		    write_script(k, l, c, BATCH_ENGINES, e) == -1)
			return -1;
	}
	if (in_allocation(c))
		which = BATCH_ENGINES;
	submit_command(k, c, which, after, &argv, &cwd);
	s = xcalloc(1, sizeof *s);
	s->k = k;
	s->which = which;
	s->c = c;
	s->log = log_base(c, which);
	s->cb = cb;
	s->arg = arg;
	j = run_in(l, c, &argv, cwd, BATCH_SUBMIT_TIMEOUT_MS, on_submitted, s,
	    e);
	strv_clear(&argv);
	free(cwd);
	if (j == NULL) {
		free(s->log);
		free(s);
		return -1;
	}
	return 0;
}

/* Scheduler ids compare by their leading number when one side carries a
 * server suffix the other lacks or has cut short ("123" / "123.server" /
 * "123.serv"), as qsub and qstat print them. */
static bool
same_id(const char *a, const char *b)
{
	size_t na = strcspn(a, "."), nb = strcspn(b, ".");
	const char *sa = a + na, *sb = b + nb;
	size_t la = strlen(sa), lb = strlen(sb);

	if (strcmp(a, b) == 0)
		return true;
	if (na != nb || na == 0 || memcmp(a, b, na) != 0)
		return false;
	return la == 0 || lb == 0 || strncmp(sa, sb, la < lb ? la : lb) == 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
copy_row(struct job_row *d, const struct job_row *s)
{
	d->id = dup_or_null(s->id);
	d->name = dup_or_null(s->name);
	d->user = dup_or_null(s->user);
	d->queue = dup_or_null(s->queue);
	d->nodes = s->nodes;
	d->tasks = s->tasks;
	d->mem = dup_or_null(s->mem);
	d->time_req = dup_or_null(s->time_req);
	d->time_limit = s->time_limit;
	d->time_left = s->time_left;
	d->start_at = s->start_at;
	d->state = s->state;
	d->raw_state = dup_or_null(s->raw_state);
	d->elapsed = s->elapsed;
	d->nodelist = dup_or_null(s->nodelist);
	d->layout = dup_or_null(s->layout);
	d->reason = dup_or_null(s->reason);
	d->pid = s->pid;
}

static bool
has_job(const struct cluster *c, const char *id)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].job_id != NULL &&
		    same_id(c->procs[i].job_id, id))
			return true;
	return false;
}

/* Adds to c a proc for each live job of t named as c's jobs are that c
 * does not list: what a start killed between submitting and recording
 * left, or what a lost record held. */
static void
adopt_named(struct cluster *c, const struct job_table *t)
{
	/* Controller jobs first, as start records them. */
	for (int which = BATCH_CONTROLLER; which <= BATCH_ENGINES; which++) {
		char *name = batch_job_name(c, (enum batch_job)which);

		for (size_t i = 0; i < t->n; i++) {
			const struct job_row *row = &t->v[i];

			if (row->id == NULL || row->name == NULL ||
			    strcmp(row->name, name) != 0 ||
			    batch_live(row) == CLUSTER_LIVE_GONE ||
			    has_job(c, row->id))
				continue;
			cluster_add_proc(c, which == BATCH_CONTROLLER ?
			    CLUSTER_CONTROLLER : CLUSTER_ENGINES, row->name, 0,
			    row->id, 0, NULL, NULL);
		}
		free(name);
	}
}

/* The first node of a job's node list: "cn1" of "cn[1-2]" or "cn1,cn2". */
static char *
first_node(const char *nodelist)
{
	size_t n = strcspn(nodelist, ",[");
	struct strv all = STRV_INIT;
	struct err e;
	char *first;

	if (nodelist[n] != '[' || nodes_expand(nodelist, &all, &e) == -1 ||
	    all.n == 0) {
		strv_clear(&all);
		return xstrndup(nodelist, n);
	}
	first = xstrdup(all.v[0]);
	strv_clear(&all);
	return first;
}

/* Rebuilds c->jobs from the scheduler's table t (NULL: no usable answer,
 * for the reason `why`, so nothing is known: the recorded jobs are shown
 * as unknown, never as ended). */
static void
distribute(const struct batch_kind *kind, struct cluster *c,
    const struct job_table *t, const char *why,
    const struct procsnap *ps, const char *ps_why)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t != NULL && !c->complete)
		adopt_named(c, t);
	jobtab_clear(&c->jobs);
	if (t != NULL)
		c->jobs.skipped = t->skipped;
	for (size_t i = 0; i < c->nprocs; i++) {
		struct cluster_proc *pr = &c->procs[i];
		const struct job_row *found = NULL;
		struct job_row *r;

		if (pr->job_id == NULL) {
			/* A controller on the login node (placement login). */
			if (pr->pid > 0)
				proc_row(c, ps, ps_why, (double)ts.tv_sec +
				    (double)ts.tv_nsec / 1e9, pr,
				    jobtab_append(&c->jobs));
			continue;
		}
		for (size_t k = 0; t != NULL && k < t->n && found == NULL; k++)
			if (t->v[k].id != NULL && same_id(t->v[k].id,
			    pr->job_id))
				found = &t->v[k];
		r = jobtab_append(&c->jobs);
		if (found != NULL) {
			copy_row(r, found);
			free(r->id);
			r->id = xstrdup(pr->job_id);
			/* A controller in the engines' job is one task of it. */
			if (pr->role == CLUSTER_CONTROLLER &&
			    cluster_proc_shares_job(c, pr)) {
				free(r->name);
				r->name = xstrdup(pr->name);
				r->tasks = 1;
			}
			pr->live = batch_live(found);
			if (pr->live == CLUSTER_LIVE_RUNNING &&
			    found->nodelist != NULL) {
				free(pr->host);
				pr->host = first_node(found->nodelist);
			}
			continue;
		}
		r->id = xstrdup(pr->job_id);
		r->name = xstrdup(pr->name);
		/* A job missing from an answer with malformed lines may be
		 * one of them: not known to have ended. */
		if (t == NULL || t->skipped > 0) {
			pr->live = CLUSTER_LIVE_UNKNOWN;
			r->raw_state = xstrdup("unknown");
			r->reason = t == NULL ? xstrdup(why) :
			    xasprintf("%s output unreadable", kind->query);
		} else {
			/* No longer listed: it ended long enough ago. */
			pr->live = CLUSTER_LIVE_GONE;
			r->state = JOB_COMPLETED;
			r->raw_state = xstrdup("gone");
		}
	}
}

struct poller {
	const struct batch_kind *k;
	struct cluster **cs;
	size_t n;
	backend_poll_cb cb;
	void *arg;
	/* After the query: the jobs' tasks per node, one command at a
	 * time (layout_argv), before cb. */
	struct loop *loop;
	struct err e;
	bool failed;
	/* The query's answer while the login node's processes are asked. */
	struct job_table t;
	char *why;
	size_t ci;		/* the cluster being looked at */
	char *want_id;		/* the job whose layout is being asked */
};

/* The rows of the user's job listing (run_query's result) into t; -1
 * with why when the query failed or its output is unreadable. */
static int
read_query(const struct batch_kind *k, const struct subproc_result *r,
    struct job_table *t, struct err *e)
{
	err_clear(e);
	if (!r->ok) {
		*e = r->err;
		return -1;
	}
	if (k->parse(r->out, r->outlen, t, e) < 0)
		return err_prefix(e, "%s output", k->query);
	return 0;
}

/* The running engines job of cluster c with id, in c->jobs. */
static struct job_row *
engines_row(struct cluster *c, const char *id)
{
	for (size_t i = 0; i < c->jobs.n; i++)
		if (c->jobs.v[i].id != NULL && strcmp(c->jobs.v[i].id, id) == 0)
			return &c->jobs.v[i];
	return NULL;
}

static char *
layout_key(const char *id)
{
	return xasprintf("layout.%s", id);
}

/* The next running engines job of po's clusters whose tasks per node
 * the query did not say and the profile does not fix (tasks_per_node),
 * from po->ci on. One asked before (kept in the record's meta as
 * "layout.ID", "" when it could not be told) is filled in on the way:
 * a running job's layout does not change. */
static struct job_row *
layout_wanted(struct poller *po)
{
	for (; po->ci < po->n; po->ci++) {
		struct cluster *c = po->cs[po->ci];

		if (c->profile != NULL && c->profile->tasks_per_node > 0)
			continue;
		for (size_t i = 0; i < c->nprocs; i++) {
			const struct cluster_proc *pr = &c->procs[i];
			struct job_row *r;
			const char *known;
			char *key;

			if (pr->role != CLUSTER_ENGINES || pr->job_id == NULL)
				continue;
			r = engines_row(c, pr->job_id);
			/* On one node, all its tasks are there. */
			if (r == NULL || r->state != JOB_RUNNING ||
			    r->nodelist == NULL || r->layout != NULL ||
			    strpbrk(r->nodelist, ",[") == NULL)
				continue;
			key = layout_key(pr->job_id);
			known = cluster_meta_get(c, key);
			free(key);
			if (known == NULL)
				return r;
			if (*known != '\0')
				r->layout = xstrdup(known);
		}
	}
	return NULL;
}

static void on_layout(const struct subproc_result *res, void *arg);

/* Asks for the next layout the query left out, or finishes the poll. */
static void
next_layout(struct poller *po)
{
	struct job_row *r = po->k->layout_argv != NULL && !po->failed ?
	    layout_wanted(po) : NULL;
	struct strv argv = STRV_INIT;
	struct err e;

	if (r != NULL) {
		po->want_id = xstrdup(r->id);
		po->k->layout_argv(r->id, &argv);
		if (run_on(po->loop, po->cs[po->ci], &argv,
		    BATCH_QUERY_TIMEOUT_MS, on_layout, po, &e) != NULL) {
			strv_clear(&argv);
			return;
		}
		/* Nothing more is asked this time; the engines are matched
		 * against the guess. */
		strv_clear(&argv);
		free(po->want_id);
		po->want_id = NULL;
	}
	po->cb(po->cs, po->n, po->failed ? &po->e : NULL, po->arg);
	free(po);
}

static void
on_layout(const struct subproc_result *res, void *arg)
{
	struct poller *po = arg;
	struct cluster *c = po->cs[po->ci];
	struct job_row *r = engines_row(c, po->want_id);
	char *layout = res->ok && r != NULL ? po->k->layout_parse(res->out,
	    res->outlen, r->nodelist) : NULL, *key = layout_key(po->want_id);

	cluster_meta_set(c, key, layout != NULL ? layout : "");
	free(key);
	if (r != NULL)
		r->layout = layout;
	else
		free(layout);
	free(po->want_id);
	po->want_id = NULL;
	next_layout(po);
}

static void
distribute_all(struct poller *po, const struct procsnap *ps,
    const char *ps_why)
{
	for (size_t i = 0; i < po->n; i++)
		distribute(po->k, po->cs[i], po->failed ? NULL : &po->t,
		    po->why, ps, ps_why);
	free(po->why);
	po->why = NULL;
	jobtab_clear(&po->t);
	next_layout(po);
}

static void
on_login_procs(struct procsnap *ps, const struct err *e, void *arg)
{
	distribute_all(arg, ps, e != NULL ? e->msg : NULL);
	if (ps != NULL) {
		procsnap_free(ps);
		free(ps);
	}
}

/* The processes of the login node (the hosts' clusters share a host):
 * where the controllers of placement login run. */
static void
ask_login(struct poller *po)
{
	struct err e;
	struct host *h = cluster_host(po->loop, po->cs[0], &e);

	if (h == NULL || host_procs(h, po->loop, CLUSTER_ENV, on_login_procs,
	    po, &e) == -1)
		distribute_all(po, NULL, e.msg);
}

static void
on_query(const struct subproc_result *r, void *arg)
{
	struct poller *po = arg;
	struct job_table t = { 0 };
	struct err e;
	bool failed = read_query(po->k, r, &t, &e) == -1;
	char *why = NULL;

	if (failed && !r->ok)
		why = xasprintf(r->timed_out ? "%s did not answer" :
		    "%s failed", po->k->query);
	else if (failed)
		why = xasprintf("%s output unreadable", po->k->query);
	po->t = t;
	po->why = why;
	po->e = e;
	po->failed = failed;
	for (size_t i = 0; i < po->n; i++)
		for (size_t j = 0; j < po->cs[i]->nprocs; j++)
			if (po->cs[i]->procs[j].job_id == NULL &&
			    po->cs[i]->procs[j].pid > 0) {
				ask_login(po);
				return;
			}
	distribute_all(po, NULL, NULL);
}

int
batch_start_controller(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	if (c->profile->controller.placement == PROFILE_PLACEMENT_LOGIN)
		return login_start(b->batch, l, c, cb, arg, e);
	return start_job(b->batch, BATCH_CONTROLLER, l, c, cb, arg, e);
}

int
batch_start_engines(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	return start_job(b->batch, BATCH_ENGINES, l, c, cb, arg, e);
}

static void
on_nothing_polled(void *arg)
{
	struct poller *po = arg;

	po->cb(po->cs, 0, NULL, po->arg);
	free(po);
}

/* Starts the scheduler's listing of this user's jobs (the one query that
 * both polling and adopting read); done gets its result. */
static int
run_query(const struct batch_kind *k, const struct cluster *c,
    struct loop *l, subproc_cb done, void *arg, struct err *e)
{
	struct strv argv = STRV_INIT;
	char *user = cluster_user(l, c, e);
	struct host_job *j;

	if (user == NULL)
		return err_prefix(e, "%s: cannot tell which user's jobs to list",
		    c->backend);
	k->query_argv(user, &argv);
	free(user);
	j = run_on(l, c, &argv, BATCH_QUERY_TIMEOUT_MS, done, arg, e);
	strv_clear(&argv);
	return j == NULL ? -1 : 0;
}

static int
poll_kind(const struct batch_kind *k, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e)
{
	struct poller *po = xcalloc(1, sizeof *po);

	po->k = k;
	po->cs = cs;
	po->n = n;
	po->cb = cb;
	po->arg = arg;
	po->loop = l;
	if (run_query(k, cs[0], l, on_query, po, e) < 0) {
		free(po);
		return -1;
	}
	return 0;
}

enum stop_phase {
	STOP_CANCEL_ENGINES,
	STOP_CANCEL_CONTROLLER,
	STOP_WAIT,
	STOP_WAIT_KILLED,
};

struct stopper {
	const struct batch_kind *k;
	struct loop *loop;
	struct cluster *c;
	struct cluster *cs[1];	/* what poll is given */
	backend_cb cb;
	void *arg;
	enum stop_phase phase;
	uint64_t deadline;
	struct err last;	/* the last poll failure, if any */
	bool poll_failed;
	int only_set;		/* the engine set to stop; -1: everything */
	/* The login node's controller, once the jobs are done: the signal
	 * sent last (0: none yet), until when to wait, the jobs' outcome. */
	int login_sig;
	uint64_t login_deadline;
	struct err jobs_err;
	bool jobs_failed;
};

/* Whether the job pr is one of what st stops. */
static bool
stops(const struct stopper *st, const struct cluster_proc *pr)
{
	return pr->job_id != NULL && (st->only_set < 0 ||
	    (pr->role == CLUSTER_ENGINES && pr->set == st->only_set));
}

static void stop_next(struct stopper *st);
static void login_stop_poll(struct stopper *st);

static void
stop_done(struct stopper *st, const struct err *e)
{
	st->cb(st->c, e, st->arg);
	free(st);
}

/* c's controller on the login node (placement login), if not known gone. */
static struct cluster_proc *
login_proc(struct cluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_CONTROLLER &&
		    c->procs[i].job_id == NULL && c->procs[i].pid > 0 &&
		    c->procs[i].live != CLUSTER_LIVE_GONE)
			return &c->procs[i];
	return NULL;
}

static void
login_stop_end(struct stopper *st, const struct err *e)
{
	stop_done(st, st->jobs_failed ? &st->jobs_err : e);
}

/* SIGTERM (then SIGKILL) to the controller's process group on its host,
 * as the process backends stop theirs; polled until gone. */
static void
login_signal(struct stopper *st, int sig)
{
	struct cluster_proc *pr = login_proc(st->c);
	struct host *h;
	struct err e;

	st->login_sig = sig;
	st->login_deadline = loop_now() + (sig == SIGTERM ?
	    BATCH_STOP_KILL_WAIT_MS : BATCH_STOP_KILL_WAIT_MS / 3);
	h = cluster_host(st->loop, st->c, &e);
	if (pr == NULL || h == NULL ||
	    host_signal(h, st->loop, &pr->pid, 1, sig, &e) == -1) {
		login_stop_end(st, pr == NULL ? NULL : &e);
		return;
	}
	login_stop_poll(st);
}

static void
on_login_stop_tick(void *arg)
{
	login_stop_poll(arg);
}

static void
on_login_stop_procs(struct procsnap *ps, const struct err *e, void *arg)
{
	struct stopper *st = arg;
	struct cluster_proc *pr = login_proc(st->c);
	struct err le;
	bool alive;

	if (ps == NULL) {
		le = *e;
		err_prefix(&le, "controller (pid %ld)", pr != NULL ?
		    (long)pr->pid : 0L);
		login_stop_end(st, &le);
		return;
	}
	alive = pr != NULL && (procfs_proc_alive(st->c, ps, pr) ||
	    procfs_proc_pids(st->c, ps, pr, NULL) > 0);
	procsnap_free(ps);
	free(ps);
	if (!alive) {
		if (pr != NULL)
			pr->live = CLUSTER_LIVE_GONE;
		login_stop_end(st, NULL);
	} else if (loop_now() < st->login_deadline)
		loop_timer_add(st->loop, BATCH_STOP_TICK_MS,
		    on_login_stop_tick, st);
	else if (st->login_sig == SIGTERM)
		login_signal(st, SIGKILL);
	else {
		err_set(&le, "%s: controller (pid %ld) on %s still running "
		    "after SIGKILL", st->c->backend, (long)pr->pid,
		    pr->host != NULL ? pr->host : "this machine");
		login_stop_end(st, &le);
	}
}

static void
login_stop_poll(struct stopper *st)
{
	struct err e;
	struct host *h = cluster_host(st->loop, st->c, &e);

	if (h == NULL || host_procs(h, st->loop, CLUSTER_ENV,
	    on_login_stop_procs, st, &e) == -1)
		login_stop_end(st, &e);
}

/* The jobs are done (e: why not all); a controller on the login node is
 * stopped after them, so the engines unregister from a live controller. */
static void
stop_finish(struct stopper *st, const struct err *e)
{
	if (login_proc(st->c) == NULL) {
		stop_done(st, e);
		return;
	}
	st->jobs_failed = e != NULL;
	if (e != NULL)
		st->jobs_err = *e;
	login_signal(st, SIGTERM);
}

/* The ids of c's jobs of one role (all roles: both true) that the last
 * poll did not see gone. */
static void
live_ids(const struct stopper *st, bool engines, bool controller,
    struct strv *out)
{
	const struct cluster *c = st->c;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		bool want = pr->role == CLUSTER_ENGINES ? engines : controller;

		if (want && stops(st, pr) && pr->live != CLUSTER_LIVE_GONE &&
		    !strv_contains(out, pr->job_id))
			strv_push(out, pr->job_id);
	}
}

static void
on_cancelled(const struct subproc_result *r, void *arg)
{
	struct stopper *st = arg;
	struct err e;

	/* A job that ended already makes qdel fail: the polls tell what is
	 * left. A cancel command that cannot run at all is fatal. */
	if (r->exit_code == -1 || r->timed_out) {
		e = r->err;
		stop_finish(st, &e);
		return;
	}
	stop_next(st);
}

static int
cancel(struct stopper *st, const struct strv *ids, bool hard, struct err *e)
{
	struct strv argv = STRV_INIT;
	struct host_job *j;

	st->k->cancel_argv(hard, &argv);
	strv_extend(&argv, ids);
	j = run_on(st->loop, st->c, &argv, BATCH_CANCEL_TIMEOUT_MS,
	    on_cancelled, st, e);
	strv_clear(&argv);
	return j != NULL ? 0 : -1;
}

static void
on_stop_tick(void *arg)
{
	stop_next(arg);
}

static void
survivors(const struct stopper *st, struct err *e)
{
	struct strv what = STRV_INIT;
	char *list;

	for (size_t i = 0; i < st->c->nprocs; i++) {
		const struct cluster_proc *pr = &st->c->procs[i];

		if (stops(st, pr) && pr->live != CLUSTER_LIVE_GONE)
			strv_pushf(&what, "%s job %s (%s)",
			    pr->role == CLUSTER_CONTROLLER ? "controller" :
			    "engines", pr->job_id, pr->name);
	}
	list = strv_join(&what, ", ");
	if (st->poll_failed)
		err_set(e, "%s: cannot tell whether %s ended: %s",
		    st->c->backend,
		    list != NULL ? list : "the jobs", st->last.msg);
	else
		err_set(e, "%s: %s still listed by %s after %s",
		    st->c->backend,
		    list != NULL ? list : "jobs", st->k->query, st->k->cancel);
	free(list);
	strv_clear(&what);
}

static void
on_stop_polled(struct cluster **cs, size_t n, const struct err *e,
    void *arg)
{
	struct stopper *st = arg;
	struct strv ids = STRV_INIT;
	struct err ce;
	bool alive = false;

	(void)cs;
	(void)n;
	st->poll_failed = e != NULL;
	if (e != NULL)
		st->last = *e;
	for (size_t i = 0; i < st->c->nprocs; i++)
		if (stops(st, &st->c->procs[i]) &&
		    st->c->procs[i].live != CLUSTER_LIVE_GONE)
			alive = true;
	if (!alive) {
		stop_finish(st, NULL);
		return;
	}
	if (loop_now() < st->deadline) {
		loop_timer_add(st->loop, BATCH_STOP_TICK_MS, on_stop_tick, st);
		return;
	}
	if (st->phase == STOP_WAIT_KILLED) {
		survivors(st, &ce);
		stop_finish(st, &ce);
		return;
	}
	st->phase = STOP_WAIT_KILLED;
	st->deadline = loop_now() + BATCH_STOP_KILL_WAIT_MS;
	live_ids(st, true, true, &ids);
	/* on_cancelled goes on with the next poll */
	if (cancel(st, &ids, true, &ce) == -1)
		stop_finish(st, &ce);
	strv_clear(&ids);
}

static void
stop_next(struct stopper *st)
{
	struct strv ids = STRV_INIT;
	struct err e;
	int rc = 0;

	switch (st->phase) {
	case STOP_CANCEL_ENGINES:
		/* Engines first: the controller then exits cleanly on
		 * SIGTERM and removes its connection files. */
		st->phase = STOP_CANCEL_CONTROLLER;
		live_ids(st, false, true, &ids);
		if (ids.n > 0) {
			rc = cancel(st, &ids, false, &e);
			break;
		}
		/* FALLTHROUGH */
	case STOP_CANCEL_CONTROLLER:
		st->phase = STOP_WAIT;
		st->deadline = loop_now() + BATCH_STOP_GRACE_MS;
		/* FALLTHROUGH */
	case STOP_WAIT:
	case STOP_WAIT_KILLED:
		rc = poll_kind(st->k, st->loop, st->cs, 1, on_stop_polled, st,
		    &e);
		break;
	}
	strv_clear(&ids);
	if (rc == -1)
		stop_finish(st, &e);
}

static bool
same_host(const struct cluster *a, const struct cluster *b)
{
	return a->host == NULL ? b->host == NULL : b->host != NULL &&
	    strcmp(a->host, b->host) == 0;
}

/* Clusters on several hosts: one query per host, all answers joined
 * into one callback (the first failure is the batch's). */
struct poll_join {
	struct cluster **cs;
	size_t n;
	backend_poll_cb cb;
	void *arg;
	struct cluster ***parts;
	size_t nparts;
	size_t pending;
	struct err e;
	bool failed;
};

static void
on_part_polled(struct cluster **cs, size_t n, const struct err *e,
    void *arg)
{
	struct poll_join *pj = arg;

	(void)cs;
	(void)n;
	if (e != NULL && !pj->failed) {
		pj->failed = true;
		pj->e = *e;
	}
	if (--pj->pending > 0)
		return;
	pj->cb(pj->cs, pj->n, pj->failed ? &pj->e : NULL, pj->arg);
	for (size_t i = 0; i < pj->nparts; i++)
		free(pj->parts[i]);
	free(pj->parts);
	free(pj);
}

static int
poll_hosts(const struct batch_kind *k, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e)
{
	struct poll_join *pj = xcalloc(1, sizeof *pj);
	bool *taken = xcalloc(n, sizeof *taken);
	struct err pe;

	pj->cs = cs;
	pj->n = n;
	pj->cb = cb;
	pj->arg = arg;
	pj->parts = xcalloc(n, sizeof *pj->parts);
	for (size_t i = 0; i < n; i++) {
		struct cluster **part;
		size_t np = 0;

		if (taken[i])
			continue;
		part = xcalloc(n, sizeof *part);
		for (size_t j = i; j < n; j++)
			if (!taken[j] && same_host(cs[i], cs[j])) {
				taken[j] = true;
				part[np++] = cs[j];
			}
		pj->parts[pj->nparts++] = part;
		pj->pending++;
		/* A host that cannot be asked fails its own clusters only:
		 * their jobs are shown unknown, as a scheduler that does not
		 * answer leaves them. */
		if (poll_kind(k, l, part, np, on_part_polled, pj, &pe) == -1) {
			for (size_t j = 0; j < np; j++)
				distribute(k, part[j], NULL, pe.msg, NULL,
				    pe.msg);
			if (!pj->failed) {
				pj->failed = true;
				pj->e = pe;
			}
			pj->pending--;
		}
	}
	free(taken);
	if (pj->pending == 0) {
		*e = pj->e;
		for (size_t i = 0; i < pj->nparts; i++)
			free(pj->parts[i]);
		free(pj->parts);
		free(pj);
		return -1;
	}
	return 0;
}

int
batch_poll(const struct backend *b, struct loop *l, struct cluster **cs,
    size_t n, backend_poll_cb cb, void *arg, struct err *e)
{
	struct poller *po;
	bool one_host = true;

	for (size_t i = 1; i < n; i++)
		one_host = one_host && same_host(cs[0], cs[i]);
	if (n > 0 && !one_host)
		return poll_hosts(b->batch, l, cs, n, cb, arg, e);
	if (n > 0)
		return poll_kind(b->batch, l, cs, n, cb, arg, e);
	po = xcalloc(1, sizeof *po);
	po->cs = cs;
	po->cb = cb;
	po->arg = arg;
	loop_timer_add(l, 0, on_nothing_polled, po);
	return 0;
}

/* Cancels the engines job, then goes on with stop_next. */
static int
stop_begin(struct stopper *st, struct err *e)
{
	struct strv ids = STRV_INIT;
	int rc = 0;

	st->phase = STOP_CANCEL_ENGINES;
	live_ids(st, true, false, &ids);
	if (ids.n > 0)
		rc = cancel(st, &ids, false, e);
	else
		loop_timer_add(st->loop, 0, on_stop_tick, st);
	strv_clear(&ids);
	return rc;
}

static void
on_stop_adopted(struct cluster **cs, size_t n, const struct err *e,
    void *arg)
{
	struct stopper *st = arg;
	struct err se;

	(void)cs;
	(void)n;
	(void)e;
	if (stop_begin(st, &se) == -1)
		stop_finish(st, &se);
}

int
batch_stop_set(const struct backend *b, struct loop *l, struct cluster *c,
    int set, backend_cb cb, void *arg, struct err *e)
{
	struct stopper *st = xcalloc(1, sizeof *st);

	st->k = b->batch;
	st->loop = l;
	st->c = c;
	st->cs[0] = c;
	st->cb = cb;
	st->arg = arg;
	st->only_set = set;
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_ENGINES && c->procs[i].set == set &&
		    cluster_proc_shares_job(c, &c->procs[i])) {
			free(st);
			return err_set(e, "set %d runs the controller too (in "
			    "allocation %s): 'hpctop stop %s' stops the cluster",
			    set, c->procs[i].job_id, c->name);
		}
	if (stop_begin(st, e) == -1) {
		free(st);
		return -1;
	}
	return 0;
}

int
batch_stop(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	const struct batch_kind *k = b->batch;
	struct stopper *st = xcalloc(1, sizeof *st);
	int rc;

	st->only_set = -1;
	st->k = k;
	st->loop = l;
	st->c = c;
	st->cs[0] = c;
	st->cb = cb;
	st->arg = arg;
	/* A start that did not finish may have submitted jobs it did not
	 * record: one poll finds them by name first. */
	if (!c->complete)
		rc = poll_kind(k, l, st->cs, 1, on_stop_adopted, st, e);
	else
		rc = stop_begin(st, e);
	if (rc == -1)
		free(st);
	return rc;
}

struct adopter {
	const struct batch_kind *k;
	struct cluster *c;
	backend_cb cb;
	void *arg;
};

static void
on_adopt_query(const struct subproc_result *r, void *arg)
{
	struct adopter *ad = arg;
	struct job_table t = { 0 };
	struct err e;
	bool failed = read_query(ad->k, r, &t, &e) == -1;

	if (!failed)
		adopt_named(ad->c, &t);
	jobtab_clear(&t);
	ad->cb(ad->c, failed ? &e : NULL, ad->arg);
	free(ad);
}

int
batch_adopt_named(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	const struct batch_kind *k = b->batch;
	struct adopter *ad = xcalloc(1, sizeof *ad);

	ad->k = k;
	ad->c = c;
	ad->cb = cb;
	ad->arg = arg;
	if (run_query(k, c, l, on_adopt_query, ad, e) < 0) {
		free(ad);
		return -1;
	}
	return 0;
}
