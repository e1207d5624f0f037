#include "cluster.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "paths.h"
#include "xmalloc.h"

/* Bounds on what a record may hold, so a corrupt file cannot make us
 * allocate without limit. */
#define MAX_RECORD_BYTES (4 * 1024 * 1024)
/* The controller's engine state: about 100 bytes per engine. */
#define ENGINE_STATE_MAX (16 * 1024 * 1024)

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *
cluster_state_root(void)
{
	return paths_below(paths_state_dir(), "clusters");
}

char *
cluster_dir_for(const char *name)
{
	return paths_below(cluster_state_root(), "%s", name);
}

/* A remote home not asked yet: paths relative to it, as an exec channel
 * or SFTP resolves them. */
#define UNASKED_HOME "."

static const char *
home_on_host(const struct cluster *c)
{
	return c->host_home != NULL ? c->host_home : UNASKED_HOME;
}

char *
cluster_work_dir(const struct cluster *c)
{
	if (c->host == NULL)
		return xstrdup(c->dir);
	return paths_below(paths_state_dir_in(home_on_host(c)), "clusters/%s",
	    c->name);
}

void
cluster_remove_work_dir(struct loop *l, const struct cluster *c)
{
	char *argv[] = { "rm", "-rf", NULL, NULL };
	struct host *h;

	/* A home never asked leaves the path unknown: nothing removed blind. */
	if (c->host == NULL || c->host_home == NULL ||
	    (h = cluster_host(l, c, NULL)) == NULL)
		return;
	argv[2] = cluster_work_dir(c);
	subproc_result_free(host_run_sync(h, l, argv, NULL, NULL, 0,
	    HOST_SYNC_TIMEOUT_MS));
	free(argv[2]);
}

char *
cluster_ipython_dir(const struct cluster *c)
{
	return c->host == NULL ? paths_ipython_dir() :
	    paths_ipython_dir_in(home_on_host(c));
}

static void
fill_paths(struct cluster *c)
{
	char *ipdir = cluster_ipython_dir(c);

	free(c->dir);
	c->dir = cluster_dir_for(c->name);
	if (c->client_file == NULL)
		c->client_file = paths_connection_file_in(ipdir,
		    c->ipython_profile, c->cluster_id, "client");
	if (c->engine_file == NULL)
		c->engine_file = paths_connection_file_in(ipdir,
		    c->ipython_profile, c->cluster_id, "engine");
	free(ipdir);
}

struct host *
cluster_host(struct loop *l, const struct cluster *c, struct err *e)
{
	return host_get(l, c->host, e);
}

const char *
cluster_host_state_label(enum host_state s)
{
	switch (s) {
	case HOST_UP:
		return "up";
	case HOST_CONNECTING:
		return "connecting";
	case HOST_RECONNECTING:
		return "reconnecting";
	case HOST_DOWN:
		break;
	}
	return "down";
}

bool
cluster_host_unreachable(struct loop *l, const struct cluster *c,
    char *buf, size_t len)
{
	struct host *h;
	enum host_state st;
	struct err why;

	if (c->host == NULL)
		return false;
	if ((h = cluster_host(l, c, &why)) == NULL)
		st = HOST_DOWN;
	else if ((st = host_state(h, &why)) != HOST_RECONNECTING &&
	    st != HOST_DOWN)
		return false;
	if (buf != NULL)
		snprintf(buf, len, "%s: %s%s%s%s", c->host,
		    cluster_host_state_label(st), why.msg[0] ? " (" : "",
		    why.msg, why.msg[0] ? ")" : "");
	return true;
}

/* What was asked of each host this session: its home and login name. */
struct host_facts {
	char *dest;
	char *home;
	char *user;
};
static struct host_facts *facts;
static size_t nfacts;

/* One command for both: printenv HOME, then the login name. */
static const struct host_facts *
facts_of(struct loop *l, const char *dest, struct err *e)
{
	static char *const argv[] = { "sh", "-c",
	    "printenv HOME && id -un", NULL };
	struct subproc_result *r;
	struct host_facts *f;
	struct host *h;
	size_t hl, ul;

	for (size_t i = 0; i < nfacts; i++)
		if (strcmp(facts[i].dest, dest) == 0)
			return &facts[i];
	if ((h = host_get(l, dest, e)) == NULL)
		return NULL;
	r = host_run_sync(h, l, argv, NULL, NULL, 0, HOST_SYNC_TIMEOUT_MS);
	hl = r->ok ? strcspn(r->out, "\n") : 0;
	ul = hl > 0 && r->out[hl] == '\n' ? strcspn(r->out + hl + 1, "\n") : 0;
	if (hl == 0 || ul == 0 || r->out[0] != '/') {
		if (!r->ok)
			err_set(e, "%s", r->err.msg);
		else
			err_set(e, "%s: printenv HOME and id -un printed no "
			    "home directory and user name", dest);
		subproc_result_free(r);
		return NULL;
	}
	facts = xreallocarray(facts, nfacts + 1, sizeof *facts);
	f = &facts[nfacts++];
	f->dest = xstrdup(dest);
	f->home = xstrndup(r->out, hl);
	f->user = xstrndup(r->out + hl + 1, ul);
	subproc_result_free(r);
	return f;
}

