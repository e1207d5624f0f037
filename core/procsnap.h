/* A snapshot of the calling user's processes on one host: what the
 * process backends need to tell their processes from others (session,
 * start time, boot, mark) without reading /proc themselves, so the same
 * code watches processes on this machine and on an SSH host. This
 * machine's snapshot reads /proc; another host's is the output of
 * procsnap_script run there, read back by procsnap_parse. */
#ifndef HPCTOP_PROCSNAP_H
#define HPCTOP_PROCSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "strv.h"

struct procsnap_proc {
	pid_t pid;
	pid_t ppid;		/* /proc/<pid>/stat field 4 */
	pid_t pgid;		/* 5 */
	pid_t sid;		/* 6 */
	char state;		/* 3: R, S, T, Z, … */
	unsigned long long start;	/* 22: clock ticks after boot */
	char *comm;		/* 2, without its parentheses */
	char *cmdline;		/* NUL-separated entries */
	size_t cmdlen;
	char *env;		/* the value of the snapshot's variable in its
				 * environment; NULL when not there */
};

struct procsnap {
	char *boot_id;		/* "" when unknown */
	bool local;		/* of this machine (procsnap_read_local) */
	struct procsnap_proc *v;	/* by pid, ascending */
	size_t n;
};

/* The processes of the calling user on this machine, each with the value
 * of envname in its environment. -1 with e filled when /proc cannot be
 * read. */
int procsnap_read_local(const char *envname, struct procsnap *ps,
    struct err *e);
/* Pushes onto argv the command (sh -c SCRIPT sh ENVNAME: a fixed POSIX
 * sh script; envname reaches it as an argument) that prints, on the host
 * it runs on, what procsnap_parse reads back: the boot id, then
 * /proc/<pid>/stat, cmdline and the envname entry of environ of each
 * process the user owns, NUL-separated and each prefixed with its file
 * name (one grep for all: a snapshot costs three forks, not a few per
 * process). */
void procsnap_argv(const char *envname, struct strv *argv);
/* Reads the script's output into ps. -1 with e filled when it is not
 * that (no boot id record): a host whose shell or /proc is not there. */
int procsnap_parse(const char *buf, size_t len, const char *envname,
    struct procsnap *ps, struct err *e);
/* Parses the text of one /proc/<pid>/stat into p (state, ppid, sid,
 * start, comm); false when it is not one. */
bool procsnap_parse_stat(const char *text, size_t len,
    struct procsnap_proc *p);

/* The process pid, or NULL. */
const struct procsnap_proc *procsnap_find(const struct procsnap *ps,
    pid_t pid);
/* Not a zombie (nor dead). */
bool procsnap_live(const struct procsnap_proc *p);
/* Whether p's command line holds want as one whole entry. */
bool procsnap_has_arg(const struct procsnap_proc *p, const char *want);
void procsnap_free(struct procsnap *ps);

/* Field 22 of /proc/<pid>/stat of a live (not zombie) process on this
 * machine; 0 when it is gone. */
unsigned long long procsnap_pid_start(pid_t pid);
/* Whether pid on this machine is still the live process that started at
 * start (as procsnap_pid_start gave it; 0 never is), not a later one with
 * its pid. */
bool procsnap_pid_is(pid_t pid, unsigned long long start);

#endif
