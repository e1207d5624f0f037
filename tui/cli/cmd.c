#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_complete.h"
#include "cmd_doctor.h"
#include "cmd_engines.h"
#include "cmd_logs.h"
#include "cmd_profiles.h"
#include "cmd_px.h"
#include "cmd_scale.h"
#include "cmd_script.h"
#include "cmd_start.h"
#include "cmd_status.h"
#include "cmd_stop.h"
#include "cmd_tunnel.h"
#include "cmd_watch.h"
#include "core/err.h"
#include "core/xmalloc.h"

const struct option cmd_json_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry *const cmd_table[] = {
	&cmd_profiles_entry,
	&cmd_start_entry,
	&cmd_status_entry,
	&cmd_stop_entry,
	&cmd_scale_entry,
	&cmd_logs_entry,
	&cmd_script_entry,
	&cmd_engines_entry,
	&cmd_px_entry,
	&cmd_doctor_entry,
	&cmd_tunnel_entry,
	&cmd_watch_entry,
	&cmd_complete_entry,
	NULL
};

const struct cmd_entry *cmd_main;

bool
cmd_hidden(const struct cmd_entry *e)
{
	return e->name != NULL && e->name[0] == '_';
}

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

/* "Usage: hpctop NAME FORM", then "       hpctop NAME FORM" per further
 * form. */
static void
print_usage(const struct cmd_entry *e, FILE *f)
{
	const char *form = e->usage;

	for (int i = 0; ; i++) {
		size_t len = strcspn(form, "\n");

		fprintf(f, "%s hpctop%s%s %.*s\n", i == 0 ? "Usage:" : "      ",
		    e->name != NULL ? " " : "", e->name != NULL ? e->name : "",
		    (int)len, form);
		if (form[len] == '\0')
			break;
		form += len + 1;
	}
}

void
cmd_help(const struct cmd_entry *e, FILE *f)
{
	print_usage(e, f);
	if (e->name == NULL) {
		fprintf(f, "\n%s\n\nCommands:\n", e->summary);
		for (size_t i = 0; cmd_table[i] != NULL; i++) {
			const struct cmd_entry *c = cmd_table[i];
			int len = (int)strcspn(c->usage, "\n");
			char *left;

			if (cmd_hidden(c))
				continue;
			left = xasprintf("%s %.*s", c->name, len, c->usage);

			/* A long usage puts its summary on the next line. */
			if (strlen(left) > 28)
				fprintf(f, "  %s\n  %-28s %s\n", left, "",
				    c->summary);
			else
				fprintf(f, "  %-28s %s\n", left, c->summary);
			free(left);
		}
		fputc('\n', f);
	}
	fputs(e->help, f);
}

static int
vusage(const struct cmd_entry *e, const char *fmt, va_list ap)
{
	fputs("hpctop: ", stderr);
	cli_vprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	print_usage(e, stderr);
	fprintf(stderr, "Try 'hpctop %s%s--help' for more information.\n",
	    e->name != NULL ? e->name : "", e->name != NULL ? " " : "");
	return CLI_USAGE;
}

int
cmd_usage(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vusage(e, fmt, ap);
	va_end(ap);
	return rc;
}

int
cmd_check_count(const struct cmd_entry *e, const struct cmd_args *a,
    int min, int max)
{
	if (a->argc < min)
		return cmd_usage(e, "missing argument%s", min - a->argc > 1 ?
		    "s" : "");
	if (max >= 0 && a->argc > max)
		return cmd_usage(e, "too many arguments ('%s')",
		    a->argv[max]);
	return 0;
}

static const struct cmd_int *
find_int(const struct cmd_entry *e, int opt)
{
	for (const struct cmd_int *i = e->ints; i != NULL && i->opt != 0; i++)
		if (i->opt == opt)
			return i;
	return NULL;
}

/* The option as the user wrote it: a long one from argv, else "-c". */
static char *
opt_text(char **argv, int opt)
{
	const char *arg = argv[optind - 1];

	if (strncmp(arg, "--", 2) == 0)
		return xasprintf("%.*s", (int)strcspn(arg, "="), arg);
	return xasprintf("-%c", opt);
}

