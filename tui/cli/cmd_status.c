#include "cmd_status.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "clustercli.h"
#include "ippcli.h"
#include "core/clusterop.h"
#include "core/clusterstate.h"
#include "core/diag.h"
#include "core/jobfmt.h"
#include "core/loop.h"
#include "core/nodes.h"
#include "core/renewer.h"
#include "core/units.h"
#include "core/xmalloc.h"

static const char help[] =
    "Show the clusters hpctop started (or the one of PROFILE): a qstat-style\n"
    "row per process or job (ID, NAME, S = R running / E exiting /\n"
    "C gone, ELAPSED, HOST, PID) and the engines registered/requested.\n"
    "Batch clusters (slurm, pbs) show their jobs as qstat does: JOBID NAME\n"
    "USER QUEUE NDS TSK MEM TIME (requested) LEFT (time left) S (Q R E C H,\n"
    "? unknown) ELAP NODES, or (Reason) for a job that waits or ended badly\n"
    "(TimeLimit), with the scheduler's estimated start of a waiting job.\n"
    "A job with under 10 minutes or 10% of its time limit left gets a line\n"
    "saying when its engines will be lost.\n"
    "A cluster whose scheduler did not answer is shown as unknown and status\n"
    "exits 1.\n"
    "Below the jobs, per node of the running engines jobs, the engines\n"
    "registered from it / expected (PBS's exec_host, else tasks_per_node,\n"
    "else where scontrol says Slurm placed them, else an even split, said\n"
    "to be a guess), and a line naming each node whose engines are missing\n"
    "(cn2: 0/2 engines registered).\n"
    "Engines that registered and are gone are shown as lost. A cluster\n"
    "whose processes are all gone is shown as such; 'hpctop stop' clears it.\n"
    "A start that was killed before it finished is shown as interrupted,\n"
    "with what it had started; a record that cannot be read is listed as\n"
    "unreadable ('hpctop stop --force' ends what belongs to it).\n"
    "With mpi: true, once all N > 1 engines registered, each is asked its\n"
    "MPI world size once: engines that each see a world of 1 mean mpiexec\n"
    "and mpi4py use different MPI libraries, and status says so.\n"
    "\n"
    "  -j, --json   print a JSON array of clusters instead\n"
    "  -h, --help   show this help\n";

static const char *
state_word(const struct cluster *c)
{
	return clusterstate_label(clusterstate_of(c));
}

/* Whether c has an engines job running, so its engines have nodes. */
static bool
engines_placed(const struct cluster *c)
{
	if (cluster_meta_get(c, CLUSTER_META_PLACED) != NULL)
		return true;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct job_row *r;

		if (c->procs[i].role != CLUSTER_ENGINES ||
		    c->procs[i].job_id == NULL)
			continue;
		r = jobtab_find(&c->jobs, c->procs[i].job_id);
		if (r != NULL && r->state == JOB_RUNNING)
			return true;
	}
	return false;
}

/* The per-node report of a batch cluster: the hostnames of its registered
 * engines asked from its controller (as `hpctop engines` does) when an
 * engines job runs and engines registered; a controller that cannot be
 * asked (or is out of reach from here) leaves them unknown. */
