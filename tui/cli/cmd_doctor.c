#include "cmd_doctor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/batch.h"
#include "backends/mpi.h"
#include "backends/proc.h"
#include "cli.h"
#include "clustercli.h"
#include "core/backend.h"
#include "core/clusterop.h"
#include "core/doctor.h"
#include "core/file.h"
#include "core/subproc.h"
#include "core/loop.h"
#include "core/mpiworld.h"
#include "core/netif.h"
#include "core/paths.h"
#include "core/shquote.h"
#include "core/units.h"
#include "core/xmalloc.h"

#define TIMEOUT_DEFAULT_S 60
#define TIMEOUT_MAX_S 3600
#define POLL_EVERY_MS 2000
/* Commands on this node (version probes, the compiler) get this long. */
#define LOCAL_TIMEOUT_MS 30000

static const char help[] =
    "A preflight checklist, run where PROFILE's engines would run (here for\n"
    "local, through mpiexec for mpi, as a short batch job for slurm and\n"
    "pbs): the engine command and the Python it runs, ipyparallel (the same\n"
    "version as the controller's?), mpi4py's MPI library against the\n"
    "profile's mpiexec, a small MPI program across N ranks built with the\n"
    "profile's mpicc, a TCP connection from the engines' nodes to the\n"
    "address the controller would advertise, and the partition's time and\n"
    "node limits against walltime and nodes. Each check is ok, failed (with\n"
    "the reason and a fix) or skipped; exit status 1 when one failed. A\n"
    "batch job still pending at the timeout is reported as pending and\n"
    "cancelled.\n"
    "\n"
    "  -n, --engines N   number of engines (MPI ranks; default: the profile's)\n"
    "      --json        print {profile, backend, engines, ok, checks:\n"
    "                    [{check, status, detail, fix}]}\n"
    "      --timeout S   how long the probe may take, in seconds (default 60)\n"
    "  -h, --help        show this help\n";

struct doctor {
	struct loop *l;
	const struct backend *b;
	const struct batch_kind *k;	/* NULL for local and mpi */
	struct cluster *c;
	const struct profile *p;
	char *dir;
	uint64_t deadline;
	int timeout_s;
	bool mpi_program;		/* the MPI program check applies */
	enum mpi_family fam;
	struct err fam_err;		/* why fam is unknown */
	char *cpi_error;		/* NULL once the program is built */
	struct doctor_report ctl;	/* the controller's side, here */
	struct doctor_report eng;	/* where the engines run */
	char *launched;			/* "ran on …" detail, or NULL */
	char *launch_error;		/* why the probe did not run */
	char *mpi_error;		/* why the MPI program did not run */
	char *tcp_addr;			/* where the probes connected */
	bool partition_failed;
	int listen_fd;
	volatile bool interrupted;
	struct doctor_list checks;
};

static void
on_signal(int signo, void *arg)
{
	struct doctor *d = arg;

	(void)signo;
	d->interrupted = true;
}

static uint64_t
remaining_ms(const struct doctor *d)
{
	uint64_t now = loop_now();

	return d->deadline > now + 1000 ? d->deadline - now : 1000;
}

/* argv as an engine would run it here: the profile's env and setup
 * lines first (core/spawn.h's wrapper). env gets the NAME=VALUE list. */
static void
wrapped(const struct doctor *d, const struct strv *argv, struct strv *out,
    struct strv *env)
{
	struct spawn s = { 0 };

	strv_extend(&s.argv, argv);
	proc_profile_env(d->c, &s);
	spawn_exec_argv(&s, out);
	strv_extend(env, &s.env);
	spawn_clear(&s);
}

static struct subproc_result *
run_here(struct doctor *d, const struct strv *argv, uint64_t timeout_ms)
{
	struct strv full = STRV_INIT, env = STRV_INIT;
	struct subproc_result *r;

	wrapped(d, argv, &full, &env);
	r = subproc_run_sync(d->l, strv_argv(&full), strv_argv(&env), NULL, 0,
	    timeout_ms);
	strv_clear(&full);
	strv_clear(&env);
	return r;
}

/* "probe.sh probe CMD DIR MPI TCP" (or listen) as words. */
static void
probe_words(const struct doctor *d, const char *mode, const char *cmd,
    bool mpi, bool tcp, struct strv *argv)
{
	strv_push(argv, "sh");
	strv_pushf(argv, "%s/%s", d->dir, DOCTOR_PROBE);
	strv_push(argv, mode);
	strv_push(argv, cmd);
	strv_push(argv, d->dir);
	strv_push(argv, mpi ? "1" : "0");
	strv_push(argv, tcp ? "1" : "0");
}

/* Why a command failed: its error, with the telling line of its output
 * (the last "error" line, as for a failed submission). */
static char *
failure(const struct subproc_result *r)
{
	char *why, *msg;

	if (r->timed_out || r->exit_code == -1)
		return xstrdup(r->err.msg);
	why = batch_submit_error(r->out, r->errout);
	if (why == NULL)
		return xstrdup(r->err.msg);
	msg = xasprintf("exit status %d: %s", r->exit_code, why);
	free(why);
	return msg;
}

static void
controller_side(struct doctor *d)
{
	struct strv argv = STRV_INIT;
	struct subproc_result *r;

	probe_words(d, "probe", d->p->controller.command.v[0], false, false,
	    &argv);
	r = run_here(d, &argv, LOCAL_TIMEOUT_MS);
	doctor_collect(d->dir, &d->ctl, NULL);
	subproc_result_free(r);
	strv_clear(&argv);
}

