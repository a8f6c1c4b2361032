/*
 * io_epoll.c - the `epoll` I/O mode: non-blocking fds and one epoll_wait
 * per wait, as event-driven servers (nginx, Envoy, Redis) wait. It makes
 * the same read()/write() (recv/send for datagrams) as sync through io.c's
 * shared loop; only a call that would block differs: it waits in
 * epoll_wait for its direction, bounded by --timeout.
 *
 * Two level-triggered epoll sets, one per direction (fd for EPOLLIN, wfd
 * for EPOLLOUT), so that a wait for input never wakes for output room (a
 * socket nearly always has some) and no wait needs an EPOLL_CTL_MOD first.
 * Works for every kind with an fd: sockets of every type, and pipes.
 *
 *   $ bench/ipcperf client --socket tcp --addr 127.0.0.1 --port 40123 \
 *         --io epoll --mode latency --size 100
 *   ... io=epoll ... status=ok ... lat_p50_ns=... client_vcsw=...
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "io.h"
#include "util.h"

struct ep_sets {
	int in;                /* fd, EPOLLIN */
	int out;               /* wfd, EPOLLOUT */
};

static void ep_fini(struct io_ctx *io)
{
	struct ep_sets *e = io->priv;

	if (!e)
		return;
	if (e->in >= 0)
		close(e->in);
	if (e->out >= 0)
		close(e->out);
	free(e);
	io->priv = NULL;
}

static int ep_setup(struct io_ctx *io)
{
	struct ep_sets *e = malloc(sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	io->priv = e;
	e->in = epoll_create1(EPOLL_CLOEXEC);
	e->out = e->in < 0 ? -1 : epoll_create1(EPOLL_CLOEXEC);
	if (e->out >= 0)
		return 0;
	err = -errno;
	ep_fini(io);
	return err;
}

/* Undo attach: registered nowhere, blocking again (ENOENT: never added). */
static void ep_detach(struct io_ctx *io)
{
	struct ep_sets *e = io->priv;

	epoll_ctl(e->in, EPOLL_CTL_DEL, io->fd, NULL);
	if (io->wfd >= 0)
		epoll_ctl(e->out, EPOLL_CTL_DEL, io->wfd, NULL);
	io_set_nonblock(io, 0);
}

static int ep_attach(struct io_ctx *io)
{
	struct ep_sets *e = io->priv;
	struct epoll_event in = { .events = EPOLLIN }, out = { .events = EPOLLOUT };
	int ret = io_set_nonblock(io, 1);

	if (ret == 0 && epoll_ctl(e->in, EPOLL_CTL_ADD, io->fd, &in) < 0)
		ret = -errno;
	if (ret == 0 && epoll_ctl(e->out, EPOLL_CTL_ADD, io->wfd, &out) < 0)
		ret = -errno;
	if (ret < 0)
		ep_detach(io);
	return ret;
}

/*
 * Sleep in epoll_wait until the direction is ready or the deadline. A
 * signal (the phase timer, the watchdog) or the end of the sleep returns
 * 0: the caller tries again and comes back here with the same deadline.
 */
static int ep_wait(struct io_ctx *io, short events, uint64_t deadline_ns)
{
	struct ep_sets *e = io->priv;
	struct epoll_event ev;
	uint64_t now = now_ns();
	int ms;

	if (now >= deadline_ns)
		return -ETIMEDOUT;
	ms = (int)((deadline_ns - now + 999999) / 1000000);
	if (epoll_wait(events == POLLIN ? e->in : e->out, &ev, 1, ms) < 0)
		return io_errno();
	return 0;
}

const struct io_ops epoll_io = {
	.name = "epoll",
	.setup = ep_setup,
	.attach = ep_attach,
	.send_msg = io_rw_send_msg,
	.recv_some = io_rw_recv_some,
	.wait = ep_wait,
	.detach = ep_detach,
	.send_eof = io_socket_eof,
	.fini = ep_fini,
};
