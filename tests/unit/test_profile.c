/* Profile loader: a corpus of broken files with exact file:line:col
 * messages, a fully populated profile, defaults, and the search path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/host.h"
#include "core/profile.h"
#include "core/proflist.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

#define DATA HPCTOP_SRCDIR "/tests/data/profiles"

struct bad_case {
	const char *file;
	const char *expect;	/* the whole message after DATA "/bad/" */
};

static const struct bad_case bad_cases[] = {
	{ "bool.yaml", "bool.yaml:2:6: mpi: expected true or false, got 'maybe'" },
	{ "allow-loopback.yaml", "allow-loopback.yaml:3:19: controller.allow_loopback: expected true or false, got 'sure'" },
	{ "stall-after.yaml", "stall-after.yaml:2:14: stall_after: expected [D-]HH:MM:SS, MM:SS, a number with s, m, h or d (90s, 2h, 1d) or a number of seconds, got 'soon'" },
	{ "account-quote.yaml", "account-quote.yaml:2:10: account: 'x'y' is not an account name (letters, digits and _.@+-)" },
	{ "comment-only.yaml", "comment-only.yaml:1:1: empty profile (expected a mapping with at least 'backend')" },
	{ "deep.yaml", "deep.yaml:2:23: nesting deeper than 16 levels" },
	{ "directive-newline.yaml", "directive-newline.yaml:2:13: directives: item 1 must be a single line" },
	{ "duplicate.yaml", "duplicate.yaml:3:1: duplicate key 'engines' (first given at line 2)" },
	{ "empty.yaml", "empty.yaml:1:1: empty profile (expected a mapping with at least 'backend')" },
	{ "env-name.yaml", "env-name.yaml:3:3: env: '1BAD' is not a valid variable name" },
	{ "host-option.yaml", "host-option.yaml:2:7: host: '-oProxyCommand=x' is not an ssh destination (user@host[:port] or a Host alias: not empty, no whitespace or control characters, no leading '-')" },
	{ "huge-int.yaml", "huge-int.yaml:2:10: engines: 99999999999999999999999 is out of range (1 to 100000)" },
	{ "huge-string.yaml", "huge-string.yaml:3:10: engines: expected an integer, got 'lots'" },
	{ "placement.yaml", "placement.yaml:3:14: controller.placement: 'nowhere' is not a placement (expected job, allocation or login)" },
	{ "placement-local.yaml", "placement-local.yaml:3:14: controller.placement: only batch backends place their controller (backend local runs it as a process here)" },
	{ "interface-both.yaml", "interface-both.yaml:4:3: controller: give ip or interface, not both" },
	{ "interface-name.yaml", "interface-name.yaml:3:14: controller.interface: 'eth0; reboot' is not a network interface name (up to 15 letters, digits, '_', '.', '-')" },
	{ "ipython-profile.yaml", "ipython-profile.yaml:2:18: ipython_profile: '../etc' is not a valid name (letters, digits, '_', '.', '-')" },
	{ "latin1.yaml", "latin1.yaml:2:18: not valid UTF-8 text (invalid trailing UTF-8 octet)" },
	{ "list-root.yaml", "list-root.yaml:1:1: expected a mapping of settings, got a list" },
	{ "mem.yaml", "mem.yaml:2:6: mem: expected a size such as 4G, 500M or 512 (megabytes), got 'lots'" },
	{ "no-backend.yaml", "no-backend.yaml:1:1: missing required key 'backend' (local, mpi, slurm, pbs or ssh)" },
	{ "nul.yaml", "nul.yaml:2:4: NUL byte in file (not a text file)" },
	{ "ppn-both.yaml", "ppn-both.yaml:3:17: tasks_per_node: give either ppn or tasks_per_node, not both" },
	{ "queue-shell.yaml", "queue-shell.yaml:2:8: queue: 'debug$(id)' is not a queue name (letters, digits and _.@+-)" },
	{ "quoted-int.yaml", "quoted-int.yaml:2:10: engines: expected an integer, got '4'" },
	{ "setup-map.yaml", "setup-map.yaml:2:8: setup: expected a list of strings, got a mapping" },
	{ "syntax-flow.yaml", "syntax-flow.yaml:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence that starts at 2:10)" },
	{ "syntax-indent.yaml", "syntax-indent.yaml:2:10: YAML syntax error: mapping values are not allowed in this context" },
	{ "too-large.yaml", "too-large.yaml:1:1: file is too large (2000029 bytes; a profile may have at most 1048576)" },
	{ "two-docs.yaml", "two-docs.yaml:3:1: only one YAML document is allowed in a profile" },
	{ "type-engines.yaml", "type-engines.yaml:2:10: engines: expected an integer, got 'eight'" },
	{ "unknown-backend.yaml", "unknown-backend.yaml:1:10: backend: unknown backend 'lsf' (expected local, mpi, slurm, pbs or ssh)" },
	{ "unknown-key.yaml", "unknown-key.yaml:2:1: unknown key 'queu' (did you mean 'queue'?)" },
	{ "unknown-subkey.yaml", "unknown-subkey.yaml:3:3: controller: unknown key 'ipp' (did you mean 'ip'?)" },
	{ "version.yaml", "version.yaml:1:10: version: schema version 2 is not supported (this hpctop reads version 1)" },
	{ "walltime.yaml", "walltime.yaml:2:11: walltime: expected [D-]HH:MM:SS, MM:SS, a number with s, m, h or d (90s, 2h, 1d) or a number of minutes, got 'forever'" },
	{ "zero-engines.yaml", "zero-engines.yaml:2:10: engines: 0 is out of range (1 to 100000)" },
};