static void
node_report(struct loop *l, const struct cluster *c, struct nodes_report *r)
{
	struct ippcli cli;
	struct err e;
	char **hosts = NULL;
	size_t n = 0;

	if (!engines_placed(c) || !clusterstate_controller_up(c))
		return;
	if (c->nids > 0 && !diag_controller_out_of_reach(c) &&
	    ippcli_open_cluster(&cli, l, c, &e) == 0) {
		const struct ipp_engine *eng;
		size_t ne;

		ipp_want_hosts(cli.ipp);
		ipp_wait_hosts(cli.ipp, cli.loop);
		eng = ipp_engines(cli.ipp, &ne);
		hosts = xcalloc(ne + 1, sizeof *hosts);
		for (size_t i = 0; i < ne; i++)
			if (eng[i].registered)
				hosts[n++] = eng[i].host != NULL ?
				    xstrdup(eng[i].host) : NULL;
		ippcli_close(&cli);
	} else {
		n = c->nids;
		hosts = xcalloc(n + 1, sizeof *hosts);
	}
	nodes_of_cluster(r, c, &c->jobs, hosts, n);
	for (size_t i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
}

static void
print_nodes(struct loop *l, const struct cluster *c)
{
	struct nodes_report r = { 0 };
	struct strv notes = STRV_INIT;
	char *sum;

	node_report(l, c, &r);
	if (r.n > 0) {
		sum = nodes_summary(&r);
		cli_printf(stdout, "  nodes %s\n", sum);
		free(sum);
	}
	nodes_notes(&r, &notes);
	for (size_t i = 0; i < notes.n; i++)
		cli_printf(stdout, "  %s\n", notes.v[i]);
	strv_clear(&notes);
	nodes_clear(&r);
}

static json_t *
nodes_json(const struct nodes_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(a, json_pack("{s:o, s:i, s:i, s:b, s:b}",
		    "node", cli_json_text(r->v[i].name), "expected",
		    r->v[i].expected, "registered", r->v[i].registered,
		    "missing", nodes_missing(r, i), "guessed",
		    r->v[i].guessed));
	return a;
}

/* nodes, nodes_notes, engines_elsewhere and engines_host_unknown of c
 * into o. */
static void
add_nodes_json(struct loop *l, json_t *o, const struct cluster *c)
{
	struct nodes_report r = { 0 };
	struct strv notes = STRV_INIT;
	json_t *a = json_array();

	node_report(l, c, &r);
	nodes_notes(&r, &notes);
	for (size_t i = 0; i < notes.n; i++)
		json_array_append_new(a, cli_json_text(notes.v[i]));
	strv_clear(&notes);
	json_object_set_new(o, "nodes", nodes_json(&r));
	json_object_set_new(o, "nodes_notes", a);
	json_object_set_new(o, "engines_elsewhere", json_integer(r.elsewhere));
	json_object_set_new(o, "engines_host_unknown",
	    json_integer(r.unknown));
	nodes_clear(&r);
}

/* Batch clusters: the qstat-style table of their jobs, where a job that
 * waits shows its reason instead of its nodes. */
/* Whether row i's job is a later row's too (a controller in the
 * engines' job): its note is the engines'. */
static bool
shared_later(const struct job_table *t, size_t i)
{
	for (size_t j = i + 1; j < t->n; j++)
		if (t->v[j].id != NULL && t->v[i].id != NULL &&
		    strcmp(t->v[j].id, t->v[i].id) == 0)
			return true;
	return false;
}

static void
print_jobs(struct loop *l, const struct cluster *c)
{
	char *t = jobfmt_table(&c->jobs), note[512];
	char *where = cluster_controller_where(c);
	long now = (long)time(NULL);

	if (where != NULL)
		cli_printf(stdout, "  controller: %s\n", where);
	free(where);

	for (char *line = strtok(t, "\n"); line != NULL;
	    line = strtok(NULL, "\n"))
		cli_printf(stdout, "  %s\n", line);
	free(t);
	/* When engines will be lost, and when waiting ones may start. */
	for (size_t i = 0; i < c->nprocs && i < c->jobs.n; i++)
		if (!shared_later(&c->jobs, i) &&
		    jobfmt_time_note(&c->jobs.v[i],
		    cluster_role_name(c->procs[i].role), now, note,
		    sizeof note))
			cli_printf(stdout, "  %s\n", note);
	if (c->jobs.skipped > 0)
		cli_printf(stdout, "  (%zu malformed scheduler line%s "
		    "skipped)\n", c->jobs.skipped,
		    c->jobs.skipped == 1 ? "" : "s");
	print_nodes(l, c);
	if (clusterstate_of(c) == CLUSTERSTATE_GONE)
		cli_printf(stdout, "  (its jobs have ended; 'hpctop stop %s' "
		    "clears the record)\n", c->name);
}

/* Why engines are missing, under the cluster's line. */
static void
print_diag(const struct cluster *c)
{
	struct diag d;

	diag_cluster(registry_find(c->backend), c, &d);
	if (d.reason != NULL)
		cli_printf(stdout, "  why: %s\n  hint: %s\n", d.reason, d.hint);
	diag_clear(&d);
}

#define TASKS_SHOWN 8

/* Engine tasks that exited: node, rank, code and the telling line. */
static void
print_tasks(const struct cluster *c)
{
	for (size_t i = 0; i < c->ntasks && i < TASKS_SHOWN; i++) {
		const struct cluster_task *t = &c->tasks[i];
		char *line = diag_telling_line(t->log);

		cli_printf(stdout, "  exited: task %d on %s, code %d%s%s\n",
		    t->rank, t->host, t->code, line != NULL ? ": " : "",
		    line != NULL ? line : "");
		free(line);
	}
	if (c->ntasks > TASKS_SHOWN)
		cli_printf(stdout, "  (%zu more exited tasks: 'hpctop status "
		    "--json' lists them)\n", c->ntasks - TASKS_SHOWN);
}

static json_t *
diag_json(const struct cluster *c)
{
	struct diag d;
	json_t *o;

	diag_cluster(registry_find(c->backend), c, &d);
	if (d.reason == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "reason", cli_json_text(d.reason));
	json_object_set_new(o, "hint", cli_json_text(d.hint));
	json_object_set_new(o, "node", d.node != NULL ? cli_json_text(d.node) :
	    json_null());
	diag_clear(&d);
	return o;
}

static json_t *
tasks_json(const struct cluster *c)
{
	json_t *a = json_array();

	for (size_t i = 0; i < c->ntasks; i++) {
		const struct cluster_task *t = &c->tasks[i];
		json_t *o = json_object();
		char *line = diag_telling_line(t->log);

		json_object_set_new(o, "node", cli_json_text(t->host));
		json_object_set_new(o, "rank", json_integer(t->rank));
		json_object_set_new(o, "exit_code", json_integer(t->code));
		json_object_set_new(o, "line", line != NULL ?
		    cli_json_text(line) : json_null());
		json_object_set_new(o, "log", cli_json_text(t->log));
		free(line);
		json_array_append_new(a, o);
	}
	return a;
}

/* A batch cluster: one with a job (its controller may be a process). */
static bool
has_jobs(const struct cluster *c)
{
	size_t i = 0;

	while (i < c->nprocs && c->procs[i].job_id == NULL)
		i++;
	return i < c->nprocs;
}

static void
print_sets(const struct cluster *c)
{
	int *sets;
	size_t n = cluster_sets(c, &sets);

	for (size_t i = 0; i < n; i++) {
		char *line = cluster_set_line(c, sets[i]);

		cli_printf(stdout, "  %s\n", line);
		free(line);
	}
	free(sets);
}

/* Who renews c's engine sets (renew_before): its watch, or each status
 * pass and the dashboard while none runs. */
static void
print_renewal(const struct cluster *c)
{
	pid_t pid;

	if (c->profile == NULL || c->profile->renew_before <= 0 ||
	    !cluster_any_alive(c))
		return;
	if (renewer_live(c->name, &pid))
		cli_printf(stdout, "  renewal: hpctop watch, pid %ld\n",
		    (long)pid);
	else
		cli_printf(stdout, "  renewal: no watch runs, so status passes "
		    "and the dashboard renew ('hpctop watch %s --background' "
		    "starts one)\n", c->name);
}

static json_t *
sets_json(const struct cluster *c)
{
	json_t *a = json_array();
	int *sets;
	size_t n = cluster_sets(c, &sets);

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object(), *jobs = json_array();
		int *ids;
		size_t nids = cluster_set_ids_of(c, sets[i], &ids);

		for (size_t k = 0; k < c->nprocs; k++) {
			const struct cluster_proc *pr = &c->procs[k];

			if (pr->role == CLUSTER_ENGINES && pr->set == sets[i])
				json_array_append_new(jobs, cli_json_text(
				    pr->job_id != NULL ? pr->job_id : pr->name));
		}
		json_object_set_new(o, "set", json_integer(sets[i]));
		json_object_set_new(o, "engines",
		    json_integer(cluster_set_engines(c, sets[i])));
		json_object_set_new(o, "procs", jobs);
		json_object_set_new(o, "engine_ids", cluster_ids_json(ids, nids));
		json_array_append_new(a, o);
		free(ids);
	}
	free(sets);
	return a;
}

