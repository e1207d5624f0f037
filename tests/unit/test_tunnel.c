/* hpctop tunnel's core: the client connection file rewritten (every port
 * field ipyparallel 7.1's client reads, lists too, each distinct port
 * forwarded once, the rest kept), opening a tunnel through a host (a fake
 * SSH host here: its file read from a local path, its forwards counted),
 * what is refused with nothing written, and the tunnel records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cluster.h"
#include "core/file.h"
#include "core/host.h"
#include "core/paths.h"
#include "core/tunnel.h"
#include "core/xmalloc.h"
#include "tests/unit/testutil.h"

/* What ipcontroller 7.1 wrote here with --ip='*' (the key changed). */
#define REAL "{\n" \
	"  \"ssh\": \"\",\n" \
	"  \"interface\": \"tcp://*\",\n" \
	"  \"registration\": 36061,\n" \
	"  \"control\": 55123,\n" \
	"  \"mux\": 44413,\n" \
	"  \"task\": 58283,\n" \
	"  \"task_scheme\": \"leastload\",\n" \
	"  \"iopub\": 38419,\n" \
	"  \"notification\": 60283,\n" \
	"  \"broadcast\": 53557,\n" \
	"  \"key\": \"1c837a76-0000-not-a-real-key-0000\",\n" \
	"  \"curve_serverkey\": null,\n" \
	"  \"location\": \"cn1\",\n" \
	"  \"pack\": \"json\",\n" \
	"  \"unpack\": \"json\",\n" \
	"  \"signature_scheme\": \"hmac-sha256\"\n" \
	"}\n"

static const char *const fields[] = {
	"registration", "control", "mux", "task", "iopub", "notification",
	"broadcast",
};

struct mapped {
	int n;
	char addr[64];
	int fail_at;		/* the call that fails; 0: none */
};

static int
map_plus(const char *addr, int port, int *local, void *arg, struct err *e)
{
	struct mapped *m = arg;

	snprintf(m->addr, sizeof m->addr, "%s", addr);
	if (++m->n == m->fail_at)
		return err_set(e, "cannot forward %s:%d", addr, port);
	*local = port + 1;
	return 0;
}

static json_t *
rewrite_ok(const char *text, struct mapped *m, size_t *nports)
{
	struct tunnel_port *ports;
	struct err e;
	char *out;
	size_t len;
	json_t *j;

	if (tunnel_rewrite(text, strlen(text), "c.json", "login1", map_plus, m,
	    &out, &len, &ports, nports, &e) == -1)
		fail_msg("%s", e.msg);
	assert_int_equal(len, strlen(out));
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	free(out);
	free(ports);
	return j;
}

static const char *
str(const json_t *j, const char *f)
{
	return json_string_value(json_object_get(j, f));
}

static void
test_rewrite_real(void **state)
{
	struct mapped m = { 0 };
	size_t n;
	json_t *j = rewrite_ok(REAL, &m, &n), *orig = json_loads(REAL, 0, NULL);
	const char *k;
	json_t *v;

	(void)state;
	assert_int_equal(n, 7);
	assert_int_equal(m.n, 7);
	/* '*': the controller's host name, resolved where it runs. */
	assert_string_equal(m.addr, "cn1");
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(json_integer_value(json_object_get(j,
		    fields[i])), json_integer_value(json_object_get(orig,
		    fields[i])) + 1);
	assert_string_equal(str(j, "interface"), "tcp://127.0.0.1");
	assert_string_equal(str(j, "location"), "127.0.0.1");
	assert_string_equal(str(j, "ssh"), "");
	assert_string_equal(str(j, TUNNEL_MARK), "login1");
	/* Everything else as it was. */
	json_object_foreach(orig, k, v) {
		bool port = false;

		for (size_t i = 0; i < 7; i++)
			port = port || strcmp(k, fields[i]) == 0;
		if (port || strcmp(k, "interface") == 0 ||
		    strcmp(k, "location") == 0)
			continue;
		assert_true(json_equal(v, json_object_get(j, k)));
	}
	assert_int_equal(json_object_size(j), json_object_size(orig) + 1);
	json_decref(j);
	json_decref(orig);
}

/* REAL with field's value replaced (its line removed with repl ""). */
static char *
edit(const char *field, const char *repl)
{
	return testutil_json_edit(REAL, field, repl);
}

