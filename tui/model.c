#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/mpi.h"
#include "core/procsnap.h"
#include "core/renewer.h"
#include "backends/registry.h"
#include "core/clusterop.h"
#include "core/diag.h"
#include "core/mpiworld.h"
#include "core/jobfmt.h"
#include "core/subproc.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/pxfmt.h"
#include "core/tunnel.h"
#include "core/xmalloc.h"

static void
changed(struct model *m)
{
	if (m->changed != NULL)
		m->changed(m->changed_arg);
}

static void
message(struct model *m, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
message(struct model *m, bool error, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (m->message == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	m->message(error, s, m->message_arg);
	free(s);
}

static void
slot_init(struct model *m, struct model_cluster *c,
    const struct proflist_entry *entry)
{
	c->entry = entry;
	c->model = m;
	c->px = xcalloc(MODEL_PX_LINES, sizeof *c->px);
}

static void drop_client(struct model_cluster *c);
static void drop_tunnel(struct model_cluster *c);
static void free_engines(struct model_cluster *c);

static void
slot_free(struct model_cluster *c)
{
	drop_client(c);
	drop_tunnel(c);
	cluster_free(c->rec);
	free(c->preview);
	free(c->preview_err);
	free(c->error);
	free(c->controller_at);
	free(c->renew_seen);
	jobtab_clear(&c->jobs);
	free_engines(c);
	for (size_t j = 0; j < c->px_n; j++)
		free(c->px[(c->px_first + j) % MODEL_PX_LINES].text);
	free(c->px);
}

struct model *
model_new(struct loop *l, struct proflist *profiles, uint64_t interval_ms)
{
	struct model *m = xcalloc(1, sizeof *m);
	char *user;

	m->loop = l;
	m->profiles = profiles;
	m->interval_ms = interval_ms;
	m->started_ms = loop_now();
	m->nclusters = profiles->n;
	m->clusters = xcalloc(m->nclusters > 0 ? m->nclusters : 1,
	    sizeof *m->clusters);
	for (size_t i = 0; i < m->nclusters; i++)
		slot_init(m, &m->clusters[i], &profiles->v[i]);
	if (gethostname(m->host, sizeof m->host) == -1)
		snprintf(m->host, sizeof m->host, "?");
	m->host[sizeof m->host - 1] = '\0';
	user = paths_user_name();
	snprintf(m->user, sizeof m->user, "%s", user != NULL ? user : "?");
	free(user);
	return m;
}

static void
drop_client(struct model_cluster *c)
{
	ipp_exec_free(c->px_exec);
	c->px_exec = NULL;
	ipp_exec_free(c->mpi_exec);
	c->mpi_exec = NULL;
	ipp_free(c->ipp);
	c->ipp = NULL;
	conn_free(c->conn);
	c->conn = NULL;
}

/* Ends the tunnel this dashboard keeps for c, if any. */
static void
drop_tunnel(struct model_cluster *c)
{
	char *rec;

	if (c->tunnel != NULL) {
		rec = tunnel_rec_path(c->tunnel->name, "json");
		unlink(rec);
		free(rec);
		tunnel_close(c->tunnel);
		c->tunnel = NULL;
	}
	free(c->tunnel_note);
	c->tunnel_note = NULL;
	c->tunnel_retry_ms = 0;
}

/* A failed tunnel is tried again after this long. */
#define TUNNEL_RETRY_MS 30000

/* SOURCE: tunnel_note. A running cluster on another host gets a tunnel
 * (core/tunnel, as hpctop tunnel makes it) while this dashboard shows it,
 * unless a tunnel process of its own (hpctop tunnel) has it. */
static void
keep_tunnel(struct model *m, struct model_cluster *c)
{
	struct cluster *r = c->rec;
	struct tunnel_rec *tr;
	struct host *h;
	struct err e;
	bool missing;

	if (r == NULL || !cluster_controller_alive(r)) {
		drop_tunnel(c);
		return;
	}
	if (c->tunnel != NULL || loop_now() < c->tunnel_retry_ms ||
	    (h = cluster_host(m->loop, r, &e)) == NULL || host_is_local(h))
		return;
	free(c->tunnel_note);
	c->tunnel_note = NULL;
	if ((tr = tunnel_rec_load(r->name, &missing, &e)) != NULL) {
		if (procsnap_pid_is(tr->pid, tr->start_time)) {
			c->tunnel_note = xasprintf("tunnel: %s (pid %ld)",
			    tr->mode != NULL ? tr->mode : "?", (long)tr->pid);
			c->tunnel_retry_ms = loop_now() + TUNNEL_RETRY_MS;
			tunnel_rec_free(tr);
			return;
		}
		tunnel_rec_remove(tr);
		tunnel_rec_free(tr);
	}
	if ((c->tunnel = tunnel_open(m->loop, h, r, &e)) == NULL ||
	    tunnel_rec_save(c->tunnel, getpid(),
	    procsnap_pid_start(getpid()), "dashboard", NULL, &e) == -1) {
		tunnel_close(c->tunnel);
		c->tunnel = NULL;
		c->tunnel_note = xasprintf("no tunnel: %s", e.msg);
		c->tunnel_retry_ms = loop_now() + TUNNEL_RETRY_MS;
		return;
	}
	c->tunnel_note = tunnel_summary(c->tunnel);
	message(m, false, "%s", c->tunnel_note);
}

static void
free_engines(struct model_cluster *c)
{
	for (size_t i = 0; i < c->nengines; i++)
		free(c->engines[i].host);
	free(c->engines);
	c->engines = NULL;
	c->nengines = 0;
	nodes_clear(&c->nodes);
	strv_clear(&c->set_lines);
}

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	if (m->sched_job != NULL)
		subproc_cancel(m->sched_job);
	m->changed = NULL;
	m->message = NULL;
	/* Backends own nothing of ours but call back once; their callbacks
	 * need the records alive. */
	while (m->polls > 0 || m->ops > 0)
		if (loop_once(m->loop, 100) == -1)
			break;
	for (size_t i = 0; i < m->nclusters; i++)
		slot_free(&m->clusters[i]);
	free(m->clusters);
	free(m->sched_version);
	proflist_free(m->profiles);
	free(m);
}

int
model_find(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->nclusters; i++)
		if (strcmp(m->clusters[i].entry->name, name) == 0)
			return (int)i;
	return -1;
}

