/* The Jupyter wire format: signatures match Python's hmac, good messages
 * parse, and bad signatures or broken framing are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <zmq.h>

#include "core/wire.h"

#define KEY "3e100a69-8c65194b4a5a68f505aec747"
#define HDR "{\"msg_id\":\"1\",\"msg_type\":\"x\"}"
#define CONTENT "{\"a\": 1}"
/* hmac.new(KEY, HDR + b"{}" + b"{}" + CONTENT, hashlib.sha256) */
#define SIG "09946f4dad523d4af24c46fb07ca29adf82a385311cbf2ebb169fea876064cb6"

#define F(s) { s, sizeof s - 1 }

static void
test_sign_matches_python(void **state)
{
	struct wire_frame json4[4] = { F(HDR), F("{}"), F("{}"), F(CONTENT) };
	char hex[65];

	(void)state;
	wire_sign(KEY, strlen(KEY), json4, hex);
	assert_string_equal(hex, SIG);
}

static void
test_parse_good(void **state)
{
	struct wire_frame f[] = {
		F("engine.3.stdout"), F(WIRE_DELIM), F(SIG), F(HDR), F("{}"),
		F("{}"), F(CONTENT), F("buffer"),
	};
	struct wire_msg m;
	struct err e;

	(void)state;
	assert_int_equal(wire_parse(f, 8, KEY, strlen(KEY), &m, &e), 0);
	assert_string_equal(m.ident, "engine.3.stdout");
	assert_string_equal(m.msg_type, "x");
	assert_null(m.parent_id);
	assert_int_equal(json_integer_value(json_object_get(m.content, "a")),
	    1);
	wire_msg_clear(&m);
}

static void
test_bad_signature(void **state)
{
	struct wire_frame f[] = {
		F(WIRE_DELIM), F(SIG), F(HDR), F("{}"), F("{}"),
		F("{\"a\": 2}"),
	};
	struct wire_frame g[] = {
		F(WIRE_DELIM), F(""), F(HDR), F("{}"), F("{}"), F(CONTENT),
	};
	struct wire_msg m;
	struct err e;

	(void)state;
	/* Content changed after signing. */
	assert_int_equal(wire_parse(f, 6, KEY, strlen(KEY), &m, &e),
	    WIRE_BADSIG);
	assert_string_equal(e.msg, "bad message signature");
	assert_null(m.header);
	/* Empty signature while a key is set. */
	assert_int_equal(wire_parse(g, 6, KEY, strlen(KEY), &m, &e),
	    WIRE_BADSIG);
	/* Wrong key. */
	assert_int_equal(wire_parse(f, 6, "other", 5, &m, &e), WIRE_BADSIG);
	/* No key (CURVE mode): not checked. */
	assert_int_equal(wire_parse(g, 6, "", 0, &m, &e), 0);
	wire_msg_clear(&m);
}

static void
test_malformed(void **state)
{
	struct wire_frame nodelim[] = {
		F("x"), F(SIG), F(HDR), F("{}"), F("{}"), F(CONTENT),
	};
	struct wire_frame shortmsg[] = {
		F(WIRE_DELIM), F(SIG), F(HDR), F("{}"), F("{}"),
	};
	struct wire_frame notjson[] = {
		F(WIRE_DELIM), F(""), F(HDR), F("{}"), F("[1]"), F("{"),
	};
	struct wire_frame notype[] = {
		F(WIRE_DELIM), F(""), F("{}"), F("{}"), F("{}"), F("{}"),
	};
	const struct {
		struct wire_frame *f;
		size_t n;
		const char *key, *msg;
	} cases[] = {
		{ nodelim, 6, KEY, "no <IDS|MSG> delimiter in 6 frames" },
		{ shortmsg, 5, KEY, "only 4 frames after the delimiter "
		    "(expected signature and 4 JSON frames)" },
		{ notjson, 6, "", "metadata frame is not a JSON object" },
		{ notype, 6, "", "header has no msg_type" },
	};
	struct wire_msg m;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(wire_parse(cases[i].f, cases[i].n,
		    cases[i].key, strlen(cases[i].key), &m, &e),
		    WIRE_MALFORMED);
		assert_string_equal(e.msg, cases[i].msg);
	}
	assert_null(m.header);
}

/* What an engine sends for print("a\udcffb") (jupyter_client encodes with
 * surrogateescape: a raw 0xff byte), NUL, lone and paired surrogate
 * escapes: decoded as jupyter_client does (bytes.decode("utf-8",
 * "replace") + json.loads), never dropped. */
static const char *
text_of(struct wire_msg *m, const char *content, size_t *len)
{
	struct wire_frame f[] = {
		F(WIRE_DELIM), F(""), F(HDR), F("{}"), F("{}"),
		{ content, strlen(content) },
	};
	const json_t *t;
	struct err e;

	assert_int_equal(wire_parse(f, 6, "", 0, m, &e), 0);
	assert_null(m->content_error);
	t = json_object_get(m->content, "text");
	assert_true(json_is_string(t));
	*len = json_string_length(t);
	return json_string_value(t);
}

