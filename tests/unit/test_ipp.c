/* The client against a scripted fake controller on loopback TCP: the
 * engine table follows replies and notifications, bad signatures are
 * dropped and counted, a silent controller is reported within the bound,
 * and %px requests finish by the protocol's rules (reply + idle, aborted,
 * engine lost, timeout), rendered by pxfmt. The real controller is
 * exercised by tests/ipp.t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "core/conn.h"
#include "core/ipp.h"
#include "core/loop.h"
#include "core/pxfmt.h"
#include "core/wire.h"
#include "core/xmalloc.h"
#include "tests/unit/fakehub.h"

#define KEY "test-key"

struct fake {
	struct fakehub hub;
	struct loop *loop;
	struct ipp *ipp;
	int engine_hooks;
	int state_hooks;
};

static void
on_engines(struct ipp *ipp, void *arg)
{
	((struct fake *)arg)->engine_hooks++;
}

static void
on_state(struct ipp *ipp, enum ipp_state s, void *arg)
{
	((struct fake *)arg)->state_hooks++;
}

static struct fake *
fake_new(uint64_t answer_ms)
{
	struct fake *f = xcalloc(1, sizeof *f);
	struct ipp_hooks h = { on_engines, on_state, f };
	struct err e;

	if (fakehub_open(&f->hub, KEY, &e) == -1)
		fail_msg("%s", e.msg);
	f->ipp = ipp_new(f->hub.conn, &e);
	assert_non_null(f->ipp);
	ipp_set_hooks(f->ipp, &h);
	ipp_set_liveness(f->ipp, 60000, answer_ms);
	f->loop = loop_new();
	ipp_attach(f->ipp, f->loop);
	return f;
}

static void
fake_free(struct fake *f)
{
	ipp_free(f->ipp);
	loop_free(f->loop);
	fakehub_close(&f->hub);
	free(f);
}

/* Runs the client's loop until the fake's ROUTER `s` has a message (1) or
 * ms pass (0). */
static int
fake_recv(struct fake *f, void *s, struct fakehub_msg *g, int ms)
{
	struct err e;
	int rc = fakehub_recv(&f->hub, f->loop, s, ms, g, &e);

	if (rc == -1)
		fail_msg("%s", e.msg);
	return rc;
}

/* Replies through ROUTER s to g's sender; ident is the engine uuid. */
static void
fake_reply(void *s, const struct fakehub_msg *g, const char *key,
    const char *ident, const char *type, json_t *content)
{
	json_t *hdr = wire_header("hub", "r1", type);
	struct err e;

	zmq_send(s, g->rid, g->ridlen, ZMQ_SNDMORE);
	assert_int_equal(wire_send(s, key, strlen(key), ident, hdr,
	    g->m.header, NULL, content, &e), 0);
	json_decref(hdr);
	json_decref(content);
}

static void
fake_pub(void *s, const char *topic, const char *type, json_t *parent,
    json_t *content)
{
	json_t *hdr = wire_header("engine-session", "p1", type);
	struct err e;

	assert_int_equal(wire_send(s, KEY, strlen(KEY), topic, hdr, parent,
	    NULL, content, &e), 0);
	json_decref(hdr);
	json_decref(content);
}

static void
pump(struct fake *f, int ms)
{
	uint64_t end = loop_now() + (uint64_t)ms;

	while (loop_now() < end)
		loop_once(f->loop, 5);
}

/* Answers the first connection_request with engines "0".."n-1". */
static void
fake_connect(struct fake *f, int n)
{
	json_t *eng = json_object();
	struct fakehub_msg g;

	for (int i = 0; i < n; i++) {
		char id[16], uuid[16];

		snprintf(id, sizeof id, "%d", i);
		snprintf(uuid, sizeof uuid, "u%d", i);
		json_object_set_new(eng, id, json_string(uuid));
	}
	assert_int_equal(fake_recv(f, f->hub.reg, &g, 3000), 1);
	assert_string_equal(g.m.msg_type, "connection_request");
	fake_reply(f->hub.reg, &g, KEY, NULL, "connection_reply",
	    json_pack("{s:s, s:o}", "status", "ok", "engines", eng));
	wire_msg_clear(&g.m);
	while (ipp_state(f->ipp) == IPP_CONNECTING)
		loop_once(f->loop, 100);
}

