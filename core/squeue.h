/* Slurm's squeue: the command hpctop runs to poll a user's jobs, and
 * parsers that turn squeue output into job table rows. The parsers are
 * pure functions over a buffer (the caller ran the command). */
#ifndef HPCTOP_SQUEUE_H
#define HPCTOP_SQUEUE_H

#include <stddef.h>

#include "err.h"
#include "jobtab.h"
#include "strv.h"

/* The field separator of SQUEUE_FORMAT: ASCII "unit separator", which
 * never occurs in job, user or partition names. */
#define SQUEUE_SEP "\x1f"
/* id, user, partition, nodes, CPUs, min memory, time limit, long state,
 * elapsed, time left, start time (a pending job's estimated start), reason,
 * node list, and the job name LAST, so that a name that somehow holds the
 * separator still parses (the line is split at most 13 times). */
#define SQUEUE_FORMAT "%i" SQUEUE_SEP "%u" SQUEUE_SEP "%P" SQUEUE_SEP "%D" \
	SQUEUE_SEP "%C" SQUEUE_SEP "%m" SQUEUE_SEP "%l" SQUEUE_SEP "%T" \
	SQUEUE_SEP "%M" SQUEUE_SEP "%L" SQUEUE_SEP "%S" SQUEUE_SEP "%r" \
	SQUEUE_SEP "%N" SQUEUE_SEP "%j"

/* Appends to out (which must be empty) the argv that polls every job of
 * user, all states included so that jobs that just ended show as C for
 * Slurm's MinJobAge:
 *   squeue --noheader --states=all --user=USER --format=SQUEUE_FORMAT */
void squeue_argv(const char *user, struct strv *out);

/* Parses the output of squeue_argv's command, appending one row per job to
 * out; lines that do not have the 14 fields, lack an id or state, hold
 * control characters, or are cut short (no final newline) are skipped and
 * counted in out->skipped. Returns the number of rows appended. */
size_t squeue_parse(const char *buf, size_t len, struct job_table *out);

/* Parses output of `squeue --noheader --format=FMT` for another FMT whose
 * fields are separated by literal text (e.g. "%i^^^%t^^^%j"); widths such
 * as "%.18i" are allowed, padding is trimmed. Known fields: %i %A %j %u %P
 * %D %C %m %l %T %t %M %L %S %r %R %N; others are read and ignored. Returns the
 * number of rows appended, or -1 if fmt has no %i/%A or an empty
 * separator between two fields. */
long squeue_parse_format(const char *fmt, const char *buf, size_t len,
    struct job_table *out, struct err *e);

/* Parses squeue's human tables (default and --long), driven by the header
 * line (JOBID PARTITION NAME USER ST|STATE TIME [TIME_LIMIT] NODES
 * NODELIST(REASON); TIME_LEFT and START_TIME where a format printed them); lines before the header (--long's date) are ignored.
 * Returns the number of rows appended, or -1 if there is no header and the
 * text is not empty. */
long squeue_parse_table(const char *buf, size_t len, struct job_table *out,
    struct err *e);

/* Maps a Slurm state word, long (RUNNING), compact (R) or cut to 8
 * characters as --long prints it (SUSPENDE), to Q R E C H; a PENDING job
 * whose reason is JobHeldUser or JobHeldAdmin is H. Unknown: JOB_UNKNOWN. */
enum job_state squeue_state(const char *word, size_t len, const char *reason);

#endif
