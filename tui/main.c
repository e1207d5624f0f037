/* hpctop: a terminal dashboard for ipyparallel clusters on HPC machines.
 * main() dispatches subcommands (tui/cli/cmd.c's table); with none it opens
 * the dashboard. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "core/ippcluster.h"
#include "dashboard.h"

#define DELAY_DEFAULT 20	/* tenths of a second, as htop's -d */
#define DELAY_MAX 600

static const char help[] =
    "With no command, opens the dashboard (PROFILE selected, if given).\n"
    "\n"
    "Options:\n"
    "  -H, --host=DEST  (before any command) also list the profiles found on\n"
    "                   the ssh destination DEST; they run there\n"
    "  -d, --delay=N    refresh the dashboard every N tenths of a second\n"
    "                   (1 to 600; default 20, i.e. 2 s)\n"
    "  -h, --help       show this help\n"
    "  -V, --version    show the version\n"
    "\n"
    "Dashboard keys: F1 or ? help, S start, X stop, P px console, L logs,\n"
    "J job script, q or F10 quit (clusters keep running).\n"
    "Colours are off when NO_COLOR is set; with TERM unset or dumb the\n"
    "dashboard refuses to start (the commands print plain text).\n"
    "\n"
    "Exit status: 0 success, 1 the operation failed, 2 a usage error\n"
    "(hpctop(1), EXIT STATUS).\n"
    "\n"
    "Profiles are YAML files; see hpctop(1) and 'hpctop profiles'.\n"
    "'hpctop COMMAND --help' describes each command.\n";

static int dashboard_exec(const struct cmd_args *a);

/* hpctop itself: the dashboard's options. */
static const struct cmd_entry main_entry = {
	.name = NULL,
	.usage = "[OPTIONS] [PROFILE]\n"
	    "COMMAND [ARGS]",
	.summary = "Start, watch and use ipyparallel clusters on HPC machines.",
	.help = help,
	.args = { "Vd:", 0, 1 },
	.longopts = (const struct option[]){
		{ "version", no_argument, NULL, 'V' },
		{ "delay", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	},
	.ints = (const struct cmd_int[]){
		{ 'd', "-d", 1, DELAY_MAX, "tenths of a second" },
		{ 0, NULL, 0, 0, NULL }
	},
	.exec = dashboard_exec,
};

static int
dashboard_exec(const struct cmd_args *a)
{
	struct dashboard_opts o = { NULL, DELAY_DEFAULT, false };
	struct proflist *pl;

	if (cmd_has(a, 'V')) {
		printf("hpctop %s\n", HPCTOP_VERSION);
		return CLI_OK;
	}
	o.delay = (int)cmd_num(a, 'd', DELAY_DEFAULT);
	pl = cli_proflist();
	if (pl->error != NULL)
		cli_error("%s", pl->error);
	if (a->argc > 0) {
		o.profile = a->argv[0];
		if (proflist_find(pl, o.profile) == NULL) {
			proflist_free(pl);
			return cmd_usage(&main_entry, "unknown command '%s' (and "
			    "no profile of that name; see 'hpctop profiles')",
			    o.profile);
		}
	}
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		proflist_free(pl);
		return cli_error("the dashboard needs a terminal (stdin and "
		    "stdout must be a TTY); 'hpctop profiles' lists the "
		    "profiles without one");
	}
	if (cli_term_dumb()) {
		proflist_free(pl);
		return cli_error("the dashboard needs a terminal that can move "
		    "the cursor (TERM is '%s'); set TERM (e.g. xterm) or use "
		    "'hpctop status' and 'hpctop profiles', which print plain "
		    "text", getenv("TERM") != NULL ? getenv("TERM") : "");
	}
	o.no_color = cli_no_color();
	return dashboard_run(&o, pl);
}

/* -H DEST / -HDEST / --host DEST / --host=DEST before the command:
 * consumed here, so that every command and the dashboard see the same
 * profile list. Returns how many words it took, or -1 after saying why
 * DEST is refused. */
static int
host_option(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "", *dest = NULL;
	int took = 0;

	size_t sl = strlen(CLI_HOST_SHORT), ll = strlen(CLI_HOST_LONG);

	if (strcmp(a, CLI_HOST_SHORT) == 0 || strcmp(a, CLI_HOST_LONG) == 0) {
		dest = argc > 2 ? argv[2] : "";
		took = 2;
	} else if (strncmp(a, CLI_HOST_SHORT, sl) == 0) {
		dest = a + sl;
		took = 1;
	} else if (strncmp(a, CLI_HOST_LONG, ll) == 0 && a[ll] == '=') {
		dest = a + ll + 1;
		took = 1;
	}
	if (took == 0)
		return 0;
	if (!profile_valid_host(dest)) {
		cli_error(CLI_HOST_SHORT ": '%s' is not an ssh destination ("
		    PROFILE_HOST_RULE ")", dest);
		return -1;
	}
	cli_set_host(dest);
	return took;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *e;
	int took;

	setlocale(LC_ALL, "");
	cmd_main = &main_entry;
	if ((took = host_option(argc, argv)) == -1)
		return CLI_USAGE;
	if (took > 0) {
		argv[took] = argv[0];
		argc -= took;
		argv += took;
	}
	/* Every command sees the clusters ipyparallel's cluster files
	 * describe (core/ippcluster.h) as records. */
	ippcluster_adopt_all(NULL);
	if (argc > 1 && argv[1][0] != '-' && (e = cmd_find(argv[1])) != NULL)
		return cmd_run(e, argc - 1, argv + 1);
	return cmd_run(&main_entry, argc, argv);
}
