/*
 * sock_unix_dgram.c - AF_UNIX SOCK_DGRAM. The server has no accept():
 * the first datagram of a client is its test header; the server then
 * connects its socket to that client for the test and disconnects after
 * (sock_dgram_accept). The size limit is probed (unix_fit_size).
 *
 *   $ bench/ipcperf server --socket unix-dgram --addr @ipcp-demo
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"
#include "sock_unix.h"

static int ud_listen(const struct bench_cfg *cfg, int *port_out)
{
	*port_out = 0;
	return unix_bind(cfg->addr, SOCK_DGRAM);
}

static int ud_connect(const struct bench_cfg *cfg, int *wfd)
{
	int fd = unix_connect(cfg->addr, SOCK_DGRAM, 1, cfg->timeout_s);

	*wfd = fd;
	/* The kernel says EPERM when the server is connected to another client. */
	return fd == -EPERM ? -EBUSY : fd;
}

static int ud_fit_size(int fd, size_t size, size_t *limit)
{
	return unix_fit_size(fd, SOCK_DGRAM, size, limit);
}

const struct sock_ops unix_dgram_sock = {
	.name = "unix-dgram",
	.flags = SOCK_F_DGRAM | SOCK_F_CONNLESS,
	.check_addr = unix_check_addr,
	.listen = ud_listen,
	.accept = sock_dgram_accept,
	.release = sock_dgram_release,
	.connect = ud_connect,
	.cleanup = unix_unlink,
	.fit_size = ud_fit_size,
};
