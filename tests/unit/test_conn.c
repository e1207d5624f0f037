/* The connection file: endpoints from a real file, and a clear message
 * naming the file and the field for every kind of bad input. */
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

#include "core/conn.h"
#include "core/host.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

#define GOOD "{\n" \
	"  \"ssh\": \"\",\n" \
	"  \"interface\": \"tcp://127.0.0.1\",\n" \
	"  \"registration\": 58987,\n" \
	"  \"control\": 47151,\n" \
	"  \"mux\": 46325,\n" \
	"  \"task\": 33845,\n" \
	"  \"task_scheme\": \"leastload\",\n" \
	"  \"iopub\": 53849,\n" \
	"  \"notification\": 42795,\n" \
	"  \"broadcast\": 35831,\n" \
	"  \"key\": \"3e100a69-8c65194b4a5a68f505aec747\",\n" \
	"  \"curve_serverkey\": null,\n" \
	"  \"location\": \"vm\",\n" \
	"  \"pack\": \"json\",\n" \
	"  \"unpack\": \"json\",\n" \
	"  \"signature_scheme\": \"hmac-sha256\"\n" \
	"}\n"

static struct conn *
load(const char *text, struct err *e)
{
	return conn_load_buffer(text, strlen(text), "c.json", e);
}

/* Loads text, which must load. */
static struct conn *
load_ok(const char *text)
{
	struct err e;
	struct conn *c = load(text, &e);

	if (c == NULL)
		fail_msg("%s", e.msg);
	return c;
}

/* GOOD with one `"field": value` replaced (or removed, with repl ""). */
static char *
edit(const char *field, const char *repl)
{
	return testutil_json_edit(GOOD, field, repl);
}

static void
test_good(void **state)
{
	struct conn *c = load_ok(GOOD);

	(void)state;
	assert_string_equal(c->registration, "tcp://127.0.0.1:58987");
	assert_string_equal(c->notification, "tcp://127.0.0.1:42795");
	assert_string_equal(c->mux, "tcp://127.0.0.1:46325");
	assert_string_equal(c->control, "tcp://127.0.0.1:47151");
	assert_string_equal(c->iopub, "tcp://127.0.0.1:53849");
	assert_int_equal(c->keylen, 33);
	assert_memory_equal(c->key, "3e100a69-8c65194b4a5a68f505aec747", 33);
	assert_null(c->curve_serverkey);
	conn_free(c);
}

static void
test_any_interface(void **state)
{
	char host[256];
	char *text = xasprintf("{\"interface\": \"tcp://0.0.0.0\", "
	    "\"location\": \"node17\", \"registration\": 1, "
	    "\"notification\": 2, \"mux\": 3, \"control\": 4, "
	    "\"iopub\": 5, \"key\": \"k\"}");
	struct conn *c = load_ok(text);

	(void)state;
	/* 0.0.0.0 is reached through `location`, the controller's host. */
	assert_string_equal(c->mux, "tcp://node17:3");
	conn_free(c);
	free(text);
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	text = xasprintf("{\"interface\": \"tcp://*\", \"location\": \"%s\", "
	    "\"registration\": 1, \"notification\": 2, \"mux\": 3, "
	    "\"control\": 4, \"iopub\": 5, \"key\": \"k\"}", host);
	c = load_ok(text);
	assert_string_equal(c->iopub, "tcp://127.0.0.1:5");
	conn_free(c);
	free(text);
}

static void
test_ipc(void **state)
{
	char *text = edit("interface", "\"ipc:///tmp/ipp\"");
	struct conn *c = load_ok(text);

	(void)state;
	assert_string_equal(c->mux, "ipc:///tmp/ipp-46325");
	conn_free(c);
	free(text);
}

struct bad {
	const char *field;
	const char *repl;	/* "" removes the field */
	const char *msg;	/* after "c.json" */
};

static const struct bad bad_cases[] = {
	{ "mux", "", ": missing field 'mux' (is this an ipcontroller-client.json file?)" },
	{ "key", "", ": missing field 'key' (is this an ipcontroller-client.json file?)" },
	{ "interface", "", ": missing field 'interface' (is this an ipcontroller-client.json file?)" },
	{ "mux", "\"46325\"", ": 'mux' must be a port number, got a string" },
	{ "iopub", "70000", ": 'iopub' must be a port number (1 to 65535), got 70000" },
	{ "registration", "1.5", ": 'registration' must be a port number, got a number" },
	{ "key", "42", ": 'key' must be a string, got an integer" },
	{ "key", "\"\"", ": 'key' is empty and there is no curve_serverkey; refusing to talk unauthenticated" },
	{ "interface", "\"127.0.0.1\"", ": 'interface' must look like tcp://HOST, got \"127.0.0.1\"" },
	{ "interface", "\"udp://x\"", ": 'interface' transport in \"udp://x\" is not supported (tcp:// or ipc://)" },
	{ "ssh", "\"login.hpc.example\"", ": the controller is reached through an SSH tunnel to 'login.hpc.example', which hpctop does not support; run hpctop on a host that reaches the controller directly" },
	{ "ssh", "[]", ": 'ssh' must be a string, got a list" },
	{ "pack", "\"pickle\"", ": 'pack' is \"pickle\"; hpctop speaks only \"json\"" },
	{ "unpack", "\"msgpack\"", ": 'unpack' is \"msgpack\"; hpctop speaks only \"json\"" },
	{ "signature_scheme", "\"hmac-md5\"", ": signature_scheme \"hmac-md5\" is not supported (only hmac-sha256)" },
	{ "curve_serverkey", "\"short\"", ": 'curve_serverkey' must be a 40-character Z85 key, got 5 characters" },
	{ "location", "false", ": 'location' must be a string, got a boolean" },
};

