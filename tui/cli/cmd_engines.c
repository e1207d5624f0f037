#include "cmd_engines.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/xmalloc.h"
#include "ippcli.h"

static const char help[] =
    "Ask the cluster's controller for its registered engines and print\n"
    "them with their hostname and their count. Each engine is asked for its\n"
    "hostname silently (it enters no history); one busy for over 5 s\n"
    "shows '-'. PROFILE is an hpctop profile or, failing that,\n"
    "an IPython profile ($IPYTHONDIR/profile_PROFILE).\n"
    "\n"
    "  -j, --json        print a JSON object instead of a table\n"
    "      --file PATH   use this ipcontroller-client.json\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 on success, 1 when the controller cannot be reached,\n"
    "2 on a usage error.\n";

static void
print_json(const struct ippcli *c)
{
	const struct ipp_engine *eng;
	size_t n;
	json_t *o = json_object(), *arr = json_array();
	char *s;

	eng = ipp_engines(c->ipp, &n);
	for (size_t i = 0; i < n; i++)
		if (eng[i].registered)
			json_array_append_new(arr, json_pack("{s:i, s:s, s:o}",
			    "id", eng[i].id, "uuid", eng[i].uuid, "host",
			    eng[i].host != NULL ? json_string(eng[i].host) :
			    json_null()));
	json_object_set_new(o, "count",
	    json_integer((json_int_t)ipp_engine_count(c->ipp)));
	json_object_set_new(o, "engines", arr);
	json_object_set_new(o, "connection_file", json_string(c->path));
	s = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (s == NULL)
		fatal("json_dumps failed");
	puts(s);
	free(s);
}

static void
print_table(const struct ippcli *c)
{
	const struct ipp_engine *eng;
	size_t n, count = ipp_engine_count(c->ipp);
	int w = 4;

	eng = ipp_engines(c->ipp, &n);
	for (size_t i = 0; i < n; i++)
		if (eng[i].registered && eng[i].host != NULL &&
		    (int)strlen(eng[i].host) > w)
			w = (int)strlen(eng[i].host);
	if (count > 0)
		printf("%-6s  %-*s  %s\n", "ENGINE", w, "HOST", "UUID");
	for (size_t i = 0; i < n; i++)
		if (eng[i].registered)
			printf("%-6d  %-*s  %s\n", eng[i].id, w,
			    eng[i].host != NULL ? eng[i].host : "-",
			    eng[i].uuid);
	printf("%zu engine%s registered\n", count, count == 1 ? "" : "s");
}

static int
engines_exec(const struct cmd_args *a)
{
	const char *file = cmd_value(a, 'F');
	struct ippcli c;
	struct err e;

	/* PROFILE may be left out when --file names the connection file. */
	if (cmd_check_count(&cmd_engines_entry, a, file != NULL ? 0 : 1,
	    1) != 0)
		return CLI_USAGE;
	if (ippcli_open(&c, a->argc > 0 ? a->argv[0] : "", file, &e) == -1)
		return cli_error("%s", e.msg);
	ipp_want_hosts(c.ipp);
	ipp_wait_hosts(c.ipp, c.loop);
	if (cmd_has(a, 'j'))
		print_json(&c);
	else
		print_table(&c);
	ippcli_close(&c);
	return CLI_OK;
}

const struct cmd_entry cmd_engines_entry = {
	.name = "engines",
	.usage = "PROFILE [--json] [--file PATH]",
	.summary = "list the engines registered with the controller",
	.help = help,
	.args = { "j", 0, 1 },
	.longopts = (const struct option[]){
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	},
	.exec = engines_exec,
};
