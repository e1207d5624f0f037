#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "loop.h"
#include "procsnap.h"
#include "shquote.h"
#include "xmalloc.h"

extern char **environ;

void
spawn_exec_argv(const struct spawn *s, struct strv *out)
{
	if (s->setup.n > 0) {
		char *lines = strv_join(&s->setup, "\n");

		strv_push(out, "sh");
		strv_push(out, "-c");
		strv_push_take(out, xasprintf("%s\nexec \"$@\"", lines));
		strv_push(out, "sh");
		free(lines);
	}
	strv_extend(out, &s->argv);
}

char *
spawn_render(const struct spawn *s)
{
	struct strv words = STRV_INIT, argv = STRV_INIT;
	char *cmd, *out;

	for (size_t i = 0; i < s->env.n; i++) {
		const char *eq = strchr(s->env.v[i], '=');
		char *name = xstrndup(s->env.v[i], (size_t)(eq - s->env.v[i]));
		char *val = shquote(eq + 1);

		strv_push_take(&words, xasprintf("%s=%s", name, val));
		free(name);
		free(val);
	}
	/* setsid: the session of its own that spawn_start gives it. */
	strv_push(&words, "setsid");
	spawn_exec_argv(s, &argv);
	cmd = shquote_argv(strv_argv(&argv));
	strv_push_take(&words, cmd);
	if (s->log != NULL) {
		char *log = shquote(s->log);

		strv_push_take(&words, xasprintf("</dev/null >>%s 2>&1 &", log));
		free(log);
	}
	out = strv_join(&words, " ");
	strv_clear(&words);
	strv_clear(&argv);
	return out;
}

char *
spawn_which(const char *cmd, const char *path)
{
	char *copy, *dir, *save = NULL;

	if (*cmd == '\0')
		return NULL;
	if (strchr(cmd, '/') != NULL)
		return access(cmd, X_OK) == 0 ? xstrdup(cmd) : NULL;
	if (path == NULL)
		path = getenv("PATH");
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *dir ? dir : ".", cmd);
		struct stat st;

		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(full, X_OK) == 0) {
			free(copy);
			return full;
		}
		free(full);
	}
	free(copy);
	return NULL;
}

/* In the grandchild: becomes a session leader, wires stdio, execs. Reports
 * errno on `report` (close-on-exec, so success is EOF). */
static void
grandchild(const struct spawn *s, char *const *argv, int logfd, int report)
{
	int null = open("/dev/null", O_RDONLY);
	sigset_t none;

	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (null == -1 || dup2(null, 0) == -1 || dup2(logfd, 1) == -1 ||
	    dup2(logfd, 2) == -1)
		goto fail;
	for (size_t i = 0; i < s->env.n; i++)
		putenv(s->env.v[i]);
	if (s->cwd != NULL && chdir(s->cwd) == -1)
		goto fail;
	execvp(argv[0], argv);
fail:
	{
		int err = errno;

		(void)file_write_all(report, &err, sizeof err);
	}
	_exit(127);
}

pid_t
spawn_start(const struct spawn *s, struct err *e)
{
	struct strv argv = STRV_INIT;
	int logfd, pidp[2], errp[2];
	pid_t mid, pid = -1;
	int status, child_errno = 0;
	ssize_t n;

	if (s->argv.n == 0)
		fatal("spawn_start: empty argv");
	logfd = open(s->log != NULL ? s->log : "/dev/null",
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd == -1)
		return err_errno(e, "cannot open %s", s->log);
	/* Two pipes: the middle process's pid report and the grandchild's
	 * exec errno would otherwise race for the same pipe. */
	if (pipe2(pidp, O_CLOEXEC) == -1) {
		close(logfd);
		return err_errno(e, "pipe");
	}
	if (pipe2(errp, O_CLOEXEC) == -1) {
		err_errno(e, "pipe");
		close(pidp[0]);
		close(pidp[1]);
		close(logfd);
		return -1;
	}
	spawn_exec_argv(s, &argv);
	mid = fork();
	if (mid == -1) {
		err_errno(e, "fork");
		close(pidp[1]);
		close(errp[1]);
		goto out;
	}
	if (mid == 0) {
		/* The middle process exits at once, so the grandchild is
		 * re-parented to init and is never hpctop's child. */
		pid_t gc;

		close(pidp[0]);
		close(errp[0]);
		gc = fork();
		if (gc == 0) {
			close(pidp[1]);
			grandchild(s, strv_argv(&argv), logfd, errp[1]);
		}
		(void)file_write_all(pidp[1], &gc, sizeof gc);
		_exit(gc == -1 ? 1 : 0);
	}
	close(pidp[1]);
	close(errp[1]);
	while (waitpid(mid, &status, 0) == -1 && errno == EINTR)
		;
	do
		n = read(pidp[0], &pid, sizeof pid);
	while (n == -1 && errno == EINTR);
	if (n != sizeof pid || pid <= 0) {
		pid = -1;
		err_set(e, "%s: cannot fork", s->argv.v[0]);
		goto out;
	}
	/* EOF once the grandchild has exec'd (close-on-exec) or died. */
	do
		n = read(errp[0], &child_errno, sizeof child_errno);
	while (n == -1 && errno == EINTR);
	if (n == sizeof child_errno) {
		char *found = NULL;

		/* execvp reports EACCES when a PATH directory is unreadable
		 * even though the command is simply not there. */
		if (child_errno != ENOENT && strchr(argv.v[0], '/') == NULL)
			found = spawn_which(argv.v[0], NULL);
		if (child_errno == ENOENT ||
		    (strchr(argv.v[0], '/') == NULL && found == NULL))
			err_set(e, "%s: command not found", argv.v[0]);
		else
			err_set(e, "%s: cannot run: %s", argv.v[0],
			    strerror(child_errno));
		free(found);
		pid = -1;
	}
out:
	close(pidp[0]);
	close(errp[0]);
	close(logfd);
	strv_clear(&argv);
	return pid;
}

void
spawn_clear(struct spawn *s)
{
	strv_clear(&s->argv);
	strv_clear(&s->env);
	strv_clear(&s->setup);
	free(s->log);
	free(s->cwd);
	memset(s, 0, sizeof *s);
}

bool
spawn_end(pid_t pid, unsigned long long start_time, unsigned wait_ms)
{
	uint64_t until;

	if (!procsnap_pid_is(pid, start_time))
		return false;
	kill(pid, SIGTERM);
	until = loop_now() + wait_ms;
	while (procsnap_pid_is(pid, start_time) && loop_now() < until)
		usleep(20000);
	if (procsnap_pid_is(pid, start_time)) {
		kill(pid, SIGKILL);
		while (procsnap_pid_is(pid, start_time))
			usleep(20000);
	}
	return true;
}