static void
launcher_family(struct doctor *d)
{
	struct strv argv = STRV_INIT;
	struct subproc_result *r;

	strv_extend(&argv, &d->p->mpiexec);
	strv_push(&argv, "--version");
	r = run_here(d, &argv, LOCAL_TIMEOUT_MS);
	d->fam = mpi_family_parse(r->out);
	if (d->fam == MPI_UNKNOWN)
		d->fam = mpi_family_parse(r->errout);
	if (d->fam == MPI_UNKNOWN && (r->exit_code == -1 || r->timed_out))
		d->fam_err = r->err;
	else if (d->fam == MPI_UNKNOWN)
		err_set(&d->fam_err, "cannot tell which MPI '%s' is from its "
		    "--version output", d->p->mpiexec.v[0]);
	subproc_result_free(r);
	strv_clear(&argv);
}

/* The compiler of the launcher's MPI: mpicc.X beside mpiexec.X (Debian's
 * alternatives), mpicc beside a launcher named by its path (an MPI's own
 * bin/), else the family's: mpicc.mpich for Hydra, mpicc for Open MPI. */
static char *
mpicc_for(const struct doctor *d)
{
	const char *cmd = d->p->mpiexec.v[0], *base = strrchr(cmd, '/');
	size_t dirlen = base != NULL ? (size_t)(base - cmd) + 1 : 0;
	const char *suffix;

	base = base != NULL ? base + 1 : cmd;
	suffix = strchr(base, '.');
	if (suffix != NULL)
		return xasprintf("%.*smpicc%s", (int)dirlen, cmd, suffix);
	if (dirlen > 0)
		return xasprintf("%.*smpicc", (int)dirlen, cmd);
	return xstrdup(d->fam == MPI_HYDRA ? "mpicc.mpich" : "mpicc");
}

static void
build_mpi_program(struct doctor *d)
{
	struct strv argv = STRV_INIT;
	struct subproc_result *r;
	char *cc = mpicc_for(d);

	strv_push(&argv, cc);
	strv_push(&argv, "-o");
	strv_pushf(&argv, "%s/%s", d->dir, DOCTOR_CPI);
	strv_pushf(&argv, "%s/%s", d->dir, DOCTOR_CPI_SRC);
	r = run_here(d, &argv, LOCAL_TIMEOUT_MS);
	if (!r->ok)
		d->cpi_error = failure(r);
	subproc_result_free(r);
	strv_clear(&argv);
	free(cc);
}

/* Slurm: the partition's time and node limits from sinfo against the
 * profile's walltime and the nodes its engines job asks for. */
static void
partition_limits(struct doctor *d)
{
	static const char check[] = "partition limits";
	const struct profile *p = d->p;
	struct strv argv = STRV_INIT, names = STRV_INIT;
	struct subproc_result *r;
	char *part = NULL, *limit = NULL, *list, *wall = NULL;
	long nodes = 0, need, ws, ls;
	const char *line;

	if (strcmp(d->c->backend, "slurm") != 0) {
		doctor_add(&d->checks, check, DOCTOR_SKIPPED, NULL, "%s queue "
		    "limits are not read (qstat -Q -f shows resources_max)",
		    d->c->backend);
		return;
	}
	strv_push(&argv, "sinfo");
	strv_push(&argv, "--noheader");
	strv_push(&argv, "--format=%P|%l|%D");
	r = subproc_run_sync(d->l, strv_argv(&argv), NULL, NULL, 0,
	    BATCH_QUERY_TIMEOUT_MS);
	strv_clear(&argv);
	if (!r->ok) {
		doctor_add(&d->checks, check, DOCTOR_FAILED, "check that the "
		    "scheduler answers (sinfo) on this node", "%s",
		    r->err.msg);
		subproc_result_free(r);
		return;
	}
	for (line = r->out; *line != '\0'; line += strcspn(line, "\n"),
	    line += *line == '\n') {
		size_t ll = strcspn(line, "\n"), nl = strcspn(line, "|*\n");
		bool dflt = line[nl] == '*';
		const char *f2 = memchr(line, '|', ll), *f3;

		if (f2 == NULL || (f3 = memchr(f2 + 1, '|', ll -
		    (size_t)(f2 + 1 - line))) == NULL)
			continue;
		strv_push_take(&names, xstrndup(line, nl));
		if (part == NULL && (p->queue != NULL ? strlen(p->queue) ==
		    nl && memcmp(line, p->queue, nl) == 0 : dflt)) {
			part = xstrndup(line, nl);
			limit = xstrndup(f2 + 1, (size_t)(f3 - f2 - 1));
			nodes = strtol(f3 + 1, NULL, 10);
		}
	}
	subproc_result_free(r);
	if (part == NULL) {
		list = strv_join(&names, ", ");
		doctor_add(&d->checks, check, DOCTOR_FAILED, "set queue to "
		    "one of the partitions sinfo lists", p->queue != NULL ?
		    "no partition '%s' (sinfo lists: %s)" : "%sno default "
		    "partition (sinfo lists: %s)", p->queue != NULL ? p->queue :
		    "", list != NULL ? list : "none");
		free(list);
		strv_clear(&names);
		d->partition_failed = true;
		return;
	}
	strv_clear(&names);
	need = p->nodes > 0 ? p->nodes : p->tasks_per_node > 0 ?
	    (d->c->engines + p->tasks_per_node - 1) / p->tasks_per_node : 1;
	ws = p->walltime;
	if (strcmp(limit, "infinite") == 0 ||
	    units_parse_duration(limit, UNITS_MINUTE, &ls, NULL) == -1)
		ls = -1;
	if (ws > 0) {
		wall = xmalloc(32);
		units_format_duration(ws, UNITS_CLOCK_DHMS, wall, 32);
	}
	if (ws > 0 && ls >= 0 && ws > ls) {
		char *fix = xasprintf("ask for at most %s (walltime), or use a "
		    "partition whose time limit allows %s (queue)", limit,
		    wall);

		doctor_add(&d->checks, check, DOCTOR_FAILED, fix, "walltime "
		    "%s is longer than partition %s's time limit %s", wall,
		    part, limit);
		free(fix);
		d->partition_failed = true;
	} else if (need > nodes) {
		doctor_add(&d->checks, check, DOCTOR_FAILED, "ask for fewer "
		    "nodes (nodes, tasks_per_node), or use a larger partition "
		    "(queue)", "the engines job needs %ld node%s, partition %s "
		    "has %ld", need, need == 1 ? "" : "s", part, nodes);
		d->partition_failed = true;
	} else
		doctor_add(&d->checks, check, DOCTOR_OK, NULL, "partition %s: "
		    "time limit %s, %ld node%s; the engines job asks for %s, "
		    "%ld node%s", part, limit, nodes, nodes == 1 ? "" : "s",
		    wall != NULL ? wall : "its default time",
		    need, need == 1 ? "" : "s");
	free(wall);
	free(part);
	free(limit);
}