static void
test_decode_like_jupyter(void **state)
{
	static const struct {
		const char *in;
		const char *want;
		size_t wantlen;
	} cases[] = {
		{ "{\"text\": \"a\xff" "b\"}", "a\xef\xbf\xbd" "b", 5 },
		{ "{\"text\": \"nul:\\u0000:end\"}", "nul:\0:end", 9 },
		{ "{\"text\": \"bad \\udcff\"}", "bad \xef\xbf\xbd", 7 },
		{ "{\"text\": \"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80", 4 },
		{ "{\"text\": \"\\\\udcff\"}", "\\udcff", 6 },
		/* Truncated and overlong sequences: one U+FFFD per maximal
		 * subpart, as Python counts. */
		{ "{\"text\": \"\xe2\x82z\"}", "\xef\xbf\xbdz", 4 },
		{ "{\"text\": \"\xc0\xaf\"}", "\xef\xbf\xbd\xef\xbf\xbd", 6 },
		{ "{\"text\": \"\xed\xa0\x80\"}",
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct wire_msg m;
		size_t len;
		const char *got = text_of(&m, cases[i].in, &len);

		assert_int_equal(len, cases[i].wantlen);
		assert_memory_equal(got, cases[i].want, len);
		wire_msg_clear(&m);
	}
}

/* A content frame that cannot be read still yields the message (its
 * headers route the reply), with the reason. */
static void
test_bad_content_kept(void **state)
{
	struct wire_frame f[] = {
		F(WIRE_DELIM), F(""), F(HDR), F("{\"msg_id\": \"p\"}"),
		F("{}"), F("{\"a\": "),
	};
	struct wire_msg m;
	struct err e;

	(void)state;
	assert_int_equal(wire_parse(f, 6, "", 0, &m, &e), 0);
	assert_string_equal(m.parent_id, "p");
	assert_non_null(m.content_error);
	assert_true(strstr(m.content_error, "content frame is not a JSON "
	    "object: ") != NULL);
	assert_int_equal(json_object_size(m.content), 0);
	wire_msg_clear(&m);
}

/* wire_send and wire_recv agree over a real socket pair, and a frame set
 * with a bad signature is read whole and refused. */
static void
test_send_recv(void **state)
{
	void *ctx = zmq_ctx_new();
	void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
	json_t *hdr = wire_header("sess", "id-1", "execute_request");
	json_t *parent = json_pack("{s:s, s:s}", "msg_id", "p-1",
	    "session", "sess");
	json_t *content = json_pack("{s:s}", "code", "print('\xc3\xa9')");
	struct wire_msg m;
	struct err e;

	(void)state;
	assert_int_equal(zmq_bind(a, "inproc://wire"), 0);
	assert_int_equal(zmq_connect(b, "inproc://wire"), 0);
	assert_int_equal(wire_recv(b, KEY, strlen(KEY), &m, &e), 0);
	assert_int_equal(wire_send(a, KEY, strlen(KEY), "uuid-1", hdr,
	    parent, NULL, content, &e), 0);
	assert_int_equal(wire_recv(b, KEY, strlen(KEY), &m, &e), 1);
	assert_string_equal(m.ident, "uuid-1");
	assert_string_equal(m.msg_type, "execute_request");
	assert_string_equal(m.parent_id, "p-1");
	assert_string_equal(m.parent_session, "sess");
	assert_string_equal(m.session, "sess");
	assert_string_equal(json_string_value(json_object_get(m.header,
	    "version")), "5.3");
	assert_string_equal(json_string_value(json_object_get(m.content,
	    "code")), "print('\xc3\xa9')");
	wire_msg_clear(&m);

	assert_int_equal(wire_send(a, "wrong", 5, NULL, hdr, NULL, NULL,
	    content, &e), 0);
	assert_int_equal(wire_send(a, KEY, strlen(KEY), NULL, hdr, NULL, NULL,
	    content, &e), 0);
	assert_int_equal(wire_recv(b, KEY, strlen(KEY), &m, &e), WIRE_BADSIG);
	/* The next message is intact: the bad one was consumed whole. */
	assert_int_equal(wire_recv(b, KEY, strlen(KEY), &m, &e), 1);
	assert_null(m.ident);
	wire_msg_clear(&m);

	json_decref(hdr);
	json_decref(parent);
	json_decref(content);
	zmq_close(a);
	zmq_close(b);
	zmq_ctx_term(ctx);
}

static void
test_uuid4(void **state)
{
	char a[WIRE_UUID_LEN + 1], b[WIRE_UUID_LEN + 1];

	(void)state;
	wire_uuid4(a);
	wire_uuid4(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '4');
	assert_true(strchr("89ab", a[19]) != NULL);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_matches_python),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_decode_like_jupyter),
		cmocka_unit_test(test_bad_content_kept),
		cmocka_unit_test(test_send_recv),
		cmocka_unit_test(test_uuid4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