static void
test_connect_bad_signature(void **state)
{
	struct fake *f = fake_new(5000);
	struct ipp_stats st;
	struct fakehub_msg g;
	size_t n;
	const struct ipp_engine *eng;

	(void)state;
	assert_int_equal(fake_recv(f, f->hub.reg, &g, 3000), 1);
	assert_string_equal(g.m.msg_type, "connection_request");
	assert_non_null(json_object_get(g.m.header, "session"));
	/* Signed with another key: dropped, counted, not trusted. */
	fake_reply(f->hub.reg, &g, "not-the-key", NULL, "connection_reply",
	    json_pack("{s:s, s:{s:s}}", "status", "ok", "engines", "0", "evil"));
	pump(f, 100);
	ipp_stats(f->ipp, &st);
	assert_int_equal(st.bad_signature, 1);
	assert_int_equal(ipp_state(f->ipp), IPP_CONNECTING);
	assert_int_equal(ipp_engine_count(f->ipp), 0);
	fake_reply(f->hub.reg, &g, KEY, NULL, "connection_reply",
	    json_pack("{s:s, s:{s:s, s:s}}", "status", "ok", "engines",
	    "3", "u3", "1", "u1"));
	wire_msg_clear(&g.m);
	pump(f, 100);
	assert_int_equal(ipp_state(f->ipp), IPP_UP);
	assert_int_equal(f->state_hooks, 1);
	assert_int_equal(f->engine_hooks, 1);
	eng = ipp_engines(f->ipp, &n);
	assert_int_equal(n, 2);
	assert_int_equal(eng[0].id, 1);
	assert_string_equal(eng[1].uuid, "u3");
	ipp_stats(f->ipp, &st);
	assert_int_equal(st.received, 1);
	fake_free(f);
}

static void
test_not_answering(void **state)
{
	struct fake *f = fake_new(300);
	uint64_t t0 = loop_now();
	struct err e;

	(void)state;
	assert_int_equal(ipp_wait_up(f->ipp, f->loop, &e), -1);
	assert_true(loop_now() - t0 < 2000);
	assert_non_null(strstr(e.msg, "controller not answering: no reply "
	    "from tcp://127.0.0.1:"));
	assert_non_null(strstr(e.msg, "within 0.3 s (it is stopped, hung or "
	    "gone, or the key in fake.json is not its key)"));
	assert_int_equal(ipp_state(f->ipp), IPP_DOWN);
	fake_free(f);
}

static void
test_notifications(void **state)
{
	struct fake *f = fake_new(5000);
	const struct ipp_engine *en;

	(void)state;
	fake_connect(f, 2);
	assert_int_equal(ipp_engine_count(f->ipp), 2);
	/* PUB/SUB drops what is sent before the subscription arrives, so
	 * publish until it is seen; notifications are idempotent. */
	for (int i = 0; i < 200 && ipp_engine_count(f->ipp) != 3; i++) {
		fake_pub(f->hub.notif, NULL, "registration_notification", NULL,
		    json_pack("{s:i, s:s}", "id", 2, "uuid", "u2"));
		pump(f, 10);
	}
	assert_int_equal(ipp_engine_count(f->ipp), 3);
	fake_pub(f->hub.notif, NULL, "unregistration_notification", NULL,
	    json_pack("{s:i, s:s}", "id", 0, "uuid", "u0"));
	/* Unknown engines and stale uuids change nothing. */
	fake_pub(f->hub.notif, NULL, "unregistration_notification", NULL,
	    json_pack("{s:i, s:s}", "id", 9, "uuid", "u9"));
	fake_pub(f->hub.notif, NULL, "unregistration_notification", NULL,
	    json_pack("{s:i, s:s}", "id", 1, "uuid", "old"));
	pump(f, 100);
	assert_int_equal(ipp_engine_count(f->ipp), 2);
	en = ipp_engine_find(f->ipp, 0);
	assert_non_null(en);
	assert_false(en->registered);
	assert_true(ipp_engine_find(f->ipp, 1)->registered);
	assert_null(ipp_engine_find(f->ipp, 9));
	fake_pub(f->hub.notif, NULL, "shutdown_notification", NULL,
	    json_pack("{s:s}", "status", "ok"));
	pump(f, 100);
	assert_int_equal(ipp_state(f->ipp), IPP_DOWN);
	assert_string_equal(ipp_state_msg(f->ipp), "the controller shut down");
	fake_free(f);
}

