/* Helpers shared by the unit tests. */
#ifndef HPCTOP_TEST_TESTUTIL_H
#define HPCTOP_TEST_TESTUTIL_H

#include <sys/types.h>

#include "core/cluster.h"

/* Forks a child that leads a session of its own and waits until released;
 * returns its pid once it leads that session, *release the pipe end that
 * testutil_session_end closes. Fails the test if it cannot fork. */
pid_t testutil_session_child(int *release);
/* Releases the child and reaps it. */
void testutil_session_end(pid_t child, int release);

/* A cmocka group setup for tests that write cluster records and ipython
 * profiles: makes a fresh directory (testutil_state_dir) and points
 * XDG_STATE_HOME at it and IPYTHONDIR at its "ipy dir" (a space, so that
 * quoting shows). -1 if it cannot make it. */
int testutil_state_setup(void **state);
/* Removes that directory; the group teardown that goes with it. */
int testutil_state_teardown(void **state);
const char *testutil_state_dir(void);
/* Removes dir and everything below it: 0, or -1 if that failed. */
int testutil_rmtree(const char *dir);

/* text (a JSON object, one `  "field": value` per line) with field's
 * value replaced by repl, or its line removed with repl "". Fails the
 * test when field is not there. Caller frees. */
char *testutil_json_edit(const char *text, const char *field,
    const char *repl);
/* A new record for profile name parsed from yaml, with n engines. Fails
 * the test when the profile does not load. Caller frees. */
struct cluster *testutil_cluster(const char *name, const char *yaml, int n);

#endif