/* Local and mpi: the controller runs here, so the controller's side of
 * the TCP check is a socket here, on the address it would listen on.
 * Connections complete in the backlog; nothing needs to accept them. */
static int
listen_here(struct doctor *d, struct err *e)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char *addr = proc_controller_addr(d->c, e);
	const char *bind_to;
	char host[256] = "localhost";
	int rc, port;

	if (addr == NULL)
		return -1;
	bind_to = strcmp(addr, "*") == 0 ? NULL : addr;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(bind_to, "0", &hints, &ai);
	if (rc != 0) {
		err_set(e, "controller address %s: %s", addr, gai_strerror(rc));
		free(addr);
		return -1;
	}
	d->listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->listen_fd == -1 || bind(d->listen_fd, ai->ai_addr,
	    ai->ai_addrlen) == -1 || listen(d->listen_fd, 1024) == -1 ||
	    getsockname(d->listen_fd, (struct sockaddr *)&ss, &sl) == -1) {
		err_errno(e, "cannot listen on %s", addr);
		freeaddrinfo(ai);
		free(addr);
		return -1;
	}
	freeaddrinfo(ai);
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	if (bind_to == NULL) {
		/* ipcontroller --ip='*' advertises its host name. */
		gethostname(host, sizeof host - 1);
		free(addr);
		addr = xstrdup(host);
	}
	rc = doctor_write_listen(d->dir, addr, port, e);
	d->tcp_addr = addr;
	return rc;
}

static char *
hosts_of(const struct doctor_report *r)
{
	struct strv hs = STRV_INIT;
	char *s;

	for (size_t i = 0; i < r->n; i++)
		strv_push(&hs, r->nodes[i].host);
	s = hs.n > 0 ? strv_join(&hs, ", ") : xstrdup("no host");
	strv_clear(&hs);
	return s;
}

/* Runs argv (the probe, under a launcher or not) here and reads the
 * reports: the hosts they came from, or NULL with the launch error set.
 * Clears argv. */
static char *
probe_here(struct doctor *d, struct strv *argv)
{
	struct subproc_result *r = run_here(d, argv, remaining_ms(d));
	char *hosts = NULL;

	doctor_collect(d->dir, &d->eng, NULL);
	if (d->eng.n == 0)
		d->launch_error = failure(r);
	else
		hosts = hosts_of(&d->eng);
	subproc_result_free(r);
	strv_clear(argv);
	return hosts;
}

static void
run_local(struct doctor *d)
{
	struct strv argv = STRV_INIT;
	char *hosts;

	probe_words(d, "probe", d->p->engine.command.v[0], d->p->mpi, true,
	    &argv);
	hosts = probe_here(d, &argv);
	if (hosts != NULL)
		d->launched = xasprintf("the probe ran here (%s)", hosts);
	free(hosts);
}

/* mpiexec with its flags for N ranks exactly as the engines get them
 * (backends/mpi.c), without the ipengine words at the end. */
static void
mpi_launcher(const struct doctor *d, struct strv *out)
{
	struct strv full = STRV_INIT, eng = STRV_INIT;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	mpi_engines_argv(d->c, d->fam, ncpu > 0 ? (int)ncpu : 1, &full);
	proc_engine_argv(d->c, true, &eng);
	for (size_t i = 0; i + eng.n < full.n; i++)
		strv_push(out, full.v[i]);
	strv_clear(&full);
	strv_clear(&eng);
}