void
model_select(struct model *m, size_t idx)
{
	if (idx < m->nclusters && idx != m->sel) {
		m->sel = idx;
		changed(m);
	}
}

struct model_cluster *
model_selected(struct model *m)
{
	return m->nclusters > 0 ? &m->clusters[m->sel] : NULL;
}

/* SOURCE: the scheduler. Asks `squeue --version`, then `qstat --version`,
 * as async jobs with a timeout: a hanging scheduler command marks the
 * header stale but never blocks the loop. A command that is not installed
 * moves on to the next probe; one that hangs or fails is asked again on
 * the next refresh. */
static void sched_probe(struct model *m, const char *cmd);

static void
sched_done(const struct subproc_result *r, void *arg)
{
	struct model *m = arg;
	const char *probe = m->sched_probe;

	m->sched_job = NULL;
	m->sched_src.busy_ms = 0;
	if (r->exit_code == -1 && !r->timed_out) {
		/* Not installed: try the next scheduler. */
		if (strcmp(probe, "squeue") == 0) {
			sched_probe(m, "qstat");
			return;
		}
		m->sched = MODEL_SCHED_NONE;
		m->sched_src.failed = false;
		m->sched_src.ok_ms = loop_now();
		changed(m);
		return;
	}
	if (!r->timed_out)
		m->sched = strcmp(probe, "squeue") == 0 ? MODEL_SCHED_SLURM :
		    MODEL_SCHED_PBS;
	if (!r->ok) {
		/* Installed but not answering or not configured: say so once
		 * per distinct error, and ask again next tick. */
		if (!m->sched_src.failed ||
		    strcmp(m->sched_src.err.msg, r->err.msg) != 0)
			message(m, true, "%s", r->err.msg);
		/* Back off (up to a minute) so a broken scheduler does not
		 * cost a fork every tick. */
		m->sched_backoff_ms = m->sched_backoff_ms == 0 ?
		    m->interval_ms : m->sched_backoff_ms * 2;
		if (m->sched_backoff_ms > 60000)
			m->sched_backoff_ms = 60000;
		m->sched_retry_ms = loop_now() + m->sched_backoff_ms;
		m->sched_src.failed = true;
		m->sched_src.err = r->err;
		changed(m);
		return;
	}
	free(m->sched_version);
	m->sched_version = xstrndup(r->out, strcspn(r->out, "\r\n"));
	m->sched_backoff_ms = 0;
	m->sched_src.failed = false;
	m->sched_src.ok_ms = loop_now();
	changed(m);
}

static void
sched_probe(struct model *m, const char *cmd)
{
	char *argv[] = { (char *)cmd, (char *)"--version", NULL };
	struct err e;

	m->sched_probe = cmd;
	m->sched_src.busy_ms = loop_now();
	m->sched_job = subproc_run(m->loop, argv, NULL, NULL, 0,
	    MODEL_SCHED_TIMEOUT_MS, sched_done, m, &e);
	if (m->sched_job == NULL) {
		m->sched_src.busy_ms = 0;
		m->sched_src.failed = true;
		m->sched_src.err = e;
		message(m, true, "%s", e.msg);
	}
}

static void on_ipp_engines(struct ipp *ipp, void *arg);

/* The ipyparallel client of a cluster: created once the controller wrote
 * its connection file, dropped when the cluster is gone. */
static void
ensure_client(struct model *m, struct model_cluster *c)
{
	struct host *h;
	struct err e;

	/* A controller that stopped answering may have been restarted with
	 * new ports: connect again from its current file. */
	if (c->ipp != NULL && ipp_state(c->ipp) == IPP_DOWN)
		drop_client(c);
	if (c->ipp != NULL || c->rec == NULL || c->rec->client_file == NULL ||
	    (c->rec->host == NULL && access(c->rec->client_file, R_OK) != 0))
		return;
	/* On another machine: read there, its ports carried over SSH. */
	if (cluster_host_unreachable(m->loop, c->rec, NULL, 0) ||
	    (h = cluster_host(m->loop, c->rec, &e)) == NULL)
		return;
	if ((c->conn = conn_load_host(h, m->loop, c->rec->client_file,
	    &e)) == NULL || conn_forward(c->conn, h, m->loop, &e) == -1 ||
	    (c->ipp = ipp_new(c->conn, &e)) == NULL) {
		conn_free(c->conn);
		c->conn = NULL;
		return;
	}
	ipp_set_hooks(c->ipp, &(struct ipp_hooks){ on_ipp_engines, NULL, c });
	ipp_attach(c->ipp, m->loop);
	ipp_want_hosts(c->ipp);
}

static void store_engines(struct model_cluster *c, struct model_engine *ev,
    size_t n);

static int
engine_cmp(const void *key, const void *elem)
{
	int id = *(const int *)key;
	int other = ((const struct model_engine *)elem)->id;

	return (id > other) - (id < other);
}

/* The engines of c: ids from the record's registry, hosts from the
 * client's queries, busy while the px request runs on them. Only a poll
 * (polled) makes the engine data fresh; after the client's hooks and px
 * the caller redraws. */
