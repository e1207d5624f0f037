#include "tunnel.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "conn.h"
#include "fatal.h"
#include "file.h"
#include "paths.h"
#include "xmalloc.h"

/* A real connection file is well under 1 KiB. */
#define TUNNEL_FILE_MAX (64 * 1024)
#define TUNNEL_REC_MAX (64 * 1024)

/* The port fields ipyparallel 7.1's Client connects to (client.py turns
 * each into interface:port); each must be there. */
static const char *const port_fields[] = {
	"registration", "control", "mux", "task", "iopub", "notification",
	"broadcast",
};
#define NFIELDS (sizeof port_fields / sizeof port_fields[0])

static const char *
static_field(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(port_fields[i], name) == 0)
			return port_fields[i];
	return NULL;
}

/* The local port for remote, mapping it (once) when it is new. */
static int
map_port(const char *field, int remote, const char *addr, tunnel_map_fn map,
    void *arg, struct tunnel_port **ports, size_t *nports, int *local,
    struct err *e)
{
	for (size_t i = 0; i < *nports; i++)
		if ((*ports)[i].remote == remote) {
			*local = (*ports)[i].local;
			return 0;
		}
	if (map(addr, remote, local, arg, e) == -1)
		return -1;
	*ports = xreallocarray(*ports, *nports + 1, sizeof **ports);
	(*ports)[(*nports)++] = (struct tunnel_port){ field, remote, *local };
	return 0;
}

static int
port_value(const json_t *v, const char *path, const char *field,
    struct err *e)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 65535)
		return err_set(e, "%s: '%s' must be a port number (or a list "
		    "of them)", path, field);
	return (int)json_integer_value(v);
}

/* Maps field's value in root (a port or a list of ports) in place. */
static int
map_field(json_t *root, const char *field, const char *path,
    const char *addr, tunnel_map_fn map, void *arg,
    struct tunnel_port **ports, size_t *nports, struct err *e)
{
	json_t *v = json_object_get(root, field), *item;
	size_t i;
	int remote, local;

	if (v == NULL)
		return err_set(e, "%s: missing field '%s' (is this an "
		    "ipcontroller-client.json file?)", path, field);
	if (!json_is_array(v)) {
		if ((remote = port_value(v, path, field, e)) == -1 ||
		    map_port(field, remote, addr, map, arg, ports, nports,
		    &local, e) == -1)
			return -1;
		json_object_set_new(root, field, json_integer(local));
		return 0;
	}
	json_array_foreach(v, i, item) {
		if ((remote = port_value(item, path, field, e)) == -1 ||
		    map_port(field, remote, addr, map, arg, ports, nports,
		    &local, e) == -1)
			return -1;
		json_array_set_new(v, i, json_integer(local));
	}
	return 0;
}