char *
cluster_user(struct loop *l, const struct cluster *c, struct err *e)
{
	const struct host_facts *f;
	char *user;

	if (c->host == NULL) {
		if ((user = paths_user_name()) == NULL)
			err_set(e, "no passwd entry, no $USER");
		return user;
	}
	f = facts_of(l, c->host, e);
	return f != NULL ? xstrdup(f->user) : NULL;
}

int
cluster_place(struct loop *l, struct cluster *c, struct err *e)
{
	const struct host_facts *f;

	if (c->host == NULL || c->host_home != NULL)
		return 0;
	if ((f = facts_of(l, c->host, e)) == NULL)
		return err_prefix(e, "cluster '%s': asking its home directory",
		    c->name);
	c->host_home = xstrdup(f->home);
	free(c->client_file);
	free(c->engine_file);
	c->client_file = c->engine_file = NULL;
	fill_paths(c);
	return 0;
}

struct cluster *
cluster_new(const struct profile *p, const char *yaml, int n, struct err *e)
{
	struct cluster *c;
	struct profile *copy;

	if (strchr(p->name, '/') != NULL || p->name[0] == '.' ||
	    p->name[0] == '\0') {
		err_set(e, "profile name '%s' cannot name a cluster record",
		    p->name);
		return NULL;
	}
	copy = profile_load_buffer(yaml, strlen(yaml), p->path, p->name, e);
	if (copy == NULL)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->name = xstrdup(p->name);
	c->backend = xstrdup(p->backend);
	c->profile_path = xstrdup(p->path != NULL ? p->path : "");
	c->profile_yaml = xstrdup(yaml);
	c->profile = copy;
	c->engines = n;
	c->add_n = n;
	c->next_set = 1;
	c->ipython_profile = xstrdup(p->ipython_profile);
	c->cluster_id = xstrdup(p->cluster_id != NULL ? p->cluster_id : "");
	c->started = wall_now();
	c->boot_id = xstrdup(cluster_boot_id());
	c->host = p->host != NULL ? xstrdup(p->host) : NULL;
	c->lock_fd = -1;
	fill_paths(c);
	return c;
}

struct cluster *
cluster_stub(const char *name, const struct profile *p)
{
	struct cluster *c = xcalloc(1, sizeof *c);

	c->name = xstrdup(name);
	c->backend = xstrdup("unknown");
	c->boot_id = xstrdup(cluster_boot_id());
	c->lock_fd = -1;
	if (p != NULL) {
		/* So stop removes the files a killed controller left. */
		c->ipython_profile = xstrdup(p->ipython_profile);
		c->cluster_id = xstrdup(p->cluster_id != NULL ?
		    p->cluster_id : "");
		c->host = p->host != NULL ? xstrdup(p->host) : NULL;
		fill_paths(c);
	} else
		c->dir = cluster_dir_for(name);
	return c;
}

int
cluster_lock(struct cluster *c, const char *op, struct err *e)
{
	char *root, *path, buf[96];
	int fd;

	if (c->locked)
		return 0;
	root = cluster_state_root();
	/* Before anything is created there: the lock is the first file a
	 * start writes into the state dir. */
	if (paths_check_trusted(root, e) == -1) {
		err_prefix(e, "refusing the state directory");
		free(root);
		return -1;
	}
	if (paths_mkdir_p(root, 0700, e) == -1) {
		free(root);
		return -1;
	}
	path = xasprintf("%s/.%s.lock", root, c->name);
	free(root);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		err_errno(e, "cannot open %s", path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		long pid = 0;
		char what[32] = "";
		ssize_t n = errno == EWOULDBLOCK ?
		    pread(fd, buf, sizeof buf - 1, 0) : -1;

		if (n > 0) {
			buf[n] = '\0';
			/* The holder writes its note just after it takes the
			 * lock: until then the note is a gone holder's. */
			if (sscanf(buf, "%ld %31s", &pid, what) != 2 ||
			    (kill((pid_t)pid, 0) == -1 && errno == ESRCH))
				pid = 0;
		}
		if (pid > 0)
			err_set(e, "cluster '%s' is %s (hpctop pid %ld "
			    "holds %s)", c->name, what, pid, path);
		else if (errno == EWOULDBLOCK || n >= 0)
			err_set(e, "cluster '%s' is starting or stopping "
			    "(another hpctop holds %s)", c->name, path);
		else
			err_errno(e, "cannot lock %s", path);
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	/* Only a note for whoever finds the lock taken: a full disk may lose
	 * it without harm. */
	snprintf(buf, sizeof buf, "%ld %s\n", (long)getpid(), op);
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, strlen(buf), 0) == -1) {
		/* the lock itself holds */
	}
	c->lock_fd = fd;
	c->locked = true;
	return 0;
}

void
cluster_unlock(struct cluster *c)
{
	if (!c->locked)
		return;
	/* The note goes first: whoever takes the lock next writes its own,
	 * and a reader in between must not take this one for it. Closing
	 * the last descriptor releases the flock. */
	if (ftruncate(c->lock_fd, 0) == -1) {
		/* a stale note is only a note */
	}
	close(c->lock_fd);
	c->lock_fd = -1;
	c->locked = false;
}