/* Receives one request on mux, answering kernel_info probes (the IOPub
 * sync) on the way. */
static void
mux_next(struct fake *f, struct fakehub_msg *g)
{
	for (;;) {
		assert_int_equal(fake_recv(f, f->hub.mux, g, 3000), 1);
		if (strcmp(g->m.msg_type, "kernel_info_request") != 0)
			return;
		fake_pub(f->hub.iopub, "engine.0.status", "status", g->m.header,
		    json_pack("{s:s}", "execution_state", "busy"));
		wire_msg_clear(&g->m);
	}
}

static void
status(struct fake *f, struct fakehub_msg *g, const char *s)
{
	fake_pub(f->hub.iopub, "engine.0.status", "status", g->m.header,
	    json_pack("{s:s}", "execution_state", s));
}

static void
test_execute(void **state)
{
	struct fake *f = fake_new(5000);
	struct ipp_exec *x;
	struct pxfmt_rec *v;
	struct fakehub_msg g0, g1;
	struct err e;
	json_t *other;
	size_t n;

	(void)state;
	fake_connect(f, 2);
	x = ipp_execute(f->ipp, "print('hi')", NULL, 0, 5000, NULL, NULL, &e);
	assert_non_null(x);
	assert_int_equal(x->n, 2);
	mux_next(f, &g0);
	mux_next(f, &g1);
	assert_string_equal(g0.m.ident, "u0");
	assert_string_equal(g1.m.ident, "u1");
	assert_string_equal(g0.m.msg_type, "execute_request");
	assert_string_equal(json_string_value(json_object_get(g0.m.content,
	    "code")), "print('hi')");
	assert_false(json_is_true(json_object_get(g0.m.content,
	    "stop_on_error")));
	assert_true(json_is_false(json_object_get(g0.m.content, "silent")));

	/* Another client's output, same msg_id but another session. */
	other = json_deep_copy(g0.m.header);
	json_object_set_new(other, "session", json_string("someone-else"));
	fake_pub(f->hub.iopub, "engine.0.stdout", "stream", other,
	    json_pack("{s:s, s:s}", "name", "stdout", "text", "not ours\n"));
	json_decref(other);
	status(f, &g0, "busy");
	fake_pub(f->hub.iopub, "engine.0.stdout", "stream", g0.m.header,
	    json_pack("{s:s, s:s}", "name", "stdout", "text", "hi\n"));
	fake_pub(f->hub.iopub, "engine.0.stdout", "stream", g0.m.header,
	    json_pack("{s:s, s:s}", "name", "stdout", "text", "there\n"));
	fake_pub(f->hub.iopub, "engine.0.displaypub", "display_data",
	    g0.m.header, json_pack("{s:{s:s}}", "data", "text/plain",
	    "{'a': 1}"));
	fake_pub(f->hub.iopub, "engine.0.execute_result", "execute_result",
	    g0.m.header, json_pack("{s:{s:s}, s:i}", "data", "text/plain",
	    "42", "execution_count", 3));
	/* The reply may come before the last output: not done until idle. */
	fake_reply(f->hub.mux, &g0, KEY, "u0", "execute_reply",
	    json_pack("{s:s}", "status", "ok"));
	pump(f, 100);
	assert_int_equal(x->r[0].status, IPP_PENDING);
	status(f, &g0, "idle");

	fake_pub(f->hub.iopub, "engine.1.stderr", "stream", g1.m.header,
	    json_pack("{s:s, s:s}", "name", "stderr", "text", "warn"));
	fake_pub(f->hub.iopub, "engine.1.error", "error", g1.m.header,
	    json_pack("{s:s, s:s, s:[s, s]}", "ename", "ZeroDivisionError",
	    "evalue", "division by zero", "traceback",
	    "\033[0;31m---\033[0m", "\033[0;31mZeroDivisionError\033[0m: boom"));
	status(f, &g1, "idle");
	fake_reply(f->hub.mux, &g1, KEY, "u1", "execute_reply",
	    json_pack("{s:s, s:s, s:s, s:[]}", "status", "error", "ename",
	    "ZeroDivisionError", "evalue", "division by zero", "traceback"));
	assert_int_equal(ipp_wait_exec(f->ipp, f->loop, x, &e), 0);
	assert_int_equal(x->pending, 0);
	assert_true(x->end_us >= x->start_us);
	assert_int_equal(x->r[0].status, IPP_OK);
	assert_string_equal(x->r[0].out, "hi\nthere\n");
	assert_string_equal(x->r[0].result, "42");
	assert_int_equal(x->r[0].execution_count, 3);
	assert_int_equal(x->r[1].status, IPP_ERROR);
	assert_string_equal(x->r[1].ename, "ZeroDivisionError");
	assert_int_equal(x->r[1].traceback.n, 2);

	n = pxfmt_exec(x, 0, &v);
	assert_int_equal(n, 5);
	assert_string_equal(v[0].text, "[stdout:0]\nhi\nthere\n");
	assert_true(pxfmt_to_stderr(v[1].kind));
	assert_string_equal(v[1].text, "[stderr:1] warn\n");
	assert_string_equal(v[2].text, "[output:0] {'a': 1}\n");
	assert_string_equal(v[3].text, "[0:execute_result] 42\n");
	assert_false(pxfmt_to_stderr(v[4].kind));
	assert_string_equal(v[4].text, "[1:execute] ZeroDivisionError: "
	    "division by zero\n---\nZeroDivisionError: boom\n");
	pxfmt_free(v, n);
	n = pxfmt_exec(x, PXFMT_COLOR, &v);
	assert_non_null(strstr(v[4].text, "\033[0;31m"));
	pxfmt_free(v, n);

	wire_msg_clear(&g0.m);
	wire_msg_clear(&g1.m);
	ipp_exec_free(x);
	fake_free(f);
}