static const char *
opt_str(const json_t *root, const char *field)
{
	const json_t *v = json_object_get(root, field);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
tunnel_rewrite(const char *text, size_t len, const char *path,
    const char *mark, tunnel_map_fn map, void *arg, char **out,
    size_t *outlen, struct tunnel_port **ports, size_t *nports,
    struct err *e)
{
	json_error_t je;
	json_t *root;
	const char *iface, *ssh;
	char *addr = NULL, *s;
	int rc = -1;

	*out = NULL;
	*ports = NULL;
	*nports = 0;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_set(e, "%s:%d:%d: not valid JSON: %s", path,
		    je.line, je.column, je.text);
	if (!json_is_object(root)) {
		err_set(e, "%s: expected a JSON object", path);
		goto out;
	}
	if ((iface = opt_str(root, "interface")) == NULL) {
		err_set(e, "%s: missing field 'interface' (is this an "
		    "ipcontroller-client.json file?)", path);
		goto out;
	}
	if (strncmp(iface, "tcp://", 6) != 0 || iface[6] == '\0') {
		err_set(e, "%s: 'interface' \"%s\" cannot be tunnelled (only "
		    "tcp://HOST)", path, iface);
		goto out;
	}
	if ((ssh = opt_str(root, "ssh")) != NULL && *ssh != '\0') {
		err_set(e, "%s: the controller is itself reached through SSH "
		    "('%s'); hpctop tunnels only a controller its host reaches "
		    "directly", path, ssh);
		goto out;
	}
	/* Where the controller listens as its own host sees it: the name in
	 * location resolves there, not here. */
	addr = conn_reach_host(iface + 6, opt_str(root, "location"), false);
	for (size_t i = 0; i < NFIELDS; i++)
		if (map_field(root, port_fields[i], path, addr, map, arg,
		    ports, nports, e) == -1)
			goto out;
	json_object_set_new(root, "interface", json_string("tcp://127.0.0.1"));
	json_object_set_new(root, "location", json_string("127.0.0.1"));
	json_object_set_new(root, "ssh", json_string(""));
	json_object_set_new(root, TUNNEL_MARK, json_string(mark));
	if ((s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		fatal("json_dumps failed");
	*outlen = strlen(s);
	*out = xasprintf("%s\n", s);
	(*outlen)++;
	explicit_bzero(s, *outlen - 1);
	free(s);
	rc = 0;
out:
	if (rc == -1) {
		free(*ports);
		*ports = NULL;
		*nports = 0;
	}
	free(addr);
	/* The key is in the parsed strings; jansson frees them unwiped, as
	 * conn_load's parse does. */
	json_decref(root);
	return rc;
}

/* ---- opening ---- */

struct fwd {
	struct host *h;
	struct loop *l;
};

static int
forward(const char *addr, int port, int *local, void *arg, struct err *e)
{
	struct fwd *f = arg;

	return host_forward(f->h, f->l, addr, port, 0, local, e);
}

/* Another record here with c's IPython profile: a cluster whose own client
 * file is the one a tunnel would write. */
static int
check_profile_free(const struct cluster *c, struct err *e)
{
	struct strv names = { 0 };
	int rc = 0;

	cluster_list(&names);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		struct cluster *o;
		struct err ignored;
		bool missing;

		if (strcmp(names.v[i], c->name) == 0 ||
		    (o = cluster_load(names.v[i], &missing, &ignored)) == NULL)
			continue;
		if (o->ipython_profile != NULL &&
		    strcmp(o->ipython_profile, c->ipython_profile) == 0)
			rc = err_set(e, "cluster '%s' here uses IPython profile "
			    "'%s' too: its own connection file would be "
			    "overwritten (give '%s' another ipython_profile)",
			    o->name, c->ipython_profile, c->name);
		cluster_free(o);
	}
	strv_clear(&names);
	return rc;
}

/* A client file at path here that a controller wrote (no TUNNEL_MARK). */
static int
check_not_controllers(const char *path, struct err *e)
{
	char *buf;
	size_t len;
	json_t *root;
	bool ours;
	struct err ignored;

	if (file_read(path, TUNNEL_FILE_MAX, FILE_SECRET, &buf, &len,
	    &ignored) == -1)
		return errno == ENOENT ? 0 : err_set(e, "%s", ignored.msg);
	root = json_loadb(buf, len, 0, NULL);
	ours = json_is_string(json_object_get(root, TUNNEL_MARK));
	json_decref(root);
	explicit_bzero(buf, len);
	free(buf);
	if (ours)
		return 0;
	return err_set(e, "%s exists and was not written by hpctop tunnel: a "
	    "controller on this machine uses that IPython profile", path);
}

static void
unforward_all(struct host *h, const struct tunnel_port *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		host_unforward(h, p[i].local);
}

struct tunnel *
tunnel_open(struct loop *l, struct host *h, const struct cluster *c,
    struct err *e)
{
	struct fwd f = { h, l };
	struct tunnel *t;
	struct tunnel_port *ports;
	size_t nports, len, outlen;
	char *path, *dir, *buf, *out;
	int rc;

	if (host_is_local(h)) {
		err_set(e, "cluster '%s' runs on this machine: "
		    "ipyparallel.Client(profile='%s') attaches directly, no "
		    "tunnel needed", c->name, c->ipython_profile);
		return NULL;
	}
	if (c->client_file == NULL) {
		err_set(e, "cluster '%s' has no client connection file",
		    c->name);
		return NULL;
	}
	if (check_profile_free(c, e) == -1)
		return NULL;
	path = paths_connection_file(c->ipython_profile, c->cluster_id,
	    "client");
	if (check_not_controllers(path, e) == -1) {
		free(path);
		return NULL;
	}
	if (host_read_file(h, l, c->client_file, TUNNEL_FILE_MAX, FILE_SECRET,
	    &buf, &len, e) == -1) {
		if (errno == ENOENT)
			err_set(e, "%s: %s does not exist yet (the controller "
			    "has not written it: is it running?)",
			    host_label(h), c->client_file);
		free(path);
		return NULL;
	}
	rc = tunnel_rewrite(buf, len, c->client_file, host_label(h), forward,
	    &f, &out, &outlen, &ports, &nports, e);
	explicit_bzero(buf, len);
	free(buf);
	if (rc == -1) {
		/* Whatever was forwarded before the bad field. */
		free(path);
		return NULL;
	}
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	rc = paths_mkdir_p(dir, 0700, e);
	free(dir);
	if (rc == 0)
		rc = file_write_atomic(path, out, outlen, 0600, e);
	explicit_bzero(out, outlen);
	free(out);
	if (rc == -1) {
		unforward_all(h, ports, nports);
		free(ports);
		free(path);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->host = h;
	t->name = xstrdup(c->name);
	t->ipython_profile = xstrdup(c->ipython_profile);
	t->file = path;
	t->ports = ports;
	t->nports = nports;
	return t;
}

void
tunnel_close(struct tunnel *t)
{
	if (t == NULL)
		return;
	unforward_all(t->host, t->ports, t->nports);
	if (unlink(t->file) == -1 && errno != ENOENT) {
		/* left for the next tunnel of that profile to overwrite: it
		 * carries the mark */
	}
	free(t->name);
	free(t->ipython_profile);
	free(t->file);
	free(t->ports);
	free(t);
}

char *
tunnel_summary(const struct tunnel *t)
{
	return xasprintf("tunnel for %s up: %zu port%s on 127.0.0.1; "
	    "ipyparallel.Client(profile='%s')", t->name, t->nports,
	    t->nports == 1 ? "" : "s", t->ipython_profile);
}

/* ---- records ---- */

char *
tunnel_rec_dir(void)
{
	return paths_below(paths_state_dir(), "tunnels");
}

char *
tunnel_rec_path(const char *name, const char *ext)
{
	return paths_below(tunnel_rec_dir(), "%s.%s", name, ext);
}

static json_t *
ports_json(const struct tunnel_port *p, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:i, s:i}", "field",
		    p[i].field, "remote", p[i].remote, "local", p[i].local));
	return a;
}

