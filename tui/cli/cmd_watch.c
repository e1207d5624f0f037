#include "cmd_watch.h"

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bgproc.h"
#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/host.h"
#include "core/loop.h"
#include "core/renewer.h"

static const char help[] =
    "Renew a cluster's engine sets while nobody looks: every SECONDS (a\n"
    "status pass: its jobs and engines), an engine set whose job ends within\n"
    "the profile's renew_before gets a successor set, and once that one's\n"
    "engines registered the old set is stopped, so the engine count never\n"
    "drops to zero across walltimes. Each step is printed with the time.\n"
    "The watch is recorded beside the cluster's record (watch.json, its\n"
    "output in watch.log); while it runs, status and the dashboard leave\n"
    "the renewal to it. It ends when the cluster does (hpctop stop ends it\n"
    "too), or on SIGINT, SIGTERM or SIGHUP. 'hpctop start' starts one in\n"
    "the background for a profile that sets renew_before.\n"
    "\n"
    "  -b, --background       run in a process of its own; returns once it\n"
    "                         watches\n"
    "  -i, --interval=SECONDS time between passes (1 to 3600; default 10)\n"
    "  -s, --stop             end the watch of PROFILE\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 when the cluster ended (or the watch was stopped), 1\n"
    "when it cannot watch (no such cluster, no renew_before, a watch runs\n"
    "already), 2 on a usage error.\n";

#define INTERVAL_DEFAULT_S 10
#define INTERVAL_MAX_S 3600

static bool quit;

static void
on_signal(int signo, void *arg)
{
	(void)signo;
	(void)arg;
	quit = true;
}

/* One of the watch's own lines, after the time ("2026-12-04 18:22:10"). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	char stamp[32], text[512];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S",
	    localtime_r(&now, &tm));
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	cli_printf(stdout, "%s %s\n", stamp, text);
	fflush(stdout);
}

/* One pass: the record as it is now, polled, its registry read, one
 * renewal step. True when the cluster is over (the watch ends). */
static bool
pass(struct loop *l, const char *name)
{
	const struct backend *b;
	struct cluster *c;
	struct err e;
	bool missing, over = false;

	if ((c = cluster_load(name, &missing, &e)) == NULL) {
		if (missing)
			say("cluster '%s' is stopped (its record is gone): "
			    "the watch ends", name);
		else
			cli_error("%s", e.msg);
		return missing;
	}
	if ((b = clustercli_backend(c->backend)) == NULL)
		over = true;
	else if (clusterop_poll_sync(l, b, &c, 1, &e) == -1) {
		/* A scheduler or host that does not answer now may later. */
		cli_error("%s: %s", name, e.msg);
	} else if (clusterop_read_registry(l, c, &e) == -1)
		cli_error("%s: %s", name, e.msg);
	else if (c->cleared || (!cluster_any_alive(c) &&
	    !cluster_any_unknown(c))) {
		say("cluster '%s' runs nothing any more: the watch ends",
		    name);
		over = true;
	} else
		clustercli_renew(l, b, c);
	cluster_free(c);
	return over;
}

struct watch {
	const char *arg;
	long interval_s;
	bool background;
};

static int
run(void *p)
{
	const struct watch *w = p;
	char *name = clustercli_record_name(w->arg), *log = NULL;
	long before;
	struct cluster *c = clustercli_load(w->arg);
	struct loop *l;
	struct err e;
	pid_t other;
	int rc = CLI_OK;

	if (c == NULL) {
		free(name);
		return CLI_FAIL;
	}
	if (c->profile == NULL || c->profile->renew_before <= 0)
		rc = cli_error("cluster '%s': its profile sets no renew_before: "
		    "nothing for a watch to renew", name);
	else if (renewer_live(name, &other))
		rc = cli_error("a watch of '%s' runs already (pid %ld); 'hpctop "
		    "watch --stop %s' ends it", name, (long)other, name);
	else if (renewer_save(name, getpid(), &e) == -1)
		rc = cli_error("%s", e.msg);
	if (rc != CLI_OK) {
		cluster_free(c);
		free(name);
		return rc;
	}
	if (w->background)
		log = renewer_path(name, "log");
	before = c->profile->renew_before;
	cluster_free(c);
	say("watching '%s' (pid %ld): a pass every %ld s renews engine sets "
	    "ending within %ld s", name, (long)getpid(), w->interval_s, before);
	if (log != NULL)
		cli_printf(stdout, "its output goes to %s\n", log);
	bgproc_to_log(log);
	l = cli_loop();
	loop_signal(l, SIGINT, on_signal, NULL);
	loop_signal(l, SIGTERM, on_signal, NULL);
	loop_signal(l, SIGHUP, on_signal, NULL);
	while (!quit && !pass(l, name)) {
		uint64_t until = loop_now() + (uint64_t)w->interval_s * 1000;

		while (!quit && loop_now() < until)
			loop_once(l, (int64_t)(until - loop_now()));
	}
	if (quit)
		say("watch of '%s' ended by a signal", name);
	renewer_forget(name, getpid());
	host_free_all();
	free(log);
	free(name);
	return CLI_OK;
}

static int
stop(const char *arg)
{
	char *name = clustercli_record_name(arg);
	pid_t pid = renewer_end(name);
	int rc = CLI_OK;

	if (pid == 0)
		rc = cli_error("no watch of '%s' runs", name);
	else
		cli_printf(stdout, "watch of %s stopped (pid %ld)\n", name,
		    (long)pid);
	free(name);
	return rc;
}

static int
watch_exec(const struct cmd_args *a)
{
	struct watch w = { a->argv[0], cmd_num(a, 'i', INTERVAL_DEFAULT_S),
		cmd_has(a, 'b') };

	if (cmd_has(a, 's')) {
		if (w.background || cmd_has(a, 'i'))
			return cmd_usage(&cmd_watch_entry, "--stop goes alone");
		return stop(a->argv[0]);
	}
	return w.background ? bgproc_start(run, &w) : run(&w);
}

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.usage = "PROFILE [--background] [--interval=SECONDS]\n--stop PROFILE",
	.summary = "renew a cluster's engine sets while nobody looks",
	.help = help,
	.args = { "bi:s", 1, 1 },
	.longopts = (const struct option[]){
		{ "background", no_argument, NULL, 'b' },
		{ "interval", required_argument, NULL, 'i' },
		{ "stop", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	},
	.ints = (const struct cmd_int[]){
		{ 'i', "--interval", 1, INTERVAL_MAX_S, "seconds" },
		{ 0, NULL, 0, 0, NULL }
	},
	.exec = watch_exec,
};
