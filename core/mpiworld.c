#include "mpiworld.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "file.h"
#include "strv.h"
#include "xmalloc.h"

#define CACHE_NAME "mpi_world"
#define CACHE_MAX 4096

/* One string, so its repr is one quoted line: "SIZE LIBRARY". mpi4py.MPI
 * is imported already on engines started with --mpi. */
static const char expr[] =
    "(lambda M: '%d %s' % (M.COMM_WORLD.Get_size(), "
    "M.Get_library_version().strip().split('\\n')[0]))"
    "(__import__('mpi4py.MPI', fromlist=['MPI']))";

bool
mpiworld_wanted(const struct cluster *c)
{
	return c->profile != NULL && c->profile->mpi && c->engines > 1 &&
	    (int)c->nids >= c->engines;
}

/* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4"; "MPICH Version:
 * 4.0.2" -> "MPICH Version: 4.0.2" (white space runs made one space). */
static char *
lib_words(const char *lib)
{
	size_t len = strcspn(lib, ",");
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		char ch = lib[i] == '\t' ? ' ' : lib[i];

		if (ch == ' ' && (o == out || o[-1] == ' '))
			continue;
		*o++ = ch;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

char *
mpiworld_verdict(int expected, const struct mpiworld_answer *a, size_t n,
    const char *launcher, const char *launcher_mpi)
{
	const char *lib = NULL;
	struct strv why = STRV_INIT;
	size_t alone = 0;
	char *words = NULL, *out;

	if (expected <= 1)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (a[i].size == 1) {
			alone++;
			if (lib == NULL)
				lib = a[i].lib;
		}
	if (alone == 0)
		return NULL;
	if (lib != NULL) {
		words = lib_words(lib);
		strv_pushf(&why, "mpi4py is built on %s", words);
	}
	if (launcher != NULL && launcher_mpi != NULL)
		strv_pushf(&why, "%s is %s's launcher", launcher, launcher_mpi);
	else if (launcher != NULL)
		strv_pushf(&why, "the engines were started by %s", launcher);
	free(words);
	words = strv_join(&why, "; ");
	out = xasprintf(MPIWORLD_MISMATCH ": %zu of %d engines see an MPI "
	    "world of 1%s%s%s", alone, expected, why.n > 0 ? " (" : "",
	    words, why.n > 0 ? ")" : "");
	free(words);
	strv_clear(&why);
	return out;
}

int
mpiworld_parse(const char *repr, struct mpiworld_answer *a)
{
	size_t len = repr != NULL ? strlen(repr) : 0;
	char q, *text, *o, *end;
	long size;

	a->size = -1;
	a->lib = NULL;
	if (len < 2 || (repr[0] != '\'' && repr[0] != '"') ||
	    repr[len - 1] != repr[0])
		return -1;
	q = repr[0];
	/* Python's str repr: undo the escapes of quotes and backslashes;
	 * others (\xNN, \t) stay as they are shown. */
	text = xmalloc(len);
	o = text;
	for (size_t i = 1; i + 1 < len; i++) {
		if (repr[i] == '\\' && i + 2 < len && (repr[i + 1] == '\\' ||
		    repr[i + 1] == q))
			i++;
		*o++ = repr[i];
	}
	*o = '\0';
	errno = 0;
	size = strtol(text, &end, 10);
	if (end == text || errno != 0 || size < 1 || size > 1 << 30 ||
	    (*end != ' ' && *end != '\0')) {
		free(text);
		return -1;
	}
	a->size = (int)size;
	if (*end == ' ' && end[1] != '\0')
		a->lib = xstrdup(end + 1);
	free(text);
	return 0;
}

struct ipp_exec *
mpiworld_ask(struct ipp *ipp, ipp_exec_cb cb, void *arg, struct err *e)
{
	return ipp_evaluate(ipp, expr, NULL, 0, MPIWORLD_TIMEOUT_MS, cb, arg,
	    e);
}

bool
mpiworld_answers(const struct ipp_exec *x, struct mpiworld_answer **out)
{
	struct mpiworld_answer *a = xcalloc(x->n + 1, sizeof *a);
	bool all = true;

	for (size_t i = 0; i < x->n; i++) {
		const struct ipp_reply *r = &x->r[i];

		a[i].size = -1;
		if (r->status == IPP_OK)
			mpiworld_parse(r->value, &a[i]);
		else if (r->status != IPP_ERROR)
			all = false;
	}
	*out = a;
	return all;
}

void
mpiworld_answers_free(struct mpiworld_answer *a, size_t n)
{
	for (size_t i = 0; a != NULL && i < n; i++)
		free(a[i].lib);
	free(a);
}

/* The first line names the run (the record's start time), so a verdict
 * never outlives the cluster it was made for. */
static char *
run_line(const struct cluster *c)
{
	return xasprintf("started %.6f\n", c->started);
}

int
mpiworld_save(const struct cluster *c, const char *verdict, struct err *e)
{
	char *head = run_line(c);
	char *text = xasprintf("%s%s%s", head, verdict != NULL ? verdict : "",
	    verdict != NULL ? "\n" : "");
	char *tmp = xasprintf("%s/%s.tmp", c->dir, CACHE_NAME);
	char *path = xasprintf("%s/%s", c->dir, CACHE_NAME);
	int rc = doctor_write(c->dir, CACHE_NAME ".tmp", text, e);

	if (rc == 0 && rename(tmp, path) == -1)
		rc = err_errno(e, "cannot rename %s", tmp);
	free(head);
	free(text);
	free(tmp);
	free(path);
	return rc;
}

bool
mpiworld_load(const struct cluster *c, char **verdict)
{
	char *path = xasprintf("%s/%s", c->dir, CACHE_NAME);
	char *head = run_line(c), *buf, *nl;
	size_t len, hl = strlen(head);
	bool ok = false;
	struct err e;

	*verdict = NULL;
	if (file_read(path, CACHE_MAX, 0, &buf, &len, &e) == 0) {
		if (len >= hl && memcmp(buf, head, hl) == 0) {
			ok = true;
			nl = strchr(buf + hl, '\n');
			if (nl != NULL)
				*nl = '\0';
			if (buf[hl] != '\0')
				*verdict = xstrdup(buf + hl);
		}
		free(buf);
	}
	free(path);
	free(head);
	return ok;
}
