#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "backend.h"
#include "paths.h"
#include "safetext.h"
#include "units.h"
#include "xmalloc.h"

/* State while walking one YAML document. */
struct ctx {
	const char *path;
	const char *buf;
	size_t len;
	yaml_document_t *doc;
	struct err *e;
};

static int
at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(c->e, "%s:%zu:%zu: %s", c->path,
	    n->start_mark.line + 1, n->start_mark.column + 1, msg);
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static const char *
kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* "local, mpi, slurm or pbs": the registry's names, for messages. */
static const char *
backend_names(char *out, size_t outlen)
{
	const struct backend *b;
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; (b = registry_get(i)) != NULL; i++)
		if (n < outlen)
			n += (size_t)snprintf(out + n, outlen - n, "%s%s",
			    i == 0 ? "" : registry_get(i + 1) != NULL ? ", " :
			    " or ", b->name);
	return out;
}

/* Shortened copy of a scalar for messages, so a 1 MiB value does not become
 * a 1 MiB error line. */
static const char *
shown(const yaml_node_t *n, char *out, size_t outlen)
{
	const char *s = n->type == YAML_SCALAR_NODE ? scalar(n) : kind_name(n);
	size_t i, j = 0;

	for (i = 0; s[i] != '\0' && j + 4 < outlen; i++)
		out[j++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (s[i] != '\0') {
		out[j - 3] = out[j - 2] = out[j - 1] = '.';
	}
	out[j] = '\0';
	return out;
}

static const char *const placement_names[] = {
	[PROFILE_PLACEMENT_JOB] = "job",
	[PROFILE_PLACEMENT_ALLOCATION] = "allocation",
	[PROFILE_PLACEMENT_LOGIN] = "login",
};

const char *
profile_placement_name(enum profile_placement pl)
{
	return placement_names[pl];
}

static int
get_placement(struct ctx *c, const char *key, yaml_node_t *v,
    struct profile *p)
{
	size_t n = sizeof placement_names / sizeof *placement_names;
	char buf[64];

	if (v->type == YAML_SCALAR_NODE)
		for (size_t i = 0; i < n; i++)
			if (strcmp(scalar(v), placement_names[i]) == 0) {
				p->controller.placement =
				    (enum profile_placement)i;
				p->controller.placement_line =
				    v->start_mark.line + 1;
				p->controller.placement_col =
				    v->start_mark.column + 1;
				return 0;
			}
	return at(c, v, "%s: '%s' is not a placement (expected %s, %s or %s)",
	    key, shown(v, buf, sizeof buf), placement_names[0],
	    placement_names[1], placement_names[2]);
}

static int
get_string(struct ctx *c, const char *key, yaml_node_t *n, char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return at(c, n, "%s: expected a string, got %s", key,
		    kind_name(n));
	for (const char *s = scalar(n); *s != '\0'; s++)
		if (*s == '\n' || *s == '\r')
			return at(c, n, "%s: must be a single line", key);
	free(*out);
	*out = xstrdup(scalar(n));
	return 0;
}

static int
get_int(struct ctx *c, const char *key, yaml_node_t *n, long min, long max,
    int *out)
{
	char buf[64];
	const char *s;
	char *end;
	long v;

	if (n->type != YAML_SCALAR_NODE)
		return at(c, n, "%s: expected an integer, got %s", key,
		    kind_name(n));
	s = scalar(n);
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || isspace((unsigned char)*s) ||
	    n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
		return at(c, n, "%s: expected an integer, got '%s'", key,
		    shown(n, buf, sizeof buf));
	if (errno == ERANGE || v < min || v > max)
		return at(c, n, "%s: %s is out of range (%ld to %ld)", key,
		    shown(n, buf, sizeof buf), min, max);
	*out = (int)v;
	return 0;
}

static int
get_bool(struct ctx *c, const char *key, yaml_node_t *n, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes",
	    "Yes", "YES", "on", "On", "ON", NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no",
	    "No", "NO", "off", "Off", "OFF", NULL };
	char buf[64];

	if (n->type == YAML_SCALAR_NODE) {
		for (int i = 0; yes[i] != NULL; i++)
			if (strcmp(scalar(n), yes[i]) == 0)
				return *out = true, 0;
		for (int i = 0; no[i] != NULL; i++)
			if (strcmp(scalar(n), no[i]) == 0)
				return *out = false, 0;
	}
	return at(c, n, "%s: expected true or false, got '%s'", key,
	    shown(n, buf, sizeof buf));
}

