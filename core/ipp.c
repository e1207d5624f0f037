#include "ipp.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "wire.h"
#include "xmalloc.h"

/* While IOPub is not known to be live, kernel_info_request probes go out
 * this often (doc/wire-protocol.md section 7.1). */
#define SYNC_RETRY_MS 250
/* How long a request may wait for the first sign of life from the engines
 * (a kernel_info answer on IOPub) before it fails: a controller whose
 * engine channel is dead (its mux scheduler could not bind its port)
 * never gives one, and px must not wait for ever. */
#define SYNC_GIVEUP_MS 30000
/* Hostname queries: one expression, and how long an engine may take. */
#define HOST_EXPR "__import__('socket').gethostname()"
#define HOST_TIMEOUT_MS 5000

/* What the client keeps per engine beside the public struct ipp_engine. */
struct eng_priv {
	unsigned long touched;	/* epoch of the last notification */
	bool asked;		/* its hostname was asked for */
};

/* The sockets the loop polls: reg, notif, mux, iopub, control. */
#define NCHAN 5

struct ipp {
	void *ctx;
	void *reg;		/* DEALER: Hub queries */
	void *notif;		/* SUB: (un)registration notifications */
	void *mux;		/* DEALER: execute_request, routed by uuid */
	void *iopub;		/* SUB: output of the engines */
	void *control;		/* DEALER: signal_request to the nannies */
	char *key;
	size_t keylen;
	char *reg_endpoint;
	char *conn_path;
	char session[WIRE_UUID_LEN + 1];
	unsigned long counter;	/* msg_id = <session>_<counter> */

	struct loop *loop;
	struct loop_io *io[NCHAN];
	struct ipp_chan {	/* what io[i] drains, and who handles it */
		struct ipp *ipp;
		void *sock;
		void (*handle)(struct ipp *, const struct wire_msg *);
	} chan[NCHAN];
	struct ipp_hooks hooks;

	enum ipp_state state;
	char state_msg[512];
	uint64_t interval_ms;
	uint64_t answer_ms;
	char ping_id[WIRE_UUID_LEN + 32];	/* outstanding query, or "" */
	unsigned long ping_epoch;
	unsigned long epoch;	/* bumped on every connection_request */
	struct loop_timer *ping_timer;
	struct loop_timer *answer_timer;

	struct ipp_engine *eng;	/* sorted by id */
	struct eng_priv *priv;	/* parallel to eng */
	size_t neng;

	bool iopub_live;
	struct strv sync_ids;	/* outstanding kernel_info probes */
	struct loop_timer *sync_timer;
	uint64_t sync_since_us;	/* when the first probe went out; 0 none */

	struct ipp_exec *execs;	/* pending, in creation order */
	bool want_hosts;
	struct ipp_exec *host_x;	/* the hostname query in flight; ours */
	struct ipp_stats stats;
};

uint64_t
ipp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

const char *
ipp_status_name(enum ipp_status s)
{
	switch (s) {
	case IPP_PENDING: return "pending";
	case IPP_OK: return "ok";
	case IPP_ERROR: return "error";
	case IPP_ABORTED: return "aborted";
	case IPP_TIMEOUT: return "timeout";
	case IPP_LOST: return "lost";
	case IPP_DISCONNECTED: return "disconnected";
	}
	return "?";
}

static void
next_id(struct ipp *ipp, char *buf, size_t len)
{
	snprintf(buf, len, "%s_%lu", ipp->session, ++ipp->counter);
}

static void *
make_socket(struct ipp *ipp, int type, const char *endpoint,
    const struct conn *c, const char *curve_pub, const char *curve_sec,
    struct err *e)
{
	void *s = zmq_socket(ipp->ctx, type);
	int zero = 0;

