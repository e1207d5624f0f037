#include "cmd_px.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/pxfmt.h"
#include "core/xmalloc.h"
#include "ippcli.h"

static const char help[] =
    "Run Python code on the cluster's engines like IPython's %px and print\n"
    "what each engine wrote: [stdout:0] ..., [stderr:0] ... (on stderr),\n"
    "[0:execute_result] ..., and [0:execute] ERROR: message with the\n"
    "traceback. PROFILE is an hpctop profile or an IPython profile.\n"
    "\n"
    "  -t, --targets IDS  only these engines, e.g. 0,2-3 (default: all)\n"
    "  -T, --timeout S    give up on engines silent for S seconds\n"
    "                     (default: wait as long as the code runs)\n"
    "  -f FILE            read the code from FILE\n"
    "  -r, --repeat K     run K times, one after the other, and print the\n"
    "                     round-trip min/median/max instead of the output\n"
    "      --file PATH    use this ipcontroller-client.json\n"
    "  -h, --help         show this help\n"
    "\n"
    "Tracebacks keep their colours only when stdout is a terminal.\n"
    "Ctrl-C interrupts the code on the engines (KeyboardInterrupt), as in\n"
    "IPython; a second Ctrl-C stops waiting for them.\n"
    "Exit status: 0 when every engine ran the code, 1 when any raised,\n"
    "timed out, went away or was interrupted, or the controller cannot be\n"
    "reached, 2 on a usage error.\n";

/* Reads all of f; NULL with errno set on a read error. */
static char *
slurp(FILE *f)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);

	for (;;) {
		size_t got = fread(buf + len, 1, cap - len - 1, f);

		len += got;
		if (got == 0)
			break;
		if (cap - len < 2)
			buf = xreallocarray(buf, cap *= 2, 1);
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static int
read_code(const char *file, const char *arg, char **code)
{
	FILE *f;

	if (file == NULL && strcmp(arg, "-") != 0) {
		*code = xstrdup(arg);
		return 0;
	}
	f = file != NULL ? fopen(file, "r") : stdin;
	if (f == NULL)
		return cli_error("cannot read %s: %s", file, strerror(errno));
	*code = slurp(f);
	if (*code == NULL)
		cli_error("cannot read %s: %s", file ? file : "stdin",
		    strerror(errno));
	if (f != stdin)
		fclose(f);
	return *code == NULL ? CLI_FAIL : 0;
}

static bool
any_failed(const struct ipp_exec *x)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->r[i].status != IPP_OK)
			return true;
	return false;
}

static int
print_exec(const struct ipp_exec *x)
{
	struct pxfmt_rec *v;
	size_t n = pxfmt_exec(x, cli_color(STDOUT_FILENO) ? PXFMT_COLOR : 0,
	    &v);

	for (size_t i = 0; i < n; i++) {
		bool to_err = pxfmt_to_stderr(v[i].kind);

		if (to_err)
			fflush(stdout);
		/* Raw, NULs included, as IPython prints what the engine sent. */
		fwrite(v[i].text, 1, v[i].len, to_err ? stderr : stdout);
		if (to_err)
			fflush(stderr);
	}
	pxfmt_free(v, n);
	return any_failed(x);
}

/* "engines 1,3" for the silent ones. */
static void
report_silent(const struct ipp_exec *x, double timeout)
{
	char *list = xstrdup("");
	size_t count = 0;

	for (size_t i = 0; i < x->n; i++) {
		char *tmp;

		if (x->r[i].status != IPP_TIMEOUT)
			continue;
		tmp = xasprintf("%s%s%d", list, count ? "," : "",
		    x->r[i].engine);
		free(list);
		list = tmp;
		count++;
	}
	/* Without -T only a second Ctrl-C expires replies; it said so. */
	if (count > 0 && timeout > 0)
		cli_error("no reply within %g s from engine%s %s", timeout,
		    count == 1 ? "" : "s", list);
	free(list);
}

/* Ctrl-C while code runs: the first interrupts the engines (they raise
 * KeyboardInterrupt and answer), the next stops waiting. */
struct sigint_state {
	struct ipp_exec *x;
	int count;
};

