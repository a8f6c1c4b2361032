/*
 * io.c - the table of I/O modes, their life cycle, and the one
 * send/receive loop the readiness modes (sync, epoll, busy) share: the
 * same call on the same fd, and on EAGAIN the mode's own wait.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"
#include "util.h"
#include "watchdog.h"

const struct io_ops *const io_table[] = {
	&sync_io,
	&uring_io,   /* io_uring.c, or io_uring_none.c in a build without liburing */
	&epoll_io,
	&busy_io,
	NULL,
};

static int io_complete(const struct io_ops *io)
{
	return io->name && io->send_msg && io->recv_some && io->send_eof &&
	       !io->queue_send == !io->flush_sends;
}

const struct io_ops *io_find(const char *name)
{
	for (const struct io_ops *const *io = io_table; *io; io++)
		if (name && !strcmp((*io)->name, name))
			return io_complete(*io) ? *io : NULL;
	return NULL;
}

const char *io_placement_rule(const struct io_ops *ops, int server_cpu, int client_cpu)
{
	static char why[192];

	if (!(ops->flags & IO_F_SPINS) || server_cpu < 0 || server_cpu != client_cpu)
		return NULL;
	snprintf(why, sizeof(why),
		 "io %s never sleeps: with both sides pinned to CPU %d each spins through the "
		 "other's time slice (one core cannot spin for two; pin them apart)",
		 ops->name, server_cpu);
	return why;
}

int io_setup(struct io_ctx *io)
{
	io->features[0] = '\0';
	io->why[0] = '\0';
	return io->ops->setup ? io->ops->setup(io) : 0;
}

int io_attach(struct io_ctx *io)
{
	return io->ops->attach ? io->ops->attach(io) : 0;
}

void io_detach(struct io_ctx *io)
{
	if (io->ops->detach)
		io->ops->detach(io);
}

void io_fini(struct io_ctx *io)
{
	if (io->ops->fini)
		io->ops->fini(io);
}

ssize_t io_recv_msg(struct io_ctx *io, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	if (io->sock_flags & SOCK_F_DGRAM) {
		n = io->ops->recv_some(io, buf, len);
		if (n <= 0)
			return n;
		return (size_t)n == len ? n : -EMSGSIZE;   /* never accept a cut message */
	}
	while (got < len) {
		n = io->ops->recv_some(io, (char *)buf + got, len - got);
		if (n <= 0)
			return n == 0 && got ? -EPIPE : n;     /* EOF inside a message */
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t io_recv_stream(struct io_ctx *io, void *buf, size_t cap, const void **data)
{
	if (io->ops->recv_buf)
		return io->ops->recv_buf(io, buf, cap, data);
	*data = buf;
	return io->ops->recv_some(io, buf, cap);
}

void *io_send_buf(struct io_ctx *io, void *own)
{
	void *buf = io->ops->send_buf ? io->ops->send_buf(io) : NULL;

	return buf ? buf : own;
}

ssize_t io_queue_send(struct io_ctx *io, const void *buf, size_t len)
{
	ssize_t n;

	if (io->ops->queue_send)
		return io->ops->queue_send(io, buf, len);
	n = io->ops->send_msg(io, buf, len);
	return n < 0 ? n : 1;
}

ssize_t io_flush_sends(struct io_ctx *io)
{
	return io->ops->flush_sends ? io->ops->flush_sends(io) : 0;
}

uint64_t io_deadline(const struct io_ctx *io)
{
	return now_ns() + (uint64_t)(io->cfg->timeout_s * 1e9);
}

/*
 * A call that moved nothing: EINTR is retried, EAGAIN waits as the mode
 * waits (the deadline counted from the first EAGAIN of this call), anything
 * else is the error. Returns 0 to try the call again.
 */
static int rw_wait(struct io_ctx *io, short events, uint64_t *deadline)
{
	if ((errno != EAGAIN && errno != EWOULDBLOCK) || !io->ops->wait)
		return io_errno();
	if (!*deadline)
		*deadline = io_deadline(io);
	return io->ops->wait(io, events, *deadline);
}

/*
 * Streams (sockets and pipes alike) use write()/read(): the same as
 * send()/recv() without flags on a socket, and they work on pipes. SIGPIPE
 * is ignored by both roles, so a vanished peer is EPIPE, not a signal.
 * Datagrams use recv(MSG_TRUNC) so that a cut message is seen.
 */
ssize_t io_rw_send_msg(struct io_ctx *io, const void *buf, size_t len)
{
	int dgram = io->sock_flags & SOCK_F_DGRAM;
	uint64_t deadline = 0;
	size_t off = 0;
	ssize_t n;
	int err;

	do {
		n = dgram ? send(io->wfd, buf, len, 0) : write(io->wfd, (const char *)buf + off, len - off);
		if (n < 0) {
			if ((err = rw_wait(io, POLLOUT, &deadline)))
				return err;
			continue;
		}
		off += (size_t)n;
		deadline = 0;
		watchdog_feed();
	} while (off < len);
	return (ssize_t)len;
}

ssize_t io_rw_recv_some(struct io_ctx *io, void *buf, size_t cap)
{
	int dgram = io->sock_flags & SOCK_F_DGRAM;
	uint64_t deadline = 0;
	ssize_t n;
	int err;

	while ((n = dgram ? recv(io->fd, buf, cap, MSG_TRUNC) : read(io->fd, buf, cap)) < 0)
		if ((err = rw_wait(io, POLLIN, &deadline)))
			return err;
	watchdog_feed();
	return n;
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

static int set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

int io_set_nonblock(struct io_ctx *io, int on)
{
	int ret = set_nonblock(io->fd, on);

	if (ret == 0 && io->wfd != io->fd && io->wfd >= 0)
		ret = set_nonblock(io->wfd, on);
	return ret;
}

ssize_t io_send_all(int fd, const void *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int err;

	do {
		n = write(fd, (const char *)buf + off, len - off);
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