static void
proc_clear(struct cluster_proc *pr)
{
	free(pr->name);
	free(pr->job_id);
	free(pr->host);
	free(pr->log);
}

static void
clear_tasks(struct cluster *c)
{
	for (size_t i = 0; i < c->ntasks; i++) {
		free(c->tasks[i].host);
		free(c->tasks[i].log);
	}
	free(c->tasks);
	c->tasks = NULL;
	c->ntasks = 0;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	cluster_unlock(c);
	free(c->name);
	free(c->backend);
	free(c->profile_path);
	free(c->profile_yaml);
	free(c->ipython_profile);
	free(c->cluster_id);
	free(c->client_file);
	free(c->engine_file);
	for (size_t i = 0; i < c->nprocs; i++)
		proc_clear(&c->procs[i]);
	free(c->procs);
	free(c->seen_ids);
	free(c->retired_ids);
	free(c->id_sets);
	strv_clear(&c->meta);
	free(c->boot_id);
	free(c->host);
	free(c->host_home);
	free(c->dir);
	profile_free(c->profile);
	jobtab_clear(&c->jobs);
	free(c->ids);
	free(c->script);
	free(c->ipp_file_text);
	clear_tasks(c);
	free(c);
}

int
cluster_mkdirs(struct cluster *c, struct err *e)
{
	char *logs = xasprintf("%s/logs", c->dir);
	int rc = paths_check_trusted(logs, e);

	if (rc == -1)
		err_prefix(e, "refusing the state directory");
	else
		rc = paths_mkdir_p(logs, 0700, e);

	free(logs);
	return rc;
}

char *
cluster_log_path(const struct cluster *c, const char *name)
{
	return paths_below(cluster_work_dir(c), "logs/%s.log", name);
}

char *
cluster_tasks_dir(const struct cluster *c)
{
	return paths_below(cluster_work_dir(c), "tasks");
}

static int
task_cmp(const void *a, const void *b)
{
	const struct cluster_task *x = a, *y = b;
	int d = strcmp(x->host, y->host);

	return d != 0 ? d : (x->rank > y->rank) - (x->rank < y->rank);
}

/* One exit record: the file `name` in dir (HOST.RANK.exit) holding text. */
static void
add_task(struct cluster *c, size_t *cap, const char *dir, const char *name,
    const char *text)
{
	size_t nl = strlen(name);
	struct cluster_task *t;
	char host[256];
	int rank, code;

	if (nl < 6 || strcmp(name + nl - 5, ".exit") != 0 ||
	    sscanf(text, "%255s %d %d", host, &rank, &code) != 3)
		return;
	/* A task of an engine set stopped on purpose (its file is named
	 * after the set's ident prefix) is no failure of this cluster. */
	if (c->nprocs > 0 &&
	    cluster_set_engines(c, cluster_ident_set(name)) == 0)
		return;
	if (c->ntasks == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		c->tasks = xreallocarray(c->tasks, *cap, sizeof *c->tasks);
	}
	t = &c->tasks[c->ntasks++];
	t->host = xstrdup(host);
	t->rank = rank;
	t->code = code;
	t->log = xasprintf("%s/%.*s.log", dir, (int)(nl - 5), name);
}

/* Every exit record of a remote tasks directory in one command: a line
 * "NAME TEXT" each. */
static const char list_exits[] =
    "cd \"$1\" 2>/dev/null || exit 0; for f in *.exit; do "
    "[ -f \"$f\" ] && printf '%s %s\\n' \"$f\" \"$(cat \"$f\")\"; done; "
    "exit 0";

static void
read_remote_tasks(struct loop *l, struct cluster *c, const char *dir,
    size_t *cap)
{
	char *argv[] = { "sh", "-c", (char *)list_exits, "sh", (char *)dir,
	    NULL };
	struct subproc_result *r;
	struct host *h = cluster_host(l, c, NULL);
	const char *p;

	if (h == NULL || cluster_host_unreachable(l, c, NULL, 0))
		return;
	r = host_run_sync(h, l, argv, NULL, NULL, 0, HOST_SYNC_TIMEOUT_MS);
	for (p = r->ok ? r->out : ""; *p != '\0';) {
		size_t ll = strcspn(p, "\n"), nl = strcspn(p, " \n");
		char *line = xstrndup(p, ll);

		if (nl < ll) {
			line[nl] = '\0';
			add_task(c, cap, dir, line, line + nl + 1);
		}
		free(line);
		p += ll + (p[ll] != '\0');
	}
	subproc_result_free(r);
}

