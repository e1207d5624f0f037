/* Network interfaces of this host (controller.interface for controllers
 * that hpctop starts itself). */
#ifndef HPCTOP_NETIF_H
#define HPCTOP_NETIF_H

#include <stdbool.h>

#include "err.h"

/* The first IPv4 address of interface `name` as dotted quad. NULL with e
 * filled ("no network interface 'ib0' on HOST (it has lo, eth0)", or that
 * it has no IPv4 address). Caller frees. */
char *netif_ipv4(const char *name, struct err *e);
/* Whether addr (an address or host name as a profile gives it) is this
 * node's loopback: 127.x.x.x, ::1 or localhost, which no other node
 * reaches. */
bool netif_loopback(const char *addr);

/* Whether this machine can listen on the numeric address addr (one of
 * its own, or a wildcard): -1 with e saying why not. */
int netif_can_listen(const char *addr, struct err *e);

#endif
