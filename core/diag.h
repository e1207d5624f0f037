/* Why a cluster has fewer engines than it should, from what the last
 * refresh saw: the engine tasks that exited (cluster_read_tasks) and the
 * most telling line of their logs, the address the controller advertises
 * against where the engines run, the engines' own logs. `hpctop status`
 * (text and --json "diagnosis"), `start --wait` and the dashboard print
 * what diag_cluster says, so the same cluster gets the same reason and
 * hint everywhere. */
#ifndef HPCTOP_DIAG_H
#define HPCTOP_DIAG_H

#include <stdbool.h>

#include "backend.h"
#include "cluster.h"

struct diag {
	char *reason;	/* what is wrong; NULL: nothing found */
	char *hint;	/* what to do about it */
	char *node;	/* the node it is about; NULL when not one */
};

/* Fills d when c (polled, registry read) is stalled, or has fewer engines
 * than expected and an engine task exited with a failure; all NULL
 * otherwise. b is c's backend. */
void diag_cluster(const struct backend *b, const struct cluster *c,
    struct diag *d);
void diag_clear(struct diag *d);

/* Whether c's controller advertises a loopback address while it runs on
 * another node than this one (controller.allow_loopback): then nothing
 * here can ask it, and a query would only wait for its timeout. */
bool diag_controller_out_of_reach(const struct cluster *c);

/* The most telling line of a log ("CRITICAL | Registration timed out
 * after 5.0 seconds", "ipengine: not found", "ModuleNotFoundError: No
 * module named 'ipyparallel'"), without its time stamp; NULL when the log
 * is empty or unreadable. Caller frees. */
char *diag_telling_line(const char *log);

#endif
