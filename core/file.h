/* Reading small files that come from outside (connection files, engine
 * state files, records) without ever blocking or reading without bound:
 * a FIFO, a device or a huge file in their place is refused with a clear
 * message instead of hanging or exhausting memory. And writing files
 * whole. */
#ifndef HPCTOP_FILE_H
#define HPCTOP_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "strv.h"

/* Reads the whole of path, a regular file of at most max bytes, into an
 * owned NUL-terminated buffer (*buf, *len; the NUL is not counted). The
 * open uses O_NONBLOCK so a FIFO cannot block; anything but a regular
 * file is refused. Returns 0, or -1 with e set ("PATH: not a regular
 * file (a FIFO)", "PATH: larger than MAX bytes") and errno saying why:
 * ENOENT when the file does not exist (callers word that case
 * themselves), EINVAL for a non-regular file, EFBIG when too large. With
 * FILE_SECRET the buffers given up while growing are wiped; wipe *buf
 * after use too. */
#define FILE_SECRET 1u
int file_read(const char *path, size_t max, unsigned flags, char **buf,
    size_t *len, struct err *e);

/* The end of a log: the last lines (0: all) of the last max bytes of path,
 * whole lines only, each with its secrets masked (core/safetext.h; engine
 * logs hold the HMAC key), pushed onto out. *cut (if not NULL) tells
 * whether earlier lines were left out. -1 with e as file_read. */
int file_tail(const char *path, size_t max, size_t lines, struct strv *out,
    bool *cut, struct err *e);
/* The same from text already read (b[0..n), with room for a NUL at b[n];
 * partial: it starts inside a line, whose rest is dropped), as a log read
 * on another machine is. b is modified. */
void file_tail_text(char *b, size_t n, bool partial, size_t lines,
    struct strv *out, bool *cut);

/* Writes all len bytes of buf to fd, again after EINTR: 0, or -1 with
 * errno. Allocates nothing, so a forked child may use it. */
int file_write_all(int fd, const void *buf, size_t len);
/* Creates or truncates path (new files get mode) and writes text to it:
 * 0, or -1 with e "cannot write PATH: why". */
int file_write(const char *path, const char *text, unsigned mode,
    struct err *e);
/* Writes path atomically: a temporary file beside it (mode), fsync,
 * rename over path, fsync of the directory. Readers see the old or the
 * new contents, never a part. 0, or -1 with e ("cannot write PATH: why"). */
int file_write_atomic(const char *path, const void *data, size_t len,
    unsigned mode, struct err *e);

#endif