/* A list of strings; a scalar is accepted as one item, or split on white
 * space when `split` (so `command: python3 -m x` works as users expect). */
static int
get_list(struct ctx *c, const char *key, yaml_node_t *n, bool split,
    struct strv *out)
{
	strv_clear(out);
	if (n->type == YAML_SCALAR_NODE) {
		const char *s = scalar(n);

		if (!split) {
			strv_push(out, s);
			return 0;
		}
		while (*s != '\0') {
			size_t len;

			while (isspace((unsigned char)*s))
				s++;
			len = strcspn(s, " \t\r\n");
			if (len > 0)
				strv_push_take(out, xstrndup(s, len));
			s += len;
		}
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return at(c, n, "%s: expected a list of strings, got %s", key,
		    kind_name(n));
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(c->doc, *it);

		if (item->type != YAML_SCALAR_NODE) {
			strv_clear(out);
			return at(c, item, "%s: list items must be strings, "
			    "got %s", key, kind_name(item));
		}
		strv_push(out, scalar(item));
	}
	return 0;
}

/* Lines that end up in a job script must stay one line each. */
static int
check_single_lines(struct ctx *c, const char *key, yaml_node_t *n,
    const struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strpbrk(sv->v[i], "\r\n") != NULL)
			return at(c, n, "%s: item %zu must be a single line",
			    key, i + 1);
	return 0;
}

static bool
valid_name(const char *s)
{
	if (*s == '\0' || *s == '.')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return false;
	return true;
}

bool
profile_valid_host(const char *s)
{
	/* A leading '-' would be an option to ssh; whitespace and control
	 * characters are no part of any destination. */
	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

bool
profile_valid_plain_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_.@+-", *s) == NULL)
			return false;
	return true;
}

static bool
valid_env_key(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int
get_env(struct ctx *c, struct profile *p, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return at(c, n, "env: expected a mapping of NAME: value, got %s",
		    kind_name(n));
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	    pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		char buf[64];

		if (k->type != YAML_SCALAR_NODE || !valid_env_key(scalar(k)))
			return at(c, k, "env: '%s' is not a valid variable "
			    "name", shown(k, buf, sizeof buf));
		if (v->type != YAML_SCALAR_NODE)
			return at(c, v, "env: %s: expected a string, got %s",
			    scalar(k), kind_name(v));
		for (size_t i = 0; i < p->nenv; i++)
			if (strcmp(p->env[i].key, scalar(k)) == 0)
				return at(c, k, "env: duplicate variable '%s'",
				    scalar(k));
		p->env = xreallocarray(p->env, p->nenv + 1, sizeof *p->env);
		p->env[p->nenv].key = xstrdup(scalar(k));
		p->env[p->nenv].value = xstrdup(scalar(v));
		p->nenv++;
	}
	return 0;
}

/* hosts: as a mapping of host name -> how many engines run there. */
static int
get_host_map(struct ctx *c, struct profile *p, yaml_node_t *n)
{
	strv_clear(&p->hosts);
	free(p->host_engines);
	p->host_engines = NULL;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	    pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		char buf[64], *key;
		int count, rc;

		if (k->type != YAML_SCALAR_NODE || !valid_name(scalar(k)))
			return at(c, k, "hosts: '%s' is not a valid host name",
			    shown(k, buf, sizeof buf));
		for (size_t i = 0; i < p->hosts.n; i++)
			if (strcmp(p->hosts.v[i], scalar(k)) == 0)
				return at(c, k, "hosts: duplicate host '%s'",
				    scalar(k));
		key = xasprintf("hosts: %s", scalar(k));
		rc = get_int(c, key, v, 1, PROFILE_MAX_ENGINES, &count);
		free(key);
		if (rc == -1)
			return -1;
		p->host_engines = xreallocarray(p->host_engines,
		    p->hosts.n + 1, sizeof *p->host_engines);
		p->host_engines[p->hosts.n] = count;
		strv_push(&p->hosts, scalar(k));
	}
	if (p->hosts.n == 0)
		return at(c, n, "hosts: must not be empty");
	return 0;
}

