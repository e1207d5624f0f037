/* hpctop: a terminal dashboard for ipyparallel clusters on HPC machines.
 * main() dispatches subcommands; with none it opens the dashboard. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_engines.h"
#include "cmd_logs.h"
#include "cmd_profiles.h"
#include "cmd_px.h"
#include "cmd_script.h"
#include "cmd_start.h"
#include "cmd_status.h"
#include "cmd_stop.h"

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
	{ "start", cmd_start, "PROFILE [-n N] [--wait]",
	    "start a cluster's controller and engines" },
	{ "status", cmd_status, "[PROFILE] [--json]",
	    "show running clusters, their processes and engines" },
	{ "stop", cmd_stop, "PROFILE", "stop a cluster, leaving nothing behind" },
	{ "logs", cmd_logs, "PROFILE [-c|-e ID] [-f]",
	    "print a cluster's process logs" },
	{ "script", cmd_script, "PROFILE [-n N]",
	    "print exactly what start would run" },
	{ "engines", cmd_engines, "PROFILE [--json]",
	    "list the engines registered with the controller" },
	{ "px", cmd_px, "PROFILE [OPTIONS] CODE",
	    "run Python code on the engines, like %px" },
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
	    "Options:\n"
	    "  -h, --help       show this help\n"
	    "  -V, --version    show the version\n"
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
		{ NULL, 0, NULL, 0 }
	};
	int c;

	setlocale(LC_ALL, "");
	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].fn(argc - 1, argv + 1);
	}
	/* '+': stop at the first non-option so PROFILE stays positional. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'V':
			printf("hpctop %s\n", HPCTOP_VERSION);
			return CLI_OK;
		default:
			return cli_usage(NULL, "bad option");
		}
	}
	if (optind < argc)
		return cli_usage(NULL, "unknown command '%s'", argv[optind]);
	return cmd_profiles(1, (char *[]){ "profiles", NULL });
}
