#include "cmd_scale.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clustercli.h"
#include "core/clusterop.h"
#include "core/loop.h"

static int
scale_exec(const struct cmd_args *a)
{
	const char *arg = a->argv[1];
	const struct backend *b;
	struct cluster *c;
	struct err e;
	long v;
	int rc = CLI_OK;

	if ((arg[0] != '+' && arg[0] != '-') ||
	    cli_int(arg[0] == '+' ? "+N" : "-SET", arg + 1, arg[0] == '+' ?
	    1 : 0, PROFILE_MAX_ENGINES, &v, &e) == -1) {
		if (arg[0] != '+' && arg[0] != '-')
			return cli_error("'%s': expected +N (engines to add) or "
			    "-SET (the engine set to stop)", arg);
		return cli_error("%s", e.msg);
	}
	c = clustercli_load(a->argv[0]);
	if (c == NULL)
		return CLI_FAIL;
	b = clustercli_backend(c->backend);
	if (b == NULL) {
		cluster_free(c);
		return CLI_FAIL;
	}
	if (arg[0] == '+') {
		if (clusterop_scale_sync(cli_loop(), b, c, true, (int)v, &e) == -1)
			rc = cli_error("cannot scale '%s': %s", c->name, e.msg);
		else
			cli_printf(stdout, "'%s': engine set %d of %ld engine%s "
			    "started (%d engines in all)\n", c->name,
			    c->next_set - 1, v, v == 1 ? "" : "s", c->engines);
	} else if (clusterop_scale_sync(cli_loop(), b, c, false, (int)v,
	    &e) == -1)
		rc = cli_error("cannot scale '%s': %s", c->name, e.msg);
	else
		cli_printf(stdout, "'%s': engine set %ld stopped (%d engines "
		    "left)\n", c->name, v, c->engines);
	cluster_free(c);
	return rc;
}

static const char help[] =
    "Grow or shrink a running cluster by engine sets. A cluster is its\n"
    "controller plus one or more engine sets (set 0 is what start made),\n"
    "each its own engines job (slurm, pbs) or group of processes (local);\n"
    "'hpctop status PROFILE' lists them with their jobs and engine ids.\n"
    "\n"
    "  +N    start a new set of N engines (the next set id) beside the\n"
    "        others; they register with the running controller\n"
    "  -SET  stop engine set SET (not the only one: 'hpctop stop' stops the\n"
    "        cluster); its engines leave on purpose and are never counted\n"
    "        lost\n"
    "  -h, --help  show this help\n";

const struct cmd_entry cmd_scale_entry = {
	.name = "scale",
	.usage = "PROFILE +N\nPROFILE -SET",
	.summary = "add an engine set of N engines, or stop one set",
	.help = help,
	.args = { "+", 2, 2 },
	.exec = scale_exec,
};
