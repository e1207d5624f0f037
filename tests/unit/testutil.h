/* Helpers shared by the unit tests. */
#ifndef HPCTOP_TEST_TESTUTIL_H
#define HPCTOP_TEST_TESTUTIL_H

#include <sys/types.h>

/* Forks a child that leads a session of its own and waits until released;
 * returns its pid once it leads that session, *release the pipe end that
 * testutil_session_end closes. Fails the test if it cannot fork. */
pid_t testutil_session_child(int *release);
/* Releases the child and reaps it. */
void testutil_session_end(pid_t child, int release);

#endif