static void
print_table(struct loop *l, const struct cluster *c, const char *mpi)
{
	int *lost;
	size_t nlost = cluster_lost_ids(c, &lost);
	int wname = 4;

	char down[ERR_MAX + 64];
	bool unreachable = cluster_host_unreachable(l, c, down, sizeof down);

	cli_printf(stdout, "%s  backend %s%s%s  %s  engines %zu/%d%s", c->name,
	    c->backend, c->host != NULL ? "  on " : "",
	    c->host != NULL ? c->host : "", unreachable ? down : state_word(c),
	    c->nids, c->engines, unreachable ||
	    clusterstate_engines_stale(c) ? " (stale)" : "");
	if (nlost > 0) {
		char *t = cluster_ids_text(lost, nlost);

		cli_printf(stdout, "  lost %zu (id %s)", nlost, t);
		free(t);
	}
	putchar('\n');
	free(lost);
	if (mpi != NULL)
		cli_printf(stdout, "  %s\n", mpi);
	print_diag(c);
	print_tasks(c);
	print_sets(c);
	print_renewal(c);
	if (has_jobs(c)) {
		print_jobs(l, c);
		return;
	}
	for (size_t i = 0; i < c->jobs.n; i++)
		if (c->jobs.v[i].name != NULL &&
		    (int)strlen(c->jobs.v[i].name) > wname)
			wname = (int)strlen(c->jobs.v[i].name);
	cli_printf(stdout, "  %-10s %-*s S %10s  %-16s %s\n", "ID", wname,
	    "NAME", "ELAPSED", "HOST", "PID");
	for (size_t i = 0; i < c->jobs.n; i++) {
		const struct job_row *r = &c->jobs.v[i];
		char el[32];

		units_format_duration(r->elapsed, UNITS_CLOCK_SHORT, el,
		    sizeof el);
		cli_printf(stdout, "  %-10s %-*s %c %10s  %-16s %ld\n",
		    r->id ? r->id : "-", wname, r->name ? r->name : "-",
		    (char)r->state, el, r->nodelist ? r->nodelist : "-",
		    (long)r->pid);
	}
	/* Rows whose host did not answer say why. */
	for (size_t i = 0; i < c->jobs.n; i++)
		if (c->jobs.v[i].reason != NULL)
			cli_printf(stdout, "  %s: %s\n", c->jobs.v[i].name ?
			    c->jobs.v[i].name : "-", c->jobs.v[i].reason);
	if (cluster_meta_get(c, CLUSTER_META_PLACED) != NULL)
		print_nodes(l, c);
	if (c->interrupted)
		cli_printf(stdout, "  (its start was interrupted: the hpctop "
		    "starting it died; 'hpctop stop %s' ends what it started)\n",
		    c->name);
	else if (clusterstate_of(c) == CLUSTERSTATE_GONE)
		cli_printf(stdout, "  (its processes are gone; 'hpctop stop %s' "
		    "clears the record)\n", c->name);
}

