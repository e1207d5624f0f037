/* Scheduler outputs for unit tests: the project's own recordings under
 * tests/data/sched, and the real-cluster captures that tests read in place
 * from ../shared/fixtures/schedulers (never copied into the project). */
#ifndef HPCTOP_TEST_SCHEDFIX_H
#define HPCTOP_TEST_SCHEDFIX_H

#include <stddef.h>
#include <stdint.h>

#include "core/jobtab.h"

/* The squeue format (core/squeue.h SQUEUE_FORMAT) that squeue-hpctop.txt
 * and squeue-hpctop-ended.txt were recorded with, before %L and %S;
 * squeue-hpctop-times.txt has the current one. */
#define SCHEDFIX_SQUEUE_FORMAT_12 "%i\x1f%u\x1f%P\x1f%D\x1f%C\x1f%m\x1f%l" \
	"\x1f%T\x1f%M\x1f%r\x1f%N\x1f%j"

/* The checkout: $HPCTOP_SRCDIR when set (make check sets it), else the
 * compile-time HPCTOP_SRCDIR. */
const char *schedfix_srcdir(void);
/* Reads tests/data/sched/NAME; fails the test if it cannot. Caller frees.
 * The buffer has a NUL after len bytes. */
char *schedfix_data(const char *name, size_t *len);
/* Reads NAME from the shared fixtures; NULL only when the shared fixture
 * directory is absent (fails the test if the file alone is missing). */
char *schedfix_shared(const char *name, size_t *len);
/* The row with that id; fails the test when there is none. */
const struct job_row *schedfix_row(const struct job_table *t, const char *id);
/* How many rows are in state st. */
size_t schedfix_count(const struct job_table *t, enum job_state st);
/* n bytes of pseudo-random junk from seed, a newline every nl bytes and sep
 * every sep_every: input no parser may crash on. Caller frees. */
char *schedfix_junk(size_t n, uint32_t seed, size_t nl, size_t sep_every,
    char sep);
/* What a parser kept of junk: whole rows only (id and state), and it
 * skipped some. */
void schedfix_rows_whole(const struct job_table *t);

/* Declares buf and len holding a shared fixture; tests that use it are
 * run through schedfix_run, which leaves them out when ../shared is
 * absent. */
#define SCHEDFIX_SHARED(buf, len, name)					\
	size_t len;							\
	char *buf = schedfix_shared(name, &len);			\
	do {								\
		if (buf == NULL)					\
			fail_msg("%s: shared fixtures absent", name);	\
	} while (0)

/* Runs own (always) and shared (only when the shared fixture directory
 * exists; otherwise says why they are skipped). cmocka 1.1.5 reports
 * skip() as "not ok # SKIP", which prove counts as a failure, hence this
 * instead of skip(). */
int schedfix_run(const char *group, const struct CMUnitTest *own,
    size_t nown, const struct CMUnitTest *shared, size_t nshared);

#endif
