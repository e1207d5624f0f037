/* libFuzzer target: ipyparallel wire messages (wire_parse: framing, the
 * HMAC signature, the four JSON frames), then the text of the content the
 * way px output is rendered (pxfmt).
 *
 * Input: one frame per line. A signature frame that reads "SIGN" is
 * replaced by the real HMAC of the four frames after it, so the signed
 * path reaches the JSON too; the message is also parsed unsigned (CURVE
 * mode, keylen 0) and with the signature as given. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pxfmt.h"
#include "core/wire.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "fuzz-key"
#define MAX_FRAMES 64
#define MAX_DEPTH 8

/* Every string of the content through pxfmt's per-string step (whole
 * requests are fuzz_ipp's). */
static void
render(const json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > MAX_DEPTH)
		return;
	if (json_is_string(v)) {
		char *s = pxfmt_strip_ansi(json_string_value(v));

		fuzzcheck(s != NULL, "pxfmt returned NULL");
		fuzzcheck(strchr(s, '\033') == NULL,
		    "pxfmt_strip_ansi: an escape is left");
		free(s);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			render(x, depth + 1);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			render(x, depth + 1);
	}
}

static void
parse(const struct wire_frame *f, size_t n, const char *key, size_t keylen)
{
	struct wire_msg m;
	struct err e;
	int rc;

	e.msg[0] = '\0';
	rc = wire_parse(f, n, key, keylen, &m, &e);
	if (rc != 0) {
		fuzzcheck(rc == WIRE_MALFORMED || rc == WIRE_BADSIG,
		    "wire_parse: unknown result");
		fuzzcheck_err(&e);
		return;
	}
	fuzzcheck(m.msg_type != NULL && json_is_object(m.header) &&
	    json_is_object(m.parent) && json_is_object(m.metadata) &&
	    json_is_object(m.content), "parsed message breaks its invariants");
	render(m.content, 0);
	wire_msg_clear(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_frame f[MAX_FRAMES];
	const char *p = (const char *)data, *end = p + size;
	char sig[65];
	size_t n = 0;

	while (n < MAX_FRAMES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		f[n].data = p;
		f[n].len = (size_t)((nl != NULL ? nl : end) - p);
		n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	parse(f, n, NULL, 0);
	parse(f, n, KEY, strlen(KEY));
	for (size_t d = 0; d + 6 <= n; d++)
		if (f[d].len == strlen(WIRE_DELIM) &&
		    memcmp(f[d].data, WIRE_DELIM, f[d].len) == 0) {
			if (f[d + 1].len == 4 &&
			    memcmp(f[d + 1].data, "SIGN", 4) == 0) {
				wire_sign(KEY, strlen(KEY), &f[d + 2], sig);
				f[d + 1].data = sig;
				f[d + 1].len = 64;
				parse(f, n, KEY, strlen(KEY));
			}
			break;
		}
	return 0;
}
