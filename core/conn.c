#include "conn.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "host.h"
#include "xmalloc.h"

/* A real connection file is well under 1 KiB. */
#define CONN_MAX_BYTES (64 * 1024)

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	free(c->path);
	if (c->key != NULL)
		explicit_bzero(c->key, c->keylen);
	free(c->key);
	free(c->curve_serverkey);
	free(c->location);
	free(c->registration);
	free(c->notification);
	free(c->mux);
	free(c->control);
	free(c->iopub);
	free(c);
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* *out is NULL when the field is absent or null (optional fields). */
static int
opt_string(const json_t *root, const char *field, const char *path,
    const char **out, struct err *e)
{
	const json_t *v = json_object_get(root, field);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(e, "%s: '%s' must be a string, got %s", path,
		    field, type_name(v));
	*out = json_string_value(v);
	return 0;
}

static const char *
req_string(const json_t *root, const char *field, const char *path,
    struct err *e)
{
	const char *s;

	if (opt_string(root, field, path, &s, e) == -1)
		return NULL;
	if (s == NULL)
		err_set(e, "%s: missing field '%s' (is this an "
		    "ipcontroller-client.json file?)", path, field);
	return s;
}

static int
get_port(const json_t *root, const char *field, const char *path,
    struct err *e)
{
	const json_t *v = json_object_get(root, field);

	if (v == NULL)
		return err_set(e, "%s: missing field '%s' (is this an "
		    "ipcontroller-client.json file?)", path, field);
	if (!json_is_integer(v))
		return err_set(e, "%s: '%s' must be a port number, got %s",
		    path, field, type_name(v));
	if (json_integer_value(v) < 1 || json_integer_value(v) > 65535)
		return err_set(e, "%s: '%s' must be a port number (1 to "
		    "65535), got %lld", path, field,
		    (long long)json_integer_value(v));
	return (int)json_integer_value(v);
}

char *
conn_reach_host(const char *host, const char *location, bool here)
{
	char self[256];

	if (strcmp(host, "0.0.0.0") != 0 && strcmp(host, "*") != 0)
		return xstrdup(host);
	if (location == NULL || *location == '\0')
		return xstrdup("127.0.0.1");
	if (here && gethostname(self, sizeof self) == 0) {
		self[sizeof self - 1] = '\0';
		if (strcmp(self, location) == 0)
			return xstrdup("127.0.0.1");
	}
	return xstrdup(location);
}

struct conn *
conn_load_buffer(const char *buf, size_t len, const char *path,
    struct err *e)
{
	static const char *const port_fields[] = {
		"registration", "notification", "mux", "control", "iopub",
	};
	int ports[5];
	json_error_t je;
	json_t *root;
	struct conn *c = NULL;
	const char *iface, *key, *s, *location, *sep;
	char *host = NULL, *scheme_end;
	char *base = NULL;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		err_set(e, "%s:%d:%d: not valid JSON: %s", path, je.line,
		    je.column, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		err_set(e, "%s: expected a JSON object, got %s", path,
		    type_name(root));
		goto out;
	}
	if (opt_string(root, "ssh", path, &s, e) == -1)
		goto out;
	if (s != NULL && *s != '\0') {
		err_set(e, "%s: the controller is reached through an SSH "
		    "tunnel to '%s', which hpctop does not support; run hpctop "
		    "on a host that reaches the controller directly", path, s);
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		const char *f = i == 0 ? "pack" : "unpack";

		if (opt_string(root, f, path, &s, e) == -1)
			goto out;
		if (s != NULL && strcmp(s, "json") != 0) {
			err_set(e, "%s: '%s' is \"%s\"; hpctop speaks only "
			    "\"json\"", path, f, s);
			goto out;
		}
	}
	if (opt_string(root, "signature_scheme", path, &s, e) == -1)
		goto out;
	if (s != NULL && strcmp(s, "hmac-sha256") != 0) {
		err_set(e, "%s: signature_scheme \"%s\" is not supported "
		    "(only hmac-sha256)", path, s);
		goto out;
	}
	if ((iface = req_string(root, "interface", path, e)) == NULL ||
	    (key = req_string(root, "key", path, e)) == NULL)
		goto out;
	for (size_t i = 0; i < 5; i++)
		if ((ports[i] = get_port(root, port_fields[i], path, e)) == -1)
			goto out;
	if (opt_string(root, "location", path, &location, e) == -1 ||
	    opt_string(root, "curve_serverkey", path, &s, e) == -1)
		goto out;
	if (s != NULL && strlen(s) != 40) {
		err_set(e, "%s: 'curve_serverkey' must be a 40-character Z85 "
		    "key, got %zu characters", path, strlen(s));
		goto out;
	}
	if (*key == '\0' && s == NULL) {
		err_set(e, "%s: 'key' is empty and there is no "
		    "curve_serverkey; refusing to talk unauthenticated", path);
		goto out;
	}

