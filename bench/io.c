/*
 * io.c - the table of I/O modes and the helpers every mode shares.
 */
#include "io.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"
#include "watchdog.h"

/* io_uring.c, or io_uring_none.c (unsupported) in a build without liburing */
extern const struct io_ops uring_io;

const struct io_ops *const io_table[] = {
	&sync_io,
	&uring_io,
	NULL,
};

static int io_complete(const struct io_ops *io)
{
	return io->name && io->init && io->send_msg && io->recv_some &&
	       io->send_eof && io->fini;
}

const struct io_ops *io_find(const char *name)
{
	for (const struct io_ops *const *io = io_table; *io; io++)
		if (name && !strcmp((*io)->name, name))
			return io_complete(*io) ? *io : NULL;
	return NULL;
}

ssize_t io_recv_msg(const struct io_ops *ops, struct io_ctx *io, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	if (io->sock_flags & SOCK_F_DGRAM) {
		n = ops->recv_some(io, buf, len);
		if (n <= 0)
			return n;
		return (size_t)n == len ? n : -EMSGSIZE;   /* never accept a cut message */
	}
	while (got < len) {
		n = ops->recv_some(io, (char *)buf + got, len - got);
		if (n <= 0)
			return n == 0 && got ? -EPIPE : n;     /* EOF inside a message */
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int io_socket_eof(struct io_ctx *io)
{
	int ret;

	if (io->sock_flags & SOCK_F_CONNLESS)
		return send(io->wfd, "", 0, 0) < 0 ? -errno : 0;
	if (io->sock_flags & SOCK_F_NOTSOCK) {
		ret = close(io->wfd);
		io->wfd = -1;
		return ret < 0 ? -errno : 0;
	}
	return shutdown(io->wfd, SHUT_WR) < 0 ? -errno : 0;
}

ssize_t io_send_all(int fd, const void *buf, size_t len, int dgram)
{
	size_t off = 0;
	ssize_t n;
	int err;

	do {
		n = dgram ? send(fd, buf, len, 0) : write(fd, (const char *)buf + off, len - off);
		if (n < 0) {
			err = io_errno();
			if (err)
				return err;
			continue;
		}
		off += (size_t)n;
	} while (off < len);
	return (ssize_t)len;
}

int io_errno(void)
{
	if (errno == EINTR)
		return watchdog_expired ? -ETIMEDOUT : 0;
	return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
}