static void
push_engines(struct model *m, struct model_cluster *c, bool polled)
{
	struct cluster *r = c->rec;
	struct model_engine *ev;
	size_t n = 0, nlost;
	int *lost;

	if (r == NULL)
		return;
	nlost = cluster_lost_ids(r, &lost);
	ev = xcalloc(r->nids + nlost + 1, sizeof *ev);
	for (size_t i = 0; i < r->nids; i++) {
		ev[n].id = r->ids[i];
		ev[n++].state = MODEL_ENGINE_REGISTERED;
	}
	for (size_t i = 0; i < nlost; i++) {
		ev[n].id = lost[i];
		ev[n++].state = MODEL_ENGINE_LOST;
	}
	free(lost);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ev[j - 1].id > ev[j].id; j--) {
			struct model_engine t = ev[j];

			ev[j] = ev[j - 1];
			ev[j - 1] = t;
		}
	for (size_t i = 0; i < n && c->ipp != NULL; i++) {
		const struct ipp_engine *en = ipp_engine_find(c->ipp, ev[i].id);

		if (en != NULL && en->host != NULL)
			ev[i].host = xstrdup(en->host);
	}
	for (size_t i = 0; c->px_exec != NULL && c->px_exec->pending > 0 &&
	    i < c->px_exec->n; i++) {
		const struct ipp_reply *pr = &c->px_exec->r[i];
		struct model_engine *en = pr->status != IPP_PENDING ? NULL :
		    bsearch(&pr->engine, ev, n, sizeof *ev, engine_cmp);

		if (en != NULL && en->state == MODEL_ENGINE_REGISTERED)
			en->state = MODEL_ENGINE_BUSY;
	}
	if (polled)
		model_cluster_set_engines(m, c, ev, n);
	else
		store_engines(c, ev, n);
}

static void
on_ipp_engines(struct ipp *ipp, void *arg)
{
	struct model_cluster *c = arg;

	push_engines(c->model, c, false);
	changed(c->model);
}

/* What a state means on the dashboard, after its word. */
static const char *
state_note(enum clusterstate st)
{
	switch (st) {
	case CLUSTERSTATE_UNKNOWN:
		/* A poll that failed says why itself (poll_done). */
		return "scheduler output unreadable";
	case CLUSTERSTATE_NOT_ANSWERING:
		return "controller stopped (X stops the cluster)";
	case CLUSTERSTATE_FAILED:
		return "controller gone (X stops the rest)";
	case CLUSTERSTATE_GONE:
		return "nothing running (X cleans up)";
	default:
		return NULL;
	}
}

static void
mpi_done(struct ipp_exec *x, void *arg)
{
	struct model_cluster *c = arg;
	char *verdict;

	if (c->rec == NULL || !mpi_world_conclude(c->rec, x, &verdict))
		return;
	/* Shown at once, beside the state, as every later refresh will. */
	if (verdict != NULL && c->state == CLUSTERSTATE_RUNNING) {
		free(c->error);
		c->error = verdict;
		changed(c->model);
	} else
		free(verdict);
}

/* SOURCE: the MPI world verdict of a running cluster (core/mpiworld.h):
 * the one kept beside its record, else its engines are asked once the
 * client is up (mpi_done keeps and shows the answer). NULL meanwhile, or
 * when they share one world. Caller frees. */
static char *
mpi_note(struct model_cluster *c)
{
	char *verdict;
	struct err e;

	if (!mpiworld_wanted(c->rec))
		return NULL;
	if (mpiworld_load(c->rec, &verdict))
		return verdict;
	/* A question that found no answer (timeout): ask again. */
	if (c->mpi_exec != NULL && c->mpi_exec->pending == 0) {
		ipp_exec_free(c->mpi_exec);
		c->mpi_exec = NULL;
	}
	if (c->mpi_exec == NULL && c->ipp != NULL &&
	    ipp_state(c->ipp) == IPP_UP)
		c->mpi_exec = mpiworld_ask(c->ipp, mpi_done, c, &e);
	return NULL;
}

/* State, jobs and engines of c from its record after a poll. */
/* The set lines the engines pane shows (status prints the same). */
static void
push_sets(struct model_cluster *c)
{
	int *sets;
	size_t n = cluster_sets(c->rec, &sets);

	strv_clear(&c->set_lines);
	for (size_t i = 0; n > 1 && i < n; i++)
		strv_push_take(&c->set_lines, cluster_set_line(c->rec,
		    sets[i]));
	free(sets);
}

static void
push_cluster(struct model *m, struct model_cluster *c)
{
	struct cluster *r = c->rec;
	enum clusterstate st = clusterstate_of(r);
	struct diag d;
	char *note = NULL, *mpi;

	model_cluster_set_jobs(m, c, &r->jobs);
	free(c->controller_at);
	c->controller_at = cluster_controller_where(r);
	push_engines(m, c, true);
	push_sets(c);
	/* Only a cluster with nothing left loses its client: jobs the
	 * scheduler could not tell about may still run. */
	if (st == CLUSTERSTATE_GONE)
		drop_client(c);
	if (clusterstate_can_px(st))
		ensure_client(m, c);
	keep_tunnel(m, c);
	if (st == CLUSTERSTATE_RUNNING && c->state == CLUSTERSTATE_STARTING)
		message(m, false, "%s: engines %d/%d registered",
		    c->entry->name, (int)r->nids, r->engines);
	diag_cluster(registry_find(r->backend), r, &d);
	if (d.reason != NULL) {
		note = xasprintf("%s; hint: %s", d.reason, d.hint);
		if (st == CLUSTERSTATE_STALLED && c->state != st)
			message(m, true, "%s: stalled: %s", c->entry->name,
			    note);
	}
	mpi = st == CLUSTERSTATE_RUNNING ? mpi_note(c) : NULL;
	model_cluster_set_state(m, c, st, (int)r->nids, r->engines,
	    r->interrupted ? "its start was interrupted (X ends what it "
	    "started)" : note != NULL ? note : mpi != NULL ? mpi :
	    state_note(st));
	free(mpi);
	c->stale = clusterstate_engines_stale(r);
	free(note);
	diag_clear(&d);
}

struct poll_batch {
	struct model *m;
	struct model_cluster **mc;
	struct cluster **cs;
	size_t n;
};

static void op_began(struct model_cluster *c);
static struct model *op_ended(struct model_cluster *c);

static void
renew_done(struct cluster *r, const struct err *e, void *arg)
{
	struct model_cluster *c = arg;
	struct model *m = op_ended(c);

	(void)r;
	if (e != NULL)
		message(m, true, "renewing %s's engines: %s", c->entry->name,
		    e->msg);
	else {
		/* The px console says which engine ids are new. */
		model_px_note(c, MODEL_PX_INFO, c->renew_what);
		free(c->renew_seen);
		c->renew_seen = xstrdup(c->renew_what);
		message(m, false, "%s: %s", c->entry->name, c->renew_what);
	}
	model_refresh(m, false);
}

