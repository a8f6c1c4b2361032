/*
 * io_uring_none.c - the `uring` I/O mode of a build without liburing: it is
 * listed like any mode and reports "unsupported" (exit 4) with the reason,
 * so that a sweep over --io sync,uring still records every point. The
 * Makefile builds this file instead of io_uring.c when pkg-config finds no
 * liburing.
 *
 *   $ bench/ipcperf client ... --io uring
 *   status=unsupported note="io uring: built without liburing (apt-get install liburing-dev, then make clean all)"
 */
#include <errno.h>
#include <stdio.h>

#include "io.h"

static int none_setup(struct io_ctx *io)
{
	snprintf(io->why, sizeof(io->why),
		 "built without liburing (apt-get install liburing-dev, then make clean all)");
	return -EOPNOTSUPP;
}

static ssize_t none_send_msg(struct io_ctx *io, const void *buf, size_t len)
{
	(void)io, (void)buf, (void)len;
	return -EOPNOTSUPP;
}

static ssize_t none_recv_some(struct io_ctx *io, void *buf, size_t cap)
{
	(void)io, (void)buf, (void)cap;
	return -EOPNOTSUPP;
}

const struct io_ops uring_io = {
	.name = "uring",
	.setup = none_setup,
	.send_msg = none_send_msg,
	.recv_some = none_recv_some,
	.send_eof = io_socket_eof,
};
