/*
 * sock_tcp.c - TCP over IPv4 or IPv6. The lo, hostip, veth, bridge and
 * container transports are all this unit, given different addresses and
 * namespaces by the harness.
 *
 *   $ bench/ipcperf server --socket tcp --addr 198.18.0.2 --port 0 --ready-fd 3
 */
#include <sys/socket.h>

#include "cfg.h"
#include "sock.h"
#include "sock_inet.h"

static int tcp_listen(const struct bench_cfg *cfg, int *port_out)
{
	return inet_bind(cfg, SOCK_STREAM, port_out);
}

static int tcp_connect(const struct bench_cfg *cfg, int *wfd)
{
	int fd = inet_connect(cfg, SOCK_STREAM);

	*wfd = fd;
	return fd;
}

const struct sock_ops tcp_sock = {
	.name = "tcp",
	.flags = SOCK_F_TCP | SOCK_F_PORT | SOCK_F_CONN,
	.check_addr = inet_check_addr,
	.listen = tcp_listen,
	.accept = sock_stream_accept,
	.release = sock_stream_release,
	.connect = tcp_connect,
	.cleanup = sock_no_cleanup,
	.fit_size = sock_stream_fit_size,
};
