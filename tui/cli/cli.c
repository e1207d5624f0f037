#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/host.h"
#include "core/ippcluster.h"
#include "core/paths.h"
#include "core/safetext.h"
#include "core/xmalloc.h"

void
cli_vprintf(FILE *f, const char *fmt, va_list ap)
{
	char *text, *line, *save = NULL;
	bool nl_end;

	if (vasprintf(&text, fmt, ap) == -1)
		fatal("out of memory");
	nl_end = *text != '\0' && text[strlen(text) - 1] == '\n';
	/* strtok_r would merge empty lines; split by hand. */
	for (line = text; line != NULL; line = save) {
		char *esc;

		save = strchr(line, '\n');
		if (save != NULL)
			*save++ = '\0';
		if (save == NULL && *line == '\0' && nl_end)
			break;
		esc = safetext_escape(line);
		fputs(esc, f);
		free(esc);
		if (save != NULL)
			fputc('\n', f);
	}
	free(text);
}

void
cli_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprintf(f, fmt, ap);
	va_end(ap);
}

json_t *
cli_json_text(const char *s)
{
	json_t *j;
	char *esc;

	if (s == NULL)
		return json_null();
	if (safetext_utf8_valid(s))
		return json_string(s);
	esc = safetext_escape(s);
	j = json_string(esc);
	free(esc);
	return j;
}

bool
cli_no_color(void)
{
	const char *nc = getenv("NO_COLOR");

	return nc != NULL && *nc != '\0';
}

bool
cli_term_dumb(void)
{
	const char *t = getenv("TERM");

	return t == NULL || *t == '\0' || strcmp(t, "dumb") == 0;
}

bool
cli_color(int fd)
{
	return isatty(fd) && !cli_term_dumb() && !cli_no_color();
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("hpctop: ", stderr);
	va_start(ap, fmt);
	cli_vprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

/* -H DEST: profiles found there are listed too. */
static char *extra_host;

void
cli_set_host(const char *dest)
{
	free(extra_host);
	extra_host = dest != NULL ? xstrdup(dest) : NULL;
}

struct loop *
cli_loop(void)
{
	static struct loop *l;

	if (l == NULL)
		l = loop_new();
	return l;
}

struct proflist *
cli_proflist(void)
{
	char *exe = paths_exe_dir();
	char *share = NULL, *build = NULL;
	struct proflist *pl;

	if (exe != NULL) {
		size_t len = strlen(HPCTOP_SRCDIR);

		size_t elen = strlen(exe);

		/* Installed as PREFIX/bin/hpctop: PREFIX/share/hpctop. */
		if (elen >= 4 && strcmp(exe + elen - 4, "/bin") == 0)
			share = xasprintf("%.*s/share/hpctop/profiles",
			    (int)(elen - 4), exe);
		/* Running from the checkout (./hpctop or build/san/hpctop). */
		if (strncmp(exe, HPCTOP_SRCDIR, len) == 0 &&
		    (exe[len] == '\0' || exe[len] == '/'))
			build = xasprintf("%s/profiles", HPCTOP_SRCDIR);
	}
	pl = proflist_new(share, build);
	/* Clusters ipyparallel's tools started show beside the profiles. */
	ippcluster_add_profiles(pl);
	free(exe);
	free(share);
	free(build);
	if (extra_host != NULL) {
		struct err e;
		struct host *h = host_get(cli_loop(), extra_host, &e);

		/* The profiles of this machine are listed all the same; who
		 * asked says why the others are not (the dashboard keeps
		 * stderr for itself while curses is up). */
		if (h == NULL || proflist_add_host(pl, h, cli_loop(),
		    &e) == -1)
			pl->error = xasprintf("-H %s: %s", extra_host, e.msg);
	}
	return pl;
}

struct profile *
cli_profile_text(const char *name, char **text)
{
	struct proflist *pl = cli_proflist();
	struct profile *p;
	struct err e;

	p = proflist_load_text(pl, name, text, &e);
	if (p == NULL)
		cli_error("%s", e.msg);
	proflist_free(pl);
	return p;
}

struct profile *
cli_profile(const char *name)
{
	return cli_profile_text(name, NULL);
}

int
cli_int(const char *opt, const char *s, long min, long max, long *out,
    struct err *e)
{
	char *end;
	long v;

	/* strtol alone would take " 2", "+2" and "-0"; a value is digits. */
	for (const char *p = s; ; p++) {
		if (*p == '\0' && p > s)
			break;
		if (!isdigit((unsigned char)*p))
			return err_set(e, "%s: '%s' is not a whole number", opt,
			    s);
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return err_set(e, "%s: %s is out of range (%ld to %ld)", opt, s,
		    min, max);
	*out = v;
	return 0;
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int
parse_id(const char **s, int *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)**s))
		return -1;
	errno = 0;
	v = strtol(*s, &end, 10);
	if (errno != 0 || v > INT_MAX)
		return -1;
	*out = (int)v;
	*s = end;
	return 0;
}

int
cli_parse_ids(const char *s, int **ids, size_t *n, struct err *e)
{
	const char *p = s;
	int *v = NULL;
	size_t count = 0, j;

	while (*p != '\0') {
		int lo, hi;

		if (parse_id(&p, &lo) == -1)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_id(&p, &hi) == -1 || hi < lo)
				goto bad;
		}
		if ((size_t)(hi - lo) + count > 1000000)
			goto bad;
		for (long i = lo; i <= hi; i++) {
			v = xreallocarray(v, count + 1, sizeof *v);
			v[count++] = (int)i;
		}
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	if (count == 0)
		goto bad;
	qsort(v, count, sizeof *v, int_cmp);
	for (size_t i = j = 1; i < count; i++)
		if (v[i] != v[j - 1])
			v[j++] = v[i];
	*ids = v;
	*n = j;
	return 0;
bad:
	free(v);
	return err_set(e, "bad engine list '%s' at column %zu (expected ids "
	    "such as 0,2-3)", s, (size_t)(p - s) + 1);
}