/* Key tables: one per mapping, so the unknown-key message can list what
 * is allowed there. */
enum key {
	K_VERSION, K_BACKEND, K_ENGINES, K_DESCRIPTION, K_IPYTHON_PROFILE,
	K_CLUSTER_ID, K_SETUP, K_ENV, K_CONTROLLER, K_ENGINE, K_MPI, K_MPIEXEC,
	K_MPIEXEC_ARGS, K_HOSTS, K_QUEUE, K_WALLTIME, K_ACCOUNT, K_NODES,
	K_PPN, K_TASKS_PER_NODE, K_MEM, K_DIRECTIVES, K_STALL_AFTER, K_HOST,
	K_ENGINES_WALLTIME, K_RENEW_BEFORE,
	K_IP, K_INTERFACE, K_ALLOW_LOOPBACK, K_PLACEMENT, K_COMMAND, K_ARGS,
	K_NONE
};

struct keydef {
	const char *name;
	enum key key;
};

static const struct keydef top_keys[] = {
	{ "version", K_VERSION }, { "backend", K_BACKEND },
	{ "engines", K_ENGINES }, { "description", K_DESCRIPTION },
	{ "ipython_profile", K_IPYTHON_PROFILE },
	{ "cluster_id", K_CLUSTER_ID }, { "setup", K_SETUP },
	{ "env", K_ENV }, { "controller", K_CONTROLLER },
	{ "engine", K_ENGINE }, { "mpi", K_MPI }, { "mpiexec", K_MPIEXEC },
	{ "mpiexec_args", K_MPIEXEC_ARGS }, { "hosts", K_HOSTS },
	{ "queue", K_QUEUE }, { "walltime", K_WALLTIME },
	{ "account", K_ACCOUNT }, { "nodes", K_NODES }, { "ppn", K_PPN },
	{ "tasks_per_node", K_TASKS_PER_NODE }, { "mem", K_MEM },
	{ "directives", K_DIRECTIVES }, { "stall_after", K_STALL_AFTER },
	{ "host", K_HOST }, { "engines_walltime", K_ENGINES_WALLTIME },
	{ "renew_before", K_RENEW_BEFORE },
	{ NULL, K_NONE }
};
static const struct keydef controller_keys[] = {
	{ "ip", K_IP }, { "interface", K_INTERFACE },
	{ "allow_loopback", K_ALLOW_LOOPBACK },
	{ "placement", K_PLACEMENT },
	{ "command", K_COMMAND }, { "args", K_ARGS },
	{ NULL, K_NONE }
};
static const struct keydef engine_keys[] = {
	{ "command", K_COMMAND }, { "args", K_ARGS }, { NULL, K_NONE }
};

static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) :
			    (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}

/* Looks a key up; on failure reports it with a "did you mean" hint. */
static int
lookup_key(struct ctx *c, const char *where, const struct keydef *defs,
    yaml_node_t *k, enum key *out)
{
	const char *best = NULL;
	size_t bestd = 3;
	char buf[64];

	if (k->type != YAML_SCALAR_NODE)
		return at(c, k, "%skeys must be strings, got %s", where,
		    kind_name(k));
	for (const struct keydef *d = defs; d->name != NULL; d++) {
		size_t dist;

		if (strcmp(d->name, scalar(k)) == 0)
			return *out = d->key, 0;
		dist = edit_distance(d->name, scalar(k));
		if (dist < bestd) {
			bestd = dist;
			best = d->name;
		}
	}
	if (best != NULL)
		return at(c, k, "%sunknown key '%s' (did you mean '%s'?)", where,
		    shown(k, buf, sizeof buf), best);
	return at(c, k, "%sunknown key '%s'", where, shown(k, buf, sizeof buf));
}

/* Rejects a key given twice in one mapping: YAML says keys are unique and a
 * silently ignored first value is a lost setting. Only known keys can be
 * duplicates that matter (lookup_key rejects the rest), so one slot per
 * known key keeps this linear in the size of the mapping. */
