/* The Jupyter wire format as ipyparallel uses it: multipart messages
 * [routing/topic frames] "<IDS|MSG>" signature header parent metadata
 * content [buffers], signed with HMAC-SHA256 over the four JSON frames.
 * See doc/wire-protocol.md sections 3 (frames, signature, header) and 4
 * (decoding). */
#ifndef HPCTOP_WIRE_H
#define HPCTOP_WIRE_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define WIRE_DELIM "<IDS|MSG>"
#define WIRE_UUID_LEN 36

/* What wire_parse/wire_recv report for a message they dropped, and
 * wire_recv for a socket that failed. */
enum {
	WIRE_MALFORMED = -1,	/* framing or JSON is wrong */
	WIRE_BADSIG = -2,	/* signature missing or does not match */
	WIRE_SOCKET_ERROR = -3,	/* zmq_msg_recv failed (e says why) */
};

/* A borrowed view of one frame. */
struct wire_frame {
	const void *data;
	size_t len;
};

/* A received message. All JSON objects are owned (wire_msg_clear). The
 * strings point into them or into `ident`. */
struct wire_msg {
	char *ident;		/* first frame before the delimiter, NUL-
				 * terminated (engine uuid on mux, topic on
				 * iopub); NULL when there is none */
	json_t *header;
	json_t *parent;
	json_t *metadata;
	json_t *content;
	const char *msg_type;	/* header.msg_type, never NULL */
	const char *parent_id;	/* parent_header.msg_id, or NULL */
	const char *parent_session; /* parent_header.session, or NULL */
	const char *session;	/* header.session, or NULL */
	char *content_error;	/* why the content frame could not be read
				 * (content is then {}), or NULL */
};

/* lowercase hex HMAC-SHA256 of the four JSON frames, NUL-terminated. */
void wire_sign(const char *key, size_t keylen,
    const struct wire_frame json4[4], char hex[65]);

/* Splits and checks frames. With keylen 0 (CURVE mode) the signature is
 * not checked. Text is decoded as jupyter_client does (invalid UTF-8 and
 * lone surrogates become U+FFFD; NUL is kept: use json_string_length). A
 * message whose content frame cannot be read is still returned, with
 * content {} and content_error set, so the request it answers can finish.
 * Returns 0, or WIRE_MALFORMED/WIRE_BADSIG with a message in e; m is then
 * empty. */
int wire_parse(const struct wire_frame *frames, size_t n, const char *key,
    size_t keylen, struct wire_msg *m, struct err *e);
void wire_msg_clear(struct wire_msg *m);

/* Reads one whole multipart message without blocking. Returns 1 with m
 * filled, 0 when nothing is queued, WIRE_MALFORMED/WIRE_BADSIG when a
 * message was read and dropped (e says why), or WIRE_SOCKET_ERROR. */
int wire_recv(void *sock, const char *key, size_t keylen, struct wire_msg *m,
    struct err *e);

/* Serializes, signs and queues one message without blocking. ident
 * (engine uuid) may be NULL. NULL parent/metadata mean {}. The JSON
 * objects stay the caller's. Returns -1 with e set when ZeroMQ refuses. */
int wire_send(void *sock, const char *key, size_t keylen, const char *ident,
    json_t *header, json_t *parent, json_t *metadata, json_t *content,
    struct err *e);

/* A new protocol-5.3 header (msg_id, msg_type, username, session, date,
 * version). Caller owns it. */
json_t *wire_header(const char *session, const char *msg_id,
    const char *msg_type);

/* A random (version 4) UUID in canonical form. */
void wire_uuid4(char out[WIRE_UUID_LEN + 1]);

#endif