static int
check_int(const struct cmd_entry *e, const struct cmd_int *spec,
    struct cmd_opt *o)
{
	struct err er;

	if (o->value == NULL)
		return 0;
	if (cli_int(spec->name, o->value, spec->min, spec->max, &o->num,
	    &er) == 0)
		return 0;
	if (spec->unit != NULL)
		return cmd_usage(e, "%s: expected %s from %ld to %ld, got '%s'",
		    spec->name, spec->unit, spec->min, spec->max, o->value);
	return cmd_usage(e, "%s", er.msg);
}

/* The getopt loop: fills a->opts; CLI_OK, CLI_USAGE on an error (printed),
 * or -1 for --help. */
static int
parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *a)
{
	static const struct option help = { "help", no_argument, NULL, 'h' };
	struct option *longopts;
	size_t nlong = 0;
	char *optstring;
	int ch, rc = CLI_OK;

	while (e->longopts != NULL && e->longopts[nlong].name != NULL)
		nlong++;
	longopts = xcalloc(nlong + 2, sizeof *longopts);
	if (nlong > 0)
		memcpy(longopts, e->longopts, nlong * sizeof *longopts);
	longopts[nlong] = help;
	/* ':' first: a missing value returns ':' rather than '?'. An entry's
	 * leading '+' (options end at the first argument, so that "-1" after
	 * it is an argument) goes before it. */
	if (e->args.optstring != NULL && e->args.optstring[0] == '+')
		optstring = xasprintf("+:%sh", e->args.optstring + 1);
	else
		optstring = xasprintf(":%sh", e->args.optstring != NULL ?
		    e->args.optstring : "");
	a->opts = xcalloc((size_t)argc + 1, sizeof *a->opts);
	opterr = 0;
	optind = 0;	/* GNU getopt: start afresh, also its internal state */
	while (rc == CLI_OK &&
	    (ch = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		const struct cmd_int *spec;
		struct cmd_opt *o;
		char *text;

		switch (ch) {
		case 'h':
			rc = -1;
			break;
		case ':':
			text = opt_text(argv, optopt);
			rc = cmd_usage(e, "option '%s' needs a value", text);
			free(text);
			break;
		case '?':
			/* optopt is 0 for an unknown long option, the option's
			 * value for a known one given a value it does not
			 * take (--json=1). */
			text = opt_text(argv, optopt);
			rc = optopt != 0 && strncmp(text, "--", 2) == 0 ?
			    cmd_usage(e, "option '%s' takes no value", text) :
			    cmd_usage(e, "bad option '%s'", text);
			free(text);
			break;
		default:
			o = &a->opts[a->nopts++];
			o->opt = ch;
			o->value = optarg;
			spec = find_int(e, ch);
			if (spec != NULL)
				rc = check_int(e, spec, o);
			break;
		}
	}
	free(optstring);
	free(longopts);
	a->argv = argv + optind;
	a->argc = argc - optind;
	if (rc == CLI_OK)
		rc = cmd_check_count(e, a, e->args.min, e->args.max);
	return rc;
}

int
cmd_run(const struct cmd_entry *e, int argc, char **argv)
{
	struct cmd_args a = { 0 };
	int rc;

	rc = parse(e, argc, argv, &a);
	if (rc == -1) {
		cmd_help(e, stdout);
		rc = CLI_OK;
	} else if (rc == CLI_OK)
		rc = e->exec(&a);
	free(a.opts);
	return rc;
}

bool
cmd_has(const struct cmd_args *a, int opt)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (a->opts[i].opt == opt)
			return true;
	return false;
}

static const struct cmd_opt *
last(const struct cmd_args *a, int opt)
{
	for (size_t i = a->nopts; i-- > 0; )
		if (a->opts[i].opt == opt)
			return &a->opts[i];
	return NULL;
}

const char *
cmd_value(const struct cmd_args *a, int opt)
{
	const struct cmd_opt *o = last(a, opt);

	return o != NULL ? o->value : NULL;
}

long
cmd_num(const struct cmd_args *a, int opt, long dflt)
{
	const struct cmd_opt *o = last(a, opt);

	return o != NULL && o->value != NULL ? o->num : dflt;
}