static int
check_duplicates(struct ctx *c, yaml_node_t *map, const struct keydef *defs)
{
	const yaml_node_t *first[K_NONE] = { NULL };

	for (yaml_node_pair_t *a = map->data.mapping.pairs.start;
	    a < map->data.mapping.pairs.top; a++) {
		yaml_node_t *ka = yaml_document_get_node(c->doc, a->key);
		const struct keydef *d;

		if (ka->type != YAML_SCALAR_NODE)
			continue;
		for (d = defs; d->name != NULL; d++)
			if (strcmp(d->name, scalar(ka)) == 0)
				break;
		if (d->name == NULL)
			continue;
		if (first[d->key] != NULL)
			return at(c, ka, "duplicate key '%s' (first given at "
			    "line %zu)", scalar(ka),
			    first[d->key]->start_mark.line + 1);
		first[d->key] = ka;
	}
	return 0;
}

static int
get_sub(struct ctx *c, struct profile *p, const char *name, yaml_node_t *n,
    const struct keydef *defs, struct strv *command, struct strv *args)
{
	char where[64];

	if (n->type != YAML_MAPPING_NODE)
		return at(c, n, "%s: expected a mapping, got %s", name,
		    kind_name(n));
	if (check_duplicates(c, n, defs) == -1)
		return -1;
	snprintf(where, sizeof where, "%s: ", name);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	    pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		char full[64];
		enum key key;

		if (lookup_key(c, where, defs, k, &key) == -1)
			return -1;
		snprintf(full, sizeof full, "%s.%s", name, scalar(k));
		switch (key) {
		case K_IP:
		case K_INTERFACE: {
			char **dst = key == K_IP ? &p->controller.ip :
			    &p->controller.interface;
			char buf[64];

			if (get_string(c, full, v, dst) == -1)
				return -1;
			if (key == K_IP) {
				p->controller.ip_line = v->start_mark.line + 1;
				p->controller.ip_col = v->start_mark.column + 1;
			}
			if (p->controller.ip != NULL &&
			    p->controller.interface != NULL)
				return at(c, k, "controller: give ip or "
				    "interface, not both");
			/* Linux interface names: IFNAMSIZ - 1 bytes. */
			if (key == K_INTERFACE && (!valid_name(*dst) ||
			    strlen(*dst) > 15))
				return at(c, v, "%s: '%s' is not a network "
				    "interface name (up to 15 letters, digits, "
				    "'_', '.', '-')", full,
				    shown(v, buf, sizeof buf));
			break;
		}
		case K_ALLOW_LOOPBACK:
			if (get_bool(c, full, v, &p->controller.allow_loopback)
			    == -1)
				return -1;
			break;
		case K_PLACEMENT:
			if (get_placement(c, full, v, p) == -1)
				return -1;
			break;
		case K_COMMAND:
			if (get_list(c, full, v, true, command) == -1)
				return -1;
			if (command->n == 0)
				return at(c, v, "%s: must not be empty", full);
			break;
		case K_ARGS:
			if (get_list(c, full, v, true, args) == -1)
				return -1;
			break;
		default:
			fatal("profile: unhandled key %d", key);
		}
	}
	return 0;
}

