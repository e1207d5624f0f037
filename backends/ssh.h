/* The ssh backend, for hosts without a scheduler: the controller on this
 * machine, the engines on the profile's hosts (SSH destinations), started
 * with host_spawn on each once the controller's engine connection file
 * is there to copy to them, watched with one process snapshot per host
 * and stopped by pid with host_signal. */
#ifndef HPCTOP_SSH_H
#define HPCTOP_SSH_H

#include "core/backend.h"
#include "core/profile.h"

extern const struct backend ssh_backend;

/* How many of n engines run on each of p's hosts (counts[i] for
 * p->hosts.v[i]): the hosts: mapping's counts when they add up to n,
 * else n spread evenly, the first hosts taking the remainder. */
void ssh_placement(const struct profile *p, int n, int *counts);

#endif