void
cluster_read_tasks(struct loop *l, struct cluster *c)
{
	char *dir = cluster_tasks_dir(c);
	DIR *d = c->host == NULL ? opendir(dir) : NULL;
	struct dirent *de;
	size_t cap = 0;

	clear_tasks(c);
	if (c->host != NULL)
		read_remote_tasks(l, c, dir, &cap);
	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		char *path, *buf;
		size_t len;

		if (nl < 6 || strcmp(de->d_name + nl - 5, ".exit") != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (file_read(path, 1024, 0, &buf, &len, NULL) == -1) {
			free(path);
			continue;
		}
		free(path);
		add_task(c, &cap, dir, de->d_name, buf);
		free(buf);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	if (c->ntasks > 1)
		qsort(c->tasks, c->ntasks, sizeof *c->tasks, task_cmp);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

const char *
cluster_role_name(enum cluster_role role)
{
	return role == CLUSTER_CONTROLLER ? "controller" : "engines";
}

struct cluster_proc *
cluster_add_proc(struct cluster *c, enum cluster_role role, const char *name,
    pid_t pid, const char *job_id, int engines, const char *host,
    const char *log)
{
	struct cluster_proc *pr;

	c->procs = xreallocarray(c->procs, c->nprocs + 1, sizeof *c->procs);
	pr = &c->procs[c->nprocs++];
	memset(pr, 0, sizeof *pr);
	pr->role = role;
	pr->name = xstrdup(name);
	pr->pid = pid;
	pr->job_id = dup_or_null(job_id);
	pr->engines = engines;
	pr->host = dup_or_null(host);
	pr->log = dup_or_null(log);
	pr->started = wall_now();
	pr->set = role == CLUSTER_ENGINES ? c->add_set : 0;
	pr->live = CLUSTER_LIVE_UNKNOWN;
	return pr;
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* The record's strings, in the order loading checks them; need: a record
 * without it is refused. */
static const struct {
	const char *key;
	size_t off;
	bool need;
} str_fields[] = {
	{ "name", offsetof(struct cluster, name), true },
	{ "backend", offsetof(struct cluster, backend), true },
	{ "profile_path", offsetof(struct cluster, profile_path), false },
	{ "profile_yaml", offsetof(struct cluster, profile_yaml), true },
	{ "ipython_profile", offsetof(struct cluster, ipython_profile), true },
	{ "cluster_id", offsetof(struct cluster, cluster_id), false },
	{ "client_file", offsetof(struct cluster, client_file), false },
	{ "engine_file", offsetof(struct cluster, engine_file), false },
	{ "boot_id", offsetof(struct cluster, boot_id), false },
	{ "host", offsetof(struct cluster, host), false },
	{ "host_home", offsetof(struct cluster, host_home), false },
};
/* From here on, absent rather than null when unset: a record without
 * them is one of this machine, as older records are. */
#define FIRST_OMITTED 9
#define NSTR_FIELDS (sizeof str_fields / sizeof *str_fields)

static char **
str_field(struct cluster *c, size_t i)
{
	return (char **)((char *)c + str_fields[i].off);
}

static const char *
str_value(const struct cluster *c, size_t i)
{
	return *(char *const *)((const char *)c + str_fields[i].off);
}

char *
cluster_ids_text(const int *v, size_t n)
{
	struct strv sv = STRV_INIT;
	char *out;

	for (size_t i = 0; i < n; i++)
		strv_pushf(&sv, "%d", v[i]);
	out = strv_join(&sv, ",");
	strv_clear(&sv);
	return out != NULL ? out : xstrdup("");
}

json_t *
cluster_ids_json(const int *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static int cmp_int(const void *a, const void *b);

/* The sorted engine ids of the array v (others skipped), into *out. */
static size_t
ids_of_json(const json_t *v, int **out)
{
	size_t n = 0;

	*out = xcalloc(json_array_size(v) + 1, sizeof **out);
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *id = json_array_get(v, i);

		if (json_is_integer(id) && json_integer_value(id) >= 0 &&
		    json_integer_value(id) <= PROFILE_MAX_ENGINES * 100)
			(*out)[n++] = (int)json_integer_value(id);
	}
	qsort(*out, n, sizeof **out, cmp_int);
	return n;
}

static json_t *
to_json(const struct cluster *c)
{
	json_t *o = json_object(), *procs = json_array();
	json_t *meta = json_object();

	json_object_set_new(o, "version", json_integer(CLUSTER_FORMAT_VERSION));
	for (size_t i = 0; i < NSTR_FIELDS; i++)
		if (i < FIRST_OMITTED || str_value(c, i) != NULL)
			json_object_set_new(o, str_fields[i].key,
			    jstr(str_value(c, i)));
	json_object_set_new(o, "engines", json_integer(c->engines));
	json_object_set_new(o, "started", json_real(c->started));
	json_object_set_new(o, "seen_ids", cluster_ids_json(c->seen_ids,
	    c->nseen));
	json_object_set_new(o, "retired_ids", cluster_ids_json(c->retired_ids,
	    c->nretired));
	json_object_set_new(o, "next_set", json_integer(c->next_set));
	for (size_t i = 0; i < c->meta.n; i++) {
		const char *kv = c->meta.v[i], *eq = strchr(kv, '=');
		char *k = xstrndup(kv, (size_t)(eq - kv));

		json_object_set_new(meta, k, json_string(eq + 1));
		free(k);
	}
	json_object_set_new(o, "meta", meta);
	json_object_set_new(o, "complete", json_boolean(c->complete));
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];
		json_t *p = json_object();

		json_object_set_new(p, "role",
		    json_string(cluster_role_name(pr->role)));
		json_object_set_new(p, "name", json_string(pr->name));
		json_object_set_new(p, "pid", json_integer(pr->pid));
		json_object_set_new(p, "job_id", jstr(pr->job_id));
		json_object_set_new(p, "engines", json_integer(pr->engines));
		json_object_set_new(p, "host", jstr(pr->host));
		json_object_set_new(p, "log", jstr(pr->log));
		json_object_set_new(p, "started", json_real(pr->started));
		json_object_set_new(p, "start_time",
		    json_integer((json_int_t)pr->start_time));
		json_object_set_new(p, "set", json_integer(pr->set));
		json_array_append_new(procs, p);
	}
	json_object_set_new(o, "procs", procs);
	return o;
}

int
cluster_save(const struct cluster *c, struct err *e)
{
	json_t *o;
	char *text, *path;
	size_t len;
	int rc;

	if (paths_mkdir_p(c->dir, 0700, e) == -1)
		return -1;
	o = to_json(c);
	text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		fatal("json_dumps failed");
	path = xasprintf("%s/cluster.json", c->dir);
	len = strlen(text);
	text[len] = '\n';
	rc = file_write_atomic(path, text, len + 1, 0600, e);
	text[len] = '\0';
	free(text);
	free(path);
	return rc;
}

static char *
get_str(json_t *o, const char *key, bool need, const char *path,
    struct err *e, bool *bad)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (v == NULL || json_is_null(v)) {
		if (need && !*bad) {
			err_set(e, "%s: missing \"%s\"", path, key);
			*bad = true;
		}
		return NULL;
	}
	if (!*bad) {
		err_set(e, "%s: \"%s\" is not a string", path, key);
		*bad = true;
	}
	return NULL;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static struct cluster *
from_json(json_t *o, const char *path, struct err *e)
{
	struct cluster *c = xcalloc(1, sizeof *c);
	bool bad = false;
	json_t *v;
	size_t i;
	const char *key;

	c->lock_fd = -1;

	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) !=
	    CLUSTER_FORMAT_VERSION) {
		err_set(e, "%s: unsupported record version", path);
		goto fail;
	}
	for (i = 0; i < NSTR_FIELDS; i++)
		*str_field(c, i) = get_str(o, str_fields[i].key,
		    str_fields[i].need, path, e, &bad);
	if (bad)
		goto fail;
	/* Records from before the flag were written by starts that ended. */
	v = json_object_get(o, "complete");
	c->complete = v == NULL || json_is_true(v);
	if (c->cluster_id == NULL)
		c->cluster_id = xstrdup("");
	if (c->profile_path == NULL)
		c->profile_path = xstrdup("");
	if (strchr(c->name, '/') != NULL || c->name[0] == '.') {
		err_set(e, "%s: bad name '%s'", path, c->name);
		goto fail;
	}
	v = json_object_get(o, "engines");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > PROFILE_MAX_ENGINES) {
		err_set(e, "%s: \"engines\" must be 1..%d", path,
		    PROFILE_MAX_ENGINES);
		goto fail;
	}
	c->engines = (int)json_integer_value(v);
	c->started = json_number_value(json_object_get(o, "started"));
	v = json_object_get(o, "seen_ids");
	if (json_is_array(v))
		c->nseen = ids_of_json(v, &c->seen_ids);
	v = json_object_get(o, "retired_ids");
	if (json_is_array(v))
		c->nretired = ids_of_json(v, &c->retired_ids);
	v = json_object_get(o, "meta");
	if (json_is_object(v)) {
		json_t *val;

		json_object_foreach(v, key, val) {
			if (json_is_string(val) && strchr(key, '=') == NULL)
				cluster_meta_set(c, key, json_string_value(val));
		}
	}
	v = json_object_get(o, "procs");
	if (!json_is_array(v)) {
		err_set(e, "%s: missing \"procs\"", path);
		goto fail;
	}
	for (i = 0; i < json_array_size(v); i++) {
		json_t *p = json_array_get(v, i), *pid, *t;
		char *role, *name, *job_id, *host, *log;
		struct cluster_proc *pr;

		if (!json_is_object(p)) {
			err_set(e, "%s: procs[%zu] is not an object", path, i);
			goto fail;
		}
		role = get_str(p, "role", true, path, e, &bad);
		name = get_str(p, "name", true, path, e, &bad);
		job_id = get_str(p, "job_id", false, path, e, &bad);
		host = get_str(p, "host", false, path, e, &bad);
		log = get_str(p, "log", false, path, e, &bad);
		pid = json_object_get(p, "pid");
		if (!bad && (strcmp(role, "controller") != 0 &&
		    strcmp(role, "engines") != 0)) {
			err_set(e, "%s: procs[%zu]: unknown role '%s'", path, i,
			    role);
			bad = true;
		}
		if (!bad && (!json_is_integer(pid) || json_integer_value(pid) < 0 ||
		    json_integer_value(pid) > 0x7fffffff)) {
			err_set(e, "%s: procs[%zu]: bad pid", path, i);
			bad = true;
		}
		if (!bad) {
			pr = cluster_add_proc(c, strcmp(role, "controller") == 0 ?
			    CLUSTER_CONTROLLER : CLUSTER_ENGINES, name,
			    (pid_t)json_integer_value(pid), job_id,
			    (int)json_integer_value(json_object_get(p, "engines")),
			    host, log);
			pr->started = json_number_value(
			    json_object_get(p, "started"));
			t = json_object_get(p, "start_time");
			if (json_is_integer(t) && json_integer_value(t) > 0)
				pr->start_time = (unsigned long long)
				    json_integer_value(t);
			/* Records from before engine sets: all of set 0. */
			t = json_object_get(p, "set");
			if (pr->role == CLUSTER_ENGINES && json_is_integer(t) &&
			    json_integer_value(t) >= 0 &&
			    json_integer_value(t) < 0x7fffffff)
				pr->set = (int)json_integer_value(t);
			if (pr->set >= c->next_set)
				c->next_set = pr->set + 1;
		}
		free(role);
		free(name);
		free(job_id);
		free(host);
		free(log);
		if (bad)
			goto fail;
	}
	c->profile = profile_load_buffer(c->profile_yaml,
	    strlen(c->profile_yaml), c->profile_path, c->name, e);
	if (c->profile == NULL) {
		err_prefix(e, "%s: profile snapshot", path);
		goto fail;
	}
	v = json_object_get(o, "next_set");
	if (json_is_integer(v) && json_integer_value(v) > c->next_set &&
	    json_integer_value(v) < 0x7fffffff)
		c->next_set = (int)json_integer_value(v);
	if (c->next_set < 1)
		c->next_set = 1;
	fill_paths(c);
	return c;
