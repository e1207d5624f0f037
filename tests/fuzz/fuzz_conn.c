/* libFuzzer target: a controller's connection file (conn_load_buffer). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/conn.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
endpoint(const char *s)
{
	return s != NULL && strstr(s, "://") != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	struct conn *c;

	e.msg[0] = '\0';
	c = conn_load_buffer((const char *)data, size, "fuzz.json", &e);
	if (c == NULL) {
		fuzzcheck_err(&e);
		return 0;
	}
	fuzzcheck(c->key != NULL && c->location != NULL &&
	    endpoint(c->registration) && endpoint(c->notification) &&
	    endpoint(c->mux) && endpoint(c->control) && endpoint(c->iopub),
	    "loaded connection breaks its invariants");
	conn_free(c);
	return 0;
}
