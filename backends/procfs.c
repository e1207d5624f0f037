#include "procfs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

/* The state letter of /proc/<pid>/stat, after the parenthesised name
 * (which may itself contain spaces and parentheses). */
static char
proc_state(pid_t pid, pid_t *sid)
{
	char path[64], buf[1024], *rp;
	FILE *f;
	size_t n;
	char st;
	int ppid, pg, session;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	if (rp == NULL || sscanf(rp + 1, " %c %d %d %d", &st, &ppid, &pg,
	    &session) != 4)
		return 0;
	if (sid != NULL)
		*sid = (pid_t)session;
	return st;
}

bool
procfs_pid_alive(pid_t pid)
{
	char st;

	if (pid <= 0)
		return false;
	st = proc_state(pid, NULL);
	return st != 0 && st != 'Z' && st != 'X';
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
		pid_t s = 0;
		char st;

		if (*end != '\0' || pid <= 0)
			continue;
		st = proc_state((pid_t)pid, &s);
		if (st == 0 || st == 'Z' || st == 'X' || s != sid)
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