/* The dashboard is one of those who run the renewal pass
 * (core/clusterop.h: clusterop_renew), after each refresh. */
static void
renew_step(struct model *m, struct model_cluster *c)
{
	struct err e;
	int rc;

	/* One renewer at a time: a live watch takes the steps. */
	if (c->op_busy || c->rec == NULL || c->backend == NULL ||
	    c->rec->profile == NULL || c->rec->profile->renew_before <= 0 ||
	    renewer_live(c->rec->name, NULL))
		return;
	rc = clusterop_renew(m->loop, c->backend, c->rec, renew_done, c,
	    c->renew_what, sizeof c->renew_what, &e);
	if (rc == 1)
		op_began(c);
	else if (rc == -1)
		message(m, true, "renewing %s's engines: %s", c->entry->name,
		    e.msg);
}

static void
poll_done(struct cluster **cs, size_t n, const struct err *e, void *arg)
{
	struct poll_batch *pb = arg;
	struct model *m = pb->m;

	(void)cs;
	m->polls--;
	for (size_t i = 0; i < n; i++) {
		struct model_cluster *c = pb->mc[i];
		struct err re;

		c->polling = false;
		if (e != NULL) {
			/* Unknown, never stopped: the last known jobs stay
			 * (marked stale below), or the recorded ones (the
			 * poll marked them unknown) when there are none. */
			char down[ERR_MAX + 64];

			if (c->jobs.n == 0)
				model_cluster_set_jobs(m, c, &c->rec->jobs);
			/* A host that cannot be asked says so, rather than
			 * what its failed command said. */
			model_cluster_set_state(m, c, CLUSTERSTATE_UNKNOWN,
			    c->registered, c->rec->engines,
			    cluster_host_unreachable(m->loop, c->rec, down,
			    sizeof down) ? down : e->msg);
			c->stale = true;
			c->jobs_src.busy_ms = 0;
			c->jobs_src.failed = true;
			c->jobs_src.err = *e;
			continue;
		}
		if (clusterop_read_registry(m->loop, c->rec, &re) == -1) {
			c->engines_src.failed = true;
			c->engines_src.err = re;
		}
		push_cluster(m, c);
		renew_step(m, c);
	}
	if (e != NULL)
		message(m, true, "%s", e->msg);
	free(pb->mc);
	free(pb->cs);
	free(pb);
	changed(m);
}

/* A renewal step another hpctop (its watch) took shows in the px console
 * as the dashboard's own do: the record r now read says it, and it is
 * not the one last shown (nor one from before this dashboard looked). */
static void
renew_seen(struct model_cluster *c, const struct cluster *r)
{
	const char *note = cluster_meta_get(r, CLUSTEROP_RENEW_NOTE);

	if (note == NULL || *note == '\0' || (c->renew_seen != NULL &&
	    strcmp(c->renew_seen, note) == 0))
		return;
	if (c->rec != NULL)
		model_px_note(c, MODEL_PX_INFO, note);
	free(c->renew_seen);
	c->renew_seen = xstrdup(note);
}

/* Loads the record of c when one appeared (a cluster started by `hpctop
 * start`, or before this dashboard ran), or forgets it when it went. */
static void
load_record(struct model *m, struct model_cluster *c)
{
	struct err e;
	bool missing = false;
	struct cluster *r;

	if (c->op_busy || c->polling)
		return;
	r = cluster_load(c->entry->name, &missing, &e);
	if (r == NULL) {
		if (c->rec != NULL || (!missing &&
		    c->state != CLUSTERSTATE_UNREADABLE)) {
			drop_client(c);
			drop_tunnel(c);
			cluster_free(c->rec);
			c->rec = NULL;
			jobtab_clear(&c->jobs);
			free(c->controller_at);
			c->controller_at = NULL;
			free_engines(c);
			/* Not "stopped": what it runs may still be there. */
			if (!missing)
				err_prefix(&e, "unreadable record (X stops "
				    "what belongs to it and clears it)");
			model_cluster_set_state(m, c, missing ?
			    CLUSTERSTATE_STOPPED : CLUSTERSTATE_UNREADABLE, 0,
			    0, missing ? NULL : e.msg);
		}
		c->unreadable = !missing;
		return;
	}
	c->unreadable = false;
	if (c->rec != NULL && c->rec->started == r->started &&
	    c->rec->nprocs == r->nprocs) {
		cluster_free(r);
		return;
	}
	renew_seen(c, r);
	drop_client(c);
	drop_tunnel(c);
	cluster_free(c->rec);
	c->rec = r;
	c->backend = registry_find(r->backend);
	if (c->backend == NULL)
		model_cluster_set_state(m, c, CLUSTERSTATE_UNKNOWN, 0,
		    r->engines, "unknown backend");
}

/* One backend poll per backend for all its clusters. */
static void
poll_backend(struct model *m, const struct backend *b)
{
	struct poll_batch *pb = xcalloc(1, sizeof *pb);
	struct err e;

	pb->m = m;
	pb->mc = xcalloc(m->nclusters, sizeof *pb->mc);
	pb->cs = xcalloc(m->nclusters, sizeof *pb->cs);
	for (size_t i = 0; i < m->nclusters; i++) {
		struct model_cluster *c = &m->clusters[i];

		if (c->rec == NULL || c->backend != b || c->op_busy ||
		    c->polling)
			continue;
		pb->mc[pb->n] = c;
		pb->cs[pb->n++] = c->rec;
	}
	if (pb->n > 0 && b->poll(b, m->loop, pb->cs, pb->n, poll_done,
	    pb, &e) == 0) {
		m->polls++;
		for (size_t i = 0; i < pb->n; i++) {
			pb->mc[i]->polling = true;
			pb->mc[i]->jobs_src.busy_ms = loop_now();
		}
		return;
	}
	if (pb->n > 0)
		message(m, true, "%s", e.msg);
	free(pb->mc);
	free(pb->cs);
	free(pb);
}

static void preview_start(struct model *m, struct model_cluster *c, int n);

