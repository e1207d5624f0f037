/* libFuzzer target: what the client does with the content of the messages
 * a controller and its engines send (core/ipp.c's handlers behind
 * wire_recv), and how px renders the result (pxfmt_exec).
 *
 * A fake controller on loopback TCP (tests/unit/fakehub.c) serves
 * one struct ipp with one engine ("0", uuid "e0"). Each input runs one
 * execute request on that engine; the input is the messages that answer
 * it, five lines each: the channel ("mux", "iopub" or "notif"), then the
 * header, parent header, metadata and content frames. A parent line "P"
 * stands for the request's own header, so replies can match it. The
 * harness signs every message; fuzz_wire covers bad signatures. When an
 * input changed the engine table, notifications put it back; when it
 * took the connection down (shutdown), the client is made anew. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "core/conn.h"
#include "core/ipp.h"
#include "core/loop.h"
#include "core/pxfmt.h"
#include "core/wire.h"
#include "tests/fuzz/fuzzcheck.h"
#include "tests/unit/fakehub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "fuzz-key"
#define UUID "e0"
#define MAX_MSGS 16
/* Generous: the machine is shared; a message late past this is counted
 * as not consumed (the harness moves on, nothing is asserted on it). */
#define WAIT_MS 2000
/* What the client must send (its query, its request) may take this long
 * on a loaded machine before the harness gives up. */
#define MUST_MS 60000

static struct {
	struct fakehub hub;
	struct loop *loop;
	struct ipp *ipp;
} f;

/* Runs the client's loop until ROUTER s has a message, then reads it: its
 * sender and the parsed message. 0 on timeout. */
static int
recv_router(void *s, struct fakehub_msg *g)
{
	struct err e;
	int rc = fakehub_recv(&f.hub, f.loop, s, MUST_MS, g, &e);

	fuzzcheck(rc != -1, "the client sent a message it cannot parse");
	return rc;
}

/* Signs and sends the four frames json4 on channel s: through a ROUTER
 * to the sender of to (on mux with the engine's uuid as ident), else on a
 * PUB. */
static void
send_frames(void *s, const struct fakehub_msg *to,
    const struct wire_frame json4[4])
{
	char sig[65];

	wire_sign(KEY, strlen(KEY), json4, sig);
	if (to != NULL)
		zmq_send(s, to->rid, to->ridlen, ZMQ_SNDMORE);
	if (s == f.hub.mux)
		zmq_send(s, UUID, strlen(UUID), ZMQ_SNDMORE);
	else if (s != f.hub.reg)
		zmq_send(s, "engine.0.x", 10, ZMQ_SNDMORE);
	zmq_send(s, WIRE_DELIM, strlen(WIRE_DELIM), ZMQ_SNDMORE);
	zmq_send(s, sig, 64, ZMQ_SNDMORE);
	for (int i = 0; i < 4; i++)
		zmq_send(s, json4[i].data, json4[i].len, i < 3 ? ZMQ_SNDMORE :
		    0);
}

/* Sends and frees content. */
static void
send_json(void *s, const struct fakehub_msg *to, const char *type,
    json_t *parent, json_t *content)
{
	json_t *hdr = wire_header("fuzz-engine", "fuzz-1", type);
	json_t *objs[4] = { hdr, parent, NULL, content };
	json_t *empty = json_object();
	char *text[4];
	struct wire_frame json4[4];

	objs[2] = empty;
	if (objs[1] == NULL)
		objs[1] = empty;
	for (int i = 0; i < 4; i++) {
		text[i] = json_dumps(objs[i], JSON_COMPACT);
		json4[i].data = text[i];
		json4[i].len = strlen(text[i]);
	}
	send_frames(s, to, json4);
	for (int i = 0; i < 4; i++)
		free(text[i]);
	json_decref(hdr);
	json_decref(empty);
	json_decref(content);
}

static bool
client_ok(void)
{
	const struct ipp_engine *en;

	if (f.ipp == NULL || ipp_state(f.ipp) != IPP_UP ||
	    ipp_engine_count(f.ipp) != 1)
		return false;
	en = ipp_engine_find(f.ipp, 0);
	return en != NULL && en->registered && strcmp(en->uuid, UUID) == 0;
}

/* A new client, answered until it is up with engine 0. */
static void
client_new(void)
{
	struct fakehub_msg g;
	struct err e;
	uint64_t end;

	if (f.ipp != NULL)
		ipp_free(f.ipp);
	f.ipp = ipp_new(f.hub.conn, &e);
	fuzzcheck(f.ipp != NULL, "ipp_new");
	/* The harness answers the first query only. */
	ipp_set_liveness(f.ipp, 1000000000, 1000000000);
	ipp_attach(f.ipp, f.loop);
	fuzzcheck(recv_router(f.hub.reg, &g) == 1, "no connection_request");
	send_json(f.hub.reg, &g, "connection_reply", g.m.header,
	    json_pack("{s:s, s:{s:s}}", "status", "ok", "engines", "0", UUID));
	wire_msg_clear(&g.m);
	end = loop_now() + MUST_MS;
	while (ipp_state(f.ipp) == IPP_CONNECTING && loop_now() < end)
		loop_once(f.loop, 100);
	fuzzcheck(client_ok(), "the client did not come up");
}