static void
test_bad_corpus(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
		char *path = xasprintf("%s/bad/%s", DATA, bad_cases[i].file);
		char *want = xasprintf("%s/bad/%s", DATA, bad_cases[i].expect);
		struct err e = { "" };
		struct profile *p = profile_load(path, NULL, &e);

		if (p != NULL)
			fail_msg("%s loaded but should not", path);
		assert_string_equal(e.msg, want);
		free(path);
		free(want);
	}
}

static void
test_corpus_is_complete(void **state)
{
	/* Every file in bad/ has an expectation, so none is silently skipped. */
	char *cmd = xasprintf("ls %s/bad | wc -l", DATA);
	FILE *f = popen(cmd, "r");
	int n = -1;

	(void)state;
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	free(cmd);
	assert_int_equal(n, (int)(sizeof bad_cases / sizeof *bad_cases));
}

/* Loads path, which must load. */
static struct profile *
load_ok(const char *path)
{
	struct err e = { "" };
	struct profile *p = profile_load(path, NULL, &e);

	if (p == NULL)
		fail_msg("%s", e.msg);
	return p;
}

static void
test_full_profile(void **state)
{
	struct profile *p = load_ok(DATA "/good/full.yaml");

	(void)state;
	assert_string_equal(p->name, "full");
	assert_string_equal(p->backend, "slurm");
	assert_int_equal(p->engines, 8);
	assert_string_equal(p->description, "Everything set");
	assert_string_equal(p->ipython_profile, "myprof");
	assert_int_equal(p->setup.n, 2);
	assert_string_equal(p->setup.v[1], "source ~/venv/bin/activate");
	assert_int_equal(p->nenv, 2);
	assert_string_equal(profile_getenv(p, "OMP_NUM_THREADS"), "1");
	assert_string_equal(profile_getenv(p, "FOO"), "bar baz");
	assert_null(profile_getenv(p, "NOPE"));
	assert_string_equal(p->controller.ip, "0.0.0.0");
	assert_int_equal(p->controller.command.n, 3);
	assert_string_equal(p->controller.command.v[2], "ipyparallel.controller");
	assert_int_equal(p->controller.args.n, 1);
	assert_int_equal(p->engine.command.n, 1);
	assert_int_equal(p->engine.args.n, 2);
	assert_string_equal(p->engine.args.v[1], "--foo");
	assert_true(p->mpi);
	assert_string_equal(p->mpiexec.v[0], "mpiexec.hydra");
	assert_int_equal(p->mpiexec_args.n, 2);
	assert_int_equal(p->hosts.n, 2);
	assert_string_equal(p->queue, "debug");
	assert_int_equal(p->walltime, 86400 + 2 * 3600);
	assert_string_equal(p->account, "proj42");
	assert_int_equal(p->nodes, 2);
	assert_int_equal(p->tasks_per_node, 4);
	assert_int_equal(p->mem, 4LL << 30);
	assert_string_equal(p->directives.v[0], "--exclusive");
	profile_free(p);
}

