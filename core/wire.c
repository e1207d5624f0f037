#include "wire.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <zmq.h>

#include "xmalloc.h"

void
wire_sign(const char *key, size_t keylen, const struct wire_frame json4[4],
    char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t total = 0, off = 0;
	unsigned char *buf;

	/* One-shot HMAC() over the concatenation: the incremental HMAC_CTX
	 * API is deprecated in OpenSSL 3, and messages are small. */
	for (int i = 0; i < 4; i++)
		total += json4[i].len;
	buf = xmalloc(total + 1);
	for (int i = 0; i < 4; i++) {
		if (json4[i].len > 0)
			memcpy(buf + off, json4[i].data, json4[i].len);
		off += json4[i].len;
	}
	if (HMAC(EVP_sha256(), key, (int)keylen, buf, total, mac,
	    &maclen) == NULL || maclen != 32)
		fatal("HMAC-SHA256 failed");
	free(buf);
	for (unsigned i = 0; i < maclen; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[64] = '\0';
}

void
wire_msg_clear(struct wire_msg *m)
{
	free(m->ident);
	free(m->content_error);
	json_decref(m->header);
	json_decref(m->parent);
	json_decref(m->metadata);
	json_decref(m->content);
	memset(m, 0, sizeof *m);
}

static const char *
str_field(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The value of the 4 hex digits at p, or -1. */
static long
hex4(const unsigned char *p)
{
	long v = 0;

	for (int k = 0; k < 4; k++) {
		int d = isdigit(p[k]) ? p[k] - '0' :
		    isxdigit(p[k]) ? (tolower(p[k]) - 'a' + 10) : -1;

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The length of the well-formed UTF-8 sequence at in[0..len), or 0; *skip
 * is how many bytes one U+FFFD replaces when it is ill-formed (the
 * maximal subpart, as Python's decoder counts). */
static size_t
utf8_seq(const unsigned char *in, size_t len, size_t *skip)
{
	unsigned c = in[0], lo = 0x80, hi = 0xbf;
	size_t need, j;

	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		*skip = 1;
		return 0;
	}
	for (j = 1; j <= need && j < len; j++)
		if (in[j] < (j == 1 ? lo : 0x80) || in[j] > (j == 1 ? hi : 0xbf))
			break;
	*skip = j;
	return j > need ? need + 1 : 0;
}

/* Python's bytes.decode("utf-8", "replace"), as jupyter_client decodes a
 * frame before json.loads: each maximal ill-formed subsequence (a
 * surrogateescape'd byte from the engine) becomes U+FFFD. Lone surrogate
 * escapes (\udcff, from a sender with ensure_ascii) become \ufffd as
 * well, where Python would keep an unprintable surrogate. Returns an
 * owned copy; *outlen is its length. */
static char *
json_repair(const unsigned char *in, size_t len, size_t *outlen)
{
	char *out = xmalloc(3 * len + 1), *o = out;
	size_t i = 0;

	while (i < len) {
		size_t n, skip;
		long v;

		if (in[i] == '\\' && i + 6 <= len && in[i + 1] == 'u' &&
		    (v = hex4(in + i + 2)) >= 0xd800 && v <= 0xdfff) {
			long w = v <= 0xdbff && i + 12 <= len &&
			    in[i + 6] == '\\' && in[i + 7] == 'u' ?
			    hex4(in + i + 8) : -1;

			if (w >= 0xdc00 && w <= 0xdfff) {
				memcpy(o, in + i, 12);
				o += 12;
				i += 12;
			} else {
				memcpy(o, "\\ufffd", 6);
				o += 6;
				i += 6;
			}
		} else if (in[i] == '\\' && i + 1 < len) {
			/* Keeps "\\udcff" (an escaped backslash) as it is. */
			*o++ = (char)in[i++];
			*o++ = (char)in[i++];
		} else if (in[i] < 0x80) {
			*o++ = (char)in[i++];
		} else if ((n = utf8_seq(in + i, len - i, &skip)) > 0) {
			memcpy(o, in + i, n);
			o += n;
			i += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i += skip;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

/* NUL is kept (print("\x00") is legal output); text that is not UTF-8,
 * which jansson refuses, is decoded as Jupyter does, at a second try so
 * that well-formed messages cost nothing more. */
static json_t *
load_frame(const struct wire_frame *f, json_error_t *je)
{
	json_t *v = json_loadb(f->data, f->len, JSON_ALLOW_NUL, je);
	char *fixed;
	size_t n;

	if (v != NULL)
		return v;
	fixed = json_repair(f->data, f->len, &n);
	v = json_loadb(fixed, n, JSON_ALLOW_NUL, je);
	free(fixed);
	return v;
}

int
wire_parse(const struct wire_frame *frames, size_t n, const char *key,
    size_t keylen, struct wire_msg *m, struct err *e)
{
	static const char *const names[4] = {
		"header", "parent_header", "metadata", "content",
	};
	json_t *obj[4] = { NULL, NULL, NULL, NULL };
	size_t d;

	memset(m, 0, sizeof *m);
	for (d = 0; d < n; d++)
		if (frames[d].len == sizeof WIRE_DELIM - 1 &&
		    memcmp(frames[d].data, WIRE_DELIM, frames[d].len) == 0)
			break;
	if (d == n)
		return err_set(e, "no <IDS|MSG> delimiter in %zu frames", n),
		    WIRE_MALFORMED;
	if (n - d - 1 < 5)
		return err_set(e, "only %zu frames after the delimiter "
		    "(expected signature and 4 JSON frames)", n - d - 1),
		    WIRE_MALFORMED;
	if (keylen > 0) {
		char want[65];
		const struct wire_frame *sig = &frames[d + 1];

		wire_sign(key, keylen, &frames[d + 2], want);
		if (sig->len != 64 || CRYPTO_memcmp(sig->data, want, 64) != 0)
			return err_set(e, "bad message signature"),
			    WIRE_BADSIG;
	}
	for (int i = 0; i < 4; i++) {
		json_error_t je;
		const struct wire_frame *f = &frames[d + 2 + i];

		obj[i] = load_frame(f, &je);
		if (i == 3 && (obj[i] == NULL || !json_is_object(obj[i]))) {
			/* The headers route it: the request it answers must
			 * still finish, with the reason. */
			m->content_error = xasprintf("content frame is not a "
			    "JSON object%s%s", obj[i] == NULL ? ": " : "",
			    obj[i] == NULL ? je.text : "");
			json_decref(obj[i]);
			obj[i] = json_object();
		}
		if (obj[i] == NULL || !json_is_object(obj[i])) {
			err_set(e, "%s frame is not a JSON object%s%s",
			    names[i], obj[i] == NULL ? ": " : "",
			    obj[i] == NULL ? je.text : "");
			for (int j = 0; j <= i; j++)
				json_decref(obj[j]);
			free(m->content_error);
			m->content_error = NULL;
			return WIRE_MALFORMED;
		}
	}
	if (str_field(obj[0], "msg_type") == NULL) {
		for (int j = 0; j < 4; j++)
			json_decref(obj[j]);
		free(m->content_error);
		m->content_error = NULL;
		return err_set(e, "header has no msg_type"), WIRE_MALFORMED;
	}
	if (d > 0)
		m->ident = xstrndup(frames[0].data, frames[0].len);
	m->header = obj[0];
	m->parent = obj[1];
	m->metadata = obj[2];
	m->content = obj[3];
	m->msg_type = str_field(m->header, "msg_type");
	m->session = str_field(m->header, "session");
	m->parent_id = str_field(m->parent, "msg_id");
	m->parent_session = str_field(m->parent, "session");
	return 0;
}

/* A message has at most a few routing frames, the delimiter, signature,
 * 4 JSON frames and (for data messages we never ask for) buffers. */
#define MAX_FRAMES 64

int
wire_recv(void *sock, const char *key, size_t keylen, struct wire_msg *m,
    struct err *e)
{
	zmq_msg_t parts[MAX_FRAMES];
	struct wire_frame frames[MAX_FRAMES];
	size_t n = 0, total = 0;
	int more = 1, rc;

	while (more) {
		zmq_msg_t *p = n < MAX_FRAMES ? &parts[n] : &parts[MAX_FRAMES - 1];

		/* Extra buffers beyond MAX_FRAMES are read into the last slot
		 * and discarded; they are never signed nor used. */
		if (n >= MAX_FRAMES)
			zmq_msg_close(p);
		zmq_msg_init(p);
		if (zmq_msg_recv(p, sock, total == 0 ? ZMQ_DONTWAIT : 0) == -1) {
			int saved = errno;

			if (n < MAX_FRAMES)
				zmq_msg_close(p);
			for (size_t i = 0; i < n; i++)
				zmq_msg_close(&parts[i]);
			if (total == 0 && saved == EAGAIN)
				return 0;
			err_set(e, "zmq_msg_recv: %s", zmq_strerror(saved));
			return WIRE_SOCKET_ERROR;
		}
		more = zmq_msg_more(p);
		total++;
		if (n < MAX_FRAMES)
			n++;
	}
	for (size_t i = 0; i < n; i++) {
		frames[i].data = zmq_msg_data(&parts[i]);
		frames[i].len = zmq_msg_size(&parts[i]);
	}
	rc = wire_parse(frames, n, key, keylen, m, e);
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&parts[i]);
	return rc == 0 ? 1 : rc;
}

int
wire_send(void *sock, const char *key, size_t keylen, const char *ident,
    json_t *header, json_t *parent, json_t *metadata, json_t *content,
    struct err *e)
{
	json_t *empty = json_object();
	json_t *objs[4] = {
		header, parent ? parent : empty, metadata ? metadata : empty,
		content,
	};
	char *text[4];
	struct wire_frame json4[4];
	char sig[65] = "";
	int rc = 0;

	for (int i = 0; i < 4; i++) {
		text[i] = json_dumps(objs[i], JSON_COMPACT);
		if (text[i] == NULL)
			fatal("json_dumps failed");
		json4[i].data = text[i];
		json4[i].len = strlen(text[i]);
	}
	if (keylen > 0)
		wire_sign(key, keylen, json4, sig);
	if ((ident != NULL &&
	    zmq_send(sock, ident, strlen(ident), ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1) ||
	    zmq_send(sock, WIRE_DELIM, sizeof WIRE_DELIM - 1,
	    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
	    zmq_send(sock, sig, strlen(sig), ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
		rc = -1;
	for (int i = 0; rc == 0 && i < 4; i++)
		if (zmq_send(sock, json4[i].data, json4[i].len,
		    (i < 3 ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) == -1)
			rc = -1;
	if (rc == -1)
		err_set(e, "cannot queue message: %s", zmq_strerror(errno));
	for (int i = 0; i < 4; i++)
		free(text[i]);
	json_decref(empty);
	return rc;
}

json_t *
wire_header(const char *session, const char *msg_id, const char *msg_type)
{
	struct timespec ts;
	struct tm tm;
	char date[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "msg_id", msg_id, "msg_type", msg_type, "username", "hpctop",
	    "session", session, "date", date, "version", "5.3");
}

void
wire_uuid4(char out[WIRE_UUID_LEN + 1])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t r = getrandom(b + got, sizeof b - got, 0);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			fatal("getrandom: %s", strerror(errno));
		got += (size_t)r;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, WIRE_UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	    b[10], b[11], b[12], b[13], b[14], b[15]);
}