/* Whether something in flight points at a slot (a poll, start, stop or
 * preview holds c, and so does a px request until it finished): slots
 * move only when nothing does. */
static bool
slots_busy(const struct model *m)
{
	if (m->polls > 0 || m->ops > 0)
		return true;
	for (size_t i = 0; i < m->nclusters; i++) {
		const struct model_cluster *c = &m->clusters[i];

		if (c->polling || c->op_busy || c->preview_busy ||
		    (c->px_exec != NULL && c->px_exec->pending > 0))
			return true;
	}
	return false;
}

/* Takes the profiles found now: new ones appear, removed ones go, edited
 * ones show what they say now, and each cluster keeps its slot's state,
 * jobs, engines and px output. A profile whose file went while its
 * cluster has a record stays listed (the whole rescan waits), so a
 * running cluster never drops out of sight. */
static void
rescan(struct model *m)
{
	struct proflist *pl;
	struct model_cluster *v;
	const char *sel;
	bool *moved;

	if (m->rescan == NULL || slots_busy(m))
		return;
	pl = m->rescan(m->rescan_arg);
	/* The profiles of another machine (-H) could not be listed this
	 * time: the list stays as it was, and says why. */
	if (pl->error != NULL) {
		message(m, true, "%s", pl->error);
		proflist_free(pl);
		return;
	}
	for (size_t i = 0; i < m->nclusters; i++) {
		const struct model_cluster *c = &m->clusters[i];

		if ((c->rec != NULL || c->unreadable) &&
		    proflist_find(pl, c->entry->name) == NULL) {
			proflist_free(pl);
			return;
		}
	}
	sel = m->nclusters > 0 ? m->clusters[m->sel].entry->name : NULL;
	v = xcalloc(pl->n > 0 ? pl->n : 1, sizeof *v);
	moved = xcalloc(m->nclusters + 1, sizeof *moved);
	for (size_t i = 0; i < pl->n; i++) {
		int k = model_find(m, pl->v[i].name);

		if (k < 0) {
			slot_init(m, &v[i], &pl->v[i]);
			continue;
		}
		v[i] = m->clusters[k];
		/* What start would run comes from another file now. */
		if (strcmp(v[i].entry->path, pl->v[i].path) != 0 ||
		    (v[i].entry->profile == NULL) !=
		    (pl->v[i].profile == NULL)) {
			free(v[i].preview);
			free(v[i].preview_err);
			v[i].preview = v[i].preview_err = NULL;
		}
		v[i].entry = &pl->v[i];
		moved[k] = true;
		if (v[i].ipp != NULL)
			ipp_set_hooks(v[i].ipp, &(struct ipp_hooks){
			    on_ipp_engines, NULL, &v[i] });
	}
	m->sel = 0;
	for (size_t i = 0; sel != NULL && i < pl->n; i++)
		if (strcmp(pl->v[i].name, sel) == 0)
			m->sel = i;
	for (size_t i = 0; i < m->nclusters; i++)
		if (!moved[i])
			slot_free(&m->clusters[i]);
	free(moved);
	free(m->clusters);
	proflist_free(m->profiles);
	m->clusters = v;
	m->nclusters = pl->n;
	m->profiles = pl;
}

void
model_refresh(struct model *m, bool now)
{
	const struct backend *b;

	if (now || ++m->refreshes % MODEL_RESCAN_EVERY == 0)
		rescan(m);
	if (now)
		m->sched_retry_ms = 0;
	if (m->sched_job == NULL && (m->sched == MODEL_SCHED_UNKNOWN ||
	    m->sched_src.failed) && loop_now() >= m->sched_retry_ms)
		sched_probe(m, "squeue");
	/* SOURCE: cluster state, job tables and engines: the records under
	 * the state dir, polled by their backends, and the Hub's engine
	 * registry, pushed through model_cluster_set_*. */
	for (size_t i = 0; i < m->nclusters; i++) {
		load_record(m, &m->clusters[i]);
		if (m->clusters[i].entry->profile != NULL)
			preview_start(m, &m->clusters[i],
			    m->clusters[i].entry->profile->engines);
	}
	for (size_t i = 0; (b = registry_get(i)) != NULL; i++)
		poll_backend(m, b);
	changed(m);
}

uint64_t
model_stale_ms(const struct model *m, const struct model_source *s)
{
	uint64_t now = loop_now();
	uint64_t since = s->ok_ms != 0 ? s->ok_ms : m->started_ms;
	bool overdue = s->busy_ms != 0 && now - s->busy_ms > 2 * m->interval_ms;

	if (!s->failed && !overdue)
		return 0;
	return now > since ? now - since : 1;
}

const char *
model_sched_name(enum model_sched s)
{
	switch (s) {
	case MODEL_SCHED_NONE:
		return "none";
	case MODEL_SCHED_SLURM:
		return "Slurm";
	case MODEL_SCHED_PBS:
		return "PBS";
	case MODEL_SCHED_UNKNOWN:
		break;
	}
	return "?";
}

const char *
model_state_label(const struct model_cluster *c, char *buf, size_t len)
{
	const char *host = c->rec != NULL ? c->rec->host :
	    c->entry->profile != NULL ? c->entry->profile->host : NULL;
	char word[64];

	if (c->stopping)
		snprintf(word, sizeof word, "stopping");
	else
		clusterstate_format(c->state, c->registered, c->requested,
		    c->stale, word, sizeof word);
	snprintf(buf, len, "%s%s%s%s%s", word, host != NULL ? " on " : "",
	    host != NULL ? host : "", c->error != NULL ? ": " : "",
	    c->error != NULL ? c->error : "");
	return buf;
}

int
model_px_check(const struct model_cluster *c, struct err *e)
{
	char label[256];

	if (clusterstate_can_px(c->state) && !c->stopping)
		return 0;
	if (c->state == CLUSTERSTATE_STOPPED)
		return err_set(e, "no cluster running for %s (S starts one)",
		    c->entry->name);
	return err_set(e, "%s is %s", c->entry->name,
	    model_state_label(c, label, sizeof label));
}

