/* Scheduler outputs for unit tests: the project's own recordings under
 * tests/data/sched, and the real-cluster captures that tests read in place
 * from ../shared/fixtures/schedulers (never copied into the project). */
#ifndef HPCTOP_TEST_SCHEDFIX_H
#define HPCTOP_TEST_SCHEDFIX_H

#include <stddef.h>

/* The checkout: $HPCTOP_SRCDIR when set (make check sets it), else the
 * compile-time HPCTOP_SRCDIR. */
const char *schedfix_srcdir(void);
/* Reads tests/data/sched/NAME; fails the test if it cannot. Caller frees.
 * The buffer has a NUL after len bytes. */
char *schedfix_data(const char *name, size_t *len);
/* Reads NAME from the shared fixtures; NULL only when the shared fixture
 * directory is absent (fails the test if the file alone is missing). */
char *schedfix_shared(const char *name, size_t *len);
/* Declares buf and len with a shared fixture, or skips the test saying
 * why when ../shared is absent. */
#define SCHEDFIX_SHARED(buf, len, name)					\
	size_t len;							\
	char *buf = schedfix_shared(name, &len);			\
	do {								\
		if (buf == NULL) {					\
			print_message("skipped: %s/../shared/fixtures/" \
			    "schedulers is absent (the real-cluster "	\
			    "captures live beside the checkout)\n",	\
			    schedfix_srcdir());				\
			skip();						\
		}							\
	} while (0)

#endif