static void
test_defaults(void **state)
{
	struct profile *p = load_ok(DATA "/good/minimal.yaml");

	(void)state;
	assert_string_equal(p->backend, "local");
	assert_int_equal(p->engines, 1);
	assert_string_equal(p->ipython_profile, "minimal");
	assert_string_equal(p->cluster_id, "");
	assert_string_equal(p->controller.command.v[0], "ipcontroller");
	assert_string_equal(p->engine.command.v[0], "ipengine");
	assert_string_equal(p->mpiexec.v[0], "mpiexec");
	assert_false(p->mpi);
	assert_null(p->controller.ip);
	assert_null(p->queue);
	assert_int_equal(p->walltime, -1);
	assert_int_equal(p->mem, -1);
	assert_int_equal(p->stall_after, PROFILE_STALL_AFTER_DEFAULT);
	assert_false(p->controller.allow_loopback);
	profile_free(p);
	profile_free(NULL);
}

static struct profile *
load_str(const char *y, const char *name, struct err *e)
{
	return profile_load_buffer(y, strlen(y), "t.yaml", name, e);
}

/* The mpi backend's engines share one world unless mpi: false says not. */
static void
test_mpi_default(void **state)
{
	static const struct { const char *yaml; bool mpi; } cases[] = {
		{ "backend: mpi\n", true },
		{ "backend: mpi\nmpi: false\n", false },
		{ "mpi: false\nbackend: mpi\n", false },
		{ "backend: local\n", false },
		{ "backend: slurm\nmpi: true\n", true },
	};
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct profile *p = load_str(cases[i].yaml, "t", &e);

		if (p == NULL)
			fail_msg("%s", e.msg);
		assert_int_equal(p->mpi, cases[i].mpi);
		profile_free(p);
	}
}

/* A leading BOM is allowed; names that cannot be shown or stored are not;
 * nesting, anchors and aliases are bounded; big inputs stay linear. */
static void
test_hostile_input(void **state)
{
	struct profile *p;
	struct err e;
	char *y;
	size_t n;

	(void)state;
	p = load_str("\xef\xbb\xbf" "backend: local\nengines: 2\n", "b", &e);
	if (p == NULL)
		fail_msg("BOM: %s", e.msg);
	assert_int_equal(p->engines, 2);
	profile_free(p);
	assert_null(load_str("\xef\xbb\xbf  backend: [a\n", "b", &e));
	assert_string_equal(e.msg, "t.yaml:2:1: YAML syntax error: did not "
	    "find expected ',' or ']' (while parsing a flow sequence that "
	    "starts at 1:12)");

	assert_null(load_str("backend: local\n", "caf\xe9" "", &e));
	assert_string_equal(e.msg, "t.yaml: file name is not valid UTF-8 "
	    "(rename the file)");
	assert_null(load_str("backend: local\n", "e\x1b" "[31mvil", &e));
	assert_string_equal(e.msg, "t.yaml: file name contains control "
	    "characters (rename the file)");
	p = load_str("backend: local\n", "caf\xc3\xa9" "", &e);
	assert_non_null(p);
	profile_free(p);

	/* 16 levels load; the 17th is refused where it opens. */
	assert_null(load_str("backend: local\nsetup: [[[[[[[[[[[[[[[x]]]]]]]"
	    "]]]]]]]]\n", "d", &e));
	assert_string_equal(e.msg, "t.yaml:2:9: setup: list items must be "
	    "strings, got a list");
	assert_null(load_str("a: {b: {c: {d: {e: {f: {g: {h: {i: {j: {k: {l: "
	    "{m: {n: {o: {p: {q: 1}}}}}}}}}}}}}}}}}\n", "d", &e));
	assert_string_equal(e.msg, "t.yaml:1:64: nesting deeper than 16 levels");

	y = xmalloc(200 * 4 + 64);
	n = (size_t)sprintf(y, "backend: local\nsetup: [");
	for (int i = 0; i < 65; i++)
		n += (size_t)sprintf(y + n, "&a%d x, ", i);
	sprintf(y + n, "y]\n");
	assert_null(load_str(y, "a", &e));
	assert_string_equal(e.msg, "t.yaml:2:511: more than 64 anchors");
	n = (size_t)sprintf(y, "backend: local\nsetup: [&a x");
	for (int i = 0; i < 65; i++)
		n += (size_t)sprintf(y + n, ", *a");
	sprintf(y + n, "]\n");
	assert_null(load_str(y, "a", &e));
	assert_string_equal(e.msg, "t.yaml:2:271: more than 64 aliases");
	free(y);

	/* 1 MiB of brackets, and of distinct keys: refused at once (these
	 * took minutes when each token or key looked at all before it). */
	n = PROFILE_MAX_BYTES - 64;
	y = xmalloc(n + 1);
	memset(y, '[', n / 2);
	memset(y + n / 2, ']', n - n / 2);
	y[n] = '\0';
	assert_null(load_str(y, "n", &e));
	assert_string_equal(e.msg, "t.yaml:1:17: nesting deeper than 16 levels");
	for (size_t i = 0, j = 0; j + 16 < n; i++)
		j += (size_t)sprintf(y + j, "k%zu: 1\n", i);
	assert_null(load_str(y, "n", &e));
	assert_string_equal(e.msg, "t.yaml:1:1: unknown key 'k0'");
	free(y);
}