/* Publishes content as raw bytes, as an engine's jupyter_client does
 * (surrogateescape'd bytes are not UTF-8), signed over those bytes. */
static void
fake_pub_raw(void *s, const char *topic, const char *type, json_t *parent,
    const char *content)
{
	json_t *hdr = wire_header("engine-session", "p2", type);
	char *h = json_dumps(hdr, JSON_COMPACT), *p = json_dumps(parent,
	    JSON_COMPACT);
	struct wire_frame json4[4] = {
		{ h, strlen(h) }, { p, strlen(p) }, { "{}", 2 },
		{ content, strlen(content) },
	};
	char sig[65];

	wire_sign(KEY, strlen(KEY), json4, sig);
	zmq_send(s, topic, strlen(topic), ZMQ_SNDMORE);
	zmq_send(s, WIRE_DELIM, sizeof WIRE_DELIM - 1, ZMQ_SNDMORE);
	zmq_send(s, sig, 64, ZMQ_SNDMORE);
	for (int i = 0; i < 4; i++)
		zmq_send(s, json4[i].data, json4[i].len, i < 3 ? ZMQ_SNDMORE : 0);
	free(h);
	free(p);
	json_decref(hdr);
}

/* What ipyparallel.Client copes with: a lone surrogate (a raw 0xff byte
 * on the wire) shows as U+FFFD, NUL is kept in stdout and shown as \x00
 * elsewhere, and a reply whose content cannot be read still finishes its
 * engine, with the reason. Ctrl-C sends signal_request (sig 2) to the
 * engines still running; a controller that goes away finishes every
 * pending request as disconnected. */
