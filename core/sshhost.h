/* The SSH implementation of core/host.h: one libssh session per
 * destination, non-blocking, its socket in the one event loop, every
 * command, file and forwarded connection a channel multiplexed on it.
 * Only core/host.c calls this; everything else goes through host.h. */
#ifndef HPCTOP_SSHHOST_H
#define HPCTOP_SSHHOST_H

#include "err.h"
#include "host.h"
#include "loop.h"

/* A host for dest (user@host[:port] or an ssh config alias); it connects
 * on its first operation. NULL with e filled for a bad destination. */
struct host *sshhost_new(struct loop *l, const char *dest, struct err *e);

#endif
