#include "cmd_script.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/loop.h"

static const char usage[] =
    "Usage: hpctop script PROFILE [-n N]\n"
    "Print, as a sh script, exactly what 'hpctop start PROFILE' would run:\n"
    "the controller and the engines, with their environment, setup lines\n"
    "and log files. Nothing is started.\n"
    "\n"
    "  -n, --engines N   number of engines (default: the profile's)\n"
    "  -h, --help        show this help\n";

int
cmd_script(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engines", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct backend *b;
	struct cluster *c;
	struct loop *l;
	struct err e;
	int ch, n = 0, rc = CLI_OK;
	long v;

	while ((ch = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (cli_parse_int("script", "-n", optarg, 1,
			    PROFILE_MAX_ENGINES, &v) == -1)
				return CLI_USAGE;
			n = (int)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		default:
			return cli_usage("script", "bad option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("script", "expected one PROFILE");
	c = clustercli_new(argv[optind], n, &b);
	if (c == NULL)
		return CLI_FAIL;
	l = loop_new();
	if (clusterop_script_sync(l, b, c, &e) == -1)
		rc = cli_error("%s", e.msg);
	else
		fputs(c->script, stdout);
	loop_free(l);
	cluster_free(c);
	return rc;
}