static void
on_sigint(int signo, void *arg)
{
	struct sigint_state *st = arg;
	struct err e;

	if (st->x == NULL || st->x->pending == 0)
		return;
	if (++st->count == 1) {
		if (ipp_interrupt(st->x, &e) == -1)
			cli_error("cannot interrupt: %s", e.msg);
		else
			cli_error("interrupting the code (Ctrl-C again to stop "
			    "waiting)");
		return;
	}
	cli_error("stopped waiting: the code may still run on the engines "
	    "shown as timeout");
	ipp_exec_expire(st->x);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
run(struct ippcli *c, const char *code, const int *ids, size_t nids,
    double timeout, long repeat)
{
	uint64_t tmo = (uint64_t)llround(timeout * 1000);
	double *rtt = xcalloc((size_t)repeat, sizeof *rtt);
	size_t nengines = 0;
	int rc = CLI_OK;
	struct sigint_state st = { NULL, 0 };
	struct err e;

	loop_signal(c->loop, SIGINT, on_sigint, &st);
	for (long k = 0; k < repeat; k++) {
		struct ipp_exec *x = ipp_execute(c->ipp, code, ids, nids, tmo,
		    NULL, NULL, &e);
		int down;

		if (x == NULL) {
			rc = cli_error("%s", e.msg);
			break;
		}
		st.x = x;
		down = ipp_wait_exec(c->ipp, c->loop, x, &e);
		st.x = NULL;
		rtt[k] = (double)(x->end_us - x->start_us) / 1000;
		nengines = x->n;
		if (repeat == 1 || any_failed(x)) {
			if (print_exec(x))
				rc = CLI_FAIL;
			report_silent(x, timeout);
		}
		if (down == -1)
			rc = cli_error("%s", e.msg);
		ipp_exec_free(x);
		if (st.count > 0 && rc == CLI_OK)
			rc = CLI_FAIL;
		if (rc != CLI_OK)
			break;
	}
	loop_signal(c->loop, SIGINT, NULL, NULL);
	if (rc == CLI_OK && repeat > 1) {
		qsort(rtt, (size_t)repeat, sizeof *rtt, dbl_cmp);
		printf("%ld runs on %zu engine%s: min %.2f ms, median %.2f ms, "
		    "max %.2f ms\n", repeat, nengines, nengines == 1 ? "" : "s",
		    rtt[0], repeat % 2 ? rtt[repeat / 2] :
		    (rtt[repeat / 2 - 1] + rtt[repeat / 2]) / 2,
		    rtt[repeat - 1]);
	}
	free(rtt);
	return rc;
}

/* Options may follow PROFILE; code starting with '-' goes after "--". */
static int
px_exec(const struct cmd_args *a)
{
	const char *connfile = cmd_value(a, 'F'), *codefile = cmd_value(a, 'f');
	const char *profile, *tv = cmd_value(a, 'T'), *targets = cmd_value(a,
	    't');
	int *ids = NULL;
	size_t nids = 0;
	double timeout = 0;
	long repeat = cmd_num(a, 'r', 1);
	char *code = NULL, *end;
	struct ippcli c;
	struct err e;
	int rc, need = codefile == NULL ? 1 : 0, pos = 0;

	if (tv != NULL) {
		errno = 0;
		timeout = strtod(tv, &end);
		if (errno != 0 || end == tv || *end != '\0' ||
		    !(timeout > 0) || timeout > 1e6)
			return cmd_usage(&cmd_px_entry, "--timeout: expected "
			    "seconds (> 0), got '%s'", tv);
	}
	/* PROFILE may be left out when --file names the connection file. */
	if (a->argc > need + 1)
		return cmd_usage(&cmd_px_entry, "too many arguments (quote the "
		    "code as one argument)");
	if (a->argc < need + (connfile != NULL ? 0 : 1))
		return cmd_usage(&cmd_px_entry, "expected PROFILE and the code "
		    "(an argument, -f FILE, or '-' for stdin)");
	profile = a->argc == need + 1 ? a->argv[pos++] : "";
	if (targets != NULL && cli_parse_ids(targets, &ids, &nids, &e) == -1)
		return cmd_usage(&cmd_px_entry, "--targets: %s", e.msg);
	if (read_code(codefile, codefile ? NULL : a->argv[pos], &code) != 0) {
		free(ids);
		return CLI_FAIL;
	}
	if (ippcli_open(&c, profile, connfile, &e) == -1) {
		free(ids);
		free(code);
		return cli_error("%s", e.msg);
	}
	rc = run(&c, code, ids, nids, timeout, repeat);
	ippcli_close(&c);
	free(ids);
	free(code);
	return rc;
}

const struct cmd_entry cmd_px_entry = {
	.name = "px",
	.usage = "PROFILE [OPTIONS] CODE\n"
	    "PROFILE [OPTIONS] -f FILE\n"
	    "PROFILE [OPTIONS] -        (code from stdin)",
	.summary = "run Python code on the engines, like %px",
	.help = help,
	.args = { "t:T:r:f:", 0, -1 },	/* px_exec says what is too many */
	.longopts = (const struct option[]){
		{ "targets", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	},
	.ints = (const struct cmd_int[]){
		{ 'r', "--repeat", 1, 1000000, NULL },
		{ 0, NULL, 0, 0, NULL }
	},
	.exec = px_exec,
};
