#include "local.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/xmalloc.h"
#include "proc.h"

/* The name of engine i of c's set add_set; its log is "engine-NAME". */
static char *
engine_name(const struct cluster *c, int i)
{
	return c->add_set == 0 ? xasprintf("%d", i) :
	    xasprintf("s%d.%d", c->add_set, i);
}

static void
engine_spawn(const struct cluster *c, int i, struct spawn *s)
{
	char *id = engine_name(c, i);
	char *name = xasprintf("engine-%s", id);
	char *ident = cluster_engine_ident(c->add_set, id);

	proc_engine_argv(c, false, &s->argv);
	/* Its uuid in the Hub's registry says which set it belongs to. */
	strv_pushf(&s->argv, "--Session.session=%s", ident);
	free(ident);
	free(id);
	proc_profile_env(c, s);
	s->log = cluster_log_path(c, name);
	free(name);
}

static int
local_script(const struct backend *b, struct loop *l, struct cluster *c,
    backend_cb cb, void *arg, struct err *e)
{
	struct strv lines = STRV_INIT;

	proc_script_begin(c, &lines);
	strv_pushf(&lines, "# %d engine%s (they wait for the controller's "
	    "connection file)", c->engines, c->engines == 1 ? "" : "s");
	for (int i = 0; i < c->engines; i++) {
		struct spawn s = { 0 };

		engine_spawn(c, i, &s);
		strv_push_take(&lines, spawn_render(&s));
		spawn_clear(&s);
	}
	proc_script_end(c, &lines);
	proc_complete(l, c, NULL, cb, arg);
	return 0;
}

static int
local_start_controller(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	return proc_start_controller(l, c, "engine",
	    c->profile->engine.command.v[0], cb, arg, e);
}

static int
local_start_engines(const struct backend *b, struct loop *l,
    struct cluster *c, backend_cb cb, void *arg, struct err *e)
{
	for (int i = 0; i < c->add_n; i++) {
		struct spawn s = { 0 };
		char *id = engine_name(c, i);
		char *name = xasprintf("ipengine.%s", id);
		int rc;

		free(id);
		engine_spawn(c, i, &s);
		rc = proc_spawn(l, c, &s, CLUSTER_ENGINES, name, 1, e);
		spawn_clear(&s);
		free(name);
		if (rc == -1)
			return -1;
	}
	proc_fill_starts(l, c);
	proc_complete(l, c, NULL, cb, arg);
	return 0;
}

const struct backend local_backend = PROC_BACKEND("local", local_script,
    local_start_controller, local_start_engines, NULL, proc_stop_set);