void
model_cluster_set_state(struct model *m, struct model_cluster *c,
    enum clusterstate state, int registered, int requested,
    const char *error)
{
	c->state = state;
	c->stopping = false;
	c->stale = false;
	c->registered = registered;
	c->requested = requested;
	free(c->error);
	c->error = error != NULL ? xstrdup(error) : NULL;
	changed(m);
}

/* The role of c's job row i: rows follow the record's procs
 * (backends/batch.c). */
static enum cluster_role
job_role(const struct model_cluster *c, size_t i)
{
	return c->rec != NULL && i < c->rec->nprocs ? c->rec->procs[i].role :
	    CLUSTER_ENGINES;
}

/* Which job model_time_note speaks of (jobs.n: none), chosen when the
 * jobs arrive. */
static size_t
time_note_job(const struct model_cluster *c)
{
	size_t best = c->jobs.n;

	/* The job that ends first; of two that end together, the engines. */
	for (size_t i = 0; i < c->jobs.n; i++) {
		const struct job_row *r = &c->jobs.v[i], *b;

		if (!jobtab_near_limit(r))
			continue;
		b = best < c->jobs.n ? &c->jobs.v[best] : NULL;
		if (b == NULL || r->time_left < b->time_left ||
		    (r->time_left == b->time_left &&
		    job_role(c, i) == CLUSTER_ENGINES))
			best = i;
	}
	if (best < c->jobs.n)
		return best;
	for (size_t i = 0; i < c->jobs.n; i++)
		if (c->jobs.v[i].state == JOB_QUEUED &&
		    c->jobs.v[i].start_at >= 0)
			return i;
	return c->jobs.n;
}

void
model_cluster_set_jobs(struct model *m, struct model_cluster *c,
    struct job_table *jobs)
{
	jobtab_clear(&c->jobs);
	c->jobs = *jobs;
	jobfmt_widths(&c->jobs_fmt, &c->jobs);
	c->time_note = time_note_job(c);
	memset(jobs, 0, sizeof *jobs);
	c->jobs_src.ok_ms = loop_now();
	c->jobs_src.busy_ms = 0;
	c->jobs_src.failed = false;
	changed(m);
}

/* The engines, and from them and the jobs the per-node report (batch
 * clusters; the others have no engines jobs, so no nodes). */
static void
store_engines(struct model_cluster *c, struct model_engine *ev, size_t n)
{
	char **hosts = xcalloc(n + 1, sizeof *hosts);
	size_t k = 0;

	free_engines(c);
	c->engines = ev;
	c->nengines = n;
	for (size_t i = 0; i < n; i++)
		if (ev[i].state != MODEL_ENGINE_LOST)
			hosts[k++] = ev[i].host;
	if (c->rec != NULL)
		nodes_of_cluster(&c->nodes, c->rec, &c->jobs, hosts, k);
	free(hosts);
}

void
model_cluster_set_engines(struct model *m, struct model_cluster *c,
    struct model_engine *engines, size_t n)
{
	store_engines(c, engines, n);
	c->engines_src.ok_ms = loop_now();
	c->engines_src.busy_ms = 0;
	c->engines_src.failed = false;
	changed(m);
}

const struct model_px_line *
model_px_line(const struct model_cluster *c, size_t i)
{
	return &c->px[(c->px_first + i) % MODEL_PX_LINES];
}

static void
px_push(struct model_cluster *c, enum model_px_kind kind,
    enum pxfmt_kind rec, int engine, size_t label_len, const char *text,
    size_t len)
{
	struct model_px_line *l;

	if (c->px_n == MODEL_PX_LINES) {
		free(c->px[c->px_first].text);
		c->px_first = (c->px_first + 1) % MODEL_PX_LINES;
		c->px_n--;
	}
	l = &c->px[(c->px_first + c->px_n) % MODEL_PX_LINES];
	l->kind = kind;
	l->rec = rec;
	l->engine = engine;
	l->label_len = label_len;
	l->text = xstrndup(text, len);
	c->px_n++;
}

/* One px_push per line of text; the first line carries label_len. */
static void
px_lines(struct model_cluster *c, enum model_px_kind kind,
    enum pxfmt_kind rec, int engine, size_t label_len, const char *text)
{
	const char *p = text;
	size_t n = strlen(text);