static json_t *
to_json(struct loop *l, const struct cluster *c, const char *mpi)
{
	json_t *o = json_object(), *procs = json_array();
	int *lost;
	size_t nlost = cluster_lost_ids(c, &lost);

	json_object_set_new(o, "name", cli_json_text(c->name));
	json_object_set_new(o, "backend", cli_json_text(c->backend));
	json_object_set_new(o, "state", cli_json_text(state_word(c)));
	json_object_set_new(o, "host", c->host != NULL ?
	    cli_json_text(c->host) : json_null());
	{
		char down[ERR_MAX + 64];

		json_object_set_new(o, "host_unreachable",
		    cluster_host_unreachable(l, c, down, sizeof down) ?
		    cli_json_text(down) : json_null());
	}
	json_object_set_new(o, "diagnosis", diag_json(c));
	json_object_set_new(o, "exited_tasks", tasks_json(c));
	json_object_set_new(o, "start_interrupted",
	    json_boolean(c->interrupted));
	json_object_set_new(o, "engines_requested", json_integer(c->engines));
	json_object_set_new(o, "engines_registered",
	    json_integer((json_int_t)c->nids));
	json_object_set_new(o, "engines_stale",
	    json_boolean(clusterstate_engines_stale(c)));
	json_object_set_new(o, "engine_ids", cluster_ids_json(c->ids, c->nids));
	json_object_set_new(o, "lost_ids", cluster_ids_json(lost, nlost));
	json_object_set_new(o, "retired_ids", cluster_ids_json(c->retired_ids,
	    c->nretired));
	json_object_set_new(o, "sets", sets_json(c));
	{
		pid_t pid;

		json_object_set_new(o, "watch_pid", renewer_live(c->name,
		    &pid) ? json_integer(pid) : json_null());
	}
	json_object_set_new(o, "ipython_profile",
	    cli_json_text(c->ipython_profile));
	json_object_set_new(o, "cluster_id", cli_json_text(c->cluster_id));
	json_object_set_new(o, "connection_file", cli_json_text(c->client_file));
	json_object_set_new(o, "controller_up",
	    json_boolean(clusterstate_controller_up(c)));
	{
		char *where = cluster_controller_where(c);

		json_object_set_new(o, "controller_at", where != NULL ?
		    cli_json_text(where) : json_null());
		free(where);
	}
	json_object_set_new(o, "started", json_real(c->started));
	json_object_set_new(o, "dir", cli_json_text(c->dir));
	json_object_set_new(o, "mpi_mismatch", mpi != NULL ?
	    cli_json_text(mpi) : json_null());
	free(lost);
	for (size_t i = 0; i < c->nprocs && i < c->jobs.n; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		const struct job_row *r = &c->jobs.v[i];
		json_t *p = json_object();
		char st[2] = { (char)r->state, '\0' };

		json_object_set_new(p, "id", cli_json_text(r->id ? r->id : ""));
		json_object_set_new(p, "name", cli_json_text(pr->name));
		json_object_set_new(p, "role",
		    cli_json_text(cluster_role_name(pr->role)));
		json_object_set_new(p, "state", cli_json_text(st));
		json_object_set_new(p, "sched_state", r->raw_state ?
		    cli_json_text(r->raw_state) : json_null());
		json_object_set_new(p, "elapsed", r->elapsed >= 0 ?
		    json_integer(r->elapsed) : json_null());
		json_object_set_new(p, "time_limit", r->time_limit >= 0 ?
		    json_integer(r->time_limit) : json_null());
		json_object_set_new(p, "time_left", r->time_left >= 0 ?
		    json_integer(r->time_left) : json_null());
		json_object_set_new(p, "near_time_limit",
		    json_boolean(jobtab_near_limit(r)));
		json_object_set_new(p, "start_estimate", r->start_at >= 0 ?
		    json_integer(r->start_at) : json_null());
		json_object_set_new(p, "host", pr->host ? cli_json_text(pr->host) :
		    json_null());
		json_object_set_new(p, "pid", json_integer(pr->pid));
		json_object_set_new(p, "job_id", pr->job_id ?
		    cli_json_text(pr->job_id) : json_null());
		json_object_set_new(p, "engines", json_integer(pr->engines));
		json_object_set_new(p, "set", pr->role == CLUSTER_ENGINES ?
		    json_integer(pr->set) : json_null());
		json_object_set_new(p, "reason", r->reason ?
		    cli_json_text(r->reason) : json_null());
		json_object_set_new(p, "log", pr->log ? cli_json_text(pr->log) :
		    json_null());
		json_array_append_new(procs, p);
	}
	json_object_set_new(o, "procs", procs);
	add_nodes_json(l, o, c);
	return o;
}