static void
test_unusual_output(void **state)
{
	struct fake *f = fake_new(5000);
	struct ipp_exec *x;
	struct pxfmt_rec *v;
	struct fakehub_msg g0, g1, sg;
	struct err e;
	size_t n;

	(void)state;
	fake_connect(f, 2);
	x = ipp_execute(f->ipp, "print()", NULL, 0, 0, NULL, NULL, &e);
	assert_non_null(x);
	mux_next(f, &g0);
	mux_next(f, &g1);
	status(f, &g0, "busy");
	fake_pub_raw(f->hub.iopub, "engine.0.stdout", "stream", g0.m.header,
	    "{\"name\":\"stdout\",\"text\":\"a\xff" "b nul:\\u0000:end\\n\"}");
	fake_pub_raw(f->hub.iopub, "engine.0.error", "error", g0.m.header,
	    "{\"ename\":\"ValueError\",\"evalue\":\"bad \xff \\u0000\","
	    "\"traceback\":[\"ValueError: bad \\udcff\"]}");
	fake_reply(f->hub.mux, &g0, KEY, "u0", "execute_reply",
	    json_pack("{s:s}", "status", "error"));
	status(f, &g0, "idle");
	pump(f, 100);
	assert_int_equal(x->r[0].status, IPP_ERROR);
	assert_int_equal(x->r[0].outlen, 16);
	assert_memory_equal(x->r[0].out, "a\xef\xbf\xbd" "b nul:\0:end\n", 16);
	assert_string_equal(x->r[0].evalue, "bad \xef\xbf\xbd \\x00");
	assert_string_equal(x->r[0].traceback.v[0],
	    "ValueError: bad \xef\xbf\xbd");

	/* Engine 1 still runs: interrupt it through the control channel. */
	assert_int_equal(ipp_interrupt(x, &e), 1);
	assert_int_equal(fake_recv(f, f->hub.mux, &sg, 3000), 1);
	assert_string_equal(sg.m.msg_type, "signal_request");
	assert_string_equal(sg.m.ident, "u1");
	assert_int_equal(json_integer_value(json_object_get(sg.m.content,
	    "sig")), 2);
	wire_msg_clear(&sg.m);
	status(f, &g1, "busy");
	/* An unreadable reply still finishes engine 1, saying why. */
	zmq_send(f->hub.mux, g1.rid, g1.ridlen, ZMQ_SNDMORE);
	{
		json_t *hdr = wire_header("e", "r9", "execute_reply");
		char *h = json_dumps(hdr, JSON_COMPACT);
		char *p = json_dumps(g1.m.header, JSON_COMPACT);
		struct wire_frame j4[4] = { { h, strlen(h) }, { p, strlen(p) },
			{ "{}", 2 }, { "{\"status\": ", 11 } };
		char sig[65];

		wire_sign(KEY, strlen(KEY), j4, sig);
		zmq_send(f->hub.mux, "u1", 2, ZMQ_SNDMORE);
		zmq_send(f->hub.mux, WIRE_DELIM, sizeof WIRE_DELIM - 1,
		    ZMQ_SNDMORE);
		zmq_send(f->hub.mux, sig, 64, ZMQ_SNDMORE);
		for (int i = 0; i < 4; i++)
			zmq_send(f->hub.mux, j4[i].data, j4[i].len,
			    i < 3 ? ZMQ_SNDMORE : 0);
		free(h);
		free(p);
		json_decref(hdr);
	}
	status(f, &g1, "idle");
	assert_int_equal(ipp_wait_exec(f->ipp, f->loop, x, &e), 0);
	assert_int_equal(x->r[1].status, IPP_ERROR);
	assert_string_equal(x->r[1].ename, "UnreadableReply");
	assert_non_null(strstr(x->r[1].evalue, "the reply of engine 1 could "
	    "not be read: content frame is not a JSON object"));
	n = pxfmt_exec(x, 0, &v);
	assert_int_equal(v[0].len, strlen("[stdout:0] ") + 16);
	assert_memory_equal(v[0].text, "[stdout:0] a\xef\xbf\xbd" "b nul:\0:end\n",
	    v[0].len);
	pxfmt_free(v, n);
	assert_int_equal(ipp_interrupt(x, &e), -1);
	assert_string_equal(e.msg, "the code is no longer running");
	ipp_exec_free(x);
	wire_msg_clear(&g0.m);
	wire_msg_clear(&g1.m);

	/* The controller goes away mid-request. */
	x = ipp_execute(f->ipp, "import time; time.sleep(9)", NULL, 0, 0, NULL,
	    NULL, &e);
	mux_next(f, &g0);
	mux_next(f, &g1);
	fake_pub(f->hub.notif, "", "shutdown_notification", NULL,
	    json_object());
	assert_int_equal(ipp_wait_exec(f->ipp, f->loop, x, &e), -1);
	assert_string_equal(e.msg, "the controller shut down");
	assert_int_equal(x->r[0].status, IPP_DISCONNECTED);
	assert_int_equal(x->r[1].status, IPP_DISCONNECTED);
	n = pxfmt_exec(x, 0, &v);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].text, "[1:disconnected] the controller "
	    "stopped answering before the engine replied\n");
	pxfmt_free(v, n);
	ipp_exec_free(x);
	wire_msg_clear(&g0.m);
	wire_msg_clear(&g1.m);
	fake_free(f);
}