static void
run_mpi(struct doctor *d)
{
	struct strv argv = STRV_INIT, launcher = STRV_INIT;
	struct subproc_result *r;
	char *hosts, *cmd;

	if (d->fam == MPI_UNKNOWN) {
		d->launch_error = xstrdup(d->fam_err.msg);
		return;
	}
	mpi_launcher(d, &launcher);
	cmd = strv_join(&launcher, " ");
	strv_extend(&argv, &launcher);
	probe_words(d, "probe", d->p->engine.command.v[0], d->p->mpi, true,
	    &argv);
	hosts = probe_here(d, &argv);
	if (hosts != NULL)
		d->launched = xasprintf("%s ran the probe on %s", cmd, hosts);
	free(hosts);
	if (d->cpi_error == NULL && d->eng.n > 0) {
		strv_extend(&argv, &launcher);
		strv_pushf(&argv, "%s/%s", d->dir, DOCTOR_CPI);
		strv_push(&argv, d->dir);
		r = run_here(d, &argv, remaining_ms(d));
		doctor_collect(d->dir, &d->eng, NULL);
		if (!r->ok)
			d->mpi_error = failure(r);
		subproc_result_free(r);
		strv_clear(&argv);
	}
	strv_clear(&launcher);
	free(cmd);
}

/* The probe job: the engines job script as `start` would submit it (its
 * directives, environment and setup lines), its last line (exec of the
 * engines' launcher and ipengine) replaced by the probe under the same
 * launcher, beside the controller's side of the TCP check. */
static int
render_job(struct doctor *d, char **out, struct err *e)
{
	const struct profile *p = d->p;
	struct strv eng = STRV_INIT, lines = STRV_INIT, words = STRV_INIT;
	char *body, *last, *tail, *launcher, *q;
	size_t bl, tl;

	if (batch_render_job(d->k, d->c, BATCH_ENGINES_ALONE, &body, e) == -1)
		return -1;
	batch_task_argv(d->c, &eng);
	tail = shquote_argv(strv_argv(&eng));
	strv_clear(&eng);
	last = strstr(body, "\nexec ");
	bl = strlen(body);
	tl = strlen(tail);
	if (last == NULL || bl < tl + 1 || strncmp(body + bl - tl - 1, tail,
	    tl) != 0)
		fatal("doctor: unexpected engines job script");
	launcher = xstrndup(last + 6, (size_t)(body + bl - tl - 2 -
	    (last + 6)));
	last[0] = '\0';
	strv_push_take(&lines, body);
	q = shquote(d->dir);
	strv_pushf(&lines, "dir=%s", q);
	free(q);
	strv_push(&lines, "# hpctop doctor: the controller's side of the TCP "
	    "check on this node, then the");
	strv_push(&lines, "# probe where the engines would run.");
	strv_push_take(&words, shquote(p->controller.command.v[0]));
	strv_push_take(&words, shquote(p->controller.ip != NULL ?
	    p->controller.ip : ""));
	strv_push_take(&words, shquote(p->controller.interface != NULL ?
	    p->controller.interface : ""));
	strv_pushf(&lines, "sh \"$dir\"/%s listen %s \"$dir\" %s %s &",
	    DOCTOR_PROBE, words.v[0], words.v[1], words.v[2]);
	strv_clear(&words);
	strv_push(&lines, "listener=$!");
	q = shquote(p->engine.command.v[0]);
	strv_pushf(&lines, "%s sh \"$dir\"/%s probe %s \"$dir\" %d 1",
	    launcher, DOCTOR_PROBE, q, p->mpi ? 1 : 0);
	free(q);
	if (d->mpi_program && d->cpi_error == NULL)
		strv_pushf(&lines, "%s \"$dir\"/%s \"$dir\" || echo \"hpctop doctor: "
		    "the MPI program exited with status $?\"", launcher,
		    DOCTOR_CPI);
	strv_push(&lines, "kill \"$listener\" 2>/dev/null");
	strv_pushf(&lines, ": >\"$dir\"/%s", DOCTOR_DONE);
	strv_push(&lines, "");
	free(launcher);
	free(tail);
	*out = strv_join(&lines, "\n");
	strv_clear(&lines);
	return 0;
}

