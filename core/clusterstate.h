/* The state of a cluster, decided in one place: `hpctop profiles`,
 * `hpctop status` (text and --json) and the dashboard all print what
 * clusterstate_of says about a record after a backend poll and a
 * registry read (core/clusterop.h), so the same cluster shows the same
 * word everywhere.
 *
 * "Alive" below is what the poll saw (enum cluster_live); N is the
 * engine count the cluster was started with; K the engines registered
 * in the Hub's registry now; lost the engines that registered once and
 * are not registered now (cluster_lost_ids). The first that applies:
 *
 *   stopped        no record: nothing was started, or it was stopped
 *   unreadable     a record that cannot be read ('hpctop stop --force')
 *   unknown        the scheduler did not answer (or not readably) about
 *                  the controller: the record's last known jobs stand,
 *                  stale; never taken for stopped or gone
 *   not answering  the controller process exists but is stopped
 *                  (SIGSTOP, state T): it cannot answer its registry
 *   queued         the controller's batch job waits (pending or held)
 *   running        controller alive, K >= N
 *   degraded       controller alive, K < N and some engine was lost
 *   stalled        controller alive, K < N, none lost, and an engines
 *                  process or job has been running (R) for stall_after
 *                  (profile key, default 60 s) or longer, or none is
 *                  left, or every engine task recorded its exit: the
 *                  engines are not coming (core/diag.h says why)
 *   starting       controller alive, K < N and none lost (yet)
 *   failed         the controller is gone, but engines or jobs of the
 *                  cluster still live
 *   gone           nothing of the cluster is alive ('stop' clears it)
 *
 * A start whose hpctop died before it had launched everything is marked
 * interrupted (c->interrupted) beside its state, which says what it left.
 *
 * K is read from the Hub's registry file, which a dead or stopped
 * controller no longer rewrites: it is stale unless the controller is
 * alive and answering (clusterstate_engines_stale). */
#ifndef HPCTOP_CLUSTERSTATE_H
#define HPCTOP_CLUSTERSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster.h"

enum clusterstate {
	CLUSTERSTATE_STOPPED,
	CLUSTERSTATE_UNREADABLE,
	CLUSTERSTATE_UNKNOWN,
	CLUSTERSTATE_NOT_ANSWERING,
	CLUSTERSTATE_QUEUED,
	CLUSTERSTATE_RUNNING,
	CLUSTERSTATE_DEGRADED,
	CLUSTERSTATE_STALLED,
	CLUSTERSTATE_STARTING,
	CLUSTERSTATE_FAILED,
	CLUSTERSTATE_GONE,
};

/* The state of a loaded record, after a poll (and a registry read). */
enum clusterstate clusterstate_of(const struct cluster *c);
/* "stopped", "not answering", ...: the one word (or two) for s. */
const char *clusterstate_label(enum clusterstate s);
/* Whether the controller process or job is alive and answering: the
 * liveness status --json reports as controller_up. */
bool clusterstate_controller_up(const struct cluster *c);
/* Whether K (c->nids) is the last snapshot rather than the registry now. */
bool clusterstate_engines_stale(const struct cluster *c);
/* Whether a px request can go to c's controller (running, degraded,
 * stalled, starting). */
bool clusterstate_can_px(enum clusterstate s);
/* Whether every engine task of c recorded its exit (c->tasks): start
 * --wait stops waiting then. */
bool clusterstate_tasks_exited(const struct cluster *c);
/* Seconds the longest-running live engines process or job of c has run
 * (a batch job: since it became R, as the scheduler says); -1 when none
 * runs or it is not known. */
double clusterstate_engines_running_for(const struct cluster *c);
/* The label with K/N where it matters ("running 3/4", "degraded 2/3",
 * "not answering 3/3 (stale)"), into buf. */
const char *clusterstate_format(enum clusterstate s, int registered,
    int requested, bool stale, char *buf, size_t len);

#endif