	if (s == NULL) {
		err_set(e, "zmq_socket: %s", zmq_strerror(errno));
		return NULL;
	}
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	if (type == ZMQ_SUB) {
		/* Output bursts from many engines must not be dropped. */
		zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof zero);
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	}
	if (c->curve_serverkey != NULL) {
		zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, c->curve_serverkey, 40);
		zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, curve_pub, 40);
		zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, curve_sec, 40);
	}
	if (zmq_connect(s, endpoint) == -1) {
		err_set(e, "%s: cannot connect to %s: %s", c->path, endpoint,
		    zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
	return s;
}

struct ipp *
ipp_new(const struct conn *c, struct err *e)
{
	struct ipp *ipp = xcalloc(1, sizeof *ipp);
	char pub[41] = "", sec[41] = "";

	ipp->ctx = zmq_ctx_new();
	if (ipp->ctx == NULL) {
		err_set(e, "zmq_ctx_new: %s", zmq_strerror(errno));
		free(ipp);
		return NULL;
	}
	if (c->curve_serverkey != NULL && zmq_curve_keypair(pub, sec) == -1) {
		err_set(e, "%s: the controller uses CURVE encryption, but "
		    "this libzmq cannot: %s", c->path, zmq_strerror(errno));
		zmq_ctx_term(ipp->ctx);
		free(ipp);
		return NULL;
	}
	ipp->keylen = c->keylen;
	ipp->key = xmalloc(c->keylen + 1);
	memcpy(ipp->key, c->key, c->keylen + 1);
	ipp->reg_endpoint = xstrdup(c->registration);
	ipp->conn_path = xstrdup(c->path);
	wire_uuid4(ipp->session);
	ipp->interval_ms = 3000;
	ipp->answer_ms = 5000;
	ipp->state = IPP_CONNECTING;
	/* SUBs first so they subscribe while the DEALERs connect. */
	if ((ipp->notif = make_socket(ipp, ZMQ_SUB, c->notification, c, pub,
	    sec, e)) == NULL ||
	    (ipp->iopub = make_socket(ipp, ZMQ_SUB, c->iopub, c, pub, sec,
	    e)) == NULL ||
	    (ipp->reg = make_socket(ipp, ZMQ_DEALER, c->registration, c, pub,
	    sec, e)) == NULL ||
	    (ipp->mux = make_socket(ipp, ZMQ_DEALER, c->mux, c, pub, sec,
	    e)) == NULL ||
	    (ipp->control = make_socket(ipp, ZMQ_DEALER, c->control, c, pub,
	    sec, e)) == NULL) {
		explicit_bzero(sec, sizeof sec);
		ipp_free(ipp);
		return NULL;
	}
	explicit_bzero(sec, sizeof sec);
	return ipp;
}

static void
reply_clear(struct ipp_reply *r)
{
	free(r->uuid);
	free(r->msg_id);
	free(r->out);
	free(r->err);
	strv_clear(&r->displays);
	free(r->result);
	free(r->value);
	free(r->ename);
	free(r->evalue);
	strv_clear(&r->traceback);
}

static void
exec_unlink(struct ipp_exec *x)
{
	struct ipp *ipp = x->ipp;

	if (ipp == NULL)
		return;
	for (struct ipp_exec **p = &ipp->execs; *p != NULL; p = &(*p)->next)
		if (*p == x) {
			*p = x->next;
			break;
		}
	loop_timer_del(ipp->loop, x->timer);
	x->timer = NULL;
	x->ipp = NULL;
	x->next = NULL;
}

void
ipp_exec_free(struct ipp_exec *x)
{
	if (x == NULL)
		return;
	exec_unlink(x);
	for (size_t i = 0; i < x->n; i++)
		reply_clear(&x->r[i]);
	free(x->r);
	free(x->code);
	free(x->expr);
	free(x);
}

void
ipp_free(struct ipp *ipp)
{
	if (ipp == NULL)
		return;
	ipp_exec_free(ipp->host_x);
	while (ipp->execs != NULL)
		exec_unlink(ipp->execs);
	if (ipp->loop != NULL) {
		for (int i = 0; i < NCHAN; i++)
			loop_io_del(ipp->loop, ipp->io[i]);
		loop_timer_del(ipp->loop, ipp->ping_timer);
		loop_timer_del(ipp->loop, ipp->answer_timer);
		loop_timer_del(ipp->loop, ipp->sync_timer);
	}
	if (ipp->reg != NULL)
		zmq_close(ipp->reg);
	if (ipp->notif != NULL)
		zmq_close(ipp->notif);
	if (ipp->mux != NULL)
		zmq_close(ipp->mux);
	if (ipp->iopub != NULL)
		zmq_close(ipp->iopub);
	if (ipp->control != NULL)
		zmq_close(ipp->control);
	zmq_ctx_term(ipp->ctx);
	for (size_t i = 0; i < ipp->neng; i++) {
		free(ipp->eng[i].uuid);
		free(ipp->eng[i].host);
	}
	free(ipp->eng);
	free(ipp->priv);
	strv_clear(&ipp->sync_ids);
	if (ipp->key != NULL)
		explicit_bzero(ipp->key, ipp->keylen);
	free(ipp->key);
	free(ipp->reg_endpoint);
	free(ipp->conn_path);
	free(ipp);
}

void
ipp_set_hooks(struct ipp *ipp, const struct ipp_hooks *h)
{
	ipp->hooks = *h;
}

void
ipp_set_liveness(struct ipp *ipp, uint64_t interval_ms, uint64_t answer_ms)
{
	ipp->interval_ms = interval_ms;
	ipp->answer_ms = answer_ms;
}

enum ipp_state
ipp_state(const struct ipp *ipp)
{
	return ipp->state;
}

const char *
ipp_state_msg(const struct ipp *ipp)
{
	return ipp->state == IPP_DOWN ? ipp->state_msg : "";
}

const struct ipp_engine *
ipp_engines(const struct ipp *ipp, size_t *n)
{
	*n = ipp->neng;
	return ipp->eng;
}

size_t
ipp_engine_count(const struct ipp *ipp)
{
	size_t n = 0;

	for (size_t i = 0; i < ipp->neng; i++)
		n += ipp->eng[i].registered;
	return n;
}

static size_t
engine_index(const struct ipp *ipp, int id, bool *found)
{
	size_t lo = 0, hi = ipp->neng;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ipp->eng[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < ipp->neng && ipp->eng[lo].id == id;
	return lo;
}

const struct ipp_engine *
ipp_engine_find(const struct ipp *ipp, int id)
{
	bool found;
	size_t i = engine_index(ipp, id, &found);

	return found ? &ipp->eng[i] : NULL;
}

void
ipp_stats(const struct ipp *ipp, struct ipp_stats *st)
{
	*st = ipp->stats;
}

static bool finish_reply(struct ipp_exec *x, struct ipp_reply *r,
    enum ipp_status s);

static void
set_state(struct ipp *ipp, enum ipp_state s)
{
	if (ipp->state == s)
		return;
	ipp->state = s;
	/* Nothing relays replies any more: every request ends now, saying
	 * so, rather than waiting for a timeout it may not have. */
	while (s == IPP_DOWN && ipp->execs != NULL) {
		struct ipp_exec *x = ipp->execs;

		for (size_t i = 0; i < x->n; i++)
			if (finish_reply(x, &x->r[i], IPP_DISCONNECTED))
				break;
	}
	if (ipp->hooks.state != NULL)
		ipp->hooks.state(ipp, s, ipp->hooks.arg);
}

static void
engines_changed(struct ipp *ipp)
{
	if (ipp->hooks.engines != NULL)
		ipp->hooks.engines(ipp, ipp->hooks.arg);
}

/* Returns true when the table changed. */
static bool
engine_set(struct ipp *ipp, int id, const char *uuid, bool registered)
{
	bool found;
	size_t i = engine_index(ipp, id, &found);
	struct ipp_engine *en;

	if (!found) {
		if (!registered)
			return false;	/* never knew it */
		ipp->eng = xreallocarray(ipp->eng, ipp->neng + 1,
		    sizeof *ipp->eng);
		ipp->priv = xreallocarray(ipp->priv, ipp->neng + 1,
		    sizeof *ipp->priv);
		memmove(&ipp->eng[i + 1], &ipp->eng[i],
		    (ipp->neng - i) * sizeof *ipp->eng);
		memmove(&ipp->priv[i + 1], &ipp->priv[i],
		    (ipp->neng - i) * sizeof *ipp->priv);
		ipp->neng++;
		ipp->eng[i].id = id;
		ipp->eng[i].uuid = xstrdup(uuid);
		ipp->eng[i].host = NULL;
		ipp->eng[i].registered = true;
		ipp->priv[i].touched = 0;
		ipp->priv[i].asked = false;
		return true;
	}
	en = &ipp->eng[i];
	if (registered && strcmp(en->uuid, uuid) != 0) {
		/* An id asked for again (MPI rank) by a new engine. */
		free(en->uuid);
		en->uuid = xstrdup(uuid);
		free(en->host);
		en->host = NULL;
		ipp->priv[i].asked = false;
		en->registered = true;
		return true;
	}
	if (en->registered == registered)
		return false;
	if (!registered && strcmp(en->uuid, uuid) != 0)
		return false;	/* about an older engine with this id */
	en->registered = registered;
	return true;
}

static void
fail_engine(struct ipp *ipp, const char *uuid)
{
	struct ipp_exec *x = ipp->execs;

	while (x != NULL) {
		struct ipp_exec *next = x->next;

		/* Once finish_reply completes x, its cb may have freed it. */
		for (size_t i = 0; i < x->n; i++)
			if (x->r[i].status == IPP_PENDING &&
			    strcmp(x->r[i].uuid, uuid) == 0 &&
			    finish_reply(x, &x->r[i], IPP_LOST))
				break;
		x = next;
	}
}

static void
send_ping(struct ipp *ipp)
{
	json_t *hdr, *content = json_object();
	struct err e;

	next_id(ipp, ipp->ping_id, sizeof ipp->ping_id);
	hdr = wire_header(ipp->session, ipp->ping_id, "connection_request");
	ipp->ping_epoch = ++ipp->epoch;
	if (wire_send(ipp->reg, ipp->key, ipp->keylen, NULL, hdr, NULL, NULL,
	    content, &e) == -1) {
		/* The DEALER queue is full: the Hub has not read for long. */
		ipp->ping_id[0] = '\0';
	}
	json_decref(hdr);
	json_decref(content);
}

static void on_answer_timeout(void *arg);
static void probe_hosts(struct ipp *ipp);

static void
on_ping_timer(void *arg)
{
	struct ipp *ipp = arg;

	ipp->ping_timer = NULL;
	ipp->ping_timer = loop_timer_add(ipp->loop, ipp->interval_ms,
	    on_ping_timer, ipp);
	/* One query in flight at a time: a dead Hub must not make the
	 * DEALER queue grow. */
	if (ipp->ping_id[0] != '\0')
		return;
	send_ping(ipp);
	ipp->answer_timer = loop_timer_add(ipp->loop, ipp->answer_ms,
	    on_answer_timeout, ipp);
}

static void
on_answer_timeout(void *arg)
{
	struct ipp *ipp = arg;

	ipp->answer_timer = NULL;
	snprintf(ipp->state_msg, sizeof ipp->state_msg,
	    "controller not answering: no reply from %s within %.1f s "
	    "(it is stopped, hung or gone, or the key in %s is not its "
	    "key)",
	    ipp->reg_endpoint, (double)ipp->answer_ms / 1000, ipp->conn_path);
	set_state(ipp, IPP_DOWN);
}

static void
on_connection_reply(struct ipp *ipp, const struct wire_msg *m)
{
	json_t *engines = json_object_get(m->content, "engines");
	bool changed = false;
	const char *k;
	json_t *v;

	if (ipp->ping_id[0] == '\0' || m->parent_id == NULL ||
	    strcmp(m->parent_id, ipp->ping_id) != 0)
		return;
	ipp->ping_id[0] = '\0';
	loop_timer_del(ipp->loop, ipp->answer_timer);
	ipp->answer_timer = NULL;
	if (json_is_object(engines)) {
		/* The reply is the whole truth as of when it was asked,
		 * except for engines a notification changed since then. */
		for (size_t i = 0; i < ipp->neng; i++) {
			struct ipp_engine *en = &ipp->eng[i];
			char idbuf[16];
			const char *uuid;

			if (!en->registered ||
			    ipp->priv[i].touched >= ipp->ping_epoch)
				continue;
			snprintf(idbuf, sizeof idbuf, "%d", en->id);
			uuid = json_string_value(json_object_get(engines,
			    idbuf));
			if (uuid == NULL || strcmp(uuid, en->uuid) != 0) {
				en->registered = false;
				changed = true;
				fail_engine(ipp, en->uuid);
			}
		}
		json_object_foreach(engines, k, v) {
			char *end;
			long id = strtol(k, &end, 10);
			const struct ipp_engine *en;
			bool found;
			size_t i;

			if (*end != '\0' || end == k || id < 0 ||
			    id > 100000000 || !json_is_string(v))
				continue;
			i = engine_index(ipp, (int)id, &found);
			if (found && ipp->priv[i].touched >= ipp->ping_epoch)
				continue;
			en = found ? &ipp->eng[i] : NULL;
			if (en != NULL && !en->registered &&
			    strcmp(en->uuid, json_string_value(v)) == 0)
				continue;	/* we saw it go */
			changed |= engine_set(ipp, (int)id,
			    json_string_value(v), true);
		}
	}
	set_state(ipp, IPP_UP);
	if (changed)
		engines_changed(ipp);
	probe_hosts(ipp);
}

static void
on_notification(struct ipp *ipp, const struct wire_msg *m)
{
	json_t *idv = json_object_get(m->content, "id");
	const char *uuid = json_string_value(json_object_get(m->content,
	    "uuid"));
	bool reg = strcmp(m->msg_type, "registration_notification") == 0;

	if (strcmp(m->msg_type, "shutdown_notification") == 0) {
		snprintf(ipp->state_msg, sizeof ipp->state_msg,
		    "the controller shut down");
		set_state(ipp, IPP_DOWN);
		return;
	}
	if (!reg && strcmp(m->msg_type, "unregistration_notification") != 0)
		return;
	if (!json_is_integer(idv) || uuid == NULL ||
	    json_integer_value(idv) < 0 ||
	    json_integer_value(idv) > 100000000)
		return;
	if (engine_set(ipp, (int)json_integer_value(idv), uuid, reg)) {
		bool found;
		size_t i = engine_index(ipp, (int)json_integer_value(idv),
		    &found);

		ipp->priv[i].touched = ipp->epoch;
		if (!reg)
			fail_engine(ipp, uuid);
		engines_changed(ipp);
		probe_hosts(ipp);
	} else {
		bool found;
		size_t i = engine_index(ipp, (int)json_integer_value(idv),
		    &found);

		if (found)
			ipp->priv[i].touched = ipp->epoch;
	}
}

/* Our request ids all start with the session; others' traffic is cheap to
 * skip. */
static struct ipp_reply *
find_reply(struct ipp *ipp, const char *msg_id, struct ipp_exec **xp)
{
	size_t slen = strlen(ipp->session);

	if (msg_id == NULL || strncmp(msg_id, ipp->session, slen) != 0)
		return NULL;
	for (struct ipp_exec *x = ipp->execs; x != NULL; x = x->next)
		for (size_t i = 0; i < x->n; i++)
			if (x->r[i].status == IPP_PENDING &&
			    x->r[i].msg_id != NULL &&
			    strcmp(x->r[i].msg_id, msg_id) == 0) {
				*xp = x;
				return &x->r[i];
			}
	return NULL;
}

static void
exec_done(struct ipp_exec *x)
{
	ipp_exec_cb cb = x->cb;

	x->end_us = ipp_now_us();
	exec_unlink(x);
	if (cb != NULL)
		cb(x, x->cb_arg);
}

/* True when this completed x: its cb has run and x may be gone. */
static bool
finish_reply(struct ipp_exec *x, struct ipp_reply *r, enum ipp_status s)
{
	if (r->status != IPP_PENDING)
		return false;
	r->status = s;
	r->done_us = ipp_now_us();
	if (--x->pending > 0)
		return false;
	exec_done(x);
	return true;
}

char *
ipp_show_nul(const char *s, size_t len)
{
	size_t nul = 0;
	char *out, *o;

	for (size_t i = 0; i < len; i++)
		nul += s[i] == '\0';
	out = o = xmalloc(len + 3 * nul + 1);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0') {
			memcpy(o, "\\x00", 4);
			o += 4;
		} else
			*o++ = s[i];
	*o = '\0';
	return out;
}

/* A JSON string as shown text, or NULL when v is not a string. */
static char *
json_text(const json_t *v)
{
	return json_is_string(v) ? ipp_show_nul(json_string_value(v),
	    json_string_length(v)) : NULL;
}

/* Both the IOPub `error` and the error reply carry the exception; they
 * arrive in either order. Keep the first that has a traceback. */
static void
take_error(struct ipp_reply *r, const json_t *c)
{
	const json_t *tb = json_object_get(c, "traceback");
	size_t i;
	json_t *line;

	if (r->ename != NULL && (r->traceback.n > 0 ||
	    json_array_size(tb) == 0))
		return;
	free(r->ename);
	free(r->evalue);
	strv_clear(&r->traceback);
	if ((r->ename = json_text(json_object_get(c, "ename"))) == NULL)
		r->ename = xstrdup("Error");
	if ((r->evalue = json_text(json_object_get(c, "evalue"))) == NULL)
		r->evalue = xstrdup("");
	json_array_foreach(tb, i, line)
		if (json_is_string(line))
			strv_push_take(&r->traceback, json_text(line));
}

static void
maybe_finish(struct ipp_exec *x, struct ipp_reply *r, enum ipp_status s)
{
	/* doc/wire-protocol.md section 7.4: done on reply + idle; an aborted
	 * request never gets its idle. */
	if (r->got_reply && (r->got_idle || s == IPP_ABORTED))
		finish_reply(x, r, s);
}

static enum ipp_status
reply_status(const struct ipp_reply *r, const char *status)
{
	if (status == NULL)
		return r->ename != NULL ? IPP_ERROR : IPP_OK;
	if (strcmp(status, "aborted") == 0)
		return IPP_ABORTED;
	if (strcmp(status, "ok") == 0)
		return IPP_OK;
	return IPP_ERROR;
}

static void
on_mux(struct ipp *ipp, const struct wire_msg *m)
{
	struct ipp_exec *x;
	struct ipp_reply *r;
	const char *status;

	if (strcmp(m->msg_type, "execute_reply") != 0)
		return;
	r = find_reply(ipp, m->parent_id, &x);
	if (r == NULL || r->got_reply)
		return;
	r->got_reply = true;
	if (m->content_error != NULL) {
		free(r->ename);
		free(r->evalue);
		strv_clear(&r->traceback);
		r->ename = xstrdup("UnreadableReply");
		r->evalue = xasprintf("the reply of engine %d could not be "
		    "read: %s", r->engine, m->content_error);
		maybe_finish(x, r, IPP_ERROR);
		return;
	}
	status = json_string_value(json_object_get(m->content, "status"));
	if (status != NULL && strcmp(status, "error") == 0)
		take_error(r, m->content);
	if (x->expr != NULL && status != NULL && strcmp(status, "ok") == 0) {
		/* The request succeeds even when the expression raised. */
		const json_t *v = json_object_get(json_object_get(m->content,
		    "user_expressions"), "v");
		const char *vs = json_string_value(json_object_get(v,
		    "status"));
		const char *text = json_string_value(json_object_get(
		    json_object_get(v, "data"), "text/plain"));

		if (vs != NULL && strcmp(vs, "ok") == 0 && text != NULL) {
			r->value = json_text(json_object_get(json_object_get(v,
			    "data"), "text/plain"));
		} else {
			take_error(r, v);
			status = "error";
		}
	}
	maybe_finish(x, r, reply_status(r, status));
}

/* Appends b bytes (NULs too) to a stream buffer, doubling it as needed:
 * output arrives in many small messages. */
static void
append(char **dst, size_t *len, size_t *cap, const char *text, size_t b)
{
	if (*len + b + 1 > *cap) {
		size_t ncap = *cap > 0 ? *cap : 64;

		while (ncap < *len + b + 1)
			ncap *= 2;
		*dst = xreallocarray(*dst, ncap, 1);
		*cap = ncap;
	}
	memcpy(*dst + *len, text, b);
	*len += b;
	(*dst)[*len] = '\0';
}

static void
append_note(struct ipp_reply *r, const char *text)
{
	append(&r->err, &r->errlen, &r->errcap, text, strlen(text));
}

static void flush_execs(struct ipp *ipp);

static void
on_iopub(struct ipp *ipp, const struct wire_msg *m)
{
	struct ipp_exec *x;
	struct ipp_reply *r;
	const json_t *c = m->content;
	const char *text;

	if (!ipp->iopub_live && m->parent_id != NULL) {
		for (size_t i = 0; i < ipp->sync_ids.n; i++)
			if (strcmp(ipp->sync_ids.v[i], m->parent_id) == 0) {
				ipp->iopub_live = true;
				strv_clear(&ipp->sync_ids);
				loop_timer_del(ipp->loop, ipp->sync_timer);
				ipp->sync_timer = NULL;
				flush_execs(ipp);
				return;
			}
	}
	r = find_reply(ipp, m->parent_id, &x);
	if (r == NULL || m->parent_session == NULL ||
	    strcmp(m->parent_session, ipp->session) != 0)
		return;
	if (m->content_error != NULL) {
		char *note;

		/* A status message comes busy, then idle after the reply. */
		if (strcmp(m->msg_type, "status") == 0) {
			if (r->got_reply) {
				r->got_idle = true;
				maybe_finish(x, r, reply_status(r, NULL));
			}
			return;
		}
		note = xasprintf("[hpctop: output of engine %d lost: its %s "
		    "message could not be read: %s]\n", r->engine,
		    m->msg_type, m->content_error);
		append_note(r, note);
		free(note);
		return;
	}
	if (strcmp(m->msg_type, "stream") == 0) {
		const char *name = json_string_value(json_object_get(c,
		    "name"));
		const json_t *t = json_object_get(c, "text");

		if (json_is_string(t) && name != NULL) {
			if (strcmp(name, "stderr") == 0)
				append(&r->err, &r->errlen, &r->errcap,
				    json_string_value(t), json_string_length(t));
			else
				append(&r->out, &r->outlen, &r->outcap,
				    json_string_value(t), json_string_length(t));
		}
	} else if (strcmp(m->msg_type, "execute_result") == 0) {
		free(r->result);
		r->result = json_text(json_object_get(json_object_get(c,
		    "data"), "text/plain"));
		if (r->result == NULL)
			r->result = xstrdup("");
		r->execution_count = (int)json_integer_value(
		    json_object_get(c, "execution_count"));
	} else if (strcmp(m->msg_type, "display_data") == 0) {
		char *t = json_text(json_object_get(json_object_get(c,
		    "data"), "text/plain"));

		if (t != NULL)
			strv_push_take(&r->displays, t);
	} else if (strcmp(m->msg_type, "error") == 0) {
		take_error(r, c);
	} else if (strcmp(m->msg_type, "status") == 0) {
		text = json_string_value(json_object_get(c,
		    "execution_state"));
		if (text != NULL && strcmp(text, "idle") == 0) {
			r->got_idle = true;
			maybe_finish(x, r, reply_status(r, NULL));
		}
	}
}

static void
send_exec(struct ipp *ipp, struct ipp_exec *x)
{
	json_t *content = x->expr != NULL ?
	    json_pack("{s:s, s:b, s:b, s:{s:s}, s:b, s:b}", "code", "",
	    "silent", 1, "store_history", 0, "user_expressions", "v", x->expr,
	    "allow_stdin", 0, "stop_on_error", 0) :
	    json_pack("{s:s, s:b, s:b, s:{}, s:b, s:b}",
	    "code", x->code, "silent", 0, "store_history", 1,
	    "user_expressions", "allow_stdin", 0, "stop_on_error", 0);
	char id[WIRE_UUID_LEN + 32];

	x->sent = true;
	for (size_t i = 0; i < x->n; i++) {
		struct ipp_reply *r = &x->r[i];
		json_t *hdr;
		struct err e;

		next_id(ipp, id, sizeof id);
		r->msg_id = xstrdup(id);
		hdr = wire_header(ipp->session, id, "execute_request");
		if (wire_send(ipp->mux, ipp->key, ipp->keylen, r->uuid, hdr,
		    NULL, NULL, content, &e) == -1)
			r->got_reply = true;	/* the controller has not read
						 * for long: left to the timeout
						 * or the liveness check */
		json_decref(hdr);
	}
	json_decref(content);
}

static void
flush_execs(struct ipp *ipp)
{
	for (struct ipp_exec *x = ipp->execs; x != NULL; x = x->next)
		if (!x->sent)
			send_exec(ipp, x);
}

/* Output published before our IOPub subscription reached the relay is
 * lost (slow joiner), and with it the `idle` that completes a request.
 * So the first request waits until an IOPub message answering one of our
 * kernel_info_request probes proves the subscription live. */
static void
on_sync_timer(void *arg)
{
	struct ipp *ipp = arg;
	struct ipp_exec *x;
	json_t *content;

	ipp->sync_timer = NULL;
	for (x = ipp->execs; x != NULL && x->sent; x = x->next)
		;
	if (ipp->iopub_live || x == NULL)
		return;
	if (ipp->sync_since_us == 0)
		ipp->sync_since_us = ipp_now_us();
	else if (ipp_now_us() - ipp->sync_since_us >
	    (uint64_t)SYNC_GIVEUP_MS * 1000) {
		snprintf(ipp->state_msg, sizeof ipp->state_msg, "no engine "
		    "answered through the controller for %d s: its engine "
		    "channel (mux) takes no request; the controller's log "
		    "may say why ('hpctop logs')", SYNC_GIVEUP_MS / 1000);
		/* One request per tick: its callback may free others. */
		for (size_t i = 0; i < x->n; i++)
			if (finish_reply(x, &x->r[i], IPP_DISCONNECTED))
				break;
		ipp->sync_since_us = 0;
		ipp->sync_timer = loop_timer_add(ipp->loop, SYNC_RETRY_MS,
		    on_sync_timer, ipp);
		return;
	}
	content = json_object();
	for (size_t i = 0; i < x->n; i++) {
		char id[WIRE_UUID_LEN + 32];
		json_t *hdr;
		struct err e;

		next_id(ipp, id, sizeof id);
		hdr = wire_header(ipp->session, id, "kernel_info_request");
		if (wire_send(ipp->mux, ipp->key, ipp->keylen, x->r[i].uuid,
		    hdr, NULL, NULL, content, &e) == 0)
			strv_push(&ipp->sync_ids, id);
		json_decref(hdr);
	}
	json_decref(content);
	ipp->sync_timer = loop_timer_add(ipp->loop, SYNC_RETRY_MS,
	    on_sync_timer, ipp);
}

static void
on_exec_timeout(void *arg)
{
	struct ipp_exec *x = arg;

	x->timer = NULL;
	ipp_exec_expire(x);
}

void
ipp_exec_expire(struct ipp_exec *x)
{
	for (size_t i = 0; i < x->n; i++)
		if (finish_reply(x, &x->r[i], IPP_TIMEOUT))
			return;
}

static struct ipp_exec *
exec_new(struct ipp *ipp, const char *code, const char *expr,
    const int *targets, size_t ntargets, uint64_t timeout_ms,
    ipp_exec_cb cb, void *arg, struct err *e)
{
	struct ipp_exec *x, **tail;
	size_t n = 0;

	if (ipp->state != IPP_UP) {
		err_set(e, "%s", ipp->state == IPP_DOWN ? ipp->state_msg :
		    "the controller has not answered yet");
		return NULL;
	}
	if (targets != NULL && ntargets > 0) {
		for (size_t i = 0; i < ntargets; i++) {
			const struct ipp_engine *en =
			    ipp_engine_find(ipp, targets[i]);

			if (en == NULL || !en->registered) {
				err_set(e, "engine %d is %s (%zu registered)",
				    targets[i], en == NULL ? "not registered" :
				    "lost", ipp_engine_count(ipp));
				return NULL;
			}
		}
		n = ntargets;
	} else {
		n = ipp_engine_count(ipp);
		if (n == 0) {
			err_set(e, "no engines are registered with the "
			    "controller");
			return NULL;
		}
	}
	x = xcalloc(1, sizeof *x);
	x->r = xcalloc(n, sizeof *x->r);
	x->n = n;
	x->pending = n;
	x->start_us = ipp_now_us();
	x->code = xstrdup(code);
	x->expr = expr != NULL ? xstrdup(expr) : NULL;
	x->cb = cb;
	x->cb_arg = arg;
	x->ipp = ipp;
	for (size_t i = 0, j = 0; i < n; j++) {
		const struct ipp_engine *en;

		if (targets != NULL && ntargets > 0)
			en = ipp_engine_find(ipp, targets[i]);
		else if (!(en = &ipp->eng[j])->registered)
			continue;
		x->r[i].engine = en->id;
		x->r[i].uuid = xstrdup(en->uuid);
		x->r[i].out = xstrdup("");
		x->r[i].err = xstrdup("");
		x->r[i].outcap = x->r[i].errcap = 1;
		i++;
	}
	for (tail = &ipp->execs; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = x;
	if (timeout_ms > 0)
		x->timer = loop_timer_add(ipp->loop, timeout_ms,
		    on_exec_timeout, x);
	if (ipp->iopub_live)
		send_exec(ipp, x);
	else if (ipp->sync_timer == NULL)
		on_sync_timer(ipp);
	return x;
}

struct ipp_exec *
ipp_execute(struct ipp *ipp, const char *code, const int *targets,
    size_t ntargets, uint64_t timeout_ms, ipp_exec_cb cb, void *arg,
    struct err *e)
{
	return exec_new(ipp, code, NULL, targets, ntargets, timeout_ms, cb,
	    arg, e);
}

struct ipp_exec *
ipp_evaluate(struct ipp *ipp, const char *expr, const int *targets,
    size_t ntargets, uint64_t timeout_ms, ipp_exec_cb cb, void *arg,
    struct err *e)
{
	return exec_new(ipp, "", expr, targets, ntargets, timeout_ms, cb,
	    arg, e);
}

/* A str's repr without its quotes; anything else as it is. */
static char *
unrepr(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0] &&
	    memchr(v + 1, '\\', n - 2) == NULL)
		return xstrndup(v + 1, n - 2);
	return xstrdup(v);
}