fail:
	cluster_free(c);
	return NULL;
}

/* A parsed document (or NULL when parsing failed, with je) as a record;
 * takes o. */
static struct cluster *
from_doc(json_t *o, const json_error_t *je, const char *path, struct err *e)
{
	struct cluster *c;

	if (o == NULL) {
		err_set(e, "%s:%d:%d: %s", path, je->line, je->column, je->text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		err_set(e, "%s: not a JSON object", path);
		return NULL;
	}
	c = from_json(o, path, e);
	json_decref(o);
	return c;
}

struct cluster *
cluster_load_buffer(const char *buf, size_t len, const char *path,
    struct err *e)
{
	json_error_t je;

	if (len > MAX_RECORD_BYTES) {
		err_set(e, "%s: record too large", path);
		return NULL;
	}
	return from_doc(json_loadb(buf, len, 0, &je), &je, path, e);
}

struct cluster *
cluster_load_file(const char *path, struct err *e)
{
	json_error_t je;
	struct stat st;

	if (stat(path, &st) == -1) {
		err_errno(e, "%s", path);
		return NULL;
	}
	if (st.st_size > MAX_RECORD_BYTES) {
		err_set(e, "%s: record too large", path);
		return NULL;
	}
	return from_doc(json_load_file(path, 0, &je), &je, path, e);
}

struct cluster *
cluster_load(const char *name, bool *missing, struct err *e)
{
	char *dir = cluster_dir_for(name);
	char *path = xasprintf("%s/cluster.json", dir);
	struct cluster *c = NULL;

	*missing = false;
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		*missing = true;
		err_set(e, "no cluster record for '%s'", name);
	} else if (paths_check_trusted(path, e) == -1) {
		err_prefix(e, "%s: refusing the record", path);
	} else {
		c = cluster_load_file(path, e);
		if (c != NULL && strcmp(c->name, name) != 0) {
			err_set(e, "%s: record is for '%s'", path, c->name);
			cluster_free(c);
			c = NULL;
		}
	}
	free(dir);
	free(path);
	return c;
}

