/*
 * sock_unix_stream.c - AF_UNIX SOCK_STREAM.
 *
 *   $ bench/ipcperf server --socket unix-stream --addr /tmp/ipcp.sock
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"
#include "sock_unix.h"

static int us_listen(const struct bench_cfg *cfg, int *port_out)
{
	*port_out = 0;
	return unix_listen(cfg->addr, SOCK_STREAM);
}

static int us_connect(const struct bench_cfg *cfg, int *wfd)
{
	int fd = unix_connect(cfg->addr, SOCK_STREAM, 0, cfg->timeout_s);

	*wfd = fd;
	return fd;
}

const struct sock_ops unix_stream_sock = {
	.name = "unix-stream",
	.flags = SOCK_F_CONN,
	.check_addr = unix_check_addr,
	.listen = us_listen,
	.accept = sock_stream_accept,
	.release = sock_stream_release,
	.connect = us_connect,
	.cleanup = unix_unlink,
	.fit_size = sock_stream_fit_size,
};