static void
test_buffer_and_walltimes(void **state)
{
	static const char *const ok[] = { "30", "10:00", "01:00:00",
	    "2-00:00:00", "1-12", "1h", "90s", NULL };
	static const char *const bad[] = { "", "1:", ":30", "1:2:3:4",
	    "1h30m", "-5", NULL };
	struct err e;

	(void)state;
	for (int i = 0; ok[i] != NULL; i++) {
		char *y = xasprintf("backend: pbs\nwalltime: '%s'\n", ok[i]);
		struct profile *p = profile_load_buffer(y, strlen(y), "w.yaml",
		    "w", &e);

		if (p == NULL)
			fail_msg("walltime %s: %s", ok[i], e.msg);
		profile_free(p);
		free(y);
	}
	for (int i = 0; bad[i] != NULL; i++) {
		char *y = xasprintf("backend: pbs\nwalltime: '%s'\n", bad[i]);
		struct profile *p = profile_load_buffer(y, strlen(y), "w.yaml",
		    "w", &e);

		if (p != NULL)
			fail_msg("walltime '%s' was accepted", bad[i]);
		assert_non_null(strstr(e.msg, "w.yaml:2:11: walltime:"));
		free(y);
	}
}

/* host: an ssh destination, refused where it could not be one (with where
 * it was given); absent is this machine. */
static void
test_host_key(void **state)
{
	static const char *const ok[] = { "login1", "me@login1",
	    "me@login1.example.org:2222", "hpc-alias", NULL };
	static const char *const bad[] = { "''", "'a b'", "'-l'", "\"a\\tb\"",
	    "\"x\\u0001y\"", "[a]", NULL };
	struct profile *p;
	struct err e;

	(void)state;
	p = profile_load_buffer("backend: slurm\n", 15, "h.yaml", "h", &e);
	assert_non_null(p);
	assert_null(p->host);
	profile_free(p);
	for (int i = 0; ok[i] != NULL; i++) {
		char *y = xasprintf("backend: slurm\nhost: %s\n", ok[i]);

		p = profile_load_buffer(y, strlen(y), "h.yaml", "h", &e);
		if (p == NULL)
			fail_msg("host %s: %s", ok[i], e.msg);
		assert_string_equal(p->host, ok[i]);
		profile_free(p);
		free(y);
	}
	for (int i = 0; bad[i] != NULL; i++) {
		char *y = xasprintf("backend: slurm\nhost: %s\n", bad[i]);

		p = profile_load_buffer(y, strlen(y), "h.yaml", "h", &e);
		if (p != NULL)
			fail_msg("host %s was accepted", bad[i]);
		assert_non_null(strstr(e.msg, "h.yaml:2:7: host: "));
		free(y);
	}
}

/* stall_after: a bare number is seconds; at least 1 s. controller.ip
 * keeps where it was given, for start's loopback message. */