/* Hostnames: one silent user_expressions query per engine, its repr
 * unquoted; an engine that registers later is asked too; an expression
 * that raised leaves the host unknown. */
static void
test_hosts(void **state)
{
	struct fake *f = fake_new(5000);
	struct fakehub_msg g0, g1, g2;
	json_t *ue;
	int hooks;

	(void)state;
	fake_connect(f, 2);
	assert_false(ipp_hosts_pending(f->ipp));
	ipp_want_hosts(f->ipp);
	assert_true(ipp_hosts_pending(f->ipp));
	mux_next(f, &g0);
	mux_next(f, &g1);
	assert_string_equal(g0.m.msg_type, "execute_request");
	assert_string_equal(json_string_value(json_object_get(g0.m.content,
	    "code")), "");
	assert_true(json_is_true(json_object_get(g0.m.content, "silent")));
	assert_true(json_is_false(json_object_get(g0.m.content,
	    "store_history")));
	ue = json_object_get(g0.m.content, "user_expressions");
	assert_string_equal(json_string_value(json_object_get(ue, "v")),
	    "__import__('socket').gethostname()");
	hooks = f->engine_hooks;
	status(f, &g0, "idle");
	fake_reply(f->hub.mux, &g0, KEY, "u0", "execute_reply",
	    json_pack("{s:s, s:{s:{s:s, s:{s:s}}}}", "status", "ok",
	    "user_expressions", "v", "status", "ok", "data", "text/plain",
	    "'node-7'"));
	status(f, &g1, "idle");
	fake_reply(f->hub.mux, &g1, KEY, "u1", "execute_reply",
	    json_pack("{s:s, s:{s:{s:s, s:s, s:s, s:[]}}}", "status", "ok",
	    "user_expressions", "v", "status", "error", "ename", "OSError",
	    "evalue", "no", "traceback"));
	ipp_wait_hosts(f->ipp, f->loop);
	assert_false(ipp_hosts_pending(f->ipp));
	assert_int_equal(f->engine_hooks, hooks + 1);
	assert_string_equal(ipp_engine_find(f->ipp, 0)->host, "node-7");
	assert_null(ipp_engine_find(f->ipp, 1)->host);

	fake_pub(f->hub.notif, "registration_notification",
	    "registration_notification", NULL,
	    json_pack("{s:i, s:s}", "id", 2, "uuid", "u2"));
	mux_next(f, &g2);
	assert_string_equal(g2.m.ident, "u2");
	assert_non_null(json_object_get(g2.m.content, "user_expressions"));
	status(f, &g2, "idle");
	fake_reply(f->hub.mux, &g2, KEY, "u2", "execute_reply",
	    json_pack("{s:s, s:{s:{s:s, s:{s:s}}}}", "status", "ok",
	    "user_expressions", "v", "status", "ok", "data", "text/plain",
	    "\"vm\""));
	ipp_wait_hosts(f->ipp, f->loop);
	assert_string_equal(ipp_engine_find(f->ipp, 2)->host, "vm");
	assert_string_equal(ipp_engine_find(f->ipp, 0)->host, "node-7");
	wire_msg_clear(&g0.m);
	wire_msg_clear(&g1.m);
	wire_msg_clear(&g2.m);
	fake_free(f);
}

