#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/xmalloc.h"
#include "tests/unit/schedfix.h"

const char *
schedfix_srcdir(void)
{
	const char *s = getenv("HPCTOP_SRCDIR");

	return s != NULL && *s != '\0' ? s : HPCTOP_SRCDIR;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n = 0;

	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		fail_msg("%s: cannot size", path);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("%s: short read", path);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

char *
schedfix_data(const char *name, size_t *len)
{
	char *path = xasprintf("%s/tests/data/sched/%s", schedfix_srcdir(),
	    name);
	char *buf = slurp(path, len);

	free(path);
	return buf;
}

char *
schedfix_shared(const char *name, size_t *len)
{
	char *dir = xasprintf("%s/../shared/fixtures/schedulers",
	    schedfix_srcdir());
	struct stat st;
	char *path, *buf;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(dir);
		return NULL;
	}
	path = xasprintf("%s/%s", dir, name);
	free(dir);
	buf = slurp(path, len);
	free(path);
	return buf;
}

int
schedfix_run(const char *group, const struct CMUnitTest *own, size_t nown,
    const struct CMUnitTest *shared, size_t nshared)
{
	char *dir = xasprintf("%s/../shared/fixtures/schedulers",
	    schedfix_srcdir());
	struct CMUnitTest *all = xcalloc(nown + nshared, sizeof *all);
	struct stat st;
	size_t n = nown;
	int rc;

	memcpy(all, own, nown * sizeof *own);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		memcpy(all + nown, shared, nshared * sizeof *shared);
		n += nshared;
	} else {
		printf("# skipped %zu tests on real-cluster captures: %s is "
		    "absent (it lives beside the checkout)\n", nshared, dir);
		for (size_t i = 0; i < nshared; i++)
			printf("#   skipped: %s\n", shared[i].name);
		fflush(stdout);
	}
	free(dir);
	rc = _cmocka_run_group_tests(group, all, n, NULL, NULL);
	free(all);
	return rc;
}

const struct job_row *
schedfix_row(const struct job_table *t, const char *id)
{
	const struct job_row *r = jobtab_find(t, id);

	if (r == NULL)
		fail_msg("no row with id '%s'", id);
	return r;
}

size_t
schedfix_count(const struct job_table *t, enum job_state st)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->v[i].state == st;
	return n;
}

char *
schedfix_junk(size_t n, uint32_t seed, size_t nl, size_t sep_every,
    char sep)
{
	char *junk = xmalloc(n);
	uint32_t x = seed;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (char)(x >> 16);
		if (i % nl == 0)
			junk[i] = '\n';
		else if (i % sep_every == 0)
			junk[i] = sep;
	}
	return junk;
}

void
schedfix_rows_whole(const struct job_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		assert_non_null(t->v[i].id);
		assert_non_null(t->v[i].raw_state);
	}
	assert_true(t->skipped > 0);
}