static void
test_stall_after_and_ip(void **state)
{
	static const struct {
		const char *text;
		long secs;
	} ok[] = { { "5", 5 }, { "5s", 5 }, { "2m", 120 }, { "01:30", 90 } };
	static const char y0[] = "backend: slurm\nstall_after: 0\n";
	static const char y1[] = "backend: slurm\ncontroller:\n  ip: 127.0.0.1\n"
	    "  allow_loopback: true\n";
	struct profile *p;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		char *y = xasprintf("backend: slurm\nstall_after: '%s'\n",
		    ok[i].text);

		p = load_str(y, "s", &e);
		if (p == NULL)
			fail_msg("stall_after %s: %s", ok[i].text, e.msg);
		assert_int_equal(p->stall_after, ok[i].secs);
		profile_free(p);
		free(y);
	}
	assert_null(load_str(y0, "s", &e));
	assert_string_equal(e.msg, "t.yaml:2:14: stall_after: must be at "
	    "least 1 s");
	p = load_str(y1, "s", &e);
	assert_non_null(p);
	assert_true(p->controller.allow_loopback);
	assert_int_equal(p->controller.ip_line, 3);
	assert_int_equal(p->controller.ip_col, 7);
	profile_free(p);
}

/* renew_before: seconds as stall_after (unset: never); engines_walltime:
 * minutes as walltime, the engines jobs' own (else walltime). */
static void
test_renew_before(void **state)
{
	static const char y0[] = "backend: slurm\nwalltime: 10\n";
	static const char y1[] = "backend: slurm\nwalltime: 10\n"
	    "engines_walltime: \"00:03:00\"\nrenew_before: 90s\n"
	    "controller: {placement: job}\n";
	static const char y3[] = "backend: slurm\nrenew_before: 90s\n"
	    "controller: {placement: allocation}\n";
	static const char y4[] = "backend: slurm\nrenew_before: 90s\n";
	static const char y2[] = "backend: slurm\nrenew_before: soon\n";
	struct profile *p;
	struct err e;

	(void)state;
	p = load_str(y0, "r", &e);
	assert_non_null(p);
	assert_int_equal(p->renew_before, 0);
	assert_int_equal(profile_job_walltime(p, true), 600);
	profile_free(p);
	p = load_str(y1, "r", &e);
	if (p == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(p->renew_before, 90);
	assert_int_equal(profile_job_walltime(p, true), 180);
	assert_int_equal(profile_job_walltime(p, false), 600);
	profile_free(p);
	assert_null(load_str(y2, "r", &e));
	assert_non_null(strstr(e.msg, ":2:15: renew_before: "));
	/* allocation puts the controller in set 0's job: refused. */
	assert_null(load_str(y3, "r", &e));
	assert_non_null(strstr(e.msg, ":2:15: renew_before: the controller "
	    "runs in the engines' job"));
	/* Unset, the placement is then job rather than the default. */
	p = load_str(y4, "r", &e);
	if (p == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(p->controller.placement, PROFILE_PLACEMENT_JOB);
	profile_free(p);
}

/* controller.placement: each word; batch profiles without it get the
 * default. */
static void
test_placement(void **state)
{
	static const char *const words[] = { "job", "allocation", "login" };
	struct profile *p;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		char *y = xasprintf("backend: pbs\ncontroller: {placement: "
		    "%s}\n", words[i]);

		p = load_str(y, "s", &e);
		if (p == NULL)
			fail_msg("placement %s: %s", words[i], e.msg);
		assert_int_equal(p->controller.placement, (int)i);
		assert_string_equal(profile_placement_name(
		    p->controller.placement), words[i]);
		profile_free(p);
		free(y);
	}
	p = load_str("backend: slurm\n", "s", &e);
	assert_non_null(p);
	assert_int_equal(p->controller.placement, PROFILE_PLACEMENT_DEFAULT);
	profile_free(p);
}

static void
test_missing_file(void **state)
{
	struct err e;

	(void)state;
	assert_null(profile_load("/nonexistent/x.yaml", NULL, &e));
	assert_string_equal(e.msg,
	    "/nonexistent/x.yaml: No such file or directory");
}

static char tmpdir[] = "/tmp/hpctop-test-XXXXXX";

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void
test_search_path(void **state)
{
	char *a, *b;
	struct proflist *pl;
	const struct proflist_entry *en;
	struct profile *p;
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	a = xasprintf("%s/a", tmpdir);
	b = xasprintf("%s/b", tmpdir);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(b, 0700), 0);
	write_file(a, "x.yaml", "backend: local\nengines: 3\n");
	write_file(b, "x.yaml", "backend: mpi\n");
	write_file(b, "y.yml", "backend: pbs\n");
	write_file(b, "broken.yaml", "backend: local\nengnes: 2\n");
	write_file(b, "notes.txt", "ignored\n");

	pl = proflist_new_dirs((char *[]){ a, b },
	    (char *[]){ "first", "second" }, 2);
	assert_int_equal(pl->n, 3);
	/* Sorted by name; earlier directory wins. */
	assert_string_equal(pl->v[0].name, "broken");
	assert_string_equal(pl->v[1].name, "x");
	assert_string_equal(pl->v[2].name, "y");
	en = proflist_find(pl, "x");
	assert_string_equal(en->source, "first");
	assert_string_equal(en->profile->backend, "local");
	assert_int_equal(en->profile->engines, 3);
	/* The bad file is listed with its error and does not hide others. */
	en = proflist_find(pl, "broken");
	assert_null(en->profile);
	assert_non_null(strstr(en->error, "broken.yaml:2:1: unknown key "
	    "'engnes' (did you mean 'engines'?)"));
	assert_null(proflist_load(pl, "broken", &e));
	assert_non_null(strstr(e.msg, "broken.yaml:2:1:"));
	assert_null(proflist_load(pl, "nope", &e));
	assert_string_equal(e.msg,
	    "no profile named 'nope' (see 'hpctop profiles')");
	p = proflist_load(pl, "y", &e);
	assert_non_null(p);
	assert_string_equal(p->backend, "pbs");
	profile_free(p);
	proflist_free(pl);
	proflist_free(NULL);

	/* HPCTOP_PROFILE_PATH comes first in the default path. */
	setenv("HPCTOP_PROFILE_PATH", b, 1);
	setenv("XDG_CONFIG_HOME", a, 1);
	pl = proflist_new(NULL, NULL);
	en = proflist_find(pl, "x");
	assert_non_null(en);
	assert_string_equal(en->source, "env");
	assert_string_equal(en->profile->backend, "mpi");
	assert_string_equal(pl->labels[1], "user");
	proflist_free(pl);

	free(a);
	free(b);
	assert_int_equal(testutil_rmtree(tmpdir), 0);
}

