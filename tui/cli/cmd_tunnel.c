#include "cmd_tunnel.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgproc.h"
#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/fatal.h"
#include "core/host.h"
#include "core/paths.h"
#include "core/procsnap.h"
#include "core/tunnel.h"
#include "core/xmalloc.h"

static const char help[] =
    "Make a cluster on another host reachable from this machine: a\n"
    "listener on 127.0.0.1 for every port of its controller's client\n"
    "connection file, each connection carried over the one SSH session to\n"
    "the cluster's host, and the rewritten connection file (mode 0600) in\n"
    "the local IPython profile, so that ipyparallel.Client(profile='NAME')\n"
    "here attaches with no other setup. Runs until SIGINT, SIGTERM or\n"
    "SIGHUP, then removes the file. A cluster on this machine needs no\n"
    "tunnel; one whose IPython profile a cluster here uses too is refused.\n"
    "\n"
    "  -b, --background  run the tunnel in a process of its own, recorded\n"
    "                    in $XDG_STATE_HOME/hpctop/tunnels/PROFILE.json\n"
    "                    (its output in PROFILE.log there); returns once\n"
    "                    the tunnel is up\n"
    "  -s, --stop        end the recorded tunnel of PROFILE (every one\n"
    "                    without PROFILE), clearing stale records\n"
    "  -l, --list        list the recorded tunnels\n"
    "  -j, --json        with --list: a JSON array\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 on success, 1 when the tunnel cannot be set up (or\n"
    "there is no tunnel to stop), 2 on a usage error.\n";

static void
on_signal(int signo, void *arg)
{
	(void)signo;
	loop_stop(arg);
}

/* Whether a live process holds the record of name: -1 (printed) when it
 * does, 0 after clearing what a dead one left. */
static int
check_none(const char *name)
{
	struct tunnel_rec *r;
	struct err e;
	bool missing;

	if ((r = tunnel_rec_load(name, &missing, &e)) == NULL)
		return missing ? 0 : cli_error("%s", e.msg);
	if (procsnap_pid_is(r->pid, r->start_time)) {
		cli_error("a tunnel for '%s' is up already (%s, pid %ld)", name,
		    r->mode != NULL ? r->mode : "?", (long)r->pid);
		tunnel_rec_free(r);
		return -1;
	}
	tunnel_rec_remove(r);
	tunnel_rec_free(r);
	return 0;
}

/* Sets up the tunnel for PROFILE arg and runs it until a signal. log is
 * NULL in the foreground; in the background, once the tunnel is up,
 * stdout and stderr go there. */
static int
run(const char *arg, const char *log)
{
	struct cluster *c = clustercli_load(arg);
	const struct backend *b;
	struct tunnel *t = NULL;
	struct loop *l;
	struct host *h;
	struct err e;
	char *line, *rec;
	int rc = CLI_FAIL;

	if (c == NULL)
		return CLI_FAIL;
	/* A client that closes its connection (or an SSH session reset)
	 * while we write to it is an EPIPE to handle, not the tunnel's end.
	 * Children get the default back (core/subproc). */
	signal(SIGPIPE, SIG_IGN);
	if ((b = clustercli_backend(c->backend)) == NULL) {
		cluster_free(c);
		return CLI_FAIL;
	}
	l = cli_loop();
	if (clusterop_poll_sync(l, b, &c, 1, &e) == -1)
		cli_error("%s: %s", c->name, e.msg);
	else if (!cluster_controller_alive(c))
		cli_error("cluster '%s' is not running (its controller is %s)",
		    c->name, cluster_any_unknown(c) ? "in an unknown state" :
		    "not up");
	else if ((h = cluster_host(l, c, &e)) == NULL ||
	    (t = tunnel_open(l, h, c, &e)) == NULL)
		cli_error("%s", e.msg);
	else if (tunnel_rec_save(t, getpid(), procsnap_pid_start(getpid()),
	    log != NULL ? "background" : "foreground", log, &e) == -1)
		cli_error("%s", e.msg);
	else
		rc = CLI_OK;
	if (rc == CLI_OK) {
		line = tunnel_summary(t);
		cli_printf(stdout, "%s\n", line);
		free(line);
		bgproc_to_log(log);
		loop_signal(l, SIGINT, on_signal, l);
		loop_signal(l, SIGTERM, on_signal, l);
		loop_signal(l, SIGHUP, on_signal, l);
		loop_run(l);
		rec = tunnel_rec_path(c->name, "json");
		unlink(rec);
		free(rec);
	}
	tunnel_close(t);
	host_free_all();
	cluster_free(c);
	return rc;
}

struct bg_args {
	const char *arg;
	const char *name;
};

static int
bg_run(void *p)
{
	const struct bg_args *ba = p;
	char *log = tunnel_rec_path(ba->name, "log");
	int status = run(ba->arg, log);

	free(log);
	return status;
}

/* --background: the tunnel in a process of its own (tui/cli/bgproc.h);
 * we return once it is up, with its line, or with why not. */
static int
background(const char *arg, const char *name)
{
	struct bg_args ba = { arg, name };
	struct err e;
	char *dir;

	dir = tunnel_rec_dir();
	if (paths_mkdir_p(dir, 0700, &e) == -1) {
		free(dir);
		return cli_error("%s", e.msg);
	}
	free(dir);
	return bgproc_start(bg_run, &ba);
}