static unsigned long
consumed(void)
{
	struct ipp_stats st;

	ipp_stats(f.ipp, &st);
	return st.received + st.malformed + st.bad_signature;
}

/* Puts the engine table back to engine 0 alone by notifications, which
 * is much faster than a new client (whose first request waits for IOPub). */
static void
restore(void)
{
	const struct ipp_engine *v;
	size_t n, sent = 0;
	unsigned long want;
	uint64_t deadline;

	if (f.ipp == NULL || ipp_state(f.ipp) != IPP_UP)
		return;
	want = consumed();
	v = ipp_engines(f.ipp, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i].registered && (v[i].id != 0 ||
		    strcmp(v[i].uuid, UUID) != 0)) {
			send_json(f.hub.notif, NULL,
			    "unregistration_notification", NULL,
			    json_pack("{s:i, s:s}", "id", v[i].id, "uuid",
			    v[i].uuid));
			sent++;
		}
	send_json(f.hub.notif, NULL, "registration_notification", NULL,
	    json_pack("{s:i, s:s}", "id", 0, "uuid", UUID));
	want += sent + 1;
	deadline = loop_now() + WAIT_MS;
	while (consumed() < want && loop_now() < deadline)
		loop_once(f.loop, 5);
}

/* Starts a request on engine 0 and reads it off mux, answering the
 * client's IOPub probes on the way (the first request waits for them). */
static struct ipp_exec *
request(struct fakehub_msg *g, json_t **hdr)
{
	static const int target = 0;
	struct ipp_exec *x;
	struct err e;

	x = ipp_execute(f.ipp, "print(1)", &target, 1, 0, NULL, NULL, &e);
	fuzzcheck(x != NULL, "ipp_execute");
	for (;;) {
		fuzzcheck(recv_router(f.hub.mux, g) == 1,
		    "no execute_request");
		if (strcmp(g->m.msg_type, "execute_request") == 0)
			break;
		if (strcmp(g->m.msg_type, "kernel_info_request") == 0)
			send_json(f.hub.iopub, NULL, "status", g->m.header,
			    json_pack("{s:s}", "execution_state", "busy"));
		wire_msg_clear(&g->m);
	}
	*hdr = json_incref(g->m.header);
	wire_msg_clear(&g->m);
	return x;
}

static void
setup(void)
{
	struct err e;

	fuzzcheck(fakehub_open(&f.hub, KEY, &e) == 0, e.msg);
	f.loop = loop_new();
}

/* The next line of the input, or false at its end. */
static bool
next_line(const char **p, const char *end, struct wire_frame *line)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	line->data = *p;
	line->len = (size_t)((nl != NULL ? nl : end) - *p);
	*p = nl != NULL ? nl + 1 : end;
	return true;
}

static bool
is(const struct wire_frame *w, const char *s)
{
	return w->len == strlen(s) && memcmp(w->data, s, w->len) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct ipp_exec *x;
	struct pxfmt_rec *chunks;
	struct fakehub_msg rid;
	json_t *hdr;
	char *parent;
	unsigned long want;
	uint64_t deadline;
	size_t sent = 0, n;

	if (f.hub.ctx == NULL)
		setup();
	if (!client_ok())
		restore();
	if (!client_ok())
		client_new();
	x = request(&rid, &hdr);
	parent = json_dumps(hdr, JSON_COMPACT);
	json_decref(hdr);
	want = consumed();
	while (sent < MAX_MSGS) {
		struct wire_frame ch, json4[4];
		void *s;
		int i;

		if (!next_line(&p, end, &ch))
			break;
		for (i = 0; i < 4 && next_line(&p, end, &json4[i]); i++)
			;
		if (i < 4)
			break;
		if (is(&json4[1], "P")) {
			json4[1].data = parent;
			json4[1].len = strlen(parent);
		}
		if (is(&ch, "mux"))
			s = f.hub.mux;
		else if (is(&ch, "iopub"))
			s = f.hub.iopub;
		else if (is(&ch, "notif"))
			s = f.hub.notif;
		else
			continue;
		send_frames(s, s == f.hub.mux ? &rid : NULL, json4);
		sent++;
	}
	want += sent;
	deadline = loop_now() + WAIT_MS;
	while (consumed() < want && loop_now() < deadline)
		loop_once(f.loop, 5);
	free(parent);
	/* Whatever did not finish it, the timeout would. */
	if (x->pending > 0)
		ipp_exec_expire(x);
	fuzzcheck(x->pending == 0, "an expired request is still pending");
	n = pxfmt_exec(x, PXFMT_COLOR, &chunks);
	for (size_t i = 0; i < n; i++)
		fuzzcheck(chunks[i].text != NULL, "pxfmt record without text");
	pxfmt_free(chunks, n);
	n = pxfmt_exec(x, 0, &chunks);
	pxfmt_free(chunks, n);
	ipp_exec_free(x);
	return 0;
}
