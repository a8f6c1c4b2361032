/*
 * sock.c - the table of socket kinds and helpers the units share.
 */
#include "sock.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

const struct sock_ops *const sock_table[] = {
	&unix_stream_sock,
	&unix_dgram_sock,
	&unix_seqpacket_sock,
	&tcp_sock,
	&udp_sock,
	&pipe_sock,
	&shm_sock,
	NULL,
};

/* Every unit must provide these; a missing one is a build-time mistake. */
static int sock_complete(const struct sock_ops *s)
{
	return s->name && s->listen && s->accept && s->release && s->connect &&
	       s->cleanup && s->fit_size && (!(s->flags & SOCK_F_OWN_IO) || s->own_io);
}

const struct sock_ops *sock_find(const char *name)
{
	for (const struct sock_ops *const *s = sock_table; *s; s++)
		if (name && !strcmp((*s)->name, name))
			return sock_complete(*s) ? *s : NULL;
	return NULL;
}

const char *sock_names(void)
{
	static char names[160];
	size_t n = 0;

	for (const struct sock_ops *const *s = sock_table; *s && n < sizeof(names); s++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", (*s)->name);
	return names;
}

const struct io_ops *sock_io(const struct sock_ops *sock, const struct io_ops *asked,
			     char *why, size_t len)
{
	if (!asked) {
		snprintf(why, len, "no such io mode");
		return NULL;
	}
	return sock->flags & SOCK_F_OWN_IO ? sock->own_io(asked, why, len) : asked;
}

bool sock_serves_many(const struct sock_ops *sock)
{
	return !(sock->flags & (SOCK_F_CONNLESS | SOCK_F_NOTSOCK));
}

int sock_sndbuf_request(int fd, unsigned flags)
{
	int have = 0;
	socklen_t len = sizeof(have);

	if (!(flags & SOCK_F_DGRAM) || getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &len) < 0)
		return 0;
	return have / 2;       /* the kernel doubles what it is asked for */
}

int sock_set_timeouts(int fd, double timeout_s)
{
	struct timeval tv;

	tv.tv_sec = (time_t)timeout_s;
	tv.tv_usec = (suseconds_t)((timeout_s - floor(timeout_s)) * 1e6);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

/*
 * A connect() a signal interrupted (the phase timer: with SO_SNDTIMEO set it
 * is not restarted) goes on in the kernel: wait for it to end, bounded.
 */
static int connect_interrupted(int fd, double timeout_s)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0, ms = (int)(timeout_s * 1000) + 1, n;
	socklen_t len = sizeof(err);

	while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return -ETIMEDOUT;
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

int sock_connect_bounded(int fd, const struct sockaddr *sa, socklen_t len, double timeout_s)
{
	int ret = sock_set_timeouts(fd, timeout_s);

	if (ret == 0 && connect(fd, sa, len) < 0)
		ret = errno == EINTR ? connect_interrupted(fd, timeout_s)
		    : errno == EINPROGRESS || errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

int sock_set_nodelay(int fd, int on)
{
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
		return -errno;
	return 0;
}

int sock_stream_accept(const struct bench_cfg *cfg, int lfd, void *hdr, size_t hdr_len,
		       size_t *hdr_got, int *wfd)
{
	int fd;

	(void)cfg;
	(void)hdr;
	(void)hdr_len;
	*hdr_got = 0;
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	*wfd = fd;
	return fd < 0 ? -errno : fd;
}

void sock_stream_release(int lfd, int rfd, int wfd)
{
	(void)lfd;
	(void)wfd;
	close(rfd);
}

int sock_dgram_accept(const struct bench_cfg *cfg, int lfd, void *hdr, size_t hdr_len,
		      size_t *hdr_got, int *wfd)
{
	struct sockaddr_storage peer;
	socklen_t plen;
	ssize_t n;

	(void)cfg;
	/*
	 * EAGAIN: the previous test's receive timeout (waiting for a client
	 * is not bounded); n == 0: a late end-of-stream datagram of a
	 * finished test.
	 */
	do {
		plen = sizeof(peer);
		n = recvfrom(lfd, hdr, hdr_len, MSG_TRUNC, (struct sockaddr *)&peer, &plen);
	} while ((n < 0 && (errno == EINTR || errno == EAGAIN)) || n == 0);
	if (n < 0)
		return -errno;
	*hdr_got = (size_t)n;
	if (plen <= sizeof(sa_family_t))
		return -EDESTADDRREQ;      /* an unnamed sender cannot be answered */
	if (connect(lfd, (struct sockaddr *)&peer, plen) < 0)
		return -errno;
	*wfd = lfd;
	return lfd;
}

void sock_dgram_release(int lfd, int rfd, int wfd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	(void)rfd;
	(void)wfd;
	connect(lfd, &unspec, sizeof(unspec));
}

/* A stream carries any message size. */
int sock_stream_fit_size(int fd, size_t size, size_t *limit)
{
	(void)fd;
	(void)size;
	*limit = 0;
	return 0;
}

void sock_no_cleanup(const struct bench_cfg *cfg)
{
	(void)cfg;
}