	scheme_end = strstr(iface, "://");
	if (scheme_end == NULL || scheme_end[3] == '\0') {
		err_set(e, "%s: 'interface' must look like tcp://HOST, got "
		    "\"%s\"", path, iface);
		goto out;
	}
	if (strncmp(iface, "tcp://", 6) == 0) {
		host = conn_reach_host(iface + 6, location, true);
		base = xasprintf("tcp://%s", host);
		sep = ":";
	} else if (strncmp(iface, "ipc://", 6) == 0) {
		base = xstrdup(iface);
		sep = "-";
	} else {
		err_set(e, "%s: 'interface' transport in \"%s\" is not "
		    "supported (tcp:// or ipc://)", path, iface);
		goto out;
	}

	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->keylen = strlen(key);
	c->key = xstrdup(key);
	c->curve_serverkey = s != NULL ? xstrdup(s) : NULL;
	c->location = xstrdup(location != NULL ? location : "");
	c->registration = xasprintf("%s%s%d", base, sep, ports[0]);
	c->notification = xasprintf("%s%s%d", base, sep, ports[1]);
	c->mux = xasprintf("%s%s%d", base, sep, ports[2]);
	c->control = xasprintf("%s%s%d", base, sep, ports[3]);
	c->iopub = xasprintf("%s%s%d", base, sep, ports[4]);
out:
	free(host);
	free(base);
	json_decref(root);
	return c;
}

struct conn *
conn_load_host(struct host *h, struct loop *l, const char *path,
    struct err *e)
{
	char *buf;
	size_t n;
	struct conn *c;

	if (host_read_file(h, l, path, CONN_MAX_BYTES, FILE_SECRET, &buf, &n,
	    e) == -1) {
		const char *on = host_is_local(h) ? "" : host_label(h);

		if (errno == ENOENT)
			err_set(e, "%s%s%s: no such file (is the controller "
			    "running?)", on, *on ? ":" : "", path);
		else if (errno == EFBIG)
			err_set(e, "%s%s%s: file is too large for a connection "
			    "file (more than %d bytes)", on, *on ? ":" : "",
			    path, CONN_MAX_BYTES);
		return NULL;
	}
	c = conn_load_buffer(buf, n, path, e);
	explicit_bzero(buf, n);
	free(buf);
	return c;
}

struct conn *
conn_load(const char *path, struct err *e)
{
	return conn_load_host(host_get(NULL, NULL, NULL), NULL, path, e);
}

/* The forwards made this session: a client that connects again (the
 * dashboard after its controller stopped answering, status asking twice)
 * reuses the listener, which outlives reconnects, instead of adding one. */
struct fwd {
	const struct host *h;
	char *addr;
	int port;
	int bound;
};
static struct fwd *fwds;
static size_t nfwds;

static int
forward_cached(struct host *h, struct loop *l, const char *addr, int port,
    int *bound, struct err *e)
{
	for (size_t i = 0; i < nfwds; i++)
		if (fwds[i].h == h && fwds[i].port == port &&
		    strcmp(fwds[i].addr, addr) == 0) {
			*bound = fwds[i].bound;
			return 0;
		}
	if (host_forward(h, l, addr, port, 0, bound, e) == -1)
		return -1;
	fwds = xreallocarray(fwds, nfwds + 1, sizeof *fwds);
	fwds[nfwds].h = h;
	fwds[nfwds].addr = xstrdup(addr);
	fwds[nfwds].port = port;
	fwds[nfwds++].bound = *bound;
	return 0;
}

/* Makes one endpoint reachable from here: "tcp://ADDR:PORT" as h sees it
 * becomes "tcp://127.0.0.1:BOUND". */
static int
forward_one(struct host *h, struct loop *l, const char *what, char **ep,
    struct err *e)
{
	const char *addr, *colon;
	char *host, *end;
	long port;
	int bound;

	/* This machine reaches its own controller as the file says
	 * (host_forward would give back the same port). */
	if (host_is_local(h))
		return 0;
	if (strncmp(*ep, "tcp://", 6) != 0)
		return err_set(e, "%s: %s endpoint %s cannot be carried over "
		    "SSH (only tcp:// can)", host_label(h), what, *ep);
	addr = *ep + 6;
	colon = strrchr(addr, ':');
	port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
	if (colon == NULL || *end != '\0' || port < 1 || port > 65535)
		return err_set(e, "%s: %s endpoint %s has no port",
		    host_label(h), what, *ep);
	host = addr[0] == '[' && colon > addr + 1 && colon[-1] == ']' ?
	    xstrndup(addr + 1, (size_t)(colon - addr) - 2) :
	    xstrndup(addr, (size_t)(colon - addr));
	if (forward_cached(h, l, host, (int)port, &bound, e) == -1) {
		free(host);
		return err_prefix(e, "%s endpoint %s", what, *ep);
	}
	free(host);
	free(*ep);
	*ep = xasprintf("tcp://127.0.0.1:%d", bound);
	return 0;
}

int
conn_forward(struct conn *c, struct host *h, struct loop *l, struct err *e)
{
	struct {
		const char *what;
		char **ep;
	} eps[] = {
		{ "registration", &c->registration },
		{ "notification", &c->notification },
		{ "mux", &c->mux },
		{ "control", &c->control },
		{ "iopub", &c->iopub },
	};

	for (size_t i = 0; i < sizeof eps / sizeof *eps; i++)
		if (forward_one(h, l, eps[i].what, eps[i].ep, e) == -1)
			return -1;
	return 0;
}