static void
drop(struct cluster **cs, size_t i, const char *name, json_t *errors)
{
	json_array_append_new(errors, cli_json_text(name));
	cluster_free(cs[i]);
	cs[i] = NULL;
}

/* Loads every named record into cs, then refreshes them with ONE poll per
 * backend, so all Slurm clusters cost one squeue. A record that cannot be
 * shown is left NULL and its name added to errors; why a record that
 * exists cannot be read goes into unreadable[i] (shown with the others),
 * any other error is printed. */
static void
refresh_all(struct loop *l, const struct strv *names, struct cluster **cs,
    char **unreadable, json_t *errors)
{
	size_t n = names->n, *idx = xcalloc(n + 1, sizeof *idx);
	struct cluster **group = xcalloc(n + 1, sizeof *group);
	bool *done = xcalloc(n + 1, sizeof *done);

	for (size_t i = 0; i < n; i++) {
		struct err e;
		bool missing;

		cs[i] = cluster_load(names->v[i], &missing, &e);
		if (cs[i] == NULL && missing)
			cli_error("no cluster '%s' (not started, or stopped)",
			    names->v[i]);
		else if (cs[i] == NULL)
			unreadable[i] = xstrdup(e.msg);
		if (cs[i] == NULL)
			json_array_append_new(errors, cli_json_text(names->v[i]));
	}
	for (size_t i = 0; i < n; i++) {
		const struct backend *b;
		size_t ng = 0;
		bool ok;
		struct err e;

		if (cs[i] == NULL || done[i])
			continue;
		b = clustercli_backend(cs[i]->backend);
		for (size_t k = i; k < n; k++)
			if (cs[k] != NULL && !done[k] && strcmp(cs[k]->backend,
			    cs[i]->backend) == 0) {
				done[k] = true;
				idx[ng] = k;
				group[ng++] = cs[k];
			}
		/* clustercli_backend printed why there is none. */
		ok = b != NULL && clusterop_poll_sync(l, b, group, ng, &e) == 0;
		for (size_t g = 0; g < ng; g++) {
			size_t k = idx[g];

			if (b == NULL) {
				drop(cs, k, names->v[k], errors);
				continue;
			}
			/* A scheduler that did not answer leaves the cluster
			 * shown, its jobs unknown (the poll said so), and
			 * status failing. */
			if (!ok) {
				cli_error("%s: %s", names->v[k], e.msg);
				json_array_append_new(errors,
				    cli_json_text(names->v[k]));
			}
			if (clusterop_read_registry(l, cs[k], &e) == -1) {
				cli_error("%s: %s", names->v[k], e.msg);
				drop(cs, k, names->v[k], errors);
			} else if (ok && cs[k]->profile != NULL &&
			    cs[k]->profile->renew_before > 0 &&
			    !renewer_live(cs[k]->name, NULL))
				/* The renewal pass of renew_before: status
				 * takes a step unless an hpctop watch runs
				 * it (one renewer at a time). */
				clustercli_renew(l, b, cs[k]);
		}
	}
	free(idx);
	free(group);
	free(done);
}

