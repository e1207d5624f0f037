#include "clusterstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const labels[] = {
	[CLUSTERSTATE_STOPPED] = "stopped",
	[CLUSTERSTATE_UNREADABLE] = "unreadable",
	[CLUSTERSTATE_UNKNOWN] = "unknown",
	[CLUSTERSTATE_NOT_ANSWERING] = "not answering",
	[CLUSTERSTATE_QUEUED] = "queued",
	[CLUSTERSTATE_RUNNING] = "running",
	[CLUSTERSTATE_DEGRADED] = "degraded",
	[CLUSTERSTATE_STALLED] = "stalled",
	[CLUSTERSTATE_STARTING] = "starting",
	[CLUSTERSTATE_FAILED] = "failed",
	[CLUSTERSTATE_GONE] = "gone",
};

static const struct cluster_proc *
controller(const struct cluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_CONTROLLER)
			return &c->procs[i];
	return NULL;
}

double
clusterstate_engines_running_for(const struct cluster *c)
{
	double longest = -1;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		const struct job_row *r = i < c->jobs.n ? &c->jobs.v[i] : NULL;
		double t = -1;

		if (pr->role != CLUSTER_ENGINES ||
		    pr->live != CLUSTER_LIVE_RUNNING)
			continue;
		if (r != NULL && r->elapsed >= 0)
			t = (double)r->elapsed;
		/* A batch job's start is its submission: it may have waited
		 * in the queue since. */
		else if (pr->job_id == NULL && pr->started > 0)
			t = (double)time(NULL) - pr->started;
		if (t > longest)
			longest = t;
	}
	return longest;
}

bool
clusterstate_tasks_exited(const struct cluster *c)
{
	return c->ntasks > 0 && c->ntasks >= (size_t)(c->engines > 0 ?
	    c->engines : 1);
}

/* No engines process or job left, every task exited, or one that has
 * run for stall_after without bringing its engines. */
static bool
stalled(const struct cluster *c)
{
	long after = c->profile != NULL ? c->profile->stall_after :
	    PROFILE_STALL_AFTER_DEFAULT;
	size_t neng = 0, ngone = 0;

	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_ENGINES) {
			neng++;
			ngone += c->procs[i].live == CLUSTER_LIVE_GONE;
		}
	if ((neng > 0 && ngone == neng) || clusterstate_tasks_exited(c))
		return true;
	return clusterstate_engines_running_for(c) >= (double)after;
}

enum clusterstate
clusterstate_of(const struct cluster *c)
{
	const struct cluster_proc *ctl = controller(c);
	int *lost;
	size_t nlost;

	if (c->cleared)
		return CLUSTERSTATE_STOPPED;
	if (ctl == NULL || ctl->live != CLUSTER_LIVE_RUNNING) {
		if (ctl != NULL && ctl->live == CLUSTER_LIVE_UNKNOWN)
			return CLUSTERSTATE_UNKNOWN;
		if (ctl != NULL && ctl->live == CLUSTER_LIVE_PENDING)
			return CLUSTERSTATE_QUEUED;
		if (cluster_any_alive(c))
			return CLUSTERSTATE_FAILED;
		/* An unreadable answer about an engine job leaves it open. */
		return cluster_any_unknown(c) ? CLUSTERSTATE_UNKNOWN :
		    CLUSTERSTATE_GONE;
	}
	if (ctl->stopped)
		return CLUSTERSTATE_NOT_ANSWERING;
	if ((int)c->nids >= c->engines)
		return CLUSTERSTATE_RUNNING;
	nlost = cluster_lost_ids(c, &lost);
	free(lost);
	if (nlost > 0)
		return CLUSTERSTATE_DEGRADED;
	return stalled(c) ? CLUSTERSTATE_STALLED : CLUSTERSTATE_STARTING;
}

const char *
clusterstate_label(enum clusterstate s)
{
	return labels[s];
}

bool
clusterstate_controller_up(const struct cluster *c)
{
	const struct cluster_proc *ctl = controller(c);

	return ctl != NULL && ctl->live == CLUSTER_LIVE_RUNNING &&
	    !ctl->stopped;
}

bool
clusterstate_engines_stale(const struct cluster *c)
{
	return !clusterstate_controller_up(c) || !c->ids_known;
}

bool
clusterstate_can_px(enum clusterstate s)
{
	return s == CLUSTERSTATE_RUNNING || s == CLUSTERSTATE_DEGRADED ||
	    s == CLUSTERSTATE_STALLED || s == CLUSTERSTATE_STARTING;
}

const char *
clusterstate_format(enum clusterstate s, int registered, int requested,
    bool stale, char *buf, size_t len)
{
	switch (s) {
	case CLUSTERSTATE_RUNNING:
	case CLUSTERSTATE_DEGRADED:
	case CLUSTERSTATE_STALLED:
	case CLUSTERSTATE_STARTING:
	case CLUSTERSTATE_NOT_ANSWERING:
		snprintf(buf, len, "%s %d/%d%s", labels[s], registered,
		    requested, stale ? " (stale)" : "");
		break;
	default:
		snprintf(buf, len, "%s", labels[s]);
		break;
	}
	return buf;
}