/* The profiles of a host (what -H lists), through this machine's host:
 * the user directory below its home, found by the same command an SSH
 * host runs; names listed already win; the text is kept for the record. */
static void
test_proflist_host(void **state)
{
	static char dir[] = "/tmp/hpctop-test-host-XXXXXX";
	char *home = getenv("HOME") != NULL ? xstrdup(getenv("HOME")) : NULL;
	char *pdir, *text = NULL;
	struct proflist *pl;
	const struct proflist_entry *en;
	struct profile *p;
	struct loop *l;
	struct host *h;
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	pdir = xasprintf("%s/.config", dir);
	assert_int_equal(mkdir(pdir, 0700), 0);
	free(pdir);
	pdir = xasprintf("%s/.config/hpctop", dir);
	assert_int_equal(mkdir(pdir, 0700), 0);
	free(pdir);
	pdir = xasprintf("%s/.config/hpctop/profiles", dir);
	assert_int_equal(mkdir(pdir, 0700), 0);
	write_file(pdir, "far.yaml", "backend: slurm\nengines: 5\n");
	write_file(pdir, "near.yaml", "backend: pbs\n");
	write_file(pdir, "bad.yml", "backend: slurm\nengnes: 5\n");
	free(pdir);
	pdir = xasprintf("%s/here", dir);
	assert_int_equal(mkdir(pdir, 0700), 0);
	write_file(pdir, "near.yaml", "backend: local\n");
	setenv("HOME", dir, 1);
	pl = proflist_new_dirs((char *[]){ pdir }, (char *[]){ "here" }, 1);
	l = loop_new();
	h = host_get(l, NULL, &e);
	assert_non_null(h);
	assert_int_equal(proflist_add_host(pl, h, l, &e), 0);
	en = proflist_find(pl, "far");
	assert_non_null(en);
	assert_string_equal(en->source, "this machine");
	assert_int_equal(en->profile->engines, 5);
	assert_null(en->profile->host);
	assert_string_equal(en->text, "backend: slurm\nengines: 5\n");
	en = proflist_find(pl, "near");
	assert_string_equal(en->source, "here");
	assert_string_equal(en->profile->backend, "local");
	en = proflist_find(pl, "bad");
	assert_null(en->profile);
	assert_non_null(strstr(en->error, "bad.yml:2:1: unknown key"));
	p = proflist_load_text(pl, "far", &text, &e);
	assert_non_null(p);
	assert_string_equal(text, "backend: slurm\nengines: 5\n");
	free(text);
	profile_free(p);
	proflist_free(pl);
	if (home != NULL)
		setenv("HOME", home, 1);
	free(home);
	assert_int_equal(testutil_rmtree(dir), 0);
	free(pdir);
	host_free_all();
	loop_free(l);
}

