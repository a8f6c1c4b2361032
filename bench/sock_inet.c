/*
 * sock_inet.c - IPv4/IPv6 addressing shared by the tcp and udp units.
 */
#include "sock_inet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"

/* Fill ss from an IP literal and port; returns the length or 0 if invalid. */
static socklen_t inet_addr_of(const char *addr, long port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof(*in6);
	}
	return 0;
}

const char *inet_check_addr(const struct bench_cfg *cfg)
{
	static char msg[128];
	struct sockaddr_storage ss;

	if (!inet_addr_of(cfg->addr, 0, &ss)) {
		snprintf(msg, sizeof(msg), "%s --addr '%.64s' is not an IPv4 or IPv6 address literal",
			 cfg->socket, cfg->addr);
		return msg;
	}
	return NULL;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * A free UDP port on addr. The server disconnects its UDP socket after each
 * test (connect AF_UNSPEC), and Linux then unhashes a socket whose port the
 * kernel chose at bind time; bound to an explicit port, it keeps it.
 */
static long free_udp_port(const struct bench_cfg *cfg)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_addr_of(cfg->addr, 0, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), port;

	if (fd < 0)
		return -errno;
	port = bind(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : bound_port(fd);
	close(fd);
	return port;
}

int inet_bind(const struct bench_cfg *cfg, int type, int *port_out)
{
	struct sockaddr_storage ss;
	long port = cfg->port == 0 && type == SOCK_DGRAM ? free_udp_port(cfg) : cfg->port;
	socklen_t len = inet_addr_of(cfg->addr, port, &ss);
	int one = 1, fd, err;

	if (port < 0)
		return (int)port;

	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0))
		goto fail;
	*port_out = bound_port(fd);
	if (*port_out < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

int inet_connect(const struct bench_cfg *cfg, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_addr_of(cfg->addr, cfg->port, &ss);
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	return sock_connect_bounded(fd, (struct sockaddr *)&ss, len, cfg->timeout_s);
}
