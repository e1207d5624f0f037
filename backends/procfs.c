#include "procfs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xmalloc.h"

/* Bound on what is read of a /proc/PID/environ or cmdline (ARG_MAX is
 * 2 MiB here; our marks are in what spawn adds, at the end). */
#define MAX_PROC_TEXT (2 * 1024 * 1024)

/* Fields of /proc/<pid>/stat after the parenthesised name (which may
 * itself contain spaces and parentheses). */
struct pstat {
	char state;		/* field 3 */
	pid_t ppid;		/* 4 */
	pid_t sid;		/* 6 */
	unsigned long long start;	/* 22: clock ticks after boot */
};

static bool
pstat_read(pid_t pid, struct pstat *ps)
{
	char path[64], buf[1024], *rp;
	FILE *f;
	size_t n;
	int ppid, pg, session;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	if (rp == NULL || sscanf(rp + 1, " %c %d %d %d %*s %*s %*s %*s %*s "
	    "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", &ps->state, &ppid,
	    &pg, &session, &ps->start) != 5)
		return false;
	ps->ppid = (pid_t)ppid;
	ps->sid = (pid_t)session;
	return true;
}

static bool
pstat_live(const struct pstat *ps)
{
	return ps->state != 'Z' && ps->state != 'X';
}

bool
procfs_pid_alive(pid_t pid)
{
	struct pstat ps;

	return pstat_read(pid, &ps) && pstat_live(&ps);
}

unsigned long long
procfs_pid_start_time(pid_t pid)
{
	struct pstat ps;

	return pstat_read(pid, &ps) ? ps.start : 0;
}

bool
procfs_pid_is(pid_t pid, unsigned long long start_time)
{
	struct pstat ps;

	return start_time != 0 && pstat_read(pid, &ps) && pstat_live(&ps) &&
	    ps.start == start_time;
}

/* /proc/<pid>/<what> (NUL-separated strings), at most MAX_PROC_TEXT
 * bytes, NUL-terminated; NULL when unreadable. */
static char *
proc_text(pid_t pid, const char *what, size_t *len)
{
	char path[64];
	size_t cap = 4096, n = 0;
	char *buf;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, what);
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

/* Whether /proc/<pid>/<what> holds the string want as one whole entry. */
static bool
proc_has_entry(pid_t pid, const char *what, const char *want)
{
	size_t len, wl = strlen(want);
	char *buf = proc_text(pid, what, &len);
	bool found = false;

	if (buf == NULL)
		return false;
	for (size_t off = 0; off < len && !found; off += strlen(buf + off) + 1)
		found = strlen(buf + off) == wl &&
		    memcmp(buf + off, want, wl) == 0;
	free(buf);
	return found;
}

static bool
boot_matches(const struct cluster *c)
{
	const char *now = cluster_boot_id();

	return c->boot_id == NULL || *c->boot_id == '\0' || *now == '\0' ||
	    strcmp(c->boot_id, now) == 0;
}

/* Records without start times: a process of ours carries our mark, or at
 * least our IPython profile on its command line. */
static bool
carries_mark(const struct cluster *c, pid_t pid)
{
	bool yes = false;
	char *want;

	if (c->dir != NULL) {
		want = xasprintf("%s=%s", CLUSTER_ENV, c->dir);
		yes = proc_has_entry(pid, "environ", want);
		free(want);
	}
	if (!yes && c->ipython_profile != NULL) {
		want = xasprintf("--profile=%s", c->ipython_profile);
		yes = proc_has_entry(pid, "cmdline", want);
		free(want);
	}
	return yes;
}

enum leader {
	LEADER_NONE,		/* no process has the pid */
	LEADER_OURS,
	LEADER_OTHER,		/* the pid was reused */
};

static enum leader
leader_of(const struct cluster *c, const struct cluster_proc *pr,
    struct pstat *ps)
{
	if (!pstat_read(pr->pid, ps))
		return LEADER_NONE;
	if (!boot_matches(c) || ps->sid != pr->pid)
		return LEADER_OTHER;
	if (pr->start_time != 0)
		return ps->start == pr->start_time ? LEADER_OURS : LEADER_OTHER;
	return carries_mark(c, pr->pid) ? LEADER_OURS : LEADER_OTHER;
}

bool
procfs_proc_alive(const struct cluster *c, const struct cluster_proc *pr)
{
	struct pstat ps;

	return leader_of(c, pr, &ps) == LEADER_OURS && pstat_live(&ps);
}

bool
procfs_proc_stopped(const struct cluster *c, const struct cluster_proc *pr)
{
	struct pstat ps;

	return leader_of(c, pr, &ps) == LEADER_OURS && pstat_live(&ps) &&
	    (ps.state == 'T' || ps.state == 't');
}

size_t
procfs_proc_pids(const struct cluster *c, const struct cluster_proc *pr,
    pid_t **out)
{
	struct pstat ps;

	if (out != NULL)
		*out = NULL;
	/* With the leader gone the session id stays ours: the kernel does not
	 * hand out a pid still in use as a session id. */
	if (!boot_matches(c) || leader_of(c, pr, &ps) == LEADER_OTHER)
		return 0;
	return procfs_session_pids(pr->pid, out);
}

size_t
procfs_session_pids(pid_t sid, pid_t **out)
{
	DIR *d;
	struct dirent *de;
	size_t n = 0, cap = 0;

	if (out != NULL)
		*out = NULL;
	if (sid <= 0)
		return 0;
	d = opendir("/proc");
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct pstat ps;

		if (*end != '\0' || pid <= 0)
			continue;
		if (!pstat_read((pid_t)pid, &ps) || !pstat_live(&ps) ||
		    ps.sid != sid)
			continue;
		if (out != NULL) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				*out = xreallocarray(*out, cap, sizeof **out);
			}
			(*out)[n] = (pid_t)pid;
		}
		n++;
	}
	closedir(d);
	return n;
}

static bool
covers(const struct cluster *c, pid_t sid)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == sid)
			return true;
	return false;
}

size_t
procfs_adopt_marked(struct cluster *c, bool children)
{
	char *want = xasprintf("%s=%s", CLUSTER_ENV, c->dir);
	char host[256] = "localhost";
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t added = 0;

	gethostname(host, sizeof host - 1);
	while (d != NULL && (de = readdir(d)) != NULL) {
		char *end, *comm;
		long pid = strtol(de->d_name, &end, 10);
		struct cluster_proc *pr;
		struct pstat ps;
		pid_t sid;
		size_t len;

		if (*end != '\0' || pid <= 0 || !pstat_read((pid_t)pid, &ps) ||
		    !pstat_live(&ps) || covers(c, ps.sid) ||
		    !proc_has_entry((pid_t)pid, "environ", want))
			continue;
		if (!children && proc_has_entry(ps.ppid, "environ", want))
			continue;
		sid = ps.sid;
		/* Named after the session's leader when it is still there. */
		comm = proc_text(procfs_pid_alive(sid) ? sid : (pid_t)pid,
		    "comm", &len);
		if (comm != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		pr = cluster_add_proc(c, comm != NULL &&
		    strstr(comm, "ipcontroller") != NULL ? CLUSTER_CONTROLLER :
		    CLUSTER_ENGINES, comm != NULL && *comm != '\0' ? comm : "?",
		    sid, NULL, 0, host, NULL);
		pr->start_time = procfs_pid_start_time(sid);
		free(comm);
		added++;
	}
	if (d != NULL)
		closedir(d);
	free(want);
	return added;
}