/* Ends the tunnel recorded as name. */
static int
stop_one(const char *name)
{
	struct tunnel_rec *r;
	struct err e;
	bool missing;

	if ((r = tunnel_rec_load(name, &missing, &e)) == NULL)
		return missing ? cli_error("no tunnel for '%s'", name) :
		    cli_error("%s", e.msg);
	if (!procsnap_pid_is(r->pid, r->start_time)) {
		tunnel_rec_remove(r);
		cli_printf(stdout, "tunnel for %s was not running (pid %ld "
		    "gone): record cleared\n", name, (long)r->pid);
		tunnel_rec_free(r);
		return CLI_OK;
	}
	if (r->mode != NULL && strcmp(r->mode, "dashboard") == 0) {
		cli_error("the tunnel for '%s' is the dashboard's (pid %ld): it "
		    "ends when that dashboard quits", name, (long)r->pid);
		tunnel_rec_free(r);
		return CLI_FAIL;
	}
	bgproc_end(r->pid, r->start_time);
	/* What a killed one could not remove itself. */
	tunnel_rec_remove(r);
	cli_printf(stdout, "tunnel for %s stopped (pid %ld)\n", name,
	    (long)r->pid);
	tunnel_rec_free(r);
	return CLI_OK;
}

static int
stop(const struct cmd_args *a)
{
	struct strv names = { 0 };
	int rc = CLI_OK;

	if (a->argc > 0) {
		char *name = clustercli_record_name(a->argv[0]);

		rc = stop_one(name);
		free(name);
		return rc;
	}
	tunnel_rec_list(&names);
	if (names.n == 0)
		puts("no tunnels");
	for (size_t i = 0; i < names.n; i++)
		if (stop_one(names.v[i]) != CLI_OK)
			rc = CLI_FAIL;
	strv_clear(&names);
	return rc;
}

static json_t *
rec_json(const struct tunnel_rec *r, bool up)
{
	json_t *ports = json_array();

	for (size_t i = 0; i < r->nports; i++)
		json_array_append_new(ports, json_pack("{s:s, s:i, s:i}",
		    "field", r->ports[i].field, "remote", r->ports[i].remote,
		    "local", r->ports[i].local));
	return json_pack("{s:o, s:o, s:I, s:o, s:b, s:f, s:o, s:o}", "name",
	    cli_json_text(r->name), "dest", cli_json_text(r->dest), "pid",
	    (json_int_t)r->pid, "mode", cli_json_text(r->mode), "up", up,
	    "started", r->started, "file", cli_json_text(r->file), "ports",
	    ports);
}

static int
list(bool json)
{
	struct strv names = { 0 };
	json_t *arr = json_array();
	char *s;

	tunnel_rec_list(&names);
	if (!json && names.n > 0)
		printf("%-12s %-16s %-8s %-10s %-6s %s\n", "NAME", "DEST",
		    "PID", "MODE", "STATE", "PORTS");
	for (size_t i = 0; i < names.n; i++) {
		struct tunnel_rec *r;
		struct err e;
		bool missing, up;

		if ((r = tunnel_rec_load(names.v[i], &missing, &e)) == NULL) {
			if (!missing)
				cli_error("%s", e.msg);
			continue;
		}
		up = procsnap_pid_is(r->pid, r->start_time);
		if (json)
			json_array_append_new(arr, rec_json(r, up));
		else {
			cli_printf(stdout, "%-12s %-16s %-8ld %-10s %-6s", r->name,
			    r->dest != NULL ? r->dest : "-", (long)r->pid,
			    r->mode != NULL ? r->mode : "-", up ? "up" :
			    "stale");
			for (size_t k = 0; k < r->nports; k++)
				printf("%s%d", k == 0 ? " " : ",",
				    r->ports[k].local);
			putchar('\n');
		}
		tunnel_rec_free(r);
	}
	if (json) {
		if ((s = json_dumps(arr, JSON_INDENT(2))) == NULL)
			fatal("json_dumps failed");
		puts(s);
		free(s);
	} else if (names.n == 0)
		puts("no tunnels");
	json_decref(arr);
	strv_clear(&names);
	return CLI_OK;
}

static int
tunnel_exec(const struct cmd_args *a)
{
	bool bg = cmd_has(a, 'b'), st = cmd_has(a, 's'), ls = cmd_has(a, 'l');
	char *name;
	int rc;

	if ((int)bg + (int)st + (int)ls > 1)
		return cmd_usage(&cmd_tunnel_entry, "--background, --stop and "
		    "--list go alone");
	if (cmd_has(a, 'j') && !ls)
		return cmd_usage(&cmd_tunnel_entry, "--json goes with --list");
	if (ls)
		return cmd_check_count(&cmd_tunnel_entry, a, 0, 0) != 0 ?
		    CLI_USAGE : list(cmd_has(a, 'j'));
	if (st)
		return stop(a);
	if (cmd_check_count(&cmd_tunnel_entry, a, 1, 1) != 0)
		return CLI_USAGE;
	name = clustercli_record_name(a->argv[0]);
	if (check_none(name) == -1)
		rc = CLI_FAIL;
	else
		rc = bg ? background(a->argv[0], name) : run(a->argv[0], NULL);
	free(name);
	return rc;
}

const struct cmd_entry cmd_tunnel_entry = {
	.name = "tunnel",
	.usage = "PROFILE [--background]\n--stop [PROFILE]\n--list [--json]",
	.summary = "tunnel a cluster on another host to this machine",
	.help = help,
	.args = { "bslj", 0, 1 },
	.longopts = (const struct option[]){
		{ "background", no_argument, NULL, 'b' },
		{ "stop", no_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	},
	.exec = tunnel_exec,
};
