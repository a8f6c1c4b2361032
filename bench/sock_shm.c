/*
 * sock_shm.c - the shared-memory baseline. A unix stream socket at --addr
 * carries only the set-up and the control messages: on accept the server
 * creates a memfd holding both rings and passes it with SCM_RIGHTS; the
 * data then moves through shm_ring.c without system calls except futex
 * waits (`--io sync`), or none at all (`--io busy` spins). The other io
 * modes drive a kernel path, and there is none here.
 *
 *   $ bench/ipcperf server --socket shm --addr /tmp/d/ipcp-shm.sock
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "shm_ring.h"
#include "sock.h"
#include "sock_unix.h"

static void *mapping;

static int shm_listen(const struct bench_cfg *cfg, int *port_out)
{
	*port_out = 0;
	return unix_listen(cfg->addr, SOCK_STREAM);
}

static int map_fd(int memfd)
{
	void *p = mmap(NULL, shm_map_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       memfd, 0);

	if (p == MAP_FAILED)
		return -errno;
	mapping = p;
	return 0;
}

static int send_fd(int sock, int fd)
{
	char byte = 'r', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (n != 1 || !c || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A fresh pair of rings per connection, so no test sees another's bytes. */
static int shm_accept(const struct bench_cfg *cfg, int lfd, void *hdr, size_t hdr_len,
		      size_t *hdr_got, int *wfd)
{
	int fd = sock_stream_accept(cfg, lfd, hdr, hdr_len, hdr_got, wfd);
	int memfd, ret;

	if (fd < 0)
		return fd;
	memfd = memfd_create("ipcperf-shm", MFD_CLOEXEC);
	ret = memfd < 0 ? -errno : ftruncate(memfd, (off_t)shm_map_bytes()) < 0 ? -errno : 0;
	if (ret == 0)
		ret = map_fd(memfd);
	if (ret == 0) {
		shm_map_init(mapping);
		ret = send_fd(fd, memfd);
	}
	if (memfd >= 0)
		close(memfd);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	shm_set_current(mapping, 1);
	return fd;
}

static void shm_release(int lfd, int rfd, int wfd)
{
	(void)lfd;
	(void)wfd;
	if (mapping)
		munmap(mapping, shm_map_bytes());
	mapping = NULL;
	shm_set_current(NULL, 1);
	close(rfd);
}

static int shm_connect(const struct bench_cfg *cfg, int *wfd)
{
	int fd = unix_connect(cfg->addr, SOCK_STREAM, 0, cfg->timeout_s);
	int memfd, ret;

	if (fd < 0)
		return fd;
	memfd = recv_fd(fd);
	ret = memfd < 0 ? memfd : map_fd(memfd);
	if (memfd >= 0)
		close(memfd);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	shm_set_current(mapping, 0);
	*wfd = fd;
	return fd;
}

static const struct io_ops *shm_own_io(const struct io_ops *asked, char *why, size_t len)
{
	if (asked == &sync_io)
		return &shm_futex_io;
	if (asked == &busy_io)
		return &shm_spin_io;
	snprintf(why, len, "shm moves data without system calls: --io %s does not apply "
		 "(sync waits on a futex, busy spins on the ring)", asked->name);
	return NULL;
}

const struct sock_ops shm_sock = {
	.name = "shm",
	.flags = SOCK_F_OWN_IO,
	.own_io = shm_own_io,
	.check_addr = unix_check_addr,
	.listen = shm_listen,
	.accept = shm_accept,
	.release = shm_release,
	.connect = shm_connect,
	.cleanup = unix_unlink,
	.fit_size = sock_stream_fit_size,
};
