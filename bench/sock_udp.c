/*
 * sock_udp.c - UDP over IPv4 or IPv6. Like unix-dgram, the server learns
 * its peer from the test header and connects to it for the test. UDP may
 * drop datagrams (a full receive buffer): the client reports the loss
 * ratio for throughput instead of pretending delivery.
 *
 *   $ bench/ipcperf server --socket udp --addr 127.0.0.1 --port 0 --ready-fd 3
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"
#include "sock_inet.h"

/* 65535 minus the IP and UDP headers; IPv6 has no IP header in the count. */
#define UDP4_MAX_PAYLOAD 65507
#define UDP6_MAX_PAYLOAD 65527

static int udp_listen(const struct bench_cfg *cfg, int *port_out)
{
	return inet_bind(cfg, SOCK_DGRAM, port_out);
}

static int udp_connect(const struct bench_cfg *cfg, int *wfd)
{
	int fd = inet_connect(cfg, SOCK_DGRAM);

	*wfd = fd;
	return fd;
}

static int udp_fit_size(int fd, size_t size, size_t *limit)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	*limit = ss.ss_family == AF_INET6 ? UDP6_MAX_PAYLOAD : UDP4_MAX_PAYLOAD;
	return size <= *limit ? 0 : -EMSGSIZE;
}

const struct sock_ops udp_sock = {
	.name = "udp",
	.flags = SOCK_F_DGRAM | SOCK_F_CONNLESS | SOCK_F_LOSSY | SOCK_F_PORT,
	.check_addr = inet_check_addr,
	.listen = udp_listen,
	.accept = sock_dgram_accept,
	.release = sock_dgram_release,
	.connect = udp_connect,
	.cleanup = sock_no_cleanup,
	.fit_size = udp_fit_size,
};