	/* A trailing newline ends the last line; it does not add an empty
	 * one. */
	if (n > 0 && text[n - 1] == '\n')
		n--;
	for (;;) {
		const char *nl = memchr(p, '\n', n - (size_t)(p - text));
		size_t len = nl != NULL ? (size_t)(nl - p) :
		    n - (size_t)(p - text);

		px_push(c, kind, rec, engine, p == text ? label_len : 0, p,
		    len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

void
model_px_note(struct model_cluster *c, enum model_px_kind kind,
    const char *text)
{
	px_lines(c, kind, PXFMT_STDOUT, -1, 0, text);
}

void
model_px_records(struct model_cluster *c, const struct pxfmt_rec *v,
    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *t = ipp_show_nul(v[i].text, v[i].len);

		px_lines(c, MODEL_PX_OUTPUT, v[i].kind, v[i].engine,
		    v[i].label_len, t);
		free(t);
	}
}

bool
model_time_note(const struct model_cluster *c, bool *near, char *buf,
    size_t len)
{
	size_t i = c->time_note;

	*near = false;
	if (len > 0)
		buf[0] = '\0';
	if (i >= c->jobs.n)
		return false;
	*near = jobtab_near_limit(&c->jobs.v[i]);
	return jobfmt_time_note(&c->jobs.v[i], cluster_role_name(job_role(c,
	    i)), (long)time(NULL), buf, len);
}

void
model_running(const struct model *m, struct strv *out)
{
	for (size_t i = 0; i < m->nclusters; i++) {
		const struct model_cluster *c = &m->clusters[i];

		if (c->state == CLUSTERSTATE_STOPPED ||
		    c->state == CLUSTERSTATE_GONE || c->rec == NULL)
			continue;
		strv_pushf(out, "%s (%d/%d engines)", c->entry->name,
		    c->registered, c->requested);
	}
}

static struct model_cluster *
cluster_at(struct model *m, size_t idx, struct err *e)
{
	struct model_cluster *c;

	if (idx >= m->nclusters) {
		err_set(e, "no profile selected");
		return NULL;
	}
	c = &m->clusters[idx];
	if (c->entry->profile == NULL) {
		err_set(e, "%s", c->entry->error);
		return NULL;
	}
	return c;
}

/* A new record for c's profile with n engines, and its backend. */
static struct cluster *
new_record(struct model_cluster *c, int n, const struct backend **b,
    struct err *e)
{
	const struct profile *p = c->entry->profile;
	struct cluster *r;
	char *text;

	if ((*b = registry_find(p->backend)) == NULL) {
		err_set(e, "backend '%s' cannot start clusters in this "
		    "version", p->backend);
		return NULL;
	}
	if ((text = c->entry->text != NULL ? xstrdup(c->entry->text) :
	    profile_read_text(c->entry->path, NULL, e)) == NULL)
		return NULL;
	r = cluster_new(p, text, n, e);
	free(text);
	return r;
}

/* A start or stop of c is running: the model waits for it before it is
 * freed, and c takes no other until it ended. */
static void
op_began(struct model_cluster *c)
{
	c->model->ops++;
	c->op_busy = true;
}

static struct model *
op_ended(struct model_cluster *c)
{
	c->model->ops--;
	c->op_busy = false;
	return c->model;
}

static void
start_done(struct cluster *r, const struct err *e, void *arg)
{
	struct model_cluster *c = arg;
	struct model *m = op_ended(c);
	struct err we;

	if (e != NULL) {
		cluster_free(r);
		c->rec = NULL;
		model_cluster_set_state(m, c, CLUSTERSTATE_FAILED, 0, 0,
		    e->msg);
		message(m, true, "start %s: %s", c->entry->name, e->msg);
		return;
	}
	/* Its watch renews the engine sets once this dashboard quits. */
	if (r->profile != NULL && r->profile->renew_before > 0 &&
	    renewer_spawn(r->name, &we) == -1)
		message(m, true, "%s started, but no watch renews its engine "
		    "sets (%s): 'hpctop watch %s --background'", c->entry->name,
		    we.msg, c->entry->name);
	else
		message(m, false, "%s started; waiting for %d engines",
		    c->entry->name, r->engines);
	model_refresh(m, false);
}

int
model_start_check(struct model *m, size_t idx, int engines, struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);
	const struct backend *b;
	struct cluster *r;
	int rc;

	if (c == NULL)
		return -1;
	/* Problems other than the size are model_start's to report. */
	if ((r = new_record(c, engines, &b, e)) == NULL)
		return 0;
	rc = clusterop_confirm(b, r, e);
	cluster_free(r);
	return rc;
}

/* HOOK: start (core/clusterop: the async start sequence). */
int
model_start(struct model *m, size_t idx, int engines, struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);
	const struct backend *b;
	struct cluster *r;

	if (c == NULL)
		return -1;
	if (engines < 1 || engines > PROFILE_MAX_ENGINES)
		return err_set(e, "engines must be 1 to %d, not %d",
		    PROFILE_MAX_ENGINES, engines);
	if (c->op_busy || c->polling)
		return err_set(e, "%s is already %s", c->entry->name,
		    c->stopping ? "stopping" : "started");
	if (c->rec != NULL || c->unreadable)
		return err_set(e, "%s has a cluster record left (X stops and "
		    "removes it)", c->entry->name);
	if ((r = new_record(c, engines, &b, e)) == NULL)
		return -1;
	drop_client(c);
	c->rec = r;
	c->backend = b;
	if (clusterop_start(m->loop, b, r, start_done, c, e) == -1) {
		c->rec = NULL;
		cluster_free(r);
		return -1;
	}
	op_began(c);
	model_cluster_set_state(m, c, CLUSTERSTATE_STARTING, 0, engines, NULL);
	return 0;
}

static void
stop_done(struct cluster *r, const struct err *e, void *arg)
{
	struct model_cluster *c = arg;
	struct model *m = op_ended(c);

	if (e != NULL) {
		model_cluster_set_state(m, c, c->state, c->registered,
		    r->engines, e->msg);
		message(m, true, "stop %s: %s", c->entry->name, e->msg);
		return;
	}
	cluster_free(r);
	c->rec = NULL;
	c->unreadable = false;
	free(c->controller_at);
	c->controller_at = NULL;
	jobtab_clear(&c->jobs);
	free_engines(c);
	model_cluster_set_state(m, c, CLUSTERSTATE_STOPPED, 0, 0, NULL);
	message(m, false, "%s stopped", c->entry->name);
}

static void
scale_done(struct cluster *r, const struct err *e, void *arg)
{
	struct model_cluster *c = arg;
	struct model *m = op_ended(c);

	if (e != NULL)
		message(m, true, "scale %s: %s", c->entry->name, e->msg);
	else
		message(m, false, "%s: engine set %d started; %d engines in "
		    "all", c->entry->name, r->next_set - 1, r->engines);
	model_refresh(m, false);
}

/* core/clusterop: a new engine set of n on a running cluster. */
int
model_scale(struct model *m, size_t idx, int n, struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);

	if (c == NULL)
		return -1;
	if (c->rec == NULL || c->backend == NULL)
		return err_set(e, "no cluster started for %s", c->entry->name);
	if (c->op_busy || c->polling)
		return err_set(e, "%s is busy; try again", c->entry->name);
	if (clusterop_scale_up(m->loop, c->backend, c->rec, n, scale_done, c,
	    e) == -1)
		return -1;
	op_began(c);
	changed(m);
	return 0;
}