static void
test_bad_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
		char *text = edit(bad_cases[i].field, bad_cases[i].repl);
		char *want = xasprintf("c.json%s", bad_cases[i].msg);
		struct err e = { "" };
		struct conn *c = load(text, &e);

		if (c != NULL)
			fail_msg("case %zu loaded but should not", i);
		assert_string_equal(e.msg, want);
		free(text);
		free(want);
	}
}

static void
test_bad_json(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{\n  \"mux\": 1,\n  \"key\" \"x\"\n}\n",
		    "c.json:3:11: not valid JSON: ':' expected near '\"x\"'" },
		{ "", "c.json:1:0: not valid JSON: "
		    "'[' or '{' expected near end of file" },
		{ "[1, 2]", "c.json: expected a JSON object, got a list" },
		{ "{\"key\": \"a\", \"key\": \"b\"}", "c.json:1:18: not "
		    "valid JSON: duplicate object key near '\"key\"'" },
	};
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_null(load(cases[i].text, &e));
		assert_string_equal(e.msg, cases[i].msg);
	}
}

static void
test_files(void **state)
{
	char dir[] = "/tmp/test_conn.XXXXXX";
	char *path;
	struct err e;
	struct conn *c;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/ipcontroller-client.json", dir);
	assert_null(conn_load(path, &e));
	assert_true(strstr(e.msg, "ipcontroller-client.json: no such file "
	    "(is the controller running?)") != NULL);
	f = fopen(path, "w");
	fputs(GOOD, f);
	fclose(f);
	c = conn_load(path, &e);
	assert_non_null(c);
	assert_string_equal(c->path, path);
	conn_free(c);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* A FIFO, a directory or a huge file where the connection file should be
 * are refused at once, never read without bound or blocked on. */
static void
test_not_regular(void **state)
{
	char dir[] = "/tmp/test_conn.XXXXXX";
	char *path, *big;
	struct err e;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/ipcontroller-client.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(conn_load(path, &e));
	assert_true(strstr(e.msg, "ipcontroller-client.json: not a regular "
	    "file (a FIFO)") != NULL);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(conn_load(path, &e));
	assert_true(strstr(e.msg, "not a regular file (a directory)") != NULL);
	rmdir(path);
	f = fopen(path, "w");
	big = xcalloc(70 * 1024, 1);
	memset(big, ' ', 70 * 1024 - 1);
	fputs(big, f);
	fclose(f);
	assert_null(conn_load(path, &e));
	assert_true(strstr(e.msg, "too large for a connection file") != NULL);
	free(big);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* conn_forward through this machine: every endpoint stays as the file
 * says (host_forward binds nothing here), so the local path is
 * unchanged; an ipc:// endpoint stays too. */
static void
test_forward_local(void **state)
{
	struct conn *c = load_ok(GOOD), *d;
	struct host *h;
	struct err e;
	char *ipc;

	(void)state;
	h = host_get(NULL, NULL, &e);
	assert_non_null(h);
	assert_int_equal(conn_forward(c, h, NULL, &e), 0);
	assert_string_equal(c->registration, "tcp://127.0.0.1:58987");
	assert_string_equal(c->notification, "tcp://127.0.0.1:42795");
	assert_string_equal(c->mux, "tcp://127.0.0.1:46325");
	assert_string_equal(c->control, "tcp://127.0.0.1:47151");
	assert_string_equal(c->iopub, "tcp://127.0.0.1:53849");
	conn_free(c);
	ipc = edit("interface", "\"ipc:///tmp/ipc\"");
	d = load_ok(ipc);
	assert_int_equal(conn_forward(d, h, NULL, &e), 0);
	assert_string_equal(d->mux, "ipc:///tmp/ipc-46325");
	conn_free(d);
	free(ipc);
	host_free_all();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_any_interface),
		cmocka_unit_test(test_ipc),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_forward_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
