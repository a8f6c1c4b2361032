/*
 * sock_unix_dgram.c - AF_UNIX SOCK_DGRAM. The server has no accept():
 * the first datagram of a client is its test header; the server then
 * connects its socket to that client for the test and disconnects after.
 *
 *   $ bench/ipcperf server --socket unix-dgram --addr @ipcp-demo
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"
#include "sock_unix.h"

/* unix_dgram_sendmsg() refuses datagrams above sk_sndbuf minus this. */
#define UNIX_DGRAM_OVERHEAD 32

static int ud_listen(const struct bench_cfg *cfg, int *port_out)
{
	*port_out = 0;
	return unix_bind(cfg->addr, SOCK_DGRAM);
}

static int ud_accept(int lfd, void *hdr, size_t hdr_len, size_t *hdr_got)
{
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	ssize_t n;

	do
		n = recvfrom(lfd, hdr, hdr_len, MSG_TRUNC, (struct sockaddr *)&peer, &plen);
	/* EAGAIN: the previous test's receive timeout; waiting for a client is not bounded. */
	while (n < 0 && (errno == EINTR || errno == EAGAIN));
	if (n < 0)
		return -errno;
	*hdr_got = (size_t)n;
	if (plen <= sizeof(sa_family_t))
		return -EDESTADDRREQ;      /* an unnamed sender cannot be answered */
	if (connect(lfd, (struct sockaddr *)&peer, plen) < 0)
		return -errno;
	return lfd;
}

static void ud_release(int lfd, int cfd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	(void)cfd;
	connect(lfd, &unspec, sizeof(unspec));
}

static int ud_connect(const struct bench_cfg *cfg)
{
	int fd = unix_connect(cfg->addr, SOCK_DGRAM, 1, cfg->timeout_s);

	/* The kernel says EPERM when the server is connected to another client. */
	return fd == -EPERM ? -EBUSY : fd;
}

/* Does one datagram of `size` bytes pass a socket with this SO_SNDBUF? */
static int dgram_passes(int sndbuf, const void *buf, size_t size)
{
	int sv[2], half = sndbuf / 2, ok;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	/* The kernel doubles the request: ask for half of what the real socket has. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &half, sizeof(half));
	ok = send(sv[0], buf, size, MSG_DONTWAIT) == (ssize_t)size;
	close(sv[0]);
	close(sv[1]);
	return ok;
}

/* The largest size <= bound that passes, by bisection (bound fails or passes). */
static size_t largest_passing(int sndbuf, const void *buf, size_t bound)
{
	size_t lo = 0, hi = bound + 1;      /* lo passes (trivially), hi fails */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (dgram_passes(sndbuf, buf, mid))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Raise SO_SNDBUF (the kernel doubles the request and caps it at
 * net.core.wmem_max) until one datagram of `size` fits; no SO_SNDBUFFORCE,
 * so that root and users measure the same system. The buffer is not the
 * only limit: the kernel allocates most of a datagram as one linear block,
 * which fails above a few MiB (ENOBUFS). Rather than model the kernel, a
 * datagram is sent over a private socketpair with the same buffer size,
 * and the real limit found by bisection when it does not pass.
 */
static int ud_fit_size(int fd, size_t size, size_t *limit)
{
	int have, want;
	socklen_t len = sizeof(have);
	size_t bound;
	void *probe;

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &len) < 0)
		return -errno;
	if (size + UNIX_DGRAM_OVERHEAD > (size_t)have) {
		want = size > INT32_MAX / 2 ? INT32_MAX / 2 : (int)size + 4096;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) < 0)
			return -errno;
		len = sizeof(have);
		if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &len) < 0)
			return -errno;
	}
	bound = have > UNIX_DGRAM_OVERHEAD ? (size_t)have - UNIX_DGRAM_OVERHEAD : 0;
	if (size < bound)
		bound = size;
	probe = mmap(NULL, bound ? bound : 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (probe == MAP_FAILED)
		return -ENOMEM;
	*limit = bound == size && dgram_passes(have, probe, size)
		? size : largest_passing(have, probe, bound);
	munmap(probe, bound ? bound : 1);
	return size <= *limit ? 0 : -EMSGSIZE;
}

const struct sock_ops unix_dgram_sock = {
	.name = "unix-dgram",
	.flags = SOCK_F_DGRAM,
	.check_addr = unix_check_addr,
	.listen = ud_listen,
	.accept = ud_accept,
	.release = ud_release,
	.connect = ud_connect,
	.cleanup = unix_unlink,
	.fit_size = ud_fit_size,
};
