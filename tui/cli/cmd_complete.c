#include "cmd_complete.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "For the bash completion: with no argument, the commands, one a line;\n"
    "with COMMAND ('-' for hpctop itself), its options, one a line, \"=\"\n"
    "after those that take a value, then PROFILE when its arguments name a\n"
    "profile.\n";

static void
print_options(const struct cmd_entry *e)
{
	const char *s = e->args.optstring != NULL ? e->args.optstring : "";

	for (const struct option *o = e->longopts; o != NULL &&
	    o->name != NULL; o++)
		printf("--%s%s\n", o->name,
		    o->has_arg == required_argument ? "=" : "");
	puts("--help");
	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		/* "x:" takes a value, "x::" one that is optional. */
		printf("-%c%s\n", *s, s[1] == ':' && s[2] != ':' ? "=" : "");
	}
	puts("-h");
	/* hpctop's own: the option main.c takes before any command. */
	if (e == cmd_main)
		printf("%s=\n%s=\n", CLI_HOST_LONG, CLI_HOST_SHORT);
	if (strstr(e->usage, "PROFILE") != NULL)
		puts("PROFILE");
}

static int
complete_exec(const struct cmd_args *a)
{
	const struct cmd_entry *e;

	if (a->argc == 0) {
		for (size_t i = 0; cmd_table[i] != NULL; i++)
			if (!cmd_hidden(cmd_table[i]))
				puts(cmd_table[i]->name);
		return CLI_OK;
	}
	e = strcmp(a->argv[0], "-") == 0 ? cmd_main : cmd_find(a->argv[0]);
	if (e == NULL || cmd_hidden(e))
		return cli_error("__complete: no command '%s'", a->argv[0]);
	print_options(e);
	return CLI_OK;
}

const struct cmd_entry cmd_complete_entry = {
	.name = "__complete",
	.usage = "[COMMAND|-]",
	.summary = "what the bash completion asks (hidden)",
	.help = help,
	.args = { "", 0, 1 },
	.exec = complete_exec,
};
