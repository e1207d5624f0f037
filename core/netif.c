#include "netif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "strv.h"
#include "xmalloc.h"

char *
netif_ipv4(const char *name, struct err *e)
{
	struct ifaddrs *all;
	struct strv names = STRV_INIT;
	char host[256] = "this host", buf[INET_ADDRSTRLEN], *list;
	char *addr = NULL;
	bool seen = false;

	if (getifaddrs(&all) == -1)
		return err_errno(e, "cannot list network interfaces"), NULL;
	for (struct ifaddrs *a = all; a != NULL && addr == NULL;
	    a = a->ifa_next) {
		bool known = false;

		if (strcmp(a->ifa_name, name) == 0) {
			seen = true;
			if (a->ifa_addr != NULL &&
			    a->ifa_addr->sa_family == AF_INET &&
			    inet_ntop(AF_INET, &((struct sockaddr_in *)
			    (void *)a->ifa_addr)->sin_addr, buf,
			    sizeof buf) != NULL)
				addr = xstrdup(buf);
		}
		for (size_t i = 0; i < names.n && !known; i++)
			known = strcmp(names.v[i], a->ifa_name) == 0;
		if (!known)
			strv_push(&names, a->ifa_name);
	}
	freeifaddrs(all);
	if (addr == NULL) {
		(void)gethostname(host, sizeof host - 1);
		list = strv_join(&names, ", ");
		if (seen)
			err_set(e, "network interface '%s' on %s has no IPv4 "
			    "address", name, host);
		else
			err_set(e, "no network interface '%s' on %s (it has "
			    "%s)", name, host, list);
		free(list);
	}
	strv_clear(&names);
	return addr;
}

bool
netif_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	    strcmp(addr, "localhost") == 0 || strcmp(addr, "[::1]") == 0;
}

int
netif_can_listen(const char *addr, struct err *e)
{
	struct addrinfo hints = { 0 }, *res;
	int rc, fd;

	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(addr, "0", &hints, &res);
	if (rc != 0)
		return err_set(e, "%s is not an IP address (%s)", addr,
		    gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd == -1 ? -1 : bind(fd, res->ai_addr, res->ai_addrlen);
	if (rc == -1)
		err_set(e, "cannot listen on %s here: %s", addr,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return rc == -1 ? -1 : 0;
}
