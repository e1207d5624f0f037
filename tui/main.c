/* hpctop: a terminal dashboard for ipyparallel clusters on HPC machines.
 * main() dispatches subcommands; with none it opens the dashboard. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_doctor.h"
#include "cli/cmd_engines.h"
#include "cli/cmd_logs.h"
#include "cli/cmd_profiles.h"
#include "cli/cmd_px.h"
#include "cli/cmd_script.h"
#include "cli/cmd_start.h"
#include "cli/cmd_status.h"
#include "cli/cmd_stop.h"
#include "dashboard.h"

#define DELAY_DEFAULT 20	/* tenths of a second, as htop's -d */
#define DELAY_MAX 600

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *summary;
};

/* One table drives dispatch and --help. */
static const struct command commands[] = {
	{ "profiles", cmd_profiles, "[--json]",
	    "list cluster profiles and where they came from" },
	{ "start", cmd_start, "PROFILE [OPTIONS]",
	    "start a cluster's controller and engines" },
	{ "status", cmd_status, "[PROFILE] [--json]",
	    "show running clusters, their processes and engines" },
	{ "stop", cmd_stop, "PROFILE [--force]",
	    "stop a cluster, leaving nothing behind" },
	{ "logs", cmd_logs, "PROFILE [-c|-e ID] [-f]",
	    "print a cluster's process logs" },
	{ "script", cmd_script, "PROFILE [-n N]",
	    "print exactly what start would run" },
	{ "engines", cmd_engines, "PROFILE [--json]",
	    "list the engines registered with the controller" },
	{ "px", cmd_px, "PROFILE [OPTIONS] CODE",
	    "run Python code on the engines, like %px" },
	{ "doctor", cmd_doctor, "PROFILE [-n N] [--json]",
	    "check, where the engines would run, what they need" },
};

static void
usage(FILE *f)
{
	fputs("Usage: hpctop [OPTIONS] [PROFILE]\n"
	    "       hpctop COMMAND [ARGS]\n"
	    "\n"
	    "Start, watch and use ipyparallel clusters on HPC machines.\n"
	    "\n"
	    "Commands:\n", f);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		char left[64];

		snprintf(left, sizeof left, "%s %s", commands[i].name,
		    commands[i].args);
		fprintf(f, "  %-28s %s\n", left, commands[i].summary);
	}
	fputs("\n"
	    "With no command, opens the dashboard (PROFILE selected, if given).\n"
	    "\n"
	    "Options:\n"
	    "  -d, --delay=N    refresh the dashboard every N tenths of a second\n"
	    "                   (1 to 600; default 20, i.e. 2 s)\n"
	    "  -h, --help       show this help\n"
	    "  -V, --version    show the version\n"
	    "\n"
	    "Dashboard keys: F1 or ? help, S start, X stop, P px console, L logs,\n"
	    "J job script, q or F10 quit (clusters keep running).\n"
	    "Colours are off when NO_COLOR is set.\n"
	    "\n"
	    "Profiles are YAML files; see hpctop(1) and 'hpctop profiles'.\n"
	    "'hpctop COMMAND --help' describes each command.\n", f);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "delay", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct dashboard_opts o = { NULL, DELAY_DEFAULT, false };
	const char *nc = getenv("NO_COLOR");
	struct proflist *pl;
	long v;
	int c;

	setlocale(LC_ALL, "");
	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].fn(argc - 1, argv + 1);
	}
	while ((c = getopt_long(argc, argv, "hVd:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'V':
			printf("hpctop %s\n", HPCTOP_VERSION);
			return CLI_OK;
		case 'd':
			if (cli_int("-d", optarg, 1, DELAY_MAX, &v, NULL) == -1)
				return cli_usage(NULL, "-d: expected tenths of a "
				    "second from 1 to %d, got '%s'", DELAY_MAX,
				    optarg);
			o.delay = (int)v;
			break;
		default:
			return cli_usage(NULL, "bad option");
		}
	}
	if (argc - optind > 1)
		return cli_usage(NULL, "too many arguments ('%s')",
		    argv[optind + 1]);
	pl = cli_proflist();
	if (optind < argc) {
		o.profile = argv[optind];
		if (proflist_find(pl, o.profile) == NULL) {
			proflist_free(pl);
			return cli_usage(NULL, "unknown command '%s' (and no "
			    "profile of that name; see 'hpctop profiles')",
			    o.profile);
		}
	}
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		proflist_free(pl);
		return cli_error("the dashboard needs a terminal (stdin and "
		    "stdout must be a TTY); 'hpctop profiles' lists the "
		    "profiles without one");
	}
	o.no_color = nc != NULL && *nc != '\0';
	return dashboard_run(&o, pl);
}
