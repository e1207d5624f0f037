/* A profile: one YAML file describing how to start one cluster (schema
 * version 1, documented in profiles/README.md and hpctop(1)). */
#ifndef HPCTOP_PROFILE_H
#define HPCTOP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "strv.h"

#define PROFILE_SCHEMA_VERSION 1
#define PROFILE_MAX_ENGINES 100000
#define PROFILE_MAX_BYTES (1024 * 1024)
/* A profile is a mapping of lists and small mappings: three levels deep.
 * The bound keeps libyaml linear (its scanner walks every open level for
 * each token), and so do the bounds on anchors and aliases (its loader
 * searches every anchor for each). */
#define PROFILE_MAX_DEPTH 16
#define PROFILE_MAX_ANCHORS 64

/* Where a batch cluster's controller runs (controller.placement). */
enum profile_placement {
	PROFILE_PLACEMENT_JOB,		/* a job of its own */
	PROFILE_PLACEMENT_ALLOCATION,	/* inside the engines' job */
	PROFILE_PLACEMENT_LOGIN,	/* a process on the cluster's host */
};
/* The placement a batch profile gets without controller.placement (README
 * "Controller placement" has the measurements behind it). */
#define PROFILE_PLACEMENT_DEFAULT PROFILE_PLACEMENT_ALLOCATION

/* The profile word of a placement ("job", "allocation", "login"). */
const char *profile_placement_name(enum profile_placement pl);

struct profile_env {
	char *key;
	char *value;
};

struct profile {
	char *name;		/* file name without .yaml/.yml */
	char *path;		/* file it was read from */

	int version;		/* always PROFILE_SCHEMA_VERSION once loaded */
	char *backend;		/* a name in the registry (core/backend.h) */
	int engines;		/* default N; >= 1 */
	char *description;	/* may be "" */
	char *ipython_profile;	/* defaults to name */
	char *cluster_id;	/* ipcontroller --cluster-id; default "" */
	/* NULL: this machine; else the ssh destination (user@host[:port] or
	 * a Host alias of the ssh config) the cluster runs on (core/host.h). */
	char *host;

	struct strv setup;	/* shell lines run before controller/engines */
	struct profile_env *env;
	size_t nenv;

	struct {
		char *ip;		/* NULL: backend decides */
		/* NULL, or a network interface on the controller's node:
		 * the controller listens on and advertises its IPv4
		 * address, found where the controller runs. Never set
		 * together with ip. */
		char *interface;
		/* Where ip was given (line, column; 0 when not given), for
		 * messages about its value. */
		size_t ip_line, ip_col;
		/* A loopback ip is allowed even where engines run on other
		 * nodes (controller.allow_loopback). */
		bool allow_loopback;
		/* Batch backends only; where it was given (0: not given). */
		enum profile_placement placement;
		size_t placement_line, placement_col;
		struct strv command;	/* argv prefix; default {"ipcontroller"} */
		struct strv args;
	} controller;
	struct {
		struct strv command;	/* default {"ipengine"} */
		struct strv args;
	} engine;

	/* Seconds an engines job or process may run with fewer engines
	 * registered than expected before the cluster is stalled. */
	long stall_after;
	bool mpi;		/* engines in one MPI world (ipengine --mpi);
				 * default true for backend mpi */
	struct strv mpiexec;	/* default {"mpiexec"} */
	struct strv mpiexec_args;
	struct strv hosts;	/* hosts for mpiexec / batch node lists / ssh */
	/* hosts given as a mapping host -> engines: each host's count, in
	 * hosts' order (engines is then their sum unless given); NULL for a
	 * list. */
	int *host_engines;

	/* Batch backends (slurm, pbs); NULL/0 when unset (-1 for walltime
	 * and mem, where 0 means something to the scheduler). */
	char *queue;
	long walltime;		/* seconds (core/units.h) */
	/* The engines jobs' own walltime (-1: walltime), so that engine
	 * sets can be renewed under a controller job that outlives them. */
	long engines_walltime;
	/* Renew an engine set whose walltime ends within this many seconds
	 * (0: never): a successor set is submitted, and the old one stopped
	 * once the successor's engines registered. */
	long renew_before;
	size_t renew_line, renew_col;	/* where it was set */
	char *account;
	int nodes;
	int tasks_per_node;	/* "ppn" is an alias */
	long long mem;		/* bytes */
	struct strv directives;	/* raw extra #SBATCH/#PBS lines */
};

/* Reads and validates one profile. `name` is the profile's name (NULL: derived
 * from the path); it must be UTF-8 without control characters. Returns NULL
 * and fills e with "path:line:col: message" on any syntax, type, range or
 * unknown-key error. Caller frees. */
struct profile *profile_load(const char *path, const char *name,
    struct err *e);
/* Same from a memory buffer; `path` is used in messages only. */
struct profile *profile_load_buffer(const char *buf, size_t len,
    const char *path, const char *name, struct err *e);
void profile_free(struct profile *p);
/* A profile file's text, NUL-terminated. NULL with e filled when it cannot
 * be read, is not a regular file (opened without blocking, so a FIFO cannot
 * hang a listing) or is larger than PROFILE_MAX_BYTES. Caller frees. */
char *profile_read_text(const char *path, size_t *len, struct err *e);

/* The profile name a path stands for: its file name without .yaml/.yml.
 * Caller frees. */
char *profile_name_from_path(const char *path);

/* Queue and account names reach sbatch's and qsub's own parsers (and shells,
 * in some qsub wrappers): letters, digits and _.@+- only. */
bool profile_valid_plain_name(const char *s);
/* An ssh destination as `host:` and `hpctop -H` take it: not empty, no
 * leading '-', no whitespace or control characters. PROFILE_HOST_RULE
 * says so in messages. */
#define PROFILE_HOST_RULE "user@host[:port] or a Host alias: not empty, " \
	"no whitespace or control characters, no leading '-'"

bool profile_valid_host(const char *s);

#define PROFILE_STALL_AFTER_DEFAULT 60
/* The walltime of c's jobs of one kind (engines: engines_walltime when
 * set); -1 when none. */
long profile_job_walltime(const struct profile *p, bool engines);

/* Looks up an env entry; NULL when absent. */
const char *profile_getenv(const struct profile *p, const char *key);

#endif
