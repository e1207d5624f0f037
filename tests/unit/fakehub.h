/* A fake ipyparallel controller on loopback TCP, for the client's tests:
 * tests/unit/test_ipp.c and tests/fuzz/fuzz_ipp.c. No cmocka here (the
 * fuzz targets link it too): failures come back as -1 with e. */
#ifndef HPCTOP_TEST_FAKEHUB_H
#define HPCTOP_TEST_FAKEHUB_H

#include <stddef.h>

#include "core/conn.h"
#include "core/err.h"
#include "core/loop.h"
#include "core/wire.h"

struct fakehub {
	const char *key;	/* HMAC key (static storage) */
	void *ctx;
	void *reg;		/* ROUTER: Hub queries */
	void *notif;		/* PUB: (un)registration notifications */
	void *mux;		/* ROUTER: execute requests, and control */
	void *iopub;		/* PUB: output */
	struct conn *conn;	/* the connection file naming them */
};

/* A message one of its ROUTERs received: the sender, then the message. */
struct fakehub_msg {
	char rid[256];
	size_t ridlen;
	struct wire_msg m;
};

/* Binds the sockets to ports of 127.0.0.1 and makes h->conn for them. */
int fakehub_open(struct fakehub *h, const char *key, struct err *e);
void fakehub_close(struct fakehub *h);
/* Runs l until ROUTER s has a message (then reads and parses it into g:
 * 1) or ms pass (0); -1 with e when the message does not parse. */
int fakehub_recv(const struct fakehub *h, struct loop *l, void *s, int ms,
    struct fakehub_msg *g, struct err *e);

#endif
