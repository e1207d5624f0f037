/* The qstat-style job table: one row per batch job or local process group,
 * filled by the scheduler parsers and by the local/mpi backends, drawn by
 * `hpctop status` and the dashboard. */
#ifndef HPCTOP_JOBTAB_H
#define HPCTOP_JOBTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* States as qstat prints them. */
enum job_state {
	JOB_QUEUED = 'Q',
	JOB_RUNNING = 'R',
	JOB_EXITING = 'E',	/* completing / being cancelled */
	JOB_COMPLETED = 'C',	/* finished, failed or cancelled */
	JOB_HELD = 'H',
	JOB_UNKNOWN = '?',
};

/* Strings are owned by the row (NULL when the scheduler did not say);
 * numbers are -1 when unknown. */
struct job_row {
	char *id;		/* job id, or pid for local processes */
	char *name;
	char *user;
	char *queue;		/* partition / queue */
	int nodes;		/* NDS */
	int tasks;		/* TSK */
	char *mem;		/* requested memory, as the scheduler wrote it */
	char *time_req;		/* requested walltime, HH:MM:SS */
	long time_limit;	/* the same in seconds; -1 unknown or none */
	enum job_state state;
	char *raw_state;	/* the scheduler's own word: PENDING, R, ... */
	long elapsed;		/* seconds; -1 when unknown */
	long time_left;		/* a running job's seconds until its time
				 * limit (squeue %L, or limit - elapsed);
				 * -1 unknown, unlimited or not running */
	long start_at;		/* a queued job's start as the scheduler
				 * estimates it (Unix time); -1 when it
				 * gives none, and for held jobs */
	char *nodelist;		/* where it runs (host names) */
	char *layout;		/* its tasks per node in nodelist's order
				 * ("3,1") where the scheduler says (PBS
				 * exec_host); NULL otherwise */
	char *reason;		/* why it waits (Priority, Resources, ...), why
				 * it ended if not well (TimeLimit), or why its
				 * state is unknown */
	pid_t pid;		/* local backends; 0 otherwise */
};

/* Owns its rows. */
struct job_table {
	struct job_row *v;
	size_t n;
	size_t cap;
	size_t skipped;		/* malformed input lines/records */
};

/* A running job is near its time limit with less than this left, or
 * less than JOBTAB_NEAR_LIMIT_PCT percent of its limit. */
#define JOBTAB_NEAR_LIMIT_S 600L
#define JOBTAB_NEAR_LIMIT_PCT 10L

/* Appends a zeroed row (numbers set to -1, state JOB_UNKNOWN) and returns
 * it; the pointer is valid until the next append. */
struct job_row *jobtab_append(struct job_table *t);
/* Frees the last row and counts it in skipped: a parser appends a row,
 * fills it, and drops it when the record turns out malformed. */
void jobtab_drop_last(struct job_table *t);
/* Frees every row; leaves t empty and reusable. */
void jobtab_clear(struct job_table *t);
/* Sets r's time limit (time_req must be NULL): seconds >= 0 as squeue
 * prints a duration, else the scheduler's own word (UNLIMITED) as given. */
void jobtab_set_limit(struct job_row *r, long seconds, const char *word,
    size_t wordlen);
/* After a parser filled r: a running job's time_left from time_limit and
 * elapsed when the scheduler did not say it (PBS), time_limit from the
 * other two when only they are known; time_left kept for running jobs
 * only (squeue's %L of a pending job is its whole limit), start_at for
 * queued ones (Slurm keeps a held job's last estimate for a while). */
void jobtab_settle_times(struct job_row *r);
/* r runs with little time left: under JOBTAB_NEAR_LIMIT_S, or under
 * JOBTAB_NEAR_LIMIT_PCT percent of its limit. */
bool jobtab_near_limit(const struct job_row *r);
const struct job_row *jobtab_find(const struct job_table *t, const char *id);

#endif
