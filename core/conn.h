/* The controller's client connection file (ipcontroller-client.json):
 * reading it, validating every field hpctop uses, and building the ZeroMQ
 * endpoints. See doc/wire-protocol.md section 1. */
#ifndef HPCTOP_CONN_H
#define HPCTOP_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "host.h"
#include "loop.h"

/* Everything is owned by the struct. Endpoints are full ZeroMQ addresses
 * ("tcp://127.0.0.1:58987"); an `interface` of 0.0.0.0 or '*' has already
 * been replaced by `location` (127.0.0.1 when that is this host). */
struct conn {
	char *path;		/* file it was read from, for messages */
	char *key;		/* HMAC key as raw bytes; "" in CURVE mode */
	size_t keylen;
	char *curve_serverkey;	/* Z85 server key, or NULL */
	char *location;		/* controller host name, may be "" */
	char *registration;
	char *notification;
	char *mux;
	char *control;
	char *iopub;
};

/* Reads and validates the file. Errors name the file and the field
 * ("x.json: 'mux' must be a port number, got \"abc\""), or the JSON syntax
 * error with line:column. Unsupported set-ups (ssh tunnels, another pack
 * format or signature scheme) are refused with a clear message. */
struct conn *conn_load(const char *path, struct err *e);
/* Same from a memory buffer; `path` is used in messages only. */
struct conn *conn_load_buffer(const char *buf, size_t len, const char *path,
    struct err *e);
/* conn_load on host h (host_read_file): errors name h when it is not this
 * machine. */
struct conn *conn_load_host(struct host *h, struct loop *l, const char *path,
    struct err *e);
void conn_free(struct conn *c);

/* Makes every endpoint (registration, notification, mux, control, iopub),
 * as the controller's host h sees it, reachable from here (host_forward)
 * and rewrites it to tcp://127.0.0.1:<bound port> (one listener per host
 * and endpoint for the process, reused by later clients; they outlive
 * reconnects, and host_free_all ends them, at exit). For this machine
 * host_forward binds nothing and the endpoints stay as they are. -1 with
 * e naming the endpoint when one cannot be forwarded (an ipc:// endpoint
 * on another machine, a session that is down). */
int conn_forward(struct conn *c, struct host *h, struct loop *l,
    struct err *e);
/* The host a client connects to for a controller that wrote `interface`
 * host (without tcp://) and `location`: host itself, unless it is 0.0.0.0
 * or '*' ("all interfaces" on the controller's side), then location, or
 * 127.0.0.1 when there is none or, with here, when location is this
 * machine's host name. here is false for a file read on another host
 * (hpctop tunnel), where location is resolved as that host sees it.
 * Caller frees. */
char *conn_reach_host(const char *host, const char *location, bool here);

#endif
