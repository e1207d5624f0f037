#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetext.h"
#include "xmalloc.h"

static const char *
kind_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a file";
}

static char *
grow(char *buf, size_t used, size_t cap, unsigned flags)
{
	char *nb = xmalloc(cap);

	memcpy(nb, buf, used);
	if (flags & FILE_SECRET)
		explicit_bzero(buf, used);
	free(buf);
	return nb;
}

/* Opens path for reading if it is a regular file, without blocking on a
 * FIFO; -1 with e and errno otherwise. */
static int
open_regular(const char *path, struct stat *st, struct err *e)
{
	int fd, saved;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		saved = errno;
		err_errno(e, "cannot read %s", path);
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) == -1) {
		saved = errno;
		err_errno(e, "cannot read %s", path);
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		err_set(e, "%s: not a regular file (%s)", path,
		    kind_name(st->st_mode));
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
file_read(const char *path, size_t max, unsigned flags, char **buf,
    size_t *len, struct err *e)
{
	struct stat st;
	size_t cap, n = 0;
	char *b;
	int fd, saved;

	*buf = NULL;
	*len = 0;
	if ((fd = open_regular(path, &st, e)) == -1)
		return -1;
	/* st_size is a hint: the file may grow or shrink while read. */
	cap = (st.st_size > 0 && (size_t)st.st_size < max ?
	    (size_t)st.st_size : max) + 2;
	b = xmalloc(cap);
	for (;;) {
		ssize_t got;

		if (n + 1 == cap) {
			size_t ncap = cap - 1 > max / 2 ? max + 2 : cap * 2;

			b = grow(b, n, ncap, flags);
			cap = ncap;
		}
		got = read(fd, b + n, cap - n - 1);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			saved = errno;
			err_errno(e, "cannot read %s", path);
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			err_set(e, "%s: larger than %zu bytes", path, max);
			saved = EFBIG;
			goto fail;
		}
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	if (flags & FILE_SECRET)
		explicit_bzero(b, n);
	free(b);
	close(fd);
	errno = saved;
	return -1;
}

int
file_tail(const char *path, size_t max, size_t lines, struct strv *out,
    bool *cut, struct err *e)
{
	struct stat st;
	off_t start;
	size_t n = 0;
	char *b;
	int fd, saved;

	if (cut != NULL)
		*cut = false;
	if ((fd = open_regular(path, &st, e)) == -1)
		return -1;
	start = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	b = xmalloc(max + 1);
	while (n < max) {
		ssize_t got = pread(fd, b + n, max - n, start + (off_t)n);

		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			saved = errno;
			err_errno(e, "cannot read %s", path);
			free(b);
			close(fd);
			errno = saved;
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	file_tail_text(b, n, start > 0, lines, out, cut);
	free(b);
	return 0;
}

void
file_tail_text(char *b, size_t n, bool partial, size_t lines,
    struct strv *out, bool *cut)
{
	char *p = b, *end = b + n;
	size_t count = 0;

	if (cut != NULL)
		*cut = false;
	b[n] = '\0';
	/* Started inside a line: drop its end. */
	if (partial) {
		p = memchr(b, '\n', n);
		p = p != NULL ? p + 1 : end;
		if (cut != NULL)
			*cut = true;
	}
	if (end > p && end[-1] == '\n')
		*--end = '\0';
	for (char *q = end; lines > 0 && q > p; q--)
		if (q[-1] == '\n' && ++count == lines) {
			p = q;
			if (cut != NULL)
				*cut = true;
			break;
		}
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		p[len] = '\0';
		safetext_mask_secrets(p, len);
		strv_push(out, p);
		p += len + 1;
	}
}

int
file_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_write(const char *path, const char *text, unsigned mode, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    (mode_t)mode);

	if (fd == -1)
		return err_errno(e, "cannot write %s", path);
	if (file_write_all(fd, text, strlen(text)) == -1) {
		err_errno(e, "cannot write %s", path);
		close(fd);
		return -1;
	}
	if (close(fd) == -1)
		return err_errno(e, "cannot write %s", path);
	return 0;
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    unsigned mode, struct err *e)
{
	const char *slash = strrchr(path, '/');
	char *dir, *tmp;
	int fd, rc = -1;

	dir = slash == NULL ? xstrdup(".") :
	    xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd == -1) {
		err_errno(e, "cannot write %s", tmp);
		goto out;
	}
	/* The mode given wins over the umask, as for a connection file. */
	if (fchmod(fd, (mode_t)mode) == -1 ||
	    file_write_all(fd, data, len) == -1 || fsync(fd) == -1) {
		err_errno(e, "cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		err_errno(e, "cannot rename %s to %s", tmp, path);
		unlink(tmp);
		goto out;
	}
	/* The rename is durable only once the directory is synced. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
out:
	free(dir);
	free(tmp);
	return rc;
}
