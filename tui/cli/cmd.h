/* The subcommands, tmux style: each tui/cli/cmd_NAME.c defines one
 * struct cmd_entry (name, usage, help, options, argument counts, exec);
 * cmd_table lists them; cmd_run is the one parser of their command lines
 * (-h/--help, bad options, argument counts, integer options). */
#ifndef HPCTOP_CMD_H
#define HPCTOP_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/profile.h"

/* An option whose value is a whole number, checked by cli_int before exec
 * runs. */
struct cmd_int {
	int opt;		/* getopt's value; 0 ends the list */
	const char *name;	/* as messages call it: "-n", "--engine" */
	long min, max;
	/* NULL, or what the number counts: the error then says "NAME:
	 * expected UNIT from MIN to MAX, got 'V'". */
	const char *unit;
};

/* One option as given, in command-line order. */
struct cmd_opt {
	int opt;
	const char *value;	/* its argument, or NULL */
	long num;		/* an integer option's value (struct cmd_int) */
};

struct cmd_args {
	struct cmd_opt *opts;
	size_t nopts;
	char **argv;		/* the positional arguments */
	int argc;
};

struct cmd_entry {
	const char *name;	/* NULL: hpctop itself (the dashboard) */
	/* What follows "hpctop NAME" in the usage, one line per form; the
	 * first is the one 'hpctop --help' lists. */
	const char *usage;
	const char *summary;	/* one line for 'hpctop --help' */
	const char *help;	/* the rest of 'hpctop NAME --help' */
	/* As tmux's: getopt's short options (without h: the parser adds
	 * -h/--help) and how many positional arguments (max -1: any
	 * number). */
	struct cmd_argspec {
		const char *optstring;
		int min, max;
	} args;
	/* The long options, without --help; ends with a zeroed entry (or is
	 * NULL). */
	const struct option *longopts;
	const struct cmd_int *ints;	/* ends with opt 0 (or is NULL) */
	int (*exec)(const struct cmd_args *a);
};

/* -n/--engines N, the size of a cluster, as start, script and doctor take
 * it: the struct option and the struct cmd_int of one option. */
#define CMD_ENGINES_LONGOPT { "engines", required_argument, NULL, 'n' }
#define CMD_ENGINES_INT { 'n', "-n", 1, PROFILE_MAX_ENGINES, NULL }

/* The long options of a command whose one option is -j/--json. */
extern const struct option cmd_json_longopts[];

/* Every subcommand, in the order 'hpctop --help' lists them; ends with
 * NULL. */
extern const struct cmd_entry *const cmd_table[];

/* hpctop itself (its options before any command); main() sets it. */
extern const struct cmd_entry *cmd_main;

/* Entries whose name starts with '_' (__complete): left out of the list
 * 'hpctop --help' prints and of completion. */
bool cmd_hidden(const struct cmd_entry *e);

/* The entry named name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* Parses argv (argv[0] is the command's name) against e: prints the help
 * and returns CLI_OK for -h/--help, prints the error with the usage and
 * returns CLI_USAGE for a bad command line, else returns what e->exec
 * returns. */
int cmd_run(const struct cmd_entry *e, int argc, char **argv);

/* 'hpctop NAME --help' (for hpctop itself, the list of commands too). */
void cmd_help(const struct cmd_entry *e, FILE *f);

/* "hpctop: <message>", e's usage and the hint to --help on stderr;
 * returns CLI_USAGE. For what exec finds wrong in its command line. */
int cmd_usage(const struct cmd_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A narrower argument count than the entry's, checked in exec (engines:
 * none with --file): the parser's message, and CLI_USAGE, when a->argc is
 * outside min..max (max -1: no limit); else 0. */
int cmd_check_count(const struct cmd_entry *e, const struct cmd_args *a,
    int min, int max);

/* Whether opt was given. */
bool cmd_has(const struct cmd_args *a, int opt);
/* The value of opt's last occurrence, or NULL. */
const char *cmd_value(const struct cmd_args *a, int opt);
/* The number of integer option opt's last occurrence, or dflt when it was
 * not given or given without a value (an optional argument). */
long cmd_num(const struct cmd_args *a, int opt, long dflt);

#endif
