/*
 * io_busy.c - the `busy` I/O mode: non-blocking fds and a loop that never
 * sleeps. The same read()/write() (recv/send for datagrams) as sync through
 * io.c's shared loop, but a call that would block (EAGAIN) is simply made
 * again, until it moves bytes or --timeout passes: no side ever waits for
 * the scheduler to wake it, so sync minus busy is what the wake-up costs.
 * On shm the ring spins on its indices instead (shm_ring.c).
 *
 * Both sides spin, so each needs a CPU of its own (IO_F_SPINS): two sides
 * pinned to one CPU are refused with the reason (io_placement_rule).
 * SO_BUSY_POLL is not this: it polls a NAPI device, and loopback and Unix
 * sockets have none.
 *
 *   $ bench/ipcperf client --socket unix-stream --addr /tmp/s --io busy \
 *         --mode latency --size 100 --cpu 1
 *   ... io=busy ... status=ok ... client_vcsw=0 ... server_vcsw=0 ...
 */
#include <errno.h>

#include "io.h"
#include "util.h"

static int busy_attach(struct io_ctx *io)
{
	return io_set_nonblock(io, 1);
}

static void busy_detach(struct io_ctx *io)
{
	io_set_nonblock(io, 0);
}

/* Never sleep: try the call again at once, until the deadline. */
static int busy_wait(struct io_ctx *io, short events, uint64_t deadline_ns)
{
	(void)io;
	(void)events;
	return now_ns() >= deadline_ns ? -ETIMEDOUT : 0;
}

const struct io_ops busy_io = {
	.name = "busy",
	.flags = IO_F_SPINS,
	.attach = busy_attach,
	.send_msg = io_rw_send_msg,
	.recv_some = io_rw_recv_some,
	.wait = busy_wait,
	.detach = busy_detach,
	.send_eof = io_socket_eof,
};