static void
test_rewrite_lists_and_addresses(void **state)
{
	struct mapped m = { 0 };
	char *t = edit("broadcast", "[53557, 36061, 1]");
	size_t n;
	json_t *j = rewrite_ok(t, &m, &n), *b;

	(void)state;
	/* 36061 is registration's too: forwarded once. */
	assert_int_equal(n, 8);
	assert_int_equal(m.n, 8);
	b = json_object_get(j, "broadcast");
	assert_int_equal(json_array_size(b), 3);
	assert_int_equal(json_integer_value(json_array_get(b, 0)), 53558);
	assert_int_equal(json_integer_value(json_array_get(b, 1)), 36062);
	assert_int_equal(json_integer_value(json_array_get(b, 2)), 2);
	json_decref(j);
	free(t);

	t = edit("interface", "\"tcp://10.213.7.12\"");
	memset(&m, 0, sizeof m);
	json_decref(rewrite_ok(t, &m, &n));
	assert_string_equal(m.addr, "10.213.7.12");
	free(t);

	/* '*' without location: the host's own loopback. */
	t = edit("location", "null");
	memset(&m, 0, sizeof m);
	json_decref(rewrite_ok(t, &m, &n));
	assert_string_equal(m.addr, "127.0.0.1");
	free(t);
}

static void
bad(const char *text, const char *want, int fail_at)
{
	struct mapped m = { .fail_at = fail_at };
	struct tunnel_port *ports = (void *)1;
	struct err e;
	char *out = (void *)1;
	size_t len, n = 9;

	assert_int_equal(tunnel_rewrite(text, strlen(text), "c.json", "x",
	    map_plus, &m, &out, &len, &ports, &n, &e), -1);
	if (strstr(e.msg, want) == NULL)
		fail_msg("'%s' lacks '%s'", e.msg, want);
	assert_null(out);
	assert_null(ports);
	assert_int_equal(n, 0);
}

/* REAL with field's value replaced by repl fails saying want. */
static void
bad_edit(const char *field, const char *repl, const char *want)
{
	char *t = edit(field, repl);

	bad(t, want, 0);
	free(t);
}

static void
test_rewrite_errors(void **state)
{
	(void)state;
	bad("{", "c.json:1:", 0);
	bad("[1]", "c.json: expected a JSON object", 0);
	bad_edit("task", "", "c.json: missing field 'task'");
	bad_edit("mux", "\"44413\"", "c.json: 'mux' must be a port number");
	bad_edit("broadcast", "[1, 70000]",
	    "'broadcast' must be a port number");
	bad_edit("interface", "\"ipc:///tmp/x\"", "cannot be tunnelled");
	bad_edit("ssh", "\"me@gw\"", "itself reached through SSH ('me@gw')");
	bad(REAL, "cannot forward cn1:", 3);
}

/* ---- a fake SSH host: its files are local paths, forwards counted ---- */

struct fake {
	int forwards, unforwards;
	int bound[16];
};

static int
fake_read(struct host *h, struct loop *l, const char *path, size_t max,
    unsigned flags, char **buf, size_t *len, struct err *e)
{
	(void)h;
	(void)l;
	return file_read(path, max, flags, buf, len, e);
}

static int
fake_forward(struct host *h, struct loop *l, const char *addr, int port,
    int lport, int *bound, struct err *e)
{
	struct fake *f = h->priv;

	(void)l;
	(void)addr;
	(void)lport;
	(void)e;
	*bound = 20000 + f->forwards;
	f->bound[f->forwards++] = *bound;
	(void)port;
	return 0;
}

static void
fake_unforward(struct host *h, int bound)
{
	struct fake *f = h->priv;

	assert_int_equal(f->bound[f->unforwards++], bound);
}

static const struct host_impl fake_impl = {
	.name = "fake",
	.read_file = fake_read,
	.forward = fake_forward,
	.unforward = fake_unforward,
};

static struct cluster *
mk(const char *name, const char *ipp)
{
	char *yaml = xasprintf("backend: local\nengines: 2\n"
	    "ipython_profile: %s\n", ipp);
	struct cluster *c = testutil_cluster(name, yaml, 2);

	free(yaml);
	/* The controller's file on the "host". */
	free(c->client_file);
	c->client_file = xasprintf("%s/remote-%s.json", testutil_state_dir(),
	    name);
	return c;
}

static void
open_fails(struct host *h, const struct cluster *c, const char *want)
{
	struct err e;

	assert_null(tunnel_open(NULL, h, c, &e));
	if (strstr(e.msg, want) == NULL)
		fail_msg("'%s' lacks '%s'", e.msg, want);
}