void
cluster_list(struct strv *names)
{
	char *root = cluster_state_root();

	paths_list_dir(root, "", names);
	free(root);
}

static int
remove_tree(const char *path, struct err *e)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR) {
			if (unlink(path) == -1)
				return err_errno(e, "cannot remove %s", path);
			return 0;
		}
		return err_errno(e, "cannot open %s", path);
	}
	while ((de = readdir(d)) != NULL) {
		char *sub;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rc |= remove_tree(sub, e);
		else if (unlink(sub) == -1 && errno != ENOENT)
			rc = err_errno(e, "cannot remove %s", sub);
		free(sub);
	}
	closedir(d);
	if (rmdir(path) == -1 && errno != ENOENT)
		rc = err_errno(e, "cannot remove %s", path);
	return rc;
}

int
cluster_remove(const struct cluster *c, struct err *e)
{
	return remove_tree(c->dir, e);
}

const char *
cluster_meta_get(const struct cluster *c, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < c->meta.n; i++)
		if (strncmp(c->meta.v[i], key, len) == 0 &&
		    c->meta.v[i][len] == '=')
			return c->meta.v[i] + len + 1;
	return NULL;
}

void
cluster_meta_set(struct cluster *c, const char *key, const char *value)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < c->meta.n; i++)
		if (strncmp(c->meta.v[i], key, len) == 0 &&
		    c->meta.v[i][len] == '=') {
			free(c->meta.v[i]);
			c->meta.v[i] = xasprintf("%s=%s", key, value);
			return;
		}
	strv_pushf(&c->meta, "%s=%s", key, value);
}

static bool
has_id(const int *v, size_t n, int id)
{
	return n > 0 && bsearch(&id, v, n, sizeof *v, cmp_int) != NULL;
}