static void
host_done(struct ipp_exec *x, void *arg)
{
	struct ipp *ipp = arg;
	bool changed = false;

	ipp->host_x = NULL;
	for (size_t i = 0; i < x->n; i++) {
		const struct ipp_reply *r = &x->r[i];
		bool found;
		size_t j = engine_index(ipp, r->engine, &found);

		if (r->status != IPP_OK || r->value == NULL || !found ||
		    strcmp(ipp->eng[j].uuid, r->uuid) != 0)
			continue;
		free(ipp->eng[j].host);
		ipp->eng[j].host = unrepr(r->value);
		changed = true;
	}
	ipp_exec_free(x);
	if (changed)
		engines_changed(ipp);
	probe_hosts(ipp);
}

/* One query at a time, for every registered engine not asked yet. */
static void
probe_hosts(struct ipp *ipp)
{
	int *ids;
	size_t n = 0;
	struct err e;

	if (!ipp->want_hosts || ipp->state != IPP_UP || ipp->host_x != NULL)
		return;
	/* Runs on every Hub answer: allocate only when someone is new. */
	for (size_t i = 0; i < ipp->neng; i++)
		n += ipp->eng[i].registered && !ipp->priv[i].asked;
	if (n == 0)
		return;
	ids = xcalloc(n, sizeof *ids);
	n = 0;
	for (size_t i = 0; i < ipp->neng; i++)
		if (ipp->eng[i].registered && !ipp->priv[i].asked) {
			ipp->priv[i].asked = true;
			ids[n++] = ipp->eng[i].id;
		}
	ipp->host_x = exec_new(ipp, "", HOST_EXPR, ids, n, HOST_TIMEOUT_MS,
	    host_done, ipp, &e);
	free(ids);
}

