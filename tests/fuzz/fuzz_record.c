/* libFuzzer target: a cluster record, cluster.json (cluster_load_buffer),
 * including the profile snapshot it holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cluster.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Loading fills in paths under the state and IPython dirs; point them at
 * a place that exists without touching the user's. Nothing is written. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("HOME", "/nonexistent/hpctop-fuzz", 1);
	setenv("XDG_STATE_HOME", "/nonexistent/hpctop-fuzz/state", 1);
	setenv("IPYTHONDIR", "/nonexistent/hpctop-fuzz/ipython", 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	struct cluster *c;
	int *lost = NULL;

	e.msg[0] = '\0';
	c = cluster_load_buffer((const char *)data, size, "cluster.json", &e);
	if (c == NULL) {
		fuzzcheck_err(&e);
		return 0;
	}
	fuzzcheck(c->name != NULL && strchr(c->name, '/') == NULL &&
	    c->name[0] != '.' && c->backend != NULL && c->profile != NULL &&
	    c->engines >= 1 && c->dir != NULL && c->client_file != NULL &&
	    c->engine_file != NULL, "loaded record breaks its invariants");
	for (size_t i = 0; i < c->nprocs; i++)
		fuzzcheck(c->procs[i].name != NULL && c->procs[i].pid >= 0,
		    "process record breaks its invariants");
	for (size_t i = 1; i < c->nseen; i++)
		fuzzcheck(c->seen_ids[i - 1] <= c->seen_ids[i],
		    "seen_ids not sorted");
	cluster_lost_ids(c, &lost);
	free(lost);
	cluster_free(c);
	return 0;
}
