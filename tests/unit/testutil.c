#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

pid_t
testutil_session_child(int *release)
{
	int go[2];
	pid_t child;
	char c = 0;

	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(go[1]);
		setsid();
		/* Returns at EOF, when the test closes its end. */
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	close(go[0]);
	while (getsid(child) != child)
		usleep(1000);
	*release = go[1];
	return child;
}

void
testutil_session_end(pid_t child, int release)
{
	close(release);
	assert_int_equal(waitpid(child, NULL, 0), child);
}

static char state_dir[] = "/tmp/hpctop-test-XXXXXX";

int
testutil_state_setup(void **state)
{
	char *ipy;

	(void)state;
	if (mkdtemp(state_dir) == NULL)
		return -1;
	setenv("XDG_STATE_HOME", state_dir, 1);
	ipy = xasprintf("%s/ipy dir", state_dir);
	setenv("IPYTHONDIR", ipy, 1);
	free(ipy);
	return 0;
}

int
testutil_state_teardown(void **state)
{
	(void)state;
	return testutil_rmtree(state_dir);
}

const char *
testutil_state_dir(void)
{
	return state_dir;
}

int
testutil_rmtree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

char *
testutil_json_edit(const char *text, const char *field, const char *repl)
{
	char *pat = xasprintf("  \"%s\": ", field);
	const char *at = strstr(text, pat), *eol;
	char *out;

	assert_non_null(at);
	eol = strchr(at, '\n');
	if (*repl == '\0')
		out = xasprintf("%.*s%s", (int)(at - text), text, eol + 1);
	else
		out = xasprintf("%.*s  \"%s\": %s%s%s", (int)(at - text), text,
		    field, repl, eol[-1] == ',' ? "," : "", eol);
	free(pat);
	return out;
}

struct cluster *
testutil_cluster(const char *name, const char *yaml, int n)
{
	struct err e;
	struct profile *p = profile_load_buffer(yaml, strlen(yaml), "x.yaml",
	    name, &e);
	struct cluster *c;

	if (p == NULL)
		fail_msg("%s", e.msg);
	c = cluster_new(p, yaml, n, &e);
	assert_non_null(c);
	profile_free(p);
	return c;
}