static bool
exists(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

static void
cancel_job(struct doctor *d, const char *id)
{
	struct strv argv = STRV_INIT;
	struct subproc_result *r;

	d->k->cancel_argv(false, &argv);
	strv_push(&argv, id);
	r = subproc_run_sync(d->l, strv_argv(&argv), NULL, NULL, 0,
	    BATCH_CANCEL_TIMEOUT_MS);
	subproc_result_free(r);
	strv_clear(&argv);
}

static char *
job_where(const struct cluster *c)
{
	const struct job_row *row = c->jobs.n > 0 ? &c->jobs.v[0] : NULL;

	if (row == NULL)
		return xstrdup("");
	return xasprintf(" (%s%s%s)", row->raw_state != NULL ?
	    row->raw_state : "?", row->reason != NULL ? ": " : "",
	    row->reason != NULL ? row->reason : "");
}

static void
run_batch(struct doctor *d)
{
	struct strv argv = STRV_INIT, full = STRV_INIT;
	struct subproc_result *r;
	struct cluster *cs[1] = { d->c };
	struct err e;
	char *text, *script, *job, *log, *cwd = NULL, *id, *path;
	enum cluster_live live = CLUSTER_LIVE_UNKNOWN;
	uint64_t next_poll = 0, t0 = loop_now();
	bool done = false;

	if (d->partition_failed) {
		d->launch_error = xstrdup("not submitted: the job does not fit "
		    "the partition (see partition limits)");
		return;
	}
	if (render_job(d, &text, &e) == -1) {
		d->launch_error = xstrdup(e.msg);
		return;
	}
	script = batch_script_path(d->k, d->c, BATCH_ENGINES);
	if (doctor_write(d->dir, strrchr(script, '/') + 1, text, &e) == -1) {
		d->launch_error = xstrdup(e.msg);
		free(script);
		free(text);
		return;
	}
	free(text);
	job = batch_job_name(d->c, BATCH_ENGINES);
	log = cluster_log_path(d->c, "doctor");
	d->k->submit_argv(d->c, job, script, log, NULL, &argv, &cwd);
	batch_in_dir(&argv, cwd, &full);
	r = subproc_run_sync(d->l, strv_argv(&full), NULL, NULL, 0,
	    BATCH_SUBMIT_TIMEOUT_MS);
	strv_clear(&full);
	strv_clear(&argv);
	free(cwd);
	free(script);
	id = r->ok ? batch_parse_submit(r->out) : NULL;
	if (id == NULL) {
		char *why = batch_submit_error(r->out, r->errout);

		d->launch_error = xasprintf("%s: %s", d->k->submit, why != NULL ?
		    why : r->ok ? "printed no job id" : r->err.msg);
		free(why);
		subproc_result_free(r);
		free(job);
		free(log);
		return;
	}
	subproc_result_free(r);
	cluster_add_proc(d->c, CLUSTER_ENGINES, job, 0, id, d->c->engines,
	    NULL, log);
	while (!(done = exists(d->dir, DOCTOR_DONE)) && !d->interrupted &&
	    loop_now() < d->deadline) {
		if (loop_now() >= next_poll) {
			if (clusterop_poll_sync(d->l, d->b, cs, 1, &e) == 0)
				live = d->c->procs[0].live;
			next_poll = loop_now() + POLL_EVERY_MS;
			if (live == CLUSTER_LIVE_GONE)
				break;
			continue;
		}
		loop_once(d->l, 250);
	}
	done = done || exists(d->dir, DOCTOR_DONE);
	free(log);
	log = d->k->log_path(d->c, job, d->c->procs[0].log, id);
	doctor_collect(d->dir, &d->eng, NULL);
	if (done) {
		char *hosts = hosts_of(&d->eng);

		d->launched = xasprintf("job %s ran on %s in %llu s", id, hosts,
		    (unsigned long long)((loop_now() - t0) / 1000));
		free(hosts);
	} else {
		char *where = job_where(d->c), *tailtext;

		struct strv tail = STRV_INIT;

		path = xstrdup(log);
		tailtext = file_tail(path, 4096, 3, &tail, NULL, NULL) == 0 ?
		    strv_join(&tail, "\n") : NULL;
		strv_clear(&tail);
		if (d->interrupted)
			d->launch_error = xasprintf("interrupted; job %s%s "
			    "cancelled", id, where);
		else if (live == CLUSTER_LIVE_GONE)
			d->launch_error = xasprintf("job %s ended before the "
			    "probe finished%s%s%s", id, where, tailtext != NULL &&
			    *tailtext != '\0' ? ": " : "", tailtext != NULL ?
			    tailtext : "");
		else
			d->launch_error = xasprintf("job %s still %s after %d s%s; "
			    "cancelled", id, live == CLUSTER_LIVE_PENDING ?
			    "pending" : "running", d->timeout_s, where);
		free(tailtext);
		free(path);
		free(where);
		if (live != CLUSTER_LIVE_GONE)
			cancel_job(d, id);
	}
	free(log);
	free(job);
	free(id);
}

static void
check_launch(struct doctor *d)
{
	if (d->launch_error != NULL)
		doctor_add(&d->checks, "launch", DOCTOR_FAILED, d->k != NULL ?
		    "see why the job could not run (squeue/qstat, its "
		    "partition and limits); 'hpctop script PROFILE' shows what "
		    "start submits" : "run 'hpctop script PROFILE' and try its "
		    "engines line by hand", "%s", d->launch_error);
	else
		doctor_add(&d->checks, "launch", DOCTOR_OK, NULL, "%s",
		    d->launched);
}

/* The hosts whose field (at offset off in struct doctor_node) is set. */
static char *
hosts_with(const struct doctor_report *r, size_t off)
{
	struct strv hs = STRV_INIT;
	char *s;

	for (size_t i = 0; i < r->n; i++)
		if (*(char **)((char *)&r->nodes[i] + off) != NULL)
			strv_push(&hs, r->nodes[i].host);
	s = hs.n > 0 ? strv_join(&hs, ", ") : NULL;
	strv_clear(&hs);
	return s;
}

static const struct doctor_node *
first_with(const struct doctor_report *r, size_t off)
{
	for (size_t i = 0; i < r->n; i++)
		if (*(char **)((char *)&r->nodes[i] + off) != NULL)
			return &r->nodes[i];
	return NULL;
}

#define FIELD(f) offsetof(struct doctor_node, f)

static void
check_engine_command(struct doctor *d)
{
	static const char check[] = "engine command";
	const struct doctor_node *bad = first_with(&d->eng, FIELD(missing)),
	    *good = first_with(&d->eng, FIELD(engine));
	char *hosts;

	if (bad != NULL) {
		hosts = hosts_with(&d->eng, FIELD(missing));
		doctor_add(&d->checks, check, DOCTOR_FAILED, "install "
		    "ipyparallel where the engines run, or set engine.command "
		    "to the full path of ipengine there (or fix the setup "
		    "lines that put it on PATH)", "%s on %s", bad->missing,
		    hosts);
	} else if (good != NULL) {
		hosts = hosts_with(&d->eng, FIELD(engine));
		doctor_add(&d->checks, check, DOCTOR_OK, NULL, "%s on %s",
		    good->engine, hosts);
	} else {
		doctor_add(&d->checks, check, DOCTOR_SKIPPED, NULL, "no report "
		    "from where the engines run");
		return;
	}
	free(hosts);
}

static const char *
ctl_python(const struct doctor *d)
{
	return d->ctl.n > 0 ? d->ctl.nodes[0].python : NULL;
}

/* The checks that read what the engines' Python reported, when none did. */
static void
skip_no_python(struct doctor *d, const char *check)
{
	doctor_add(&d->checks, check, DOCTOR_SKIPPED, NULL, "no engine Python "
	    "to look at");
}

static void
check_python(struct doctor *d)
{
	static const char check[] = "python";
	const struct doctor_node *good = first_with(&d->eng, FIELD(python));
	const char *cp = ctl_python(d);
	char *cm = cp != NULL ? doctor_python_minor(cp) : NULL, *hosts;

	if (good == NULL) {
		skip_no_python(d, check);
		free(cm);
		return;
	}
	for (size_t i = 0; i < d->eng.n && cm != NULL; i++) {
		const char *py = d->eng.nodes[i].python;
		char *m = py != NULL ? doctor_python_minor(py) : NULL;
		bool differs = m != NULL && strcmp(m, cm) != 0;

		free(m);
		if (differs) {
			doctor_add(&d->checks, check, DOCTOR_FAILED, "run the "
			    "engines with the controller's Python version "
			    "(engine.command, setup lines): pickled functions "
			    "need the same one", "%s: Python %s; the "
			    "controller's (here): Python %s", d->eng.nodes[i].host,
			    py, cp);
			free(cm);
			return;
		}
	}
	hosts = hosts_with(&d->eng, FIELD(python));
	doctor_add(&d->checks, check, DOCTOR_OK, NULL, "Python %s on %s%s",
	    good->python, hosts, cm != NULL ? ", as the controller's" :
	    " (the controller's command runs no Python found here)");
	free(hosts);
	free(cm);
}

static void
check_ipyparallel(struct doctor *d)
{
	static const char check[] = "ipyparallel";
	const struct doctor_node *bad = first_with(&d->eng, FIELD(ipp_error)),
	    *good = first_with(&d->eng, FIELD(ipp));
	const char *cv = d->ctl.n > 0 ? d->ctl.nodes[0].ipp : NULL;
	char *hosts;

	if (bad != NULL) {
		hosts = hosts_with(&d->eng, FIELD(ipp_error));
		doctor_add(&d->checks, check, DOCTOR_FAILED, "install "
		    "ipyparallel for that Python where the engines run, or fix "
		    "the PYTHONPATH or setup lines that hide it", "%s (Python "
		    "%s) on %s", bad->ipp_error, bad->python != NULL ?
		    bad->python : "?", hosts);
		free(hosts);
		return;
	}
	if (good == NULL) {
		skip_no_python(d, check);
		return;
	}
	for (size_t i = 0; i < d->eng.n && cv != NULL; i++) {
		const char *v = d->eng.nodes[i].ipp;

		if (v != NULL && strcmp(v, cv) != 0) {
			doctor_add(&d->checks, check, DOCTOR_FAILED, "use the "
			    "same ipyparallel version for the controller and "
			    "the engines", "%s: ipyparallel %s; the "
			    "controller's: %s", d->eng.nodes[i].host, v, cv);
			return;
		}
	}
	hosts = hosts_with(&d->eng, FIELD(ipp));
	doctor_add(&d->checks, check, DOCTOR_OK, NULL, "ipyparallel %s on "
	    "%s%s", good->ipp, hosts, cv != NULL ? ", as the controller's" :
	    "");
	free(hosts);
}

static void
check_mpi4py(struct doctor *d)
{
	static const char check[] = "mpi4py";
	const struct doctor_node *bad = first_with(&d->eng, FIELD(mpi_error)),
	    *good = first_with(&d->eng, FIELD(mpi));
	enum mpi_family lib;
	char *hosts;

	if (!d->p->mpi) {
		doctor_add(&d->checks, check, DOCTOR_SKIPPED, NULL, "mpi: false "
		    "(the engines do not use MPI)");
		return;
	}
	if (bad != NULL) {
		hosts = hosts_with(&d->eng, FIELD(mpi_error));
		doctor_add(&d->checks, check, DOCTOR_FAILED, "install mpi4py "
		    "for the engines' Python, built on the MPI of mpiexec",
		    "%s on %s", bad->mpi_error, hosts);
		free(hosts);
		return;
	}
	if (good == NULL) {
		skip_no_python(d, check);
		return;
	}
	lib = mpi_family_parse(good->mpi);
	if (d->fam == MPI_UNKNOWN) {
		doctor_add(&d->checks, check, DOCTOR_FAILED, "set mpiexec to "
		    "the launcher of mpi4py's MPI", "mpi4py uses %s; the "
		    "launcher: %s", good->mpi, d->fam_err.msg);
		return;
	}
	if (lib != MPI_UNKNOWN && lib != d->fam) {
		char *fix = xasprintf("set mpiexec to the launcher of %s "
		    "(%s), or use an mpi4py built on %s",
		    mpi_family_words(lib), lib == MPI_OPENMPI ?
		    "mpiexec.openmpi on Debian" : "mpiexec.mpich on Debian",
		    mpi_family_words(d->fam));

		doctor_add(&d->checks, check, DOCTOR_FAILED, fix,
		    MPIWORLD_MISMATCH ": mpi4py is built on %s (%s), %s is "
		    "%s's launcher", mpi_family_words(lib), good->mpi,
		    d->p->mpiexec.v[0], mpi_family_words(d->fam));
		free(fix);
		return;
	}
	hosts = hosts_with(&d->eng, FIELD(mpi));
	doctor_add(&d->checks, check, DOCTOR_OK, NULL, "%s on %s, as %s",
	    good->mpi, hosts, d->p->mpiexec.v[0]);
	free(hosts);
}

static void
check_mpi_program(struct doctor *d)
{
	static const char check[] = "mpi program";
	const struct doctor_report *r = &d->eng;
	int n = d->c->engines;
	struct strv per = STRV_INIT;
	char *where;

	if (!d->mpi_program) {
		doctor_add(&d->checks, check, DOCTOR_SKIPPED, NULL, "mpi: false "
		    "(the engines do not use MPI)");
		return;
	}
	if (d->fam == MPI_UNKNOWN) {
		doctor_add(&d->checks, check, DOCTOR_FAILED, "set mpiexec to "
		    "an MPI launcher (Open MPI's or MPICH's mpiexec)", "%s",
		    d->fam_err.msg);
		return;
	}
	if (d->cpi_error != NULL) {
		doctor_add(&d->checks, check, DOCTOR_FAILED, "install the "
		    "compiler wrapper of the profile's MPI (mpicc beside "
		    "mpiexec)", "cannot build it: %s", d->cpi_error);
		return;
	}
	if (r->ranks == 0) {
		if (d->launch_error != NULL)
			doctor_add(&d->checks, check, DOCTOR_SKIPPED, NULL,
			    "the probe did not run (see launch)");
		else
			doctor_add(&d->checks, check, DOCTOR_FAILED, "run "
			    "'hpctop script PROFILE' and try its mpiexec line "
			    "by hand", "no rank reported%s%s",
			    d->mpi_error != NULL ? ": " : "",
			    d->mpi_error != NULL ? d->mpi_error : "");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->nodes[i].ranks > 0)
			strv_pushf(&per, "%s (%d)", r->nodes[i].host,
			    r->nodes[i].ranks);
	where = strv_join(&per, ", ");
	strv_clear(&per);
	if (r->size_max == 1 && n > 1)
		doctor_add(&d->checks, check, DOCTOR_FAILED, "use the mpiexec "
		    "of the MPI the program (and mpi4py) was built with",
		    "every rank sees a world of size 1 instead of %d (on %s): "
		    "the launcher and the program's MPI library do not know "
		    "each other", n, where);
	else if (r->ranks != n || r->size_min != n || r->size_max != n)
		doctor_add(&d->checks, check, DOCTOR_FAILED, "check the "
		    "launcher's output ('hpctop script PROFILE' shows it)",
		    "%d of %d ranks reported (world sizes %d to %d) on %s",
		    r->ranks, n, r->size_min, r->size_max, where);
	else if (r->sum_bad > 0)
		doctor_add(&d->checks, check, DOCTOR_FAILED, "check the MPI "
		    "installation on the nodes", "MPI_Allreduce gave a wrong "
		    "sum on %d of %d ranks", r->sum_bad, n);
	else
		doctor_add(&d->checks, check, DOCTOR_OK, NULL, "%d ranks on %s "
		    "see a world of %d; MPI_Allreduce right", n, where, n);
	free(where);
}

static void
check_address(struct doctor *d)
{
	static const char check[] = "controller address";
	const struct doctor_node *lbad = first_with(&d->eng,
	    FIELD(listen_error)), *bad = first_with(&d->eng, FIELD(tcp_error)),
	    *good = first_with(&d->eng, FIELD(tcp));
	char *hosts, *addr, *fix;

	if (lbad != NULL) {
		doctor_add(&d->checks, check, DOCTOR_FAILED, "set "
		    "controller.ip to an address of the controller's node, or "
		    "controller.interface to one of its interfaces", "%s: "
		    "cannot listen on %s", lbad->host, lbad->listen_error);
		return;
	}
	if (bad != NULL) {
		hosts = hosts_with(&d->eng, FIELD(tcp_error));
		addr = xstrndup(bad->tcp_error, strcspn(bad->tcp_error, " "));
		addr[strcspn(addr, ":")] = '\0';
		if (netif_loopback(addr))
			fix = xstrdup("the controller would listen on a "
			    "loopback address, which only its own node "
			    "reaches: set controller.ip to an address the "
			    "engines' nodes reach, or controller.interface to "
			    "the interface of the network they share");
		else
			fix = xstrdup("let the engines' nodes reach that "
			    "address (routing, firewall: the controller uses "
			    "random ports), or choose another with "
			    "controller.interface or controller.ip");
		doctor_add(&d->checks, check, DOCTOR_FAILED, fix, "%s cannot "
		    "connect to %s", hosts, bad->tcp_error);
		free(fix);
		free(addr);
		free(hosts);
		return;
	}
	if (good == NULL) {
		doctor_add(&d->checks, check, DOCTOR_SKIPPED, NULL, "no report "
		    "from where the engines run");
		return;
	}
	hosts = hosts_with(&d->eng, FIELD(tcp));
	doctor_add(&d->checks, check, DOCTOR_OK, NULL, "%s reached %s, where "
	    "the controller would listen", hosts, good->tcp);
	free(hosts);
}

static void
print_text(const struct doctor *d)
{
	size_t failed = 0;

	cli_printf(stdout, "hpctop doctor: profile '%s' (backend %s, %d "
	    "engine%s)\n", d->p->name, d->c->backend, d->c->engines,
	    d->c->engines == 1 ? "" : "s");
	for (size_t i = 0; i < d->checks.n; i++) {
		const struct doctor_check *ck = &d->checks.v[i];

		cli_printf(stdout, "  %-7s %-19s %s\n",
		    doctor_status_name(ck->status), ck->check, ck->detail);
		if (ck->fix != NULL)
			cli_printf(stdout, "  %-7s %-19s fix: %s\n", "", "",
			    ck->fix);
		failed += ck->status == DOCTOR_FAILED;
	}
	if (failed > 0)
		printf("%zu check%s failed\n", failed, failed == 1 ? "" : "s");
	else
		printf("all checks passed\n");
}

static void
print_json(const struct doctor *d)
{
	json_t *o = json_object(), *arr = json_array();
	char *s;

	json_object_set_new(o, "profile", cli_json_text(d->p->name));
	json_object_set_new(o, "backend", cli_json_text(d->c->backend));
	json_object_set_new(o, "engines", json_integer(d->c->engines));
	json_object_set_new(o, "ok", json_boolean(!doctor_any_failed(
	    &d->checks)));
	for (size_t i = 0; i < d->checks.n; i++) {
		const struct doctor_check *ck = &d->checks.v[i];
		json_t *c = json_object();

		json_object_set_new(c, "check", cli_json_text(ck->check));
		json_object_set_new(c, "status", json_string(
		    doctor_status_name(ck->status)));
		json_object_set_new(c, "detail", cli_json_text(ck->detail));
		json_object_set_new(c, "fix", cli_json_text(ck->fix));
		json_array_append_new(arr, c);
	}
	json_object_set_new(o, "checks", arr);
	s = json_dumps(o, JSON_INDENT(2));
	if (s == NULL)
		fatal("json_dumps failed");
	puts(s);
	free(s);
	json_decref(o);
}

static char *
doctor_dir(const char *name)
{
	return paths_below(paths_state_dir(), "doctor/%s.%ld", name,
	    (long)getpid());
}

static int
doctor_run(struct doctor *d)
{
	struct err e;
	char *name;

	/* The probe job's name, and its files in a directory of its own
	 * (in the home directory the nodes share, as cluster records). */
	name = xasprintf("%s-doctor", d->c->name);
	free(d->c->name);
	d->c->name = name;
	free(d->c->dir);
	d->c->dir = d->dir = doctor_dir(d->p->name);
	if (cluster_mkdirs(d->c, &e) == -1 ||
	    doctor_write_files(d->dir, &e) == -1)
		return cli_error("doctor: %s", e.msg);
	d->mpi_program = d->p->mpi || strcmp(d->c->backend, "mpi") == 0;
	controller_side(d);
	if (d->mpi_program) {
		launcher_family(d);
		if (d->fam != MPI_UNKNOWN)
			build_mpi_program(d);
	}
	if (d->k != NULL) {
		partition_limits(d);
		run_batch(d);
	} else if (listen_here(d, &e) == -1) {
		d->launch_error = xasprintf("the controller's side: %s", e.msg);
	} else if (strcmp(d->c->backend, "mpi") == 0) {
		run_mpi(d);
	} else
		run_local(d);
	check_launch(d);
	check_engine_command(d);
	check_python(d);
	check_ipyparallel(d);
	check_mpi4py(d);
	check_mpi_program(d);
	check_address(d);
	return CLI_OK;
}

static int
doctor_exec(const struct cmd_args *a)
{
	struct doctor d = { 0 };
	bool json = cmd_has(a, 'j');
	int rc;
	struct err e;

	d.timeout_s = (int)cmd_num(a, 't', TIMEOUT_DEFAULT_S);
	d.c = clustercli_new(a->argv[0], (int)cmd_num(a, 'n', 0), &d.b);
	if (d.c == NULL)
		return CLI_FAIL;
	d.p = d.c->profile;
	d.k = registry_find(d.c->backend) != NULL ?
	    registry_find(d.c->backend)->batch : NULL;
	d.listen_fd = -1;
	d.l = cli_loop();
	loop_signal(d.l, SIGINT, on_signal, &d);
	loop_signal(d.l, SIGTERM, on_signal, &d);
	d.deadline = loop_now() + (uint64_t)d.timeout_s * 1000;
	rc = doctor_run(&d);
	if (rc == CLI_OK) {
		if (json)
			print_json(&d);
		else
			print_text(&d);
		rc = doctor_any_failed(&d.checks) ? CLI_FAIL : CLI_OK;
	}
	if (d.listen_fd != -1)
		close(d.listen_fd);
	if (d.dir != NULL && cluster_remove(d.c, &e) == -1)
		rc = cli_error("doctor: %s", e.msg);
	doctor_report_clear(&d.ctl);
	doctor_report_clear(&d.eng);
	doctor_list_clear(&d.checks);
	free(d.cpi_error);
	free(d.launched);
	free(d.launch_error);
	free(d.mpi_error);
	free(d.tcp_addr);
	cluster_free(d.c);
	return rc;
}

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.usage = "PROFILE [-n N] [--json] [--timeout S]",
	.summary = "check, where the engines would run, what they need",
	.help = help,
	.args = { "n:", 1, 1 },
	.longopts = (const struct option[]){
		CMD_ENGINES_LONGOPT,
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	},
	.ints = (const struct cmd_int[]){
		CMD_ENGINES_INT,
		{ 't', "--timeout", 1, TIMEOUT_MAX_S, NULL },
		{ 0, NULL, 0, 0, NULL }
	},
	.exec = doctor_exec,
};
