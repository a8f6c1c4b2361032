/*
 * io_sync.c - plain blocking send()/recv(), the default I/O mode and the
 * reference the others are compared with.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "sock.h"
#include "watchdog.h"

static int sync_init(struct io_ctx *io)
{
	io->features[0] = '\0';
	return 0;
}

/*
 * Streams (sockets and pipes alike) use write()/read(): the same as
 * send()/recv() without flags on a socket, and they work on pipes. SIGPIPE
 * is ignored by both roles, so a vanished peer is EPIPE, not a signal.
 * Datagrams use recv(MSG_TRUNC) so that a cut message is seen.
 */
static ssize_t sync_send_msg(struct io_ctx *io, const void *buf, size_t len)
{
	int dgram = io->sock_flags & SOCK_F_DGRAM;
	size_t off = 0;
	ssize_t n;
	int err;

	do {
		n = dgram ? send(io->wfd, buf, len, 0)
			  : write(io->wfd, (const char *)buf + off, len - off);
		if (n < 0) {
			err = io_errno();
			if (err)
				return err;
			continue;
		}
		off += (size_t)n;
	} while (off < len);
	watchdog_feed();
	return (ssize_t)len;
}

static ssize_t sync_recv_some(struct io_ctx *io, void *buf, size_t cap)
{
	int dgram = io->sock_flags & SOCK_F_DGRAM;
	ssize_t n;
	int err;

	for (;;) {
		n = dgram ? recv(io->fd, buf, cap, MSG_TRUNC) : read(io->fd, buf, cap);
		if (n >= 0)
			break;
		err = io_errno();
		if (err)
			return err;
	}
	watchdog_feed();
	return n;
}

static void sync_fini(struct io_ctx *io)
{
	(void)io;
}

const struct io_ops sync_io = {
	.name = "sync",
	.init = sync_init,
	.send_msg = sync_send_msg,
	.recv_some = sync_recv_some,
	.send_eof = io_socket_eof,
	.fini = sync_fini,
};
