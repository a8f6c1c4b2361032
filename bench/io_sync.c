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
	ssize_t n = io_send_all(io->wfd, buf, len, io->sock_flags & SOCK_F_DGRAM);

	if (n >= 0)
		watchdog_feed();
	return n;
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