/* HOOK: stop (core/clusterop: the async stop sequence). */
int
model_stop(struct model *m, size_t idx, struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);

	if (c == NULL)
		return -1;
	/* An unreadable record: what it ran is found without it, as hpctop
	 * stop --force does (the profile names the backend): processes by
	 * their mark, batch jobs by their names. */
	if (c->rec == NULL && c->unreadable && !c->op_busy) {
		const char *bn = c->entry->profile != NULL &&
		    registry_find(c->entry->profile->backend) != NULL ?
		    c->entry->profile->backend : "local";

		c->rec = cluster_stub(c->entry->name, c->entry->profile);
		free(c->rec->backend);
		c->rec->backend = xstrdup(bn);
		c->backend = registry_find(bn);
	}
	if (c->rec == NULL)
		return err_set(e, "no cluster started for %s", c->entry->name);
	if (c->op_busy || c->polling)
		return err_set(e, "%s is busy; try again", c->entry->name);
	if (c->backend == NULL)
		return err_set(e, "backend '%s' cannot stop clusters in this "
		    "version", c->rec->backend);
	drop_client(c);
	if (clusterop_stop(m->loop, c->backend, c->rec, stop_done, c, e) == -1)
		return -1;
	op_began(c);
	c->stopping = true;
	changed(m);
	return 0;
}

static void
px_done(struct ipp_exec *x, void *arg)
{
	struct model_cluster *c = arg;
	struct pxfmt_rec *v;
	size_t n = pxfmt_exec(x, 0, &v);
	bool disconnected = false;

	model_px_records(c, v, n);
	for (size_t i = 0; i < n; i++)
		disconnected |= v[i].kind == PXFMT_DISCONNECTED;
	pxfmt_free(v, n);
	if (disconnected && c->ipp != NULL)
		model_px_note(c, MODEL_PX_INFO, ipp_state_msg(c->ipp));
	push_engines(c->model, c, false);
	changed(c->model);
}

/* HOOK: px (core/ipp: execute on all engines; output via
 * model_px_records). */
int
model_px(struct model *m, size_t idx, const char *code, struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);

	if (c == NULL)
		return -1;
	model_px_note(c, MODEL_PX_INPUT, code);
	if (model_px_check(c, e) == -1)
		goto fail;
	if (c->ipp == NULL || ipp_state(c->ipp) != IPP_UP) {
		err_set(e, "%s: the controller is not answering yet",
		    c->entry->name);
		goto fail;
	}
	if (c->px_exec != NULL && c->px_exec->pending > 0) {
		err_set(e, "%s: the previous code is still running",
		    c->entry->name);
		goto fail;
	}
	ipp_exec_free(c->px_exec);
	c->px_exec = ipp_execute(c->ipp, code, NULL, 0, MODEL_PX_TIMEOUT_MS,
	    px_done, c, e);
	c->px_interrupted = false;
	if (c->px_exec == NULL)
		goto fail;
	push_engines(m, c, false);
	changed(m);
	return 0;
fail:
	model_px_note(c, MODEL_PX_INFO, e->msg);
	changed(m);
	return -1;
}

/* HOOK: interrupt (core/ipp: signal_request through the engines'
 * nannies). */
int
model_px_interrupt(struct model *m, size_t idx, struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);
	int n;

	if (c == NULL)
		return -1;
	if (c->px_exec == NULL || c->px_exec->pending == 0)
		return err_set(e, "%s: no px code is running", c->entry->name);
	if (c->px_interrupted) {
		/* As the CLI's second Ctrl-C: stop waiting for engines that
		 * ignore the interrupt. */
		model_px_note(c, MODEL_PX_INFO, "stopped waiting: the code "
		    "may still run on the engines shown as timeout");
		ipp_exec_expire(c->px_exec);
		return 0;
	}
	if ((n = ipp_interrupt(c->px_exec, e)) == -1)
		return err_prefix(e, "%s: cannot interrupt", c->entry->name);
	c->px_interrupted = true;
	model_px_note(c, MODEL_PX_INFO, "interrupting the code "
	    "(KeyboardInterrupt on every engine still running it; again to "
	    "stop waiting)");
	changed(m);
	return 0;
}

/* HOOK: logs (core/cluster: the cluster's process logs). */
int
model_logs(struct model *m, size_t idx, struct strv *files, struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);

	if (c == NULL)
		return -1;
	if (c->rec == NULL)
		return err_set(e, "no cluster started for %s", c->entry->name);
	for (size_t i = 0; i < c->rec->nprocs; i++)
		if (c->rec->procs[i].log != NULL)
			strv_push(files, c->rec->procs[i].log);
	if (files->n == 0)
		return err_set(e, "%s has no log files", c->entry->name);
	return 0;
}

static void
preview_done(struct cluster *r, const struct err *e, void *arg)
{
	struct model_cluster *c = arg;

	c->model->ops--;
	c->preview_busy = false;
	if (e != NULL)
		c->preview_err = xstrdup(e->msg);
	else
		c->preview = xstrdup(r->script != NULL ? r->script : "");
	cluster_free(r);
}

/* Renders what start would run, ahead of J: the script op may run a
 * probe command, and J must not wait for it. */
static void
preview_start(struct model *m, struct model_cluster *c, int n)
{
	const struct backend *b;
	struct cluster *r;
	struct err e;

	if (c->preview_busy || ((c->preview != NULL || c->preview_err != NULL)
	    && c->preview_n == n))
		return;
	free(c->preview);
	free(c->preview_err);
	c->preview = c->preview_err = NULL;
	c->preview_n = n;
	if ((r = new_record(c, n, &b, &e)) == NULL ||
	    b->script(b, m->loop, r, preview_done, c, &e) == -1) {
		cluster_free(r);
		c->preview_err = xstrdup(e.msg);
		return;
	}
	m->ops++;
	c->preview_busy = true;
}

/* HOOK: script preview (core/backend: the backend's script op). */
int
model_script(struct model *m, size_t idx, int engines, struct strv *lines,
    struct err *e)
{
	struct model_cluster *c = cluster_at(m, idx, e);
	const char *p;

	if (c == NULL)
		return -1;
	if (c->rec != NULL && c->rec->script != NULL) {
		p = c->rec->script;
	} else {
		preview_start(m, c, engines > 0 ? engines :
		    c->entry->profile->engines);
		if (c->preview_err != NULL)
			return err_set(e, "%s", c->preview_err);
		if (c->preview == NULL)
			return err_set(e, "still preparing what starting %s "
			    "would run; press J again", c->entry->name);
		p = c->preview;
	}
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		strv_push_take(lines, xstrndup(p, len));
		p += len + (p[len] == '\n');
	}
	return 0;
}