void
ipp_want_hosts(struct ipp *ipp)
{
	ipp->want_hosts = true;
	probe_hosts(ipp);
}

bool
ipp_hosts_pending(const struct ipp *ipp)
{
	return ipp->host_x != NULL;
}

typedef void (*handler)(struct ipp *ipp, const struct wire_msg *m);

static void
drain(struct ipp *ipp, void *sock, handler h)
{
	for (;;) {
		struct wire_msg m;
		struct err e;
		int rc = wire_recv(sock, ipp->key, ipp->keylen, &m, &e);

		if (rc == 0 || rc == WIRE_SOCKET_ERROR)
			return;
		if (rc == WIRE_BADSIG) {
			ipp->stats.bad_signature++;
			continue;
		}
		if (rc == WIRE_MALFORMED) {
			ipp->stats.malformed++;
			continue;
		}
		ipp->stats.received++;
		h(ipp, &m);
		wire_msg_clear(&m);
	}
}

static void
on_reg_reply(struct ipp *ipp, const struct wire_msg *m)
{
	if (strcmp(m->msg_type, "connection_reply") == 0)
		on_connection_reply(ipp, m);
}

/* signal_reply: the interrupt itself shows as the code's
 * KeyboardInterrupt, so the reply needs no action. */
static void
on_control(struct ipp *ipp, const struct wire_msg *m)
{
}

