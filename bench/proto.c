/*
 * proto.c - control messages over the test connection, with plain
 * blocking calls bounded by the socket timeouts.
 */
#include "proto.h"

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

static int sock_errno(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
}

int proto_send(int fd, const void *msg, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(fd, (const char *)msg + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sock_errno();
		off += (size_t)n;
	}
	return 0;
}

int proto_recv(int fd, void *msg, size_t len, int is_dgram)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = recv(fd, (char *)msg + off, len - off, is_dgram ? MSG_TRUNC : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sock_errno();
		if (n == 0)
			return -ECONNRESET;       /* the peer went away */
		if (is_dgram && (size_t)n != len)
			return -EPROTO;
		off += (size_t)n;
	}
	if (*(const uint32_t *)msg != PROTO_MAGIC)
		return -EPROTO;
	return 0;
}