int
tunnel_rec_save(const struct tunnel *t, pid_t pid,
    unsigned long long start_time, const char *mode, const char *log,
    struct err *e)
{
	struct timeval tv;
	json_t *o;
	char *dir = tunnel_rec_dir(), *path, *text;
	int rc;

	if (paths_mkdir_p(dir, 0700, e) == -1) {
		free(dir);
		return -1;
	}
	free(dir);
	gettimeofday(&tv, NULL);
	o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:f, s:s, s:o, s:o}",
	    "name", t->name, "dest", host_label(t->host), "pid",
	    (json_int_t)pid, "start_time", (json_int_t)start_time, "mode",
	    mode, "started", (double)tv.tv_sec + tv.tv_usec / 1e6, "file",
	    t->file, "ports", ports_json(t->ports, t->nports), "log",
	    log != NULL ? json_string(log) : json_null());
	if (o == NULL || (text = json_dumps(o, JSON_INDENT(1))) == NULL)
		fatal("json_pack failed");
	json_decref(o);
	path = tunnel_rec_path(t->name, "json");
	rc = file_write_atomic(path, text, strlen(text), 0600, e);
	free(path);
	free(text);
	return rc;
}

static char *
dup_str(const json_t *o, const char *key)
{
	const char *s = opt_str(o, key);

	return s != NULL ? xstrdup(s) : NULL;
}

struct tunnel_rec *
tunnel_rec_load(const char *name, bool *missing, struct err *e)
{
	char *path = tunnel_rec_path(name, "json"), *buf;
	size_t len, i;
	json_error_t je;
	json_t *o, *v, *p;
	struct tunnel_rec *r = NULL;

	*missing = false;
	if (file_read(path, TUNNEL_REC_MAX, 0, &buf, &len, e) == -1) {
		*missing = errno == ENOENT;
		free(path);
		return NULL;
	}
	o = json_loadb(buf, len, 0, &je);
	free(buf);
	if (!json_is_object(o) || !json_is_integer(json_object_get(o, "pid")) ||
	    opt_str(o, "file") == NULL) {
		err_set(e, "%s: not a tunnel record", path);
		goto out;
	}
	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name);
	r->dest = dup_str(o, "dest");
	r->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	r->start_time = (unsigned long long)json_integer_value(
	    json_object_get(o, "start_time"));
	r->mode = dup_str(o, "mode");
	r->started = json_number_value(json_object_get(o, "started"));
	r->file = dup_str(o, "file");
	r->log = dup_str(o, "log");
	json_array_foreach(json_object_get(o, "ports"), i, v) {
		const char *f = static_field(opt_str(v, "field") != NULL ?
		    opt_str(v, "field") : "");

		if (f == NULL)
			continue;
		p = json_object_get(v, "local");
		r->ports = xreallocarray(r->ports, r->nports + 1,
		    sizeof *r->ports);
		r->ports[r->nports++] = (struct tunnel_port){ f,
		    (int)json_integer_value(json_object_get(v, "remote")),
		    (int)json_integer_value(p) };
	}
out:
	json_decref(o);
	free(path);
	return r;
}

void
tunnel_rec_list(struct strv *names)
{
	char *dir = tunnel_rec_dir();

	paths_list_dir(dir, ".json", names);
	free(dir);
}

void
tunnel_rec_remove(const struct tunnel_rec *r)
{
	char *path = tunnel_rec_path(r->name, "json");
	struct err ignored;

	if (r->file != NULL && check_not_controllers(r->file, &ignored) == 0)
		unlink(r->file);
	unlink(path);
	free(path);
}

void
tunnel_rec_free(struct tunnel_rec *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->dest);
	free(r->mode);
	free(r->file);
	free(r->log);
	free(r->ports);
	free(r);
}