static int
status_exec(const struct cmd_args *a)
{
	struct strv names = STRV_INIT;
	struct cluster **cs;
	char **unreadable;
	json_t *arr = json_array(), *errors = json_array();
	struct loop *l;
	bool json = cmd_has(a, 'j'), unknown = false;
	int rc = CLI_OK;

	if (a->argc > 0)
		strv_push_take(&names, clustercli_record_name(a->argv[0]));
	else
		cluster_list(&names);
	l = cli_loop();
	cs = xcalloc(names.n + 1, sizeof *cs);
	unreadable = xcalloc(names.n + 1, sizeof *unreadable);
	refresh_all(l, &names, cs, unreadable, errors);
	for (size_t i = 0, shown = 0; i < names.n; i++) {
		struct cluster *c = cs[i];
		char *mpi;

		if (c == NULL && unreadable[i] != NULL) {
			/* Shown, not dropped: what it runs is still there. */
			if (json) {
				json_t *o = json_object();

				json_object_set_new(o, "name",
				    cli_json_text(names.v[i]));
				json_object_set_new(o, "state", json_string(
				    clusterstate_label(CLUSTERSTATE_UNREADABLE)));
				json_object_set_new(o, "error",
				    json_string(unreadable[i]));
				json_array_append_new(arr, o);
			} else {
				if (shown++ > 0)
					putchar('\n');
				printf("%s  unreadable record: %s\n  ('hpctop "
				    "stop --force %s' stops what belongs to it "
				    "and removes the record)\n", names.v[i],
				    unreadable[i], names.v[i]);
			}
			free(unreadable[i]);
		}
		if (c == NULL)
			continue;
		unknown |= clusterstate_of(c) == CLUSTERSTATE_UNKNOWN;
		mpi = clusterstate_of(c) == CLUSTERSTATE_RUNNING ?
		    clustercli_mpi_world(l, c) : NULL;
		if (json)
			json_array_append_new(arr, to_json(l, c, mpi));
		else {
			if (shown++ > 0)
				putchar('\n');
			print_table(l, c, mpi);
		}
		free(mpi);
		cluster_free(c);
	}
	free(cs);
	free(unreadable);
	if (json) {
		char *s = json_dumps(arr, JSON_INDENT(2));

		if (s == NULL)
			fatal("json_dumps failed");
		puts(s);
		free(s);
	} else if (names.n == 0)
		puts("no clusters (start one with 'hpctop start PROFILE')");
	/* A named cluster that cannot be shown, or any whose scheduler did
	 * not answer, is a failure. */
	if ((a->argc > 0 && json_array_size(errors) > 0) || unknown)
		rc = CLI_FAIL;
	strv_clear(&names);
	json_decref(arr);
	json_decref(errors);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "[PROFILE] [--json]",
	.summary = "show running clusters, their processes and engines",
	.help = help,
	.args = { "j", 0, 1 },
	.longopts = cmd_json_longopts,
	.exec = status_exec,
};
