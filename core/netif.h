/* Network interfaces of this host (controller.interface for controllers
 * that hpctop starts itself). */
#ifndef HPCTOP_NETIF_H
#define HPCTOP_NETIF_H

#include "err.h"

/* The first IPv4 address of interface `name` as dotted quad. NULL with e
 * filled ("no network interface 'ib0' on HOST (it has lo, eth0)", or that
 * it has no IPv4 address). Caller frees. */
char *netif_ipv4(const char *name, struct err *e);

#endif
