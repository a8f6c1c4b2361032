/*
 * sock_unix_seqpacket.c - AF_UNIX SOCK_SEQPACKET: connected like a stream,
 * message boundaries like a datagram, so the size limit of unix-dgram
 * applies and is found the same way.
 *
 *   $ bench/ipcperf server --socket unix-seqpacket --addr /tmp/ipcp.sock
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"
#include "sock_unix.h"

static int usp_listen(const struct bench_cfg *cfg, int *port_out)
{
	*port_out = 0;
	return unix_listen(cfg->addr, SOCK_SEQPACKET);
}

static int usp_connect(const struct bench_cfg *cfg, int *wfd)
{
	int fd = unix_connect(cfg->addr, SOCK_SEQPACKET, 0, cfg->timeout_s);

	*wfd = fd;
	return fd;
}

static int usp_fit_size(int fd, size_t size, size_t *limit)
{
	return unix_fit_size(fd, SOCK_SEQPACKET, size, limit);
}

const struct sock_ops unix_seqpacket_sock = {
	.name = "unix-seqpacket",
	.flags = SOCK_F_DGRAM | SOCK_F_CONN,
	.check_addr = unix_check_addr,
	.listen = usp_listen,
	.accept = sock_stream_accept,
	.release = sock_stream_release,
	.connect = usp_connect,
	.cleanup = unix_unlink,
	.fit_size = usp_fit_size,
};
