/*
 * sock_tcp.c - TCP over IPv4 or IPv6. The lo, hostip, veth and bridge
 * transports are all this unit, given different addresses and namespaces
 * by the harness.
 *
 *   $ bench/ipcperf server --socket tcp --addr 198.18.0.2 --port 0 --ready-fd 3
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"

/* Fill ss from an IP literal and port; returns the length or 0 if invalid. */
static socklen_t tcp_addr(const char *addr, long port, struct sockaddr_storage *ss)
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

static const char *tcp_check_addr(const struct bench_cfg *cfg)
{
	static char msg[128];
	struct sockaddr_storage ss;

	if (!tcp_addr(cfg->addr, 0, &ss)) {
		snprintf(msg, sizeof(msg),
			 "tcp --addr '%.64s' is not an IPv4 or IPv6 address literal", cfg->addr);
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

static int tcp_listen(const struct bench_cfg *cfg, int *port_out)
{
	struct sockaddr_storage ss;
	socklen_t len = tcp_addr(cfg->addr, cfg->port, &ss);
	int one = 1, fd, err;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 8) < 0)
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

static int tcp_connect(const struct bench_cfg *cfg)
{
	struct sockaddr_storage ss;
	socklen_t len = tcp_addr(cfg->addr, cfg->port, &ss);
	int fd, ret, err;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* SO_SNDTIMEO also bounds connect(): a silent address fails in time. */
	ret = sock_set_timeouts(fd, cfg->timeout_s);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		err = errno == EINPROGRESS || errno == EAGAIN ? ETIMEDOUT : errno;
		close(fd);
		return -err;
	}
	return fd;
}

static void tcp_cleanup(const struct bench_cfg *cfg)
{
	(void)cfg;
}

const struct sock_ops tcp_sock = {
	.name = "tcp",
	.flags = SOCK_F_TCP,
	.check_addr = tcp_check_addr,
	.listen = tcp_listen,
	.accept = sock_stream_accept,
	.release = sock_stream_release,
	.connect = tcp_connect,
	.cleanup = tcp_cleanup,
	.fit_size = sock_stream_fit_size,
};