static void
test_open_close(void **state)
{
	struct fake f = { 0 };
	struct host h = { &fake_impl, "login1", &f };
	struct cluster *c = mk("far", "farp"), *o;
	char *local = paths_connection_file("farp", "", "client"), *buf;
	struct tunnel *t;
	struct stat st;
	struct err e;
	size_t len;
	json_t *j;

	(void)state;
	/* No file on the host yet. */
	open_fails(&h, c, "login1: ");
	open_fails(&h, c, "does not exist yet");
	assert_int_equal(stat(local, &st), -1);

	assert_int_equal(file_write(c->client_file, REAL, 0600, &e), 0);
	t = tunnel_open(NULL, &h, c, &e);
	if (t == NULL)
		fail_msg("%s", e.msg);
	assert_int_equal(t->nports, 7);
	assert_int_equal(f.forwards, 7);
	assert_string_equal(t->file, local);
	assert_int_equal(stat(local, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(file_read(local, 65536, 0, &buf, &len, &e), 0);
	j = json_loads(buf, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "registration")), 20000);
	assert_string_equal(str(j, "key"),
	    "1c837a76-0000-not-a-real-key-0000");
	assert_string_equal(str(j, TUNNEL_MARK), "login1");
	json_decref(j);
	free(buf);
	buf = tunnel_summary(t);
	assert_string_equal(buf, "tunnel for far up: 7 ports on 127.0.0.1; "
	    "ipyparallel.Client(profile='farp')");
	free(buf);
	tunnel_close(t);
	assert_int_equal(f.unforwards, 7);
	assert_int_equal(stat(local, &st), -1);

	/* A file a controller here wrote (no mark) is never overwritten. */
	assert_int_equal(file_write(local, REAL, 0600, &e), 0);
	open_fails(&h, c, "was not written by hpctop tunnel");
	assert_int_equal(file_read(local, 65536, 0, &buf, &len, &e), 0);
	assert_string_equal(buf, REAL);
	free(buf);
	unlink(local);

	/* Another cluster here with that IPython profile. */
	o = mk("near", "farp");
	assert_int_equal(cluster_save(o, &e), 0);
	open_fails(&h, c, "cluster 'near' here uses IPython profile 'farp'");
	assert_int_equal(stat(local, &st), -1);
	assert_int_equal(cluster_remove(o, &e), 0);
	cluster_free(o);

	/* This machine: nothing to tunnel. */
	h.dest = NULL;
	h.impl = NULL;
	open_fails(host_get(NULL, NULL, &e), c,
	    "runs on this machine: ipyparallel.Client(profile='farp') "
	    "attaches directly");
	assert_int_equal(f.forwards, 7);
	host_free_all();
	unlink(c->client_file);
	cluster_free(c);
	free(local);
}

static void
test_records(void **state)
{
	struct fake f = { 0 };
	struct host h = { &fake_impl, "login1", &f };
	struct cluster *c = mk("rec", "recp");
	struct tunnel_rec *r;
	struct strv names = { 0 };
	struct tunnel *t;
	struct stat st;
	struct err e;
	bool missing;
	char *path;

	(void)state;
	assert_null(tunnel_rec_load("rec", &missing, &e));
	assert_true(missing);
	assert_int_equal(file_write(c->client_file, REAL, 0600, &e), 0);
	t = tunnel_open(NULL, &h, c, &e);
	assert_non_null(t);
	assert_int_equal(tunnel_rec_save(t, 4242, 777, "background", "/l.log",
	    &e), 0);
	path = tunnel_rec_path("rec", "json");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	tunnel_rec_list(&names);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], "rec");
	strv_clear(&names);
	r = tunnel_rec_load("rec", &missing, &e);
	assert_non_null(r);
	assert_int_equal(r->pid, 4242);
	assert_true(r->start_time == 777);
	assert_string_equal(r->mode, "background");
	assert_string_equal(r->dest, "login1");
	assert_string_equal(r->file, t->file);
	assert_string_equal(r->log, "/l.log");
	assert_int_equal(r->nports, 7);
	assert_string_equal(r->ports[0].field, "registration");
	assert_int_equal(r->ports[0].remote, 36061);
	assert_int_equal(r->ports[0].local, 20000);
	/* A stale record goes with the file it names. */
	tunnel_rec_remove(r);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(stat(t->file, &st), -1);
	tunnel_rec_free(r);
	tunnel_close(t);
	unlink(c->client_file);
	free(path);
	cluster_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_real),
		cmocka_unit_test(test_rewrite_lists_and_addresses),
		cmocka_unit_test(test_rewrite_errors),
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, testutil_state_setup,
	    testutil_state_teardown);
}