static int
get_top(struct ctx *c, struct profile *p, enum key key, const char *name,
    yaml_node_t *v, bool *have_ppn)
{
	switch (key) {
	case K_VERSION: {
		int version;

		if (get_int(c, name, v, 0, INT_MAX, &version) == -1)
			return -1;
		if (version != PROFILE_SCHEMA_VERSION)
			return at(c, v, "version: schema version %d is not "
			    "supported (this hpctop reads version %d)", version,
			    PROFILE_SCHEMA_VERSION);
		return 0;
	}
	case K_BACKEND: {
		char buf[64], names[128];

		if (v->type == YAML_SCALAR_NODE &&
		    registry_find(scalar(v)) != NULL)
			return get_string(c, name, v, &p->backend);
		return at(c, v, "backend: unknown backend '%s' (expected %s)",
		    shown(v, buf, sizeof buf),
		    backend_names(names, sizeof names));
	}
	case K_ENGINES:
		return get_int(c, name, v, 1, PROFILE_MAX_ENGINES, &p->engines);
	case K_DESCRIPTION:
		if (v->type != YAML_SCALAR_NODE)
			return at(c, v, "description: expected a string, got "
			    "%s", kind_name(v));
		free(p->description);
		p->description = xstrdup(scalar(v));
		return 0;
	case K_IPYTHON_PROFILE:
	case K_CLUSTER_ID: {
		char **dst = key == K_CLUSTER_ID ? &p->cluster_id :
		    &p->ipython_profile;
		char buf[64];

		if (get_string(c, name, v, dst) == -1)
			return -1;
		if (!valid_name(*dst) && !(key == K_CLUSTER_ID && **dst == 0))
			return at(c, v, "%s: '%s' is not a valid name (letters, "
			    "digits, '_', '.', '-')", name,
			    shown(v, buf, sizeof buf));
		return 0;
	}
	case K_SETUP:
		return get_list(c, name, v, false, &p->setup);
	case K_ENV:
		return get_env(c, p, v);
	case K_CONTROLLER:
		return get_sub(c, p, name, v, controller_keys,
		    &p->controller.command, &p->controller.args);
	case K_ENGINE:
		return get_sub(c, p, name, v, engine_keys, &p->engine.command,
		    &p->engine.args);
	case K_MPI:
		return get_bool(c, name, v, &p->mpi);
	case K_MPIEXEC:
		if (get_list(c, name, v, true, &p->mpiexec) == -1)
			return -1;
		if (p->mpiexec.n == 0)
			return at(c, v, "mpiexec: must not be empty");
		return 0;
	case K_MPIEXEC_ARGS:
		return get_list(c, name, v, true, &p->mpiexec_args);
	case K_HOSTS:
		if (v->type == YAML_MAPPING_NODE)
			return get_host_map(c, p, v);
		if (get_list(c, name, v, false, &p->hosts) == -1)
			return -1;
		for (size_t i = 0; i < p->hosts.n; i++)
			if (!valid_name(p->hosts.v[i]))
				return at(c, v, "hosts: '%s' is not a valid "
				    "host name", p->hosts.v[i]);
		return 0;
	case K_QUEUE:
	case K_ACCOUNT: {
		char **dst = key == K_QUEUE ? &p->queue : &p->account;
		char buf[64];

		if (get_string(c, name, v, dst) == -1)
			return -1;
		if (!profile_valid_plain_name(*dst))
			return at(c, v, "%s: '%s' is not %s name (letters, "
			    "digits and _.@+-)", name, shown(v, buf, sizeof buf),
			    key == K_QUEUE ? "a queue" : "an account");
		return 0;
	}
	case K_STALL_AFTER:
	case K_RENEW_BEFORE: {
		const char *text = v->type == YAML_SCALAR_NODE ? scalar(v) : "";
		long *dst = key == K_STALL_AFTER ? &p->stall_after :
		    &p->renew_before;
		char buf[64];
		struct err ue;

		if (units_parse_duration(text, UNITS_SECOND, dst, &ue) == -1)
			return at(c, v, "%s: %s, got '%s'", name, ue.msg,
			    shown(v, buf, sizeof buf));
		if (*dst < 1)
			return at(c, v, "%s: must be at least 1 s", name);
		if (key == K_RENEW_BEFORE) {
			p->renew_line = v->start_mark.line + 1;
			p->renew_col = v->start_mark.column + 1;
		}
		return 0;
	}
	case K_ENGINES_WALLTIME:
	case K_WALLTIME:
	case K_MEM: {
		const char *text = v->type == YAML_SCALAR_NODE ? scalar(v) : "";
		char buf[64];
		struct err ue;
		int rc;

		/* A bare walltime is minutes and a bare mem megabytes, as
		 * sbatch reads them. */
		rc = key != K_MEM ? units_parse_duration(text,
		    UNITS_MINUTE, key == K_WALLTIME ? &p->walltime :
		    &p->engines_walltime, &ue) :
		    units_parse_size(text, UNITS_MIB, &p->mem, &ue);
		if (rc == -1)
			return at(c, v, "%s: %s, got '%s'", name, ue.msg,
			    shown(v, buf, sizeof buf));
		return 0;
	}
	case K_NODES:
		return get_int(c, name, v, 1, PROFILE_MAX_ENGINES, &p->nodes);
	case K_PPN:
	case K_TASKS_PER_NODE:
		if (*have_ppn)
			return at(c, v, "%s: give either ppn or "
			    "tasks_per_node, not both", name);
		*have_ppn = true;
		return get_int(c, name, v, 1, PROFILE_MAX_ENGINES,
		    &p->tasks_per_node);
	case K_DIRECTIVES:
		if (get_list(c, name, v, false, &p->directives) == -1)
			return -1;
		return check_single_lines(c, name, v, &p->directives);
	case K_HOST: {
		char buf[64];

		if (get_string(c, name, v, &p->host) == -1)
			return -1;
		if (!profile_valid_host(p->host))
			return at(c, v, "host: '%s' is not an ssh destination "
			    "(" PROFILE_HOST_RULE ")", shown(v, buf,
			    sizeof buf));
		return 0;
	}
	default:
		fatal("profile: unhandled key %d", key);
	}
}