static int done_calls;

static void
on_done(struct ipp_exec *x, void *arg)
{
	done_calls++;
}

static void
test_aborted_lost_timeout(void **state)
{
	struct fake *f = fake_new(5000);
	struct ipp_exec *x;
	struct fakehub_msg g0, g1, g2;
	struct err e;
	int targets[] = { 2, 0, 1 };
	uint64_t t0;

	(void)state;
	fake_connect(f, 3);
	assert_null(ipp_execute(f->ipp, "1", (int[]){ 7 }, 1, 0, NULL, NULL,
	    &e));
	assert_string_equal(e.msg, "engine 7 is not registered (3 "
	    "registered)");
	t0 = loop_now();
	x = ipp_execute(f->ipp, "1", targets, 3, 800, on_done, NULL, &e);
	assert_non_null(x);
	assert_int_equal(x->r[0].engine, 2);
	mux_next(f, &g0);
	mux_next(f, &g1);
	mux_next(f, &g2);
	assert_string_equal(g0.m.ident, "u2");
	/* Aborted: finished without an idle. */
	status(f, &g0, "busy");
	fake_reply(f->hub.mux, &g0, KEY, "u2", "execute_reply",
	    json_pack("{s:s}", "status", "aborted"));
	/* Engine 0 goes away without answering. */
	fake_pub(f->hub.notif, NULL, "unregistration_notification", NULL,
	    json_pack("{s:i, s:s}", "id", 0, "uuid", "u0"));
	/* Engine 1 never answers. */
	assert_int_equal(ipp_wait_exec(f->ipp, f->loop, x, &e), 0);
	assert_true(loop_now() - t0 >= 800);
	assert_int_equal(done_calls, 1);
	assert_int_equal(x->r[0].status, IPP_ABORTED);
	assert_int_equal(x->r[1].status, IPP_LOST);
	assert_int_equal(x->r[2].status, IPP_TIMEOUT);
	assert_string_equal(ipp_status_name(x->r[2].status), "timeout");
	ipp_exec_free(x);

	/* Freeing a pending request cancels it quietly. */
	x = ipp_execute(f->ipp, "2", (int[]){ 1 }, 1, 100, on_done, NULL, &e);
	assert_non_null(x);
	ipp_exec_free(x);
	pump(f, 200);
	assert_int_equal(done_calls, 1);
	wire_msg_clear(&g0.m);
	wire_msg_clear(&g1.m);
	wire_msg_clear(&g2.m);
	fake_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_bad_signature),
		cmocka_unit_test(test_not_answering),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_execute),
		cmocka_unit_test(test_unusual_output),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_aborted_lost_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
