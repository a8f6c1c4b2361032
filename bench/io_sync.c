/*
 * io_sync.c - plain blocking send()/recv(), the default I/O mode and the
 * reference the others are compared with.
 */
#include <errno.h>
#include <sys/socket.h>

#include "io.h"
#include "sock.h"

static int sync_init(struct io_ctx *io)
{
	io->features[0] = '\0';
	return 0;
}

/* SO_SNDTIMEO/SO_RCVTIMEO expiry shows up as EAGAIN: report it as such. */
static int errno_or_timeout(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
}

static ssize_t sync_send_msg(struct io_ctx *io, const void *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	do {
		n = send(io->fd, (const char *)buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno_or_timeout();
		}
		off += (size_t)n;
	} while (off < len);
	return (ssize_t)len;
}

static ssize_t sync_recv_some(struct io_ctx *io, void *buf, size_t cap)
{
	int flags = io->sock_flags & SOCK_F_DGRAM ? MSG_TRUNC : 0;
	ssize_t n;

	do
		n = recv(io->fd, buf, cap, flags);
	while (n < 0 && errno == EINTR);
	return n < 0 ? errno_or_timeout() : n;
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
