#include "cmd_stop.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/loop.h"

static const char usage[] =
    "Usage: hpctop stop PROFILE\n"
    "Stop the cluster started from PROFILE: the engines first, then the\n"
    "controller (SIGTERM, then SIGKILL after a bounded wait). Nothing of it\n"
    "is left running; its connection files and its record are removed. A\n"
    "record whose processes are already gone is just cleared.\n"
    "\n"
    "  -h, --help   show this help\n";

int
cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct backend *b;
	struct cluster *c;
	struct loop *l;
	struct err e;
	int ch, rc = CLI_OK;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage, stdout);
			return CLI_OK;
		default:
			return cli_usage("stop", "bad option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("stop", "expected one PROFILE");
	c = clustercli_load(argv[optind]);
	if (c == NULL)
		return CLI_FAIL;
	b = clustercli_backend(c->backend);
	if (b == NULL) {
		cluster_free(c);
		return CLI_FAIL;
	}
	l = loop_new();
	if (clusterop_stop_sync(l, b, c, &e) == -1)
		rc = cli_error("cannot stop '%s': %s", c->name, e.msg);
	else
		printf("stopped '%s'\n", c->name);
	loop_free(l);
	cluster_free(c);
	return rc;
}
