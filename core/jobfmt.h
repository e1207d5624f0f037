/* The qstat-style job table as text, for `hpctop status` and the
 * dashboard: JOBID NAME USER QUEUE NDS TSK MEM TIME LEFT S ELAP NODES,
 * where LEFT is a running job's time left before its limit and NODES
 * shows "(Reason)" for a job that waits, did not end well ("(TimeLimit)",
 * "(CANCELLED)") or whose state is unknown ("(squeue did not answer)"),
 * followed for a queued job by the scheduler's estimated start
 * ("(Resources) start 02:13"). Cells are made safe for a
 * terminal (control bytes and bad UTF-8 become '?'); widths count code
 * points; a cut cell ends in '~'. */
#ifndef HPCTOP_JOBFMT_H
#define HPCTOP_JOBFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "jobtab.h"

enum jobfmt_col {
	JOBFMT_ID, JOBFMT_NAME, JOBFMT_USER, JOBFMT_QUEUE, JOBFMT_NDS,
	JOBFMT_TSK, JOBFMT_MEM, JOBFMT_TIME, JOBFMT_LEFT, JOBFMT_STATE,
	JOBFMT_ELAP,
	JOBFMT_WHERE, JOBFMT_NCOLS
};

/* Column widths in terminal cells; columns are joined by one space. */
struct jobfmt {
	int width[JOBFMT_NCOLS];
};

const char *jobfmt_title(enum jobfmt_col c);
/* The text of one cell, unsanitised and uncut: a string of the row, or
 * scratch (at least 64 bytes) holding a number or "--". */
const char *jobfmt_cell(const struct job_row *r, enum jobfmt_col c,
    char *scratch, size_t scratchlen);
/* Widths that fit the titles and every row, each capped (NAME at 16,
 * NODES at 40, ...) so one odd row cannot widen the table. */
void jobfmt_widths(struct jobfmt *f, const struct job_table *t);
/* Narrows NODES, then NAME, USER, QUEUE and JOBID (to a minimum each) until
 * a line takes at most cols cells. Returns the resulting line width. */
int jobfmt_fit(struct jobfmt *f, int cols);
/* Width of a line: the widths plus the separating spaces. */
int jobfmt_line_width(const struct jobfmt *f);
/* One row as exactly jobfmt_line_width(f) cells, padded with spaces, NUL
 * terminated, no newline; buf needs 4 * jobfmt_line_width(f) + 1 bytes
 * (UTF-8). Returns the bytes written (excluding the NUL), or 0 if len is
 * too small (buf then holds ""). jobfmt_header does the same for titles. */
size_t jobfmt_row(const struct jobfmt *f, const struct job_row *r, char *buf,
    size_t len);
size_t jobfmt_header(const struct jobfmt *f, char *buf, size_t len);
/* The whole table, header first, one line per row, trailing blanks
 * trimmed, each line ending in "\n". Caller frees. */
char *jobfmt_table(const struct job_table *t);

/* A moment as the table and the notes show it: local HH:MM:SS when it is
 * the same day as now, else MM-DD HH:MM (out holds 32 bytes). */
void jobfmt_at(long epoch, long now, char *out, size_t outlen);
/* The sentence for a job of role ("engines", "controller") near its time
 * limit (jobtab_near_limit):
 *   engines job 12 reaches its time limit in 1:45 (at 02:13:04)
 * or for a queued job with an estimated start:
 *   engines job 13 waits (Resources); estimated start 02:15:00 (in 3:10)
 * into buf; false (buf "") when r is neither. now: time(NULL). */
bool jobfmt_time_note(const struct job_row *r, const char *role, long now,
    char *buf, size_t len);

#endif
