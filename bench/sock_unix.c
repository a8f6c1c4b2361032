/*
 * sock_unix.c - AF_UNIX addressing shared by unix-stream and unix-dgram.
 */
#include "sock_unix.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"

/* unix_dgram_sendmsg() refuses datagrams above sk_sndbuf minus this. */
#define UNIX_DGRAM_OVERHEAD 32

const char *unix_check_addr(const struct bench_cfg *cfg)
{
	static char msg[128];
	struct sockaddr_un sun;
	size_t len = strlen(cfg->addr);

	if (len >= sizeof(sun.sun_path)) {
		snprintf(msg, sizeof(msg), "socket path too long: %zu bytes, the limit is %zu",
			 len, sizeof(sun.sun_path) - 1);
		return msg;
	}
	return NULL;
}

socklen_t unix_addr(const char *addr, struct sockaddr_un *sun)
{
	size_t len = strlen(addr);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, addr, len);
	if (addr[0] == '@') {
		sun->sun_path[0] = '\0';   /* abstract: no trailing NUL counted */
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/* True when path is a socket file that refuses connections (a leftover). */
static int is_stale_socket(const char *path, int type)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(path, &sun);
	struct stat st;
	int fd, ret;

	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ret = connect(fd, (struct sockaddr *)&sun, len);
	close(fd);
	return ret < 0 && errno == ECONNREFUSED;
}

int unix_bind(const char *addr, int type)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(addr, &sun);
	int fd, err;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len) == 0)
		return fd;
	if (errno == EADDRINUSE && addr[0] != '@' && is_stale_socket(addr, type)) {
		unlink(addr);
		if (bind(fd, (struct sockaddr *)&sun, len) == 0)
			return fd;
	}
	err = errno;
	close(fd);
	return -err;
}

int unix_listen(const char *addr, int type)
{
	int fd = unix_bind(addr, type), err;

	if (fd < 0)
		return fd;
	if (listen(fd, LISTEN_BACKLOG) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int unix_connect(const char *addr, int type, int autobind, double timeout_s)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(addr, &sun);
	sa_family_t family = AF_UNIX;
	int fd, err;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A datagram client needs a name so that the server can reply. */
	if (autobind && bind(fd, (struct sockaddr *)&family, sizeof(family)) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return sock_connect_bounded(fd, (struct sockaddr *)&sun, len, timeout_s);
}

void unix_unlink(const struct bench_cfg *cfg)
{
	if (cfg->addr && cfg->addr[0] != '@')
		unlink(cfg->addr);
}

/* Does one datagram of `size` bytes pass a socket with this SO_SNDBUF? */
static int dgram_passes(int type, int sndbuf, const void *buf, size_t size)
{
	int sv[2], half = sndbuf / 2, ok;

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	/* The kernel doubles the request: ask for half of what the real socket has. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &half, sizeof(half));
	ok = send(sv[0], buf, size, MSG_DONTWAIT) == (ssize_t)size;
	close(sv[0]);
	close(sv[1]);
	return ok;
}

/* The largest size <= bound that passes, by bisection (bound fails or passes). */
static size_t largest_passing(int type, int sndbuf, const void *buf, size_t bound)
{
	size_t lo = 0, hi = bound + 1;      /* lo passes (trivially), hi fails */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (dgram_passes(type, sndbuf, buf, mid))
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
int unix_fit_size(int fd, int type, size_t size, size_t *limit)
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
	*limit = bound == size && dgram_passes(type, have, probe, size)
		? size : largest_passing(type, have, probe, bound);
	munmap(probe, bound ? bound : 1);
	return size <= *limit ? 0 : -EMSGSIZE;
}
