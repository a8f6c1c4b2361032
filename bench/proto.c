/*
 * proto.c - control messages over the test connection, with plain
 * blocking calls bounded by the socket timeouts (or the watchdog). A
 * datagram carries a whole message; one write() of it always does, since
 * SIGPIPE is ignored and the messages are far below any buffer size.
 */
#include "proto.h"

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"

int proto_send(int fd, const void *msg, size_t len)
{
	ssize_t n = io_send_all(fd, msg, len);

	return n < 0 ? (int)n : 0;
}

int proto_recv(int fd, void *msg, size_t len, int is_dgram)
{
	size_t off = 0;
	ssize_t n;
	int err;

	while (off < len) {
		n = is_dgram ? recv(fd, msg, len, MSG_TRUNC) : read(fd, (char *)msg + off, len - off);
		if (n < 0) {
			err = io_errno();
			if (err)
				return err;
			continue;
		}
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