bool
cluster_set_ids(struct cluster *c, const int *ids, size_t n)
{
	bool grew = false;

	free(c->ids);
	c->ids = xcalloc(n + 1, sizeof *c->ids);
	if (n > 0)
		memcpy(c->ids, ids, n * sizeof *ids);
	c->nids = n;
	qsort(c->ids, n, sizeof *c->ids, cmp_int);
	c->ids_known = true;
	for (size_t i = 0; i < n; i++) {
		if (has_id(c->seen_ids, c->nseen, c->ids[i]) ||
		    has_id(c->retired_ids, c->nretired, c->ids[i]))
			continue;
		c->seen_ids = xreallocarray(c->seen_ids, c->nseen + 1,
		    sizeof *c->seen_ids);
		c->seen_ids[c->nseen++] = c->ids[i];
		qsort(c->seen_ids, c->nseen, sizeof *c->seen_ids, cmp_int);
		grew = true;
	}
	return grew;
}

char *
cluster_engine_state_path(const struct cluster *c)
{
	char *ipdir = cluster_ipython_dir(c);
	char *dir = paths_ipython_profile_dir_in(ipdir, c->ipython_profile);

	free(ipdir);
	return paths_below(dir, "log/engines%s.json", c->cluster_id);
}

int
cluster_read_engine_state(struct loop *l, struct cluster *c, struct err *e)
{
	char *path = cluster_engine_state_path(c);
	struct host *h = cluster_host(l, c, e);
	json_error_t je;
	json_t *o, *engines, *v;
	const char *key;
	int *ids = NULL;
	size_t n = 0, len;
	char *buf;

	if (h == NULL) {
		free(path);
		return -1;
	}
	if (host_read_file(h, l, path, ENGINE_STATE_MAX, 0, &buf, &len,
	    e) == -1) {
		free(path);
		if (errno != ENOENT)
			return -1;
		cluster_set_ids(c, NULL, 0);
		return 0;
	}
	o = json_loadb(buf, len, 0, &je);
	free(buf);
	if (o == NULL) {
		/* The Hub rewrites this file in place (truncate, then write):
		 * a parse that fails at its very end is a write in progress,
		 * not damage. The ids of the last good read stand. */
		if (je.position >= 0 && (size_t)je.position >= len) {
			free(path);
			return 0;
		}
		err_set(e, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		free(path);
		return -1;
	}
	engines = json_object_get(o, "engines");
	if (!json_is_object(engines)) {
		err_set(e, "%s: no \"engines\" object", path);
		json_decref(o);
		free(path);
		return -1;
	}
	ids = xcalloc(json_object_size(engines) + 1, sizeof *ids);
	json_object_foreach(engines, key, v) {
		char *end;
		long id = strtol(key, &end, 10);

		if (*end == '\0' && end != key && id >= 0 && id < 0x7fffffff)
			ids[n++] = (int)id;
	}
	cluster_set_ids(c, ids, n);
	free(c->id_sets);
	c->id_sets = xcalloc(n + 1, sizeof *c->id_sets);
	for (size_t i = 0; i < c->nids; i++) {
		char k[24];

		snprintf(k, sizeof k, "%d", c->ids[i]);
		v = json_object_get(engines, k);
		c->id_sets[i] = cluster_ident_set(json_is_string(v) ?
		    json_string_value(v) : "");
	}
	free(ids);
	json_decref(o);
	free(path);
	return 0;
}

size_t
cluster_lost_ids(const struct cluster *c, int **out)
{
	size_t n = 0;

	*out = xcalloc(c->nseen + 1, sizeof **out);
	/* Nobody said which are registered now (the controller's host
	 * cannot be asked): none is known to be lost. */
	for (size_t i = 0; c->ids_known && i < c->nseen; i++)
		if (!has_id(c->ids, c->nids, c->seen_ids[i]) &&
		    !has_id(c->retired_ids, c->nretired, c->seen_ids[i]))
			(*out)[n++] = c->seen_ids[i];
	return n;
}

bool
cluster_any_alive(const struct cluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].live == CLUSTER_LIVE_RUNNING ||
		    c->procs[i].live == CLUSTER_LIVE_PENDING)
			return true;
	return false;
}

bool
cluster_controller_alive(const struct cluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_CONTROLLER &&
		    c->procs[i].live == CLUSTER_LIVE_RUNNING)
			return true;
	return false;
}

bool
cluster_proc_shares_job(const struct cluster *c,
    const struct cluster_proc *pr)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (&c->procs[i] != pr && pr->job_id != NULL &&
		    c->procs[i].job_id != NULL &&
		    strcmp(c->procs[i].job_id, pr->job_id) == 0)
			return true;
	return false;
}

char *
cluster_controller_where(const struct cluster *c)
{
	const struct cluster_proc *ctl = NULL;
	bool batch = false;

	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];

		if (pr->role == CLUSTER_CONTROLLER && ctl == NULL)
			ctl = pr;
		else if (pr->job_id != NULL)
			batch = true;
	}
	if (ctl == NULL || (!batch && ctl->job_id == NULL))
		return NULL;
	if (ctl->job_id == NULL)
		return xasprintf("on login (pid %ld)", (long)ctl->pid);
	return xasprintf("%s %s%s%s", cluster_proc_shares_job(c, ctl) ?
	    "in allocation" : "job",
	    ctl->job_id, ctl->live == CLUSTER_LIVE_RUNNING &&
	    ctl->host != NULL ? " on " : "", ctl->live ==
	    CLUSTER_LIVE_RUNNING && ctl->host != NULL ? ctl->host : "");
}