static void
test_shipped_profiles(void **state)
{
	static const char *const names[] = { "local", "mpi", "slurm", "pbs",
	    "ssh", NULL };

	(void)state;
	for (int i = 0; names[i] != NULL; i++) {
		char *path = xasprintf("%s/profiles/%s.yaml", HPCTOP_SRCDIR,
		    names[i]);
		struct profile *p = load_ok(path);

		assert_string_equal(p->backend, names[i]);
		profile_free(p);
		free(path);
	}
}

/* hosts: as a list or as a mapping host -> engines (engines then their
 * sum unless given), each count checked where it is. */
static void
test_hosts_mapping(void **state)
{
	static const char map[] = "backend: ssh\nhosts:\n  cn1: 2\n"
	    "  cn2: 3\n";
	static const char given[] = "backend: ssh\nengines: 4\n"
	    "hosts: {cn1: 2, cn2: 3}\n";
	static const char list[] = "backend: ssh\nhosts: [cn1, cn2]\n";
	static const struct bad_case bad[] = {
		{ "backend: ssh\nhosts: {cn1: 0}\n",
		    "t.yaml:2:14: hosts: cn1: 0 is out of range (1 to 100000)" },
		{ "backend: ssh\nhosts: {cn1: two}\n",
		    "t.yaml:2:14: hosts: cn1: expected an integer, got 'two'" },
		{ "backend: ssh\nhosts: {cn1: 1, cn1: 2}\n",
		    "t.yaml:2:17: hosts: duplicate host 'cn1'" },
		{ "backend: ssh\nhosts: {'a b': 1}\n",
		    "t.yaml:2:9: hosts: 'a b' is not a valid host name" },
		{ "backend: ssh\nhosts: {}\n",
		    "t.yaml:2:8: hosts: must not be empty" },
		{ "backend: ssh\nhosts: {a: 60000, b: 60000}\n",
		    "t.yaml:1:1: hosts: 120000 engines in all, more than 100000" },
	};
	struct profile *p;
	struct err e;

	(void)state;
	p = profile_load_buffer(map, strlen(map), "t.yaml", "m", &e);
	assert_non_null(p);
	assert_int_equal(p->hosts.n, 2);
	assert_string_equal(p->hosts.v[1], "cn2");
	assert_non_null(p->host_engines);
	assert_int_equal(p->host_engines[0], 2);
	assert_int_equal(p->host_engines[1], 3);
	assert_int_equal(p->engines, 5);
	profile_free(p);
	p = profile_load_buffer(given, strlen(given), "t.yaml", "m", &e);
	assert_non_null(p);
	assert_int_equal(p->engines, 4);
	profile_free(p);
	p = profile_load_buffer(list, strlen(list), "t.yaml", "m", &e);
	assert_non_null(p);
	assert_int_equal(p->hosts.n, 2);
	assert_null(p->host_engines);
	assert_int_equal(p->engines, 1);
	profile_free(p);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		p = profile_load_buffer(bad[i].file, strlen(bad[i].file),
		    "t.yaml", "m", &e);
		assert_null(p);
		assert_string_equal(e.msg, bad[i].expect);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_corpus_is_complete),
		cmocka_unit_test(test_full_profile),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_buffer_and_walltimes),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_mpi_default),
		cmocka_unit_test(test_stall_after_and_ip),
		cmocka_unit_test(test_renew_before),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_host_key),
		cmocka_unit_test(test_search_path),
		cmocka_unit_test(test_proflist_host),
		cmocka_unit_test(test_shipped_profiles),
		cmocka_unit_test(test_hosts_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
