/* Jobs matched to engines, per node: which nodes a batch cluster's engines
 * jobs run on (the scheduler's node list: a Slurm hostlist such as
 * "cn[1-2]", or qstat's comma-joined hosts), how many engines each node
 * should bring (where the scheduler says it placed the tasks, as
 * job_row.layout: PBS's exec_host, Slurm's scontrol; else the profile's
 * tasks_per_node; else an even split of the job's engines over its nodes,
 * which is a guess and flagged as one), and
 * how many registered from each, by the hostname each engine reports
 * (short or fully qualified: "cn1" is "cn1.cluster.example"). `hpctop
 * status`, `--json` and the dashboard show the same report. */
#ifndef HPCTOP_NODES_H
#define HPCTOP_NODES_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster.h"
#include "err.h"
#include "jobtab.h"
#include "strv.h"

struct nodes_node {
	char *name;		/* as the scheduler names it; owned */
	int expected;		/* engines its jobs should bring here */
	int registered;		/* engines registered from it now */
	bool guessed;		/* expected is an even split, not what the
				 * job asked for */
};

struct nodes_report {
	struct nodes_node *v;	/* in the scheduler's order */
	size_t n;
	bool guessed;		/* some expected count is an even split the
				 * scheduler did not confirm */
	int elsewhere;		/* registered from a host that is none of
				 * the nodes */
	int unknown;		/* registered, host not known (yet) */
	char *error;		/* a node list that could not be read, with
				 * its job; owned, NULL when none */
	size_t *idx;		/* internal: v's positions by name */
};

/* Expands a node list into out: comma-separated names, each possibly with
 * bracketed ranges ("cn[1-3,7]", "n[01-02]" keeps the padding,
 * "r[1-2]n[1-2]"), in order. -1 with e ("node list
 * 'cn[1-': no ']'") when it is malformed or expands to more than 65536
 * names. */
int nodes_expand(const char *list, struct strv *out, struct err *e);

/* How many ids a list such as "0-3,6" names (a node's CPU ids, PBS
 * slots): 5; -1 when s[0..n) is not such a list. */
long nodes_count_ids(const char *s, size_t n);

/* Whether two hostnames name the same host: equal ignoring case, or one
 * is the other's first label ("cn1" and "cn1.cluster.example"). Two
 * different fully qualified names never match. */
bool nodes_same_host(const char *a, const char *b);

/* Adds the nodes of one running job that brings `engines` engines: on
 * each node the tasks the scheduler placed there when it says (layout,
 * "3,1" in the node list's order, as job_row.layout), else per_node
 * engines on each node in order (the last gets what is left), else, when
 * per_node <= 0, an even split (marked guessed). -1 with e when the node
 * list cannot be read; a layout that does not fit it is ignored. */
int nodes_add_job(struct nodes_report *r, const char *nodelist,
    const char *layout, int engines, int per_node, struct err *e);

/* Counts one registered engine by its hostname (NULL: not known). */
void nodes_add_host(struct nodes_report *r, const char *host);

/* The report for cluster c: its engines jobs (procs with role
 * CLUSTER_ENGINES and a job id) as jobs lists them, the running ones
 * only, and the hosts of its registered engines (NULL entries: not
 * known). Nothing while the controller is not up (its registry is stale).
 * A node list that cannot be read goes into r->error. */
void nodes_of_cluster(struct nodes_report *r, const struct cluster *c,
    const struct job_table *jobs, char *const *hosts, size_t nhosts);

/* Whether the engines of node i of r are missing: fewer registered than
 * expected, while the nodes together lack more than the engines whose
 * host is not known or is none of the nodes' (which may be theirs). Where
 * expected is a guess (an even split), only a node with none, or when the
 * nodes together have fewer than the jobs bring: the scheduler may lay
 * the tasks out otherwise (3 and 1). */
bool nodes_missing(const struct nodes_report *r, size_t i);

/* "cn1 2/2  cn2 0/2": every node's registered/expected, and " (guess:
 * even split)" when some expected count is one. Caller frees. */
char *nodes_summary(const struct nodes_report *r);

/* One line per node whose engines are missing ("cn2: 0/2 engines
 * registered"), then, when some node is short, what else explains the
 * count: engines from other hosts, engines whose host is not known, the
 * guess. Empty when every node has its engines. */
void nodes_notes(const struct nodes_report *r, struct strv *out);

/* Frees what r holds; leaves it empty and reusable. */
void nodes_clear(struct nodes_report *r);

#endif
