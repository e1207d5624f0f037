#include "bgproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "core/fatal.h"
#include "core/file.h"
#include "core/spawn.h"

/* Copies what the background process says on its two pipes to our stdout
 * and stderr until it closes both (it is up, or it failed). True when it
 * said something on stdout: the line saying it is up. */
static bool
relay(int outfd, int errfd)
{
	struct pollfd p[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	bool said = false;
	char buf[4096];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, buf, sizeof buf);
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			if (file_write_all(i == 0 ? STDOUT_FILENO :
			    STDERR_FILENO, buf, (size_t)n) == -1) {
				/* our caller's terminal went away */
			}
			said = said || i == 0;
		}
	}
	return said;
}

int
bgproc_start(bgproc_run_fn run, void *arg)
{
	int out[2], err[2], status, nul;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1)
		fatal("pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		close(out[0]);
		close(err[0]);
		setsid();
		if ((pid = fork()) != 0)
			_exit(pid == -1 ? 1 : 0);
		if ((nul = open("/dev/null", O_RDONLY)) != -1) {
			dup2(nul, STDIN_FILENO);
			close(nul);
		}
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(out[1]);
		close(err[1]);
		exit(run(arg));
	}
	close(out[1]);
	close(err[1]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return relay(out[0], err[0]) ? CLI_OK : CLI_FAIL;
}

void
bgproc_to_log(const char *log)
{
	int fd;

	/* What was said so far goes where it was meant to (the caller, or
	 * the foreground's stdout) first. */
	fflush(stdout);
	fflush(stderr);
	if (log == NULL)
		return;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd != -1) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

bool
bgproc_end(pid_t pid, unsigned long long start_time)
{
	return spawn_end(pid, start_time, BGPROC_STOP_WAIT_MS);
}
