#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmalloc.h"

char *
paths_home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return xstrdup(h);
	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_dir != NULL)
		return xstrdup(pw->pw_dir);
	return xstrdup("/");
}

char *
paths_user_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *u = getenv("USER");

	if (pw != NULL && pw->pw_name != NULL)
		return xstrdup(pw->pw_name);
	return u != NULL && *u != '\0' ? xstrdup(u) : NULL;
}

char *
paths_below(char *dir, const char *fmt, ...)
{
	va_list ap;
	char *sub, *out;

	va_start(ap, fmt);
	sub = xvasprintf(fmt, ap);
	va_end(ap);
	out = xasprintf("%s/%s", dir, sub);
	free(sub);
	free(dir);
	return out;
}

#define CONFIG_FALLBACK ".config"
#define STATE_FALLBACK ".local/state"
#define IPYTHON_FALLBACK ".ipython"

static char *
xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);

	if (v != NULL && v[0] == '/')
		return xasprintf("%s/hpctop", v);
	return paths_below(paths_home(), "%s/hpctop", fallback);
}

char *
paths_config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", CONFIG_FALLBACK);
}

char *
paths_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", STATE_FALLBACK);
}

char *
paths_config_dir_in(const char *home)
{
	return xasprintf("%s/%s/hpctop", home, CONFIG_FALLBACK);
}

char *
paths_state_dir_in(const char *home)
{
	return xasprintf("%s/%s/hpctop", home, STATE_FALLBACK);
}

char *
paths_ipython_dir_in(const char *home)
{
	return xasprintf("%s/%s", home, IPYTHON_FALLBACK);
}

char *
paths_ipython_dir(void)
{
	const char *v = getenv("IPYTHONDIR");
	char *home, *out;

	if (v != NULL && *v != '\0')
		return xstrdup(v);
	home = paths_home();
	out = paths_ipython_dir_in(home);
	free(home);
	return out;
}

char *
paths_ipython_profile_dir(const char *ipython_profile)
{
	char *ipdir = paths_ipython_dir();
	char *out = paths_ipython_profile_dir_in(ipdir, ipython_profile);

	free(ipdir);
	return out;
}

char *
paths_ipython_profile_dir_in(const char *ipython_dir,
    const char *ipython_profile)
{
	return xasprintf("%s/profile_%s", ipython_dir, ipython_profile);
}

char *
paths_connection_file(const char *ipython_profile, const char *cluster_id,
    const char *which)
{
	char *ipdir = paths_ipython_dir();
	char *out = paths_connection_file_in(ipdir, ipython_profile,
	    cluster_id, which);

	free(ipdir);
	return out;
}

char *
paths_connection_file_in(const char *ipython_dir, const char *ipython_profile,
    const char *cluster_id, const char *which)
{
	char *dir = paths_ipython_profile_dir_in(ipython_dir, ipython_profile);
	char *out;

	if (cluster_id != NULL && *cluster_id != '\0')
		out = xasprintf("%s/security/ipcontroller-%s-%s.json", dir,
		    cluster_id, which);
	else
		out = xasprintf("%s/security/ipcontroller-%s.json", dir, which);
	free(dir);
	return out;
}

char *
paths_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

char *
paths_exe_dir(void)
{
	char *exe = paths_exe(), *slash, *out;

	if (exe == NULL || (slash = strrchr(exe, '/')) == NULL) {
		free(exe);
		return NULL;
	}
	*slash = '\0';
	out = xstrdup(exe[0] ? exe : "/");
	free(exe);
	return out;
}

/* One path component: owner and write permission. */
static int
check_one(const char *p, const struct stat *st, struct err *e)
{
	const char *what = S_ISDIR(st->st_mode) ? "directory" : "file";
	mode_t w = st->st_mode & (S_IWGRP | S_IWOTH);

	if (st->st_uid != getuid() && st->st_uid != 0) {
		struct passwd *pw = getpwuid(st->st_uid);

		return err_set(e, "%s %s is owned by %s (uid %ld), not by you or "
		    "root", what, p, pw != NULL ? pw->pw_name : "another user",
		    (long)st->st_uid);
	}
	/* A sticky directory lets others add entries but not replace ours. */
	if (w != 0 && !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
		return err_set(e, "%s %s is writable by %s (mode %04o)", what, p,
		    (w & S_IWOTH) ? "others" : "its group",
		    (unsigned)(st->st_mode & 07777));
	return 0;
}

int
paths_check_trusted(const char *path, struct err *e)
{
	char *abs, *p;
	int rc = 0;

	if (path[0] == '/') {
		abs = xstrdup(path);
	} else {
		char *cwd = getcwd(NULL, 0);

		if (cwd == NULL)
			return err_errno(e, "%s: cannot find the current "
			    "directory", path);
		abs = xasprintf("%s/%s", cwd, path);
		free(cwd);
	}
	/* Symbolic links are followed by stat: what counts is what is
	 * read; each directory on the way is still checked by name. */
	for (;;) {
		struct stat st;

		p = abs[0] != '\0' ? abs : "/";
		if (stat(p, &st) == 0) {
			rc = check_one(p, &st, e);
			if (rc == -1)
				break;
		} else if (errno != ENOENT && errno != ENOTDIR) {
			rc = err_errno(e, "cannot check %s", p);
			break;
		}
		if (strcmp(p, "/") == 0)
			break;
		*strrchr(abs, '/') = '\0';
	}
	free(abs);
	return rc;
}

int
paths_mkdir_p(const char *path, unsigned mode, struct err *e)
{
	char *copy = xstrdup(path);

	for (char *p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;

			*p = '\0';
			if (mkdir(copy, mode) == -1 && errno != EEXIST) {
				err_errno(e, "cannot create %s", copy);
				free(copy);
				return -1;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	free(copy);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
paths_list_dir(const char *dir, const char *suffix, struct strv *names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t first = names->n, sl = strlen(suffix);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= sl ||
		    strcmp(de->d_name + len - sl, suffix) != 0)
			continue;
		strv_push_take(names, xstrndup(de->d_name, len - sl));
	}
	closedir(d);
	if (names->n - first > 1)
		qsort(names->v + first, names->n - first, sizeof *names->v,
		    cmp_str);
}