const char *
cluster_boot_id(void)
{
	static char id[64];
	static bool read_once;

	if (!read_once) {
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

		read_once = true;
		if (f != NULL) {
			if (fgets(id, sizeof id, f) == NULL)
				id[0] = '\0';
			id[strcspn(id, "\n")] = '\0';
			fclose(f);
		}
	}
	return id;
}

bool
cluster_any_unknown(const struct cluster *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].live == CLUSTER_LIVE_UNKNOWN)
			return true;
	return false;
}

#define IDENT_PREFIX "hpctop-set"

char *
cluster_engine_ident(int set, const char *uniq)
{
	return xasprintf(IDENT_PREFIX "%d-%s", set, uniq);
}

int
cluster_ident_set(const char *uuid)
{
	const char *p = uuid;
	long set = 0;

	if (strncmp(p, IDENT_PREFIX, strlen(IDENT_PREFIX)) != 0)
		return 0;
	p += strlen(IDENT_PREFIX);
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9' && set < 0x7fffffff / 10)
		set = set * 10 + (*p++ - '0');
	return *p == '-' ? (int)set : 0;
}

int
cluster_id_set(const struct cluster *c, int id)
{
	const int *at;

	if (c->id_sets == NULL || c->nids == 0)
		return 0;
	at = bsearch(&id, c->ids, c->nids, sizeof *c->ids, cmp_int);
	return at != NULL ? c->id_sets[at - c->ids] : 0;
}

size_t
cluster_sets(const struct cluster *c, int **out)
{
	size_t n = 0;

	*out = xcalloc(c->nprocs + 1, sizeof **out);
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct cluster_proc *pr = &c->procs[i];

		if (pr->role == CLUSTER_ENGINES &&
		    (n == 0 || !has_id(*out, n, pr->set))) {
			(*out)[n++] = pr->set;
			qsort(*out, n, sizeof **out, cmp_int);
		}
	}
	return n;
}

int
cluster_set_engines(const struct cluster *c, int set)
{
	int n = 0;

	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_ENGINES &&
		    c->procs[i].set == set)
			n += c->procs[i].engines;
	return n;
}

void
cluster_retire_set(struct cluster *c, int set)
{

	for (size_t i = 0; i < c->nids; i++) {
		if (cluster_id_set(c, c->ids[i]) != set ||
		    has_id(c->retired_ids, c->nretired, c->ids[i]))
			continue;
		c->retired_ids = xreallocarray(c->retired_ids, c->nretired + 1,
		    sizeof *c->retired_ids);
		c->retired_ids[c->nretired++] = c->ids[i];
		qsort(c->retired_ids, c->nretired, sizeof *c->retired_ids,
		    cmp_int);
	}
}

void
cluster_drop_set(struct cluster *c, int set)
{
	size_t k = 0;

	for (size_t i = 0; i < c->nprocs; i++) {
		struct cluster_proc *pr = &c->procs[i];

		if (pr->role == CLUSTER_ENGINES && pr->set == set) {
			c->engines -= pr->engines;
			proc_clear(pr);
			continue;
		}
		c->procs[k++] = *pr;
	}
	c->nprocs = k;
	if (c->engines < 1)
		c->engines = 1;
}

bool
cluster_set_gone(const struct cluster *c, int set)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].role == CLUSTER_ENGINES &&
		    c->procs[i].set == set &&
		    c->procs[i].live != CLUSTER_LIVE_GONE)
			return false;
	return true;
}

size_t
cluster_set_ids_of(const struct cluster *c, int set, int **out)
{
	size_t n = 0;

	*out = xcalloc(c->nids + 1, sizeof **out);
	for (size_t i = 0; i < c->nids; i++)
		if (cluster_id_set(c, c->ids[i]) == set)
			(*out)[n++] = c->ids[i];
	return n;
}

char *
cluster_set_line(const struct cluster *c, int set)
{
	struct strv what = STRV_INIT;
	int *v;
	size_t n = cluster_set_ids_of(c, set, &v);
	int engines = cluster_set_engines(c, set);
	char *w, *i, *out;

	for (size_t k = 0; k < c->nprocs; k++) {
		const struct cluster_proc *pr = &c->procs[k];

		if (pr->role != CLUSTER_ENGINES || pr->set != set)
			continue;
		if (pr->job_id != NULL)
			strv_pushf(&what, "job %s", pr->job_id);
		else
			strv_push(&what, pr->name);
	}
	w = strv_join(&what, " ");
	i = cluster_ids_text(v, n);
	/* The ids first: a narrow pane cuts the end. */
	out = xasprintf("set %d: ids %s of %d engine%s; %s", set,
	    *i != '\0' ? i : "none yet", engines, engines == 1 ? "" : "s",
	    w != NULL ? w : "-");
	free(w);
	free(i);
	free(v);
	strv_clear(&what);
	return out;
}
