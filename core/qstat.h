/* PBS/Torque qstat: the command hpctop runs to poll a user's jobs, format
 * detection, and parsers for the outputs real sites produce. The parsers
 * are pure functions over a buffer (the caller ran the command). */
#ifndef HPCTOP_QSTAT_H
#define HPCTOP_QSTAT_H

#include <stddef.h>

#include "err.h"
#include "jobtab.h"
#include "strv.h"

enum qstat_format {
	QSTAT_EMPTY,		/* nothing but blank lines */
	QSTAT_UNKNOWN,
	QSTAT_BRIEF,		/* `qstat`: Job id Name User Time Use S Queue */
	QSTAT_ALT,		/* `qstat -a [-n [-1]] [-u U]`: NDS TSK ... Elap */
	QSTAT_FULL,		/* `qstat -f`: "Job Id:" blocks */
	QSTAT_XML,		/* Torque `qstat -x` */
	QSTAT_JSON,		/* PBS Pro / OpenPBS `qstat -f -F json` */
};

/* Appends to out (which must be empty) the argv that polls every job of
 * user: `qstat -a -n -1 -u USER`. That is the one listing that Torque, PBS
 * Pro and Slurm's qstat wrapper (slurm-wlm-torque) all print with nodes,
 * tasks, memory, requested and elapsed time and the execution hosts on one
 * line per job, filtered by user (the wrapper knows no -x, -F or -s, and
 * ignores -u with -f). */
void qstat_argv(const char *user, struct strv *out);

enum qstat_format qstat_detect(const char *buf, size_t len);
const char *qstat_format_name(enum qstat_format f);

/* Detects the format and parses, appending one row per job to out. A job
 * that ended badly gets the why as its reason where the format says
 * (exit_status in -f, -x and JSON: TimeLimit, OutOfMemory,
 * NonZeroExitCode:N, RaisedSignal:N; -a has no exit status).
 * Malformed lines or records are skipped and counted in out->skipped.
 * Returns the number of rows appended, or -1 (with e) when the format is
 * unknown or an XML/JSON document cannot be read at all. */
long qstat_parse(const char *buf, size_t len, struct job_table *out,
    struct err *e);

/* The parsers behind qstat_parse, for a caller that knows the format. */
size_t qstat_parse_brief(const char *buf, size_t len, struct job_table *out);
size_t qstat_parse_alt(const char *buf, size_t len, struct job_table *out);
size_t qstat_parse_full(const char *buf, size_t len, struct job_table *out);
long qstat_parse_xml(const char *buf, size_t len, struct job_table *out,
    struct err *e);
long qstat_parse_json(const char *buf, size_t len, struct job_table *out,
    struct err *e);

/* Maps a PBS state letter: Q W T → Q; R B → R; E → E; C F X M → C;
 * H S → H; anything else (the Slurm wrapper's U) → JOB_UNKNOWN. */
enum job_state qstat_state(const char *code, size_t len);

#endif
