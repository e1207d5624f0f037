/* Helpers shared by the non-interactive subcommands: messages on stderr
 * prefixed "hpctop:", exit codes, and profile lookup. */
#ifndef HPCTOP_CLI_H
#define HPCTOP_CLI_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/loop.h"
#include "core/profile.h"
#include "core/proflist.h"

#define CLI_OK 0
#define CLI_FAIL 1	/* the operation failed */
#define CLI_USAGE 2	/* the command line was wrong */

/* printf to f with what reaches the terminal escaped (safetext_escape:
 * control characters and bytes that are not UTF-8 as \xHH), newlines
 * kept. Names, paths and messages go through here (or cli_error); px
 * output stays raw, as IPython prints it. */
void cli_printf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_vprintf(FILE *f, const char *fmt, va_list ap);
/* A JSON string for outside text: as it is when UTF-8, else escaped, so no
 * field is ever dropped (null for NULL). */
json_t *cli_json_text(const char *s);

/* NO_COLOR set and not empty (no-color.org): no colour anywhere. */
bool cli_no_color(void);
/* $TERM unset, empty or "dumb": a terminal that cannot move the cursor, so
 * no dashboard and no escape sequences. */
bool cli_term_dumb(void);
/* Whether output on fd may carry colour escapes: a terminal, not dumb, and
 * no NO_COLOR. */
bool cli_color(int fd);

/* "hpctop: <message>" on stderr, escaped; returns CLI_FAIL. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The profile list on the default search path (build tree included when the
 * binary runs from the checkout), and with -H DEST the profiles on DEST
 * (pl->error says why they are missing, when they are). Caller frees. */
struct proflist *cli_proflist(void);
/* -H DEST (NULL: none). */
void cli_set_host(const char *dest);
/* That option, before any command (tui/main.c parses it; the completion
 * offers it): -H DEST, -HDEST, --host DEST, --host=DEST. */
#define CLI_HOST_SHORT "-H"
#define CLI_HOST_LONG "--host"
/* The one event loop of this process: every command's, and the
 * dashboard's, so that an SSH session opened by one step (listing the
 * profiles on DEST, a poll) serves the next. Never freed. */
struct loop *cli_loop(void);
/* Loads the named profile, printing its error (and returning NULL) when
 * missing or invalid. Caller frees. */
struct profile *cli_profile(const char *name);
/* Same, with the text it was parsed from in *text (NULL: not wanted). */
struct profile *cli_profile_text(const char *name, char **text);

/* The one parser of integer values (options through struct cmd_int, the
 * dashboard's prompt): decimal digits only (no sign, no spaces), from min
 * to max; e says "OPT: 'V' is not a whole number" or out of range. */
int cli_int(const char *opt, const char *s, long min, long max, long *out,
    struct err *e);

/* Parses "0,2-3" into a sorted, de-duplicated array of ids. Returns -1 on a
 * malformed list, with a message in e. */
int cli_parse_ids(const char *s, int **ids, size_t *n, struct err *e);

#endif
