/*
 * sock.c - the table of socket kinds and helpers the units share.
 */
#include "sock.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

const struct sock_ops *const sock_table[] = {
	&unix_stream_sock,
	&unix_dgram_sock,
	&tcp_sock,
	NULL,
};

/* Every unit must provide these; a missing one is a build-time mistake. */
static int sock_complete(const struct sock_ops *s)
{
	return s->name && s->listen && s->accept && s->release && s->connect &&
	       s->cleanup && s->fit_size;
}

const struct sock_ops *sock_find(const char *name)
{
	for (const struct sock_ops *const *s = sock_table; *s; s++)
		if (name && !strcmp((*s)->name, name))
			return sock_complete(*s) ? *s : NULL;
	return NULL;
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

int sock_set_nodelay(int fd, int on)
{
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
		return -errno;
	return 0;
}

int sock_stream_accept(int lfd, void *hdr, size_t hdr_len, size_t *hdr_got)
{
	int fd;

	(void)hdr;
	(void)hdr_len;
	*hdr_got = 0;
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

void sock_stream_release(int lfd, int cfd)
{
	(void)lfd;
	close(cfd);
}

/* A stream carries any message size. */
int sock_stream_fit_size(int fd, size_t size, size_t *limit)
{
	(void)fd;
	(void)size;
	*limit = 0;
	return 0;
}
