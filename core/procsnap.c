#include "procsnap.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "xmalloc.h"

/* Bound on what is read of a /proc/PID/environ or cmdline (ARG_MAX is
 * 2 MiB here; our marks are in what spawn adds, at the end). */
#define MAX_PROC_TEXT (2 * 1024 * 1024)

bool
procsnap_parse_stat(const char *text, size_t len, struct procsnap_proc *p)
{
	const char *lp = memchr(text, '(', len), *rp = NULL;
	char tail[512];
	size_t tl;
	int ppid, pg, session;

	/* The name may itself hold spaces and parentheses: it ends at the
	 * last ')'. */
	for (size_t i = len; i > 0 && rp == NULL; i--)
		if (text[i - 1] == ')')
			rp = text + i - 1;
	if (lp == NULL || rp == NULL || rp < lp)
		return false;
	tl = (size_t)(text + len - (rp + 1));
	if (tl >= sizeof tail)
		tl = sizeof tail - 1;
	memcpy(tail, rp + 1, tl);
	tail[tl] = '\0';
	if (sscanf(tail, " %c %d %d %d %*s %*s %*s %*s %*s %*s %*s %*s %*s "
	    "%*s %*s %*s %*s %*s %*s %llu", &p->state, &ppid, &pg, &session,
	    &p->start) != 5)
		return false;
	p->ppid = (pid_t)ppid;
	p->pgid = (pid_t)pg;
	p->sid = (pid_t)session;
	free(p->comm);
	p->comm = xstrndup(lp + 1, (size_t)(rp - lp - 1));
	return true;
}

/* /proc/<pid>/<what>, at most MAX_PROC_TEXT bytes, NUL-terminated; NULL
 * when unreadable. */
static char *
proc_text(const char *dir, const char *what, size_t *len)
{
	char path[64];
	size_t cap = 4096, n = 0;
	char *buf;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, what);
	f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	buf = xmalloc(cap + 1);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap || cap >= MAX_PROC_TEXT)
			break;
		cap *= 2;
		buf = xreallocarray(buf, cap + 1, 1);
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

unsigned long long
procsnap_pid_start(pid_t pid)
{
	struct procsnap_proc p = { 0 };
	char dir[64], *text;
	size_t len;
	bool ok;

	snprintf(dir, sizeof dir, "/proc/%ld", (long)pid);
	if (pid <= 0 || (text = proc_text(dir, "stat", &len)) == NULL)
		return 0;
	ok = procsnap_parse_stat(text, len, &p) && procsnap_live(&p);
	free(text);
	free(p.comm);
	return ok ? p.start : 0;
}

bool
procsnap_pid_is(pid_t pid, unsigned long long start)
{
	return start != 0 && procsnap_pid_start(pid) == start;
}

/* The value of entry "name=" in the NUL-separated list buf, or NULL. */
static char *
entry_value(const char *buf, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t off = 0; off < len; off += strlen(buf + off) + 1)
		if (strncmp(buf + off, name, nl) == 0 && buf[off + nl] == '=')
			return xstrdup(buf + off + nl + 1);
	return NULL;
}

static struct procsnap_proc *
push(struct procsnap *ps, pid_t pid)
{
	struct procsnap_proc *p;

	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof *ps->v);
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	return p;
}

static int
by_pid(const void *a, const void *b)
{
	const struct procsnap_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Drops entries without a stat (gone half-way, or never one), sorts. */
static void
finish(struct procsnap *ps)
{
	size_t k = 0;

	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].state == '\0') {
			free(ps->v[i].comm);
			free(ps->v[i].cmdline);
			free(ps->v[i].env);
			continue;
		}
		ps->v[k++] = ps->v[i];
	}
	ps->n = k;
	if (ps->n > 1)
		qsort(ps->v, ps->n, sizeof *ps->v, by_pid);
}

int
procsnap_read_local(const char *envname, struct procsnap *ps,
    struct err *e)
{
	uid_t uid = geteuid();
	DIR *d = opendir("/proc");
	struct dirent *de;

	memset(ps, 0, sizeof *ps);
	if (d == NULL)
		return err_errno(e, "cannot read /proc");
	ps->boot_id = xstrdup(cluster_boot_id());
	ps->local = true;
	while ((de = readdir(d)) != NULL) {
		char dir[64], *end, *text;
		long pid = strtol(de->d_name, &end, 10);
		struct procsnap_proc *p;
		struct stat st;
		size_t len;

		if (*end != '\0' || pid <= 0)
			continue;
		snprintf(dir, sizeof dir, "/proc/%ld", pid);
		if (stat(dir, &st) == -1 || st.st_uid != uid)
			continue;
		p = push(ps, (pid_t)pid);
		if ((text = proc_text(dir, "stat", &len)) != NULL &&
		    !procsnap_parse_stat(text, len, p))
			p->state = '\0';
		free(text);
		p->cmdline = proc_text(dir, "cmdline", &p->cmdlen);
		if ((text = proc_text(dir, "environ", &len)) != NULL)
			p->env = entry_value(text, len, envname);
		free(text);
	}
	closedir(d);
	finish(ps);
	return 0;
}

