/* libFuzzer target: the client connection file `hpctop tunnel` rewrites
 * (tunnel_rewrite): whatever the file holds, the result is JSON with every
 * port mapped, or an error naming the file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/tunnel.h"
#include "tests/fuzz/fuzzcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every remote port to a local one of its own, as a listener would. */
static int
map_port(const char *addr, int port, int *local, void *arg, struct err *e)
{
	int *next = arg;

	(void)addr;
	(void)e;
	fuzzcheck(port >= 1 && port <= 65535, "a port out of range mapped");
	*local = (*next)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tunnel_port *ports = NULL;
	size_t outlen = 0, nports = 0;
	char *out = NULL;
	struct err e;
	int next = 20000;
	json_t *o;

	e.msg[0] = '\0';
	if (tunnel_rewrite((const char *)data, size, "client.json", "fuzz",
	    map_port, &next, &out, &outlen, &ports, &nports, &e) == -1) {
		fuzzcheck_err(&e);
		fuzzcheck(strstr(e.msg, "client.json") != NULL,
		    "error does not name the file");
		return 0;
	}
	o = json_loadb(out, outlen, 0, NULL);
	fuzzcheck(o != NULL && json_is_object(o), "rewritten file is no JSON object");
	for (size_t i = 0; i < nports; i++)
		fuzzcheck(ports[i].local >= 20000 && ports[i].remote >= 1,
		    "a port left unmapped");
	json_decref(o);
	free(out);
	free(ports);
	return 0;
}
