#include "tests/unit/fakehub.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "core/xmalloc.h"

static void *
bind_any(void *ctx, int type, struct err *e)
{
	void *s = zmq_socket(ctx, type);
	int zero = 0;

	if (s == NULL) {
		err_set(e, "zmq_socket: %s", zmq_strerror(zmq_errno()));
		return NULL;
	}
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	if (zmq_bind(s, "tcp://127.0.0.1:*") == -1) {
		err_set(e, "zmq_bind: %s", zmq_strerror(zmq_errno()));
		zmq_close(s);
		return NULL;
	}
	return s;
}

static int
port_of(void *s)
{
	char ep[256];
	size_t len = sizeof ep;

	zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len);
	return atoi(strrchr(ep, ':') + 1);
}

int
fakehub_open(struct fakehub *h, const char *key, struct err *e)
{
	char *json;

	memset(h, 0, sizeof *h);
	h->key = key;
	h->ctx = zmq_ctx_new();
	if ((h->reg = bind_any(h->ctx, ZMQ_ROUTER, e)) == NULL ||
	    (h->notif = bind_any(h->ctx, ZMQ_PUB, e)) == NULL ||
	    (h->mux = bind_any(h->ctx, ZMQ_ROUTER, e)) == NULL ||
	    (h->iopub = bind_any(h->ctx, ZMQ_PUB, e)) == NULL) {
		fakehub_close(h);
		return -1;
	}
	json = xasprintf("{\"interface\": \"tcp://127.0.0.1\", "
	    "\"registration\": %d, \"notification\": %d, \"mux\": %d, "
	    "\"control\": %d, \"iopub\": %d, \"key\": \"%s\"}",
	    port_of(h->reg), port_of(h->notif), port_of(h->mux),
	    port_of(h->mux), port_of(h->iopub), key);
	h->conn = conn_load_buffer(json, strlen(json), "fake.json", e);
	free(json);
	if (h->conn == NULL) {
		fakehub_close(h);
		return -1;
	}
	return 0;
}

void
fakehub_close(struct fakehub *h)
{
	void *socks[] = { h->reg, h->notif, h->mux, h->iopub };

	conn_free(h->conn);
	for (size_t i = 0; i < sizeof socks / sizeof *socks; i++)
		if (socks[i] != NULL)
			zmq_close(socks[i]);
	if (h->ctx != NULL)
		zmq_ctx_term(h->ctx);
	memset(h, 0, sizeof *h);
}

int
fakehub_recv(const struct fakehub *h, struct loop *l, void *s, int ms,
    struct fakehub_msg *g, struct err *e)
{
	uint64_t end = loop_now() + (uint64_t)ms;
	zmq_msg_t parts[16];
	struct wire_frame fr[16];
	size_t n = 0;
	int more = 1, rc;

	for (;;) {
		zmq_pollitem_t it = { s, 0, ZMQ_POLLIN, 0 };

		if (zmq_poll(&it, 1, 0) == 1)
			break;
		if (loop_now() >= end)
			return 0;
		loop_once(l, 5);
	}
	/* All of the message leaves the socket; past 16 frames the last
	 * slot is reused. */
	while (more) {
		zmq_msg_t *p = &parts[n < 16 ? n : 15];

		if (n >= 16)
			zmq_msg_close(p);
		zmq_msg_init(p);
		zmq_msg_recv(p, s, 0);
		more = zmq_msg_more(p);
		if (n < 16)
			n++;
	}
	for (size_t i = 0; i < n; i++) {
		fr[i].data = zmq_msg_data(&parts[i]);
		fr[i].len = zmq_msg_size(&parts[i]);
	}
	g->ridlen = fr[0].len < sizeof g->rid ? fr[0].len : sizeof g->rid;
	memcpy(g->rid, fr[0].data, g->ridlen);
	rc = wire_parse(fr + 1, n - 1, h->key, strlen(h->key), &g->m, e);
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&parts[i]);
	return rc == 0 ? 1 : -1;
}