/* Run as sh -c SCRIPT sh ENVNAME. One grep reads every stat and cmdline
 * (-z: NUL-terminated records, each prefixed "FILE:" by -H, so entries
 * holding newlines survive), one more the variable's first entry of
 * each environ; the loops are builtins. Processes that end half-way are
 * skipped (-s). */
static const char script[] =
    "v=$1; set --\n"
    "read -r b < /proc/sys/kernel/random/boot_id || b=\n"
    "printf 'B%s\\000' \"$b\"\n"
    "for d in /proc/[0-9]*; do [ -O \"$d\" ] && "
    "set -- \"$@\" \"$d/stat\" \"$d/cmdline\"; done\n"
    "[ $# -eq 0 ] || grep -a -z -H -s -e '' -- \"$@\"\n"
    "set --\n"
    "for d in /proc/[0-9]*; do [ -O \"$d\" ] && "
    "set -- \"$@\" \"$d/environ\"; done\n"
    "[ $# -eq 0 ] || grep -a -z -H -s -m 1 -e \"^$v=\" -- \"$@\"\n"
    "exit 0\n";

void
procsnap_argv(const char *envname, struct strv *argv)
{
	strv_push(argv, "sh");
	strv_push(argv, "-c");
	strv_push(argv, script);
	strv_push(argv, "sh");
	strv_push(argv, envname);
}

static struct procsnap_proc *
find_or_push(struct procsnap *ps, pid_t pid)
{
	/* The script prints each file's records together, in one order. */
	for (size_t i = ps->n; i > 0; i--)
		if (ps->v[i - 1].pid == pid)
			return &ps->v[i - 1];
	return push(ps, pid);
}

/* One record "/proc/PID/FILE:TEXT" into ps. */
static void
parse_record(struct procsnap *ps, const char *rec, size_t len,
    const char *envname)
{
	const char *file, *text;
	struct procsnap_proc *p;
	size_t nl = strlen(envname), tl;
	char *end;
	long pid;

	if (len < 7 || memcmp(rec, "/proc/", 6) != 0)
		return;
	pid = strtol(rec + 6, &end, 10);
	if (end == rec + 6 || *end != '/' || pid <= 0 || pid > INT_MAX)
		return;
	file = end + 1;
	if ((text = memchr(file, ':', len - (size_t)(file - rec))) == NULL)
		return;
	text++;
	tl = len - (size_t)(text - rec);
	p = find_or_push(ps, (pid_t)pid);
	if (strncmp(file, "stat:", 5) == 0) {
		if (!procsnap_parse_stat(text, tl, p))
			p->state = '\0';
	} else if (strncmp(file, "cmdline:", 8) == 0) {
		p->cmdline = xreallocarray(p->cmdline, p->cmdlen + tl + 2, 1);
		memcpy(p->cmdline + p->cmdlen, text, tl);
		p->cmdlen += tl;
		p->cmdline[p->cmdlen++] = '\0';
		p->cmdline[p->cmdlen] = '\0';
	} else if (strncmp(file, "environ:", 8) == 0 && p->env == NULL &&
	    tl > nl && strncmp(text, envname, nl) == 0 && text[nl] == '=')
		p->env = xstrndup(text + nl + 1, tl - nl - 1);
}

int
procsnap_parse(const char *buf, size_t len, const char *envname,
    struct procsnap *ps, struct err *e)
{
	size_t off = 0;

	memset(ps, 0, sizeof *ps);
	while (off < len) {
		const char *rec = buf + off, *z = memchr(rec, '\0', len - off);
		size_t rl;

		/* A record cut short (output that ended early) is no record. */
		if (z == NULL)
			break;
		rl = (size_t)(z - rec);
		if (rec[0] == 'B' && ps->boot_id == NULL)
			ps->boot_id = xstrndup(rec + 1, rl - 1);
		else if (ps->boot_id != NULL)
			parse_record(ps, rec, rl, envname);
		off += rl + 1;
	}
	if (ps->boot_id == NULL) {
		procsnap_free(ps);
		return err_set(e, "not a process list (%zu bytes)", len);
	}
	finish(ps);
	return 0;
}

const struct procsnap_proc *
procsnap_find(const struct procsnap *ps, pid_t pid)
{
	struct procsnap_proc key = { .pid = pid };

	if (ps == NULL || ps->n == 0)
		return NULL;
	return bsearch(&key, ps->v, ps->n, sizeof *ps->v, by_pid);
}

bool
procsnap_live(const struct procsnap_proc *p)
{
	return p->state != 'Z' && p->state != 'X';
}

bool
procsnap_has_arg(const struct procsnap_proc *p, const char *want)
{
	size_t wl = strlen(want);

	for (size_t off = 0; off < p->cmdlen; off += strlen(p->cmdline +
	    off) + 1)
		if (strlen(p->cmdline + off) == wl &&
		    memcmp(p->cmdline + off, want, wl) == 0)
			return true;
	return false;
}

void
procsnap_free(struct procsnap *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].comm);
		free(ps->v[i].cmdline);
		free(ps->v[i].env);
	}
	free(ps->v);
	free(ps->boot_id);
	memset(ps, 0, sizeof *ps);
}