/* The loop callback of all five sockets. */
static void
io_chan(short revents, void *arg)
{
	struct ipp_chan *ch = arg;

	drain(ch->ipp, ch->sock, ch->handle);
}

int
ipp_interrupt(struct ipp_exec *x, struct err *e)
{
	struct ipp *ipp = x->ipp;
	json_t *content;
	int n = 0;

	if (ipp == NULL || x->pending == 0)
		return err_set(e, "the code is no longer running");
	if (!x->sent)
		return err_set(e, "the code has not been sent yet");
	content = json_pack("{s:i}", "sig", 2);
	for (size_t i = 0; i < x->n; i++) {
		char id[WIRE_UUID_LEN + 32];
		json_t *hdr;

		if (x->r[i].status != IPP_PENDING)
			continue;
		next_id(ipp, id, sizeof id);
		hdr = wire_header(ipp->session, id, "signal_request");
		if (wire_send(ipp->control, ipp->key, ipp->keylen,
		    x->r[i].uuid, hdr, NULL, NULL, content, e) == 0)
			n++;
		json_decref(hdr);
	}
	json_decref(content);
	return n > 0 ? n : -1;
}

void
ipp_attach(struct ipp *ipp, struct loop *l)
{
	const struct ipp_chan chan[NCHAN] = {
		{ ipp, ipp->reg, on_reg_reply },
		{ ipp, ipp->notif, on_notification },
		{ ipp, ipp->mux, on_mux },
		{ ipp, ipp->iopub, on_iopub },
		{ ipp, ipp->control, on_control },
	};

	ipp->loop = l;
	for (size_t i = 0; i < NCHAN; i++) {
		ipp->chan[i] = chan[i];
		ipp->io[i] = loop_io_zmq(l, chan[i].sock, ZMQ_POLLIN, io_chan,
		    &ipp->chan[i]);
	}
	on_ping_timer(ipp);
}

int
ipp_wait_up(struct ipp *ipp, struct loop *l, struct err *e)
{
	while (ipp->state == IPP_CONNECTING)
		if (loop_once(l, -1) == -1)
			return err_set(e, "zmq_poll: %s", zmq_strerror(errno));
	if (ipp->state == IPP_DOWN)
		return err_set(e, "%s", ipp->state_msg);
	return 0;
}

void
ipp_wait_hosts(struct ipp *ipp, struct loop *l)
{
	while (ipp->host_x != NULL && ipp->state != IPP_DOWN)
		if (loop_once(l, -1) == -1)
			return;
}

int
ipp_wait_exec(struct ipp *ipp, struct loop *l, struct ipp_exec *x,
    struct err *e)
{
	while (x->pending > 0 && ipp->state != IPP_DOWN)
		if (loop_once(l, -1) == -1) {
			ipp_exec_expire(x);
			return err_set(e, "zmq_poll: %s", zmq_strerror(errno));
		}
	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].status == IPP_DISCONNECTED)
			return err_set(e, "%s", ipp->state_msg);
	return 0;
}
