#include "renewer.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "fatal.h"
#include "file.h"
#include "paths.h"
#include "procsnap.h"
#include "spawn.h"
#include "xmalloc.h"

/* Two numbers: far below this. */
#define RENEWER_MAX 4096

char *
renewer_path(const char *name, const char *ext)
{
	char *dir = cluster_dir_for(name);
	char *path = xasprintf("%s/watch.%s", dir, ext);

	free(dir);
	return path;
}

int
renewer_save(const char *name, pid_t pid, struct err *e)
{
	char *path = renewer_path(name, "json");
	json_t *o = json_pack("{s:I, s:I}", "pid", (json_int_t)pid,
	    "start_time", (json_int_t)procsnap_pid_start(pid));
	char *text = json_dumps(o, JSON_COMPACT);
	int rc;

	if (text == NULL)
		fatal("json_dumps failed");
	rc = file_write_atomic(path, text, strlen(text), 0600, e);
	free(text);
	json_decref(o);
	free(path);
	return rc;
}

/* The recorded pid and start time; false when there is no readable
 * record. */
static bool
load(const char *name, pid_t *pid, unsigned long long *start)
{
	char *path = renewer_path(name, "json"), *buf;
	json_t *o, *p, *s;
	size_t len;
	bool ok = false;

	if (file_read(path, RENEWER_MAX, 0, &buf, &len, NULL) == 0) {
		if ((o = json_loadb(buf, len, 0, NULL)) != NULL) {
			p = json_object_get(o, "pid");
			s = json_object_get(o, "start_time");
			if (json_is_integer(p) && json_is_integer(s) &&
			    json_integer_value(p) > 1 &&
			    json_integer_value(s) > 0) {
				*pid = (pid_t)json_integer_value(p);
				*start = (unsigned long long)
				    json_integer_value(s);
				ok = true;
			}
			json_decref(o);
		}
		free(buf);
	}
	free(path);
	return ok;
}

static void
remove_record(const char *name)
{
	char *path = renewer_path(name, "json");

	unlink(path);
	free(path);
}

bool
renewer_live(const char *name, pid_t *pid)
{
	unsigned long long start;
	pid_t p;

	if (!load(name, &p, &start))
		return false;
	if (!procsnap_pid_is(p, start)) {
		remove_record(name);
		return false;
	}
	if (pid != NULL)
		*pid = p;
	return true;
}

void
renewer_forget(const char *name, pid_t pid)
{
	unsigned long long start;
	pid_t p;

	if (load(name, &p, &start) && p == pid)
		remove_record(name);
}

pid_t
renewer_end(const char *name)
{
	unsigned long long start;
	pid_t p;

	if (!load(name, &p, &start))
		return 0;
	/* The renewer itself clearing a cluster ipyparallel stopped. */
	if (p != getpid() && !spawn_end(p, start, RENEWER_END_WAIT_MS))
		p = 0;
	remove_record(name);
	return p;
}

pid_t
renewer_spawn(const char *name, struct err *e)
{
	struct spawn s = { 0 };
	char *exe = paths_exe();
	pid_t pid;

	if (exe == NULL) {
		err_set(e, "cannot tell where this hpctop is (/proc/self/exe)");
		return -1;
	}
	strv_push_take(&s.argv, exe);
	strv_push(&s.argv, "watch");
	strv_push(&s.argv, name);
	s.log = renewer_path(name, "log");
	pid = spawn_start(&s, e);
	spawn_clear(&s);
	return pid;
}
