/* What every fuzz target checks beyond "no crash, no leak": the project's
 * contracts on a parser's result. A broken contract aborts, so libFuzzer
 * saves the input as a crash. */
#ifndef HPCTOP_FUZZCHECK_H
#define HPCTOP_FUZZCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/jobtab.h"

/* Aborts with why when ok is false. */
void fuzzcheck(bool ok, const char *why);
/* A failure must say what went wrong: e->msg is a non-empty, terminated
 * line. (Call it with e->msg[0] cleared before the parser ran.) */
void fuzzcheck_err(const struct err *e);
/* s is safe to write to a terminal: valid UTF-8 without C0 (except '\n'),
 * DEL or C1 controls. */
bool fuzzcheck_terminal_safe(const char *s);
/* Every row has an id and a qstat state letter, and the table renders
 * (jobfmt_table) as terminal-safe text. Then clears t. */
void fuzzcheck_table(struct job_table *t);

#endif
