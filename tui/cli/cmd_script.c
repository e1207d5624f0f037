#include "cmd_script.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/loop.h"

static const char help[] =
    "Print, as a sh script, exactly what 'hpctop start PROFILE' would run:\n"
    "the controller and the engines, with their environment, setup lines\n"
    "and log files. Nothing is started.\n"
    "\n"
    "  -n, --engines N   number of engines (default: the profile's)\n"
    "  -h, --help        show this help\n";

static int
script_exec(const struct cmd_args *a)
{
	const struct backend *b;
	struct cluster *c;
	struct loop *l;
	struct err e;
	int rc = CLI_OK;

	c = clustercli_new(a->argv[0], (int)cmd_num(a, 'n', 0), &b);
	if (c == NULL)
		return CLI_FAIL;
	l = cli_loop();
	if (clusterop_script_sync(l, b, c, &e) == -1)
		rc = cli_error("%s", e.msg);
	else
		fputs(c->script, stdout);
	cluster_free(c);
	return rc;
}

const struct cmd_entry cmd_script_entry = {
	.name = "script",
	.usage = "PROFILE [-n N]",
	.summary = "print exactly what start would run",
	.help = help,
	.args = { "n:", 1, 1 },
	.longopts = (const struct option[]){
		CMD_ENGINES_LONGOPT,
		{ NULL, 0, NULL, 0 }
	},
	.ints = (const struct cmd_int[]){
		CMD_ENGINES_INT,
		{ 0, NULL, 0, 0, NULL }
	},
	.exec = script_exec,
};