/* libyaml reports reader errors (bad UTF-8) as a byte offset only. */
static void
offset_to_mark(const char *buf, size_t len, size_t off, size_t *line,
    size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int
syntax_error(struct ctx *c, yaml_parser_t *parser)
{
	size_t line, col;

	if (parser->error == YAML_MEMORY_ERROR)
		fatal("out of memory parsing %s", c->path);
	if (parser->error == YAML_READER_ERROR) {
		size_t off = parser->problem_offset;

		/* Point at the character's first byte, not the bad follower. */
		for (int i = 0; i < 3 && off > 0 && off < c->len &&
		    ((unsigned char)c->buf[off] & 0xC0) != 0xC0 &&
		    ((unsigned char)c->buf[off - 1] & 0x80) != 0; i++)
			off--;
		offset_to_mark(c->buf, c->len, off, &line, &col);
		return err_set(c->e, "%s:%zu:%zu: not valid UTF-8 text (%s)",
		    c->path, line, col, parser->problem);
	}
	line = parser->problem_mark.line + 1;
	col = parser->problem_mark.column + 1;
	if (parser->context != NULL)
		return err_set(c->e, "%s:%zu:%zu: YAML syntax error: %s (%s "
		    "that starts at %zu:%zu)", c->path, line, col,
		    parser->problem, parser->context,
		    parser->context_mark.line + 1,
		    parser->context_mark.column + 1);
	return err_set(c->e, "%s:%zu:%zu: YAML syntax error: %s", c->path,
	    line, col, parser->problem);
}

/* One pass over the events before the document is built: bounds nesting,
 * anchors and aliases (see PROFILE_MAX_DEPTH), stopping at the first
 * excess, so no input makes the loader slow or large. */
static int
check_shape(struct ctx *c)
{
	yaml_parser_t parser;
	int depth = 0, anchors = 0, aliases = 0, rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		fatal("out of memory (yaml parser)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)c->buf,
	    c->len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (!done && rc == 0) {
		yaml_event_t ev;
		const char *anchor = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			rc = syntax_error(c, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			anchor = ev.type == YAML_SEQUENCE_START_EVENT ?
			    (const char *)ev.data.sequence_start.anchor :
			    (const char *)ev.data.mapping_start.anchor;
			if (++depth > PROFILE_MAX_DEPTH)
				rc = err_set(c->e, "%s:%zu:%zu: nesting deeper "
				    "than %d levels", c->path,
				    ev.start_mark.line + 1,
				    ev.start_mark.column + 1,
				    PROFILE_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			anchor = (const char *)ev.data.scalar.anchor;
			break;
		case YAML_ALIAS_EVENT:
			if (++aliases > PROFILE_MAX_ANCHORS)
				rc = err_set(c->e, "%s:%zu:%zu: more than %d "
				    "aliases", c->path, ev.start_mark.line + 1,
				    ev.start_mark.column + 1,
				    PROFILE_MAX_ANCHORS);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		if (rc == 0 && anchor != NULL && ++anchors > PROFILE_MAX_ANCHORS)
			rc = err_set(c->e, "%s:%zu:%zu: more than %d anchors",
			    c->path, ev.start_mark.line + 1,
			    ev.start_mark.column + 1, PROFILE_MAX_ANCHORS);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* The file name becomes the cluster's name, directory and IPython
 * profile: text that every screen, record and JSON output can carry. */
static int
check_name(struct ctx *c, const char *name)
{
	if (!safetext_utf8_valid(name))
		return err_set(c->e, "%s: file name is not valid UTF-8 (rename "
		    "the file)", c->path);
	if (safetext_has_ctl(name))
		return err_set(c->e, "%s: file name contains control "
		    "characters (rename the file)", c->path);
	return 0;
}

static void
set_defaults(struct profile *p)
{
	if (p->ipython_profile == NULL)
		p->ipython_profile = xstrdup(p->name);
	if (p->cluster_id == NULL)
		p->cluster_id = xstrdup("");
	if (p->description == NULL)
		p->description = xstrdup("");
	if (p->controller.command.n == 0)
		strv_push(&p->controller.command, "ipcontroller");
	if (p->engine.command.n == 0)
		strv_push(&p->engine.command, "ipengine");
	if (p->mpiexec.n == 0)
		strv_push(&p->mpiexec, "mpiexec");
}

static int
walk(struct ctx *c, struct profile *p)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc);
	bool have_backend = false, have_ppn = false, have_mpi = false;
	bool have_engines = false;

	if (root == NULL || (root->type == YAML_SCALAR_NODE &&
	    scalar(root)[0] == '\0'))
		return err_set(c->e, "%s:1:1: empty profile (expected a "
		    "mapping with at least 'backend')", c->path);
	if (root->type != YAML_MAPPING_NODE)
		return at(c, root, "expected a mapping of settings, got %s",
		    kind_name(root));
	if (check_duplicates(c, root, top_keys) == -1)
		return -1;
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	    pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		enum key key;

		if (lookup_key(c, "", top_keys, k, &key) == -1)
			return -1;
		if (get_top(c, p, key, scalar(k), v, &have_ppn) == -1)
			return -1;
		if (key == K_BACKEND)
			have_backend = true;
		if (key == K_MPI)
			have_mpi = true;
		if (key == K_ENGINES)
			have_engines = true;
	}
	if (!have_backend) {
		char names[128];

		return at(c, root, "missing required key 'backend' (%s)",
		    backend_names(names, sizeof names));
	}
	/* The mpi backend's engines share one MPI world unless the profile
	 * says otherwise (mpi: false, for an mpiexec of another MPI than
	 * mpi4py's). */
	if (!have_mpi && strcmp(p->backend, "mpi") == 0)
		p->mpi = true;
	if (registry_find(p->backend)->batch == NULL) {
		if (p->controller.placement_line != 0)
			return err_set(c->e, "%s:%zu:%zu: controller.placement: "
			    "only batch backends place their controller "
			    "(backend %s runs it as a process here)", c->path,
			    p->controller.placement_line,
			    p->controller.placement_col, p->backend);
	} else if (p->controller.placement_line == 0)
		/* Renewing stops old sets' jobs: the controller then needs
		 * one of its own (engines_walltime lets it outlive them). */
		p->controller.placement = p->renew_before > 0 ?
		    PROFILE_PLACEMENT_JOB : PROFILE_PLACEMENT_DEFAULT;
	/* Renewing stops the old set's job: in an allocation that job is the
	 * controller's. */
	if (p->renew_before > 0 &&
	    p->controller.placement == PROFILE_PLACEMENT_ALLOCATION)
		return err_set(c->e, "%s:%zu:%zu: renew_before: the controller "
		    "runs in the engines' job (controller.placement allocation), "
		    "which a renewal would stop; use placement job or login",
		    c->path, p->renew_line, p->renew_col);
	if (!have_engines && p->host_engines != NULL) {
		long sum = 0;

		for (size_t i = 0; i < p->hosts.n; i++)
			sum += p->host_engines[i];
		if (sum > PROFILE_MAX_ENGINES)
			return at(c, root, "hosts: %ld engines in all, more "
			    "than %d", sum, PROFILE_MAX_ENGINES);
		p->engines = (int)sum;
	}
	return 0;
}

char *
profile_name_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base != NULL ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
		len -= 4;
	return xstrndup(base, len);
}

struct profile *
profile_load_buffer(const char *buf, size_t len, const char *path,
    const char *name, struct err *e)
{
	struct ctx c = { path, buf, len, NULL, e };
	yaml_parser_t parser;
	yaml_document_t doc;
	struct profile *p;
	int rc;

	/* YAML allows a leading byte order mark; libyaml drops it only when
	 * it detects the encoding itself, and the encoding is fixed here. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
		c.buf = buf;
		c.len = len;
	}
	if (len > PROFILE_MAX_BYTES) {
		err_set(e, "%s:1:1: file is too large (%zu bytes; a profile "
		    "may have at most %d)", path, len, PROFILE_MAX_BYTES);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		size_t line, col;

		offset_to_mark(buf, len, (size_t)((const char *)memchr(buf,
		    '\0', len) - buf), &line, &col);
		err_set(e, "%s:%zu:%zu: NUL byte in file (not a text file)",
		    path, line, col);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->version = PROFILE_SCHEMA_VERSION;
	p->engines = 1;
	p->walltime = -1;
	p->engines_walltime = -1;
	p->mem = -1;
	p->stall_after = PROFILE_STALL_AFTER_DEFAULT;
	p->path = xstrdup(path);
	p->name = name != NULL ? xstrdup(name) : profile_name_from_path(path);
	if (check_name(&c, p->name) == -1 || check_shape(&c) == -1) {
		profile_free(p);
		return NULL;
	}

	if (!yaml_parser_initialize(&parser))
		fatal("out of memory (yaml parser)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(&c, &parser);
		yaml_parser_delete(&parser);
		profile_free(p);
		return NULL;
	}
	c.doc = &doc;
	rc = walk(&c, p);
	if (rc == 0) {
		yaml_document_t next;

		/* A second document would be silently ignored otherwise. */
		if (!yaml_parser_load(&parser, &next)) {
			rc = syntax_error(&c, &parser);
		} else {
			yaml_node_t *r = yaml_document_get_root_node(&next);

			if (r != NULL)
				rc = at(&c, r, "only one YAML document is "
				    "allowed in a profile");
			yaml_document_delete(&next);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc == -1) {
		profile_free(p);
		return NULL;
	}
	set_defaults(p);
	return p;
}

char *
profile_read_text(const char *path, size_t *lenp, struct err *e)
{
	char *buf;
	size_t len = 0;
	struct stat st;
	int fd;

	if (paths_check_trusted(path, e) == -1) {
		err_prefix(e, "%s: ignored", path);
		return NULL;
	}
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		err_errno(e, "%s", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		err_errno(e, "%s", path);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size > PROFILE_MAX_BYTES) {
		err_set(e, "%s:1:1: file is too large (%lld bytes; a profile "
		    "may have at most %d)", path, (long long)st.st_size,
		    PROFILE_MAX_BYTES);
		close(fd);
		return NULL;
	}
	/* One byte past the limit tells a file that grew since fstat. */
	buf = xmalloc((size_t)st.st_size + 2);
	while (len <= (size_t)st.st_size) {
		ssize_t got = read(fd, buf + len, (size_t)st.st_size + 1 - len);

		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			err_errno(e, "%s: read error", path);
			close(fd);
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (len > PROFILE_MAX_BYTES) {
		err_set(e, "%s:1:1: file is too large (more than %d bytes, the "
		    "most a profile may have)", path, PROFILE_MAX_BYTES);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

struct profile *
profile_load(const char *path, const char *name, struct err *e)
{
	struct profile *p;
	size_t len;
	char *buf = profile_read_text(path, &len, e);

	if (buf == NULL)
		return NULL;
	p = profile_load_buffer(buf, len, path, name, e);
	free(buf);
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->path);
	free(p->backend);
	free(p->description);
	free(p->ipython_profile);
	free(p->cluster_id);
	free(p->host);
	strv_clear(&p->setup);
	for (size_t i = 0; i < p->nenv; i++) {
		free(p->env[i].key);
		free(p->env[i].value);
	}
	free(p->env);
	free(p->controller.ip);
	free(p->controller.interface);
	strv_clear(&p->controller.command);
	strv_clear(&p->controller.args);
	strv_clear(&p->engine.command);
	strv_clear(&p->engine.args);
	strv_clear(&p->mpiexec);
	strv_clear(&p->mpiexec_args);
	strv_clear(&p->hosts);
	free(p->host_engines);
	free(p->queue);
	free(p->account);
	strv_clear(&p->directives);
	free(p);
}

const char *
profile_getenv(const struct profile *p, const char *key)
{
	for (size_t i = 0; i < p->nenv; i++)
		if (strcmp(p->env[i].key, key) == 0)
			return p->env[i].value;
	return NULL;
}

long
profile_job_walltime(const struct profile *p, bool engines)
{
	return engines && p->engines_walltime >= 0 ? p->engines_walltime :
	    p->walltime;
}
