/*
 * sock_pipe.c - a pair of named pipes (FIFOs), the baseline that is not a
 * socket: PATH.c2s carries client to server, PATH.s2c the replies. Opening
 * is the connection: the server blocks opening PATH.c2s for reading until a
 * client opens it for writing, then both open PATH.s2c. Pipes have no
 * SO_RCVTIMEO: the session runs the watchdog (watchdog.h) instead.
 *
 * Order matters: a FIFO read with no writer returns end of file at once.
 * The server therefore opens PATH.s2c first (O_RDWR, which never blocks)
 * and only then blocks opening PATH.c2s; a client can open PATH.c2s only
 * while the server waits there, so it always finds the writer of PATH.s2c
 * in place.
 *
 *   $ bench/ipcperf server --socket pipe --addr /tmp/d/ipcp-pipe
 *   (creates /tmp/d/ipcp-pipe.c2s and /tmp/d/ipcp-pipe.s2c)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"
#include "util.h"

enum { C2S, S2C };

static void fifo_path(const char *addr, int which, char *out, size_t len)
{
	snprintf(out, len, "%s.%s", addr, which == C2S ? "c2s" : "s2c");
}

static const char *pipe_check_addr(const struct bench_cfg *cfg)
{
	if (strlen(cfg->addr) + sizeof(".c2s") > PATH_MAX)
		return "pipe --addr is too long for a path";
	return NULL;
}

/* mkfifo, accepting a FIFO left by an earlier run but no other file. */
static int make_fifo(const char *path)
{
	struct stat st;

	if (mkfifo(path, 0600) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISFIFO(st.st_mode))
		return 0;
	return -errno;
}

static int pipe_listen(const struct bench_cfg *cfg, int *port_out)
{
	char path[PATH_MAX];
	int ret, fd;

	*port_out = 0;
	for (int which = C2S; which <= S2C; which++) {
		fifo_path(cfg->addr, which, path, sizeof(path));
		ret = make_fifo(path);
		if (ret < 0)
			return ret;
	}
	/* Nothing to listen on: a placeholder the server closes like any other. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int open_retry(const char *path, int flags)
{
	int fd;

	do
		fd = open(path, flags | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

static int pipe_accept(const struct bench_cfg *cfg, int lfd, void *hdr, size_t hdr_len,
		       size_t *hdr_got, int *wfd)
{
	char path[PATH_MAX];
	int rfd;

	(void)lfd;
	(void)hdr;
	(void)hdr_len;
	*hdr_got = 0;
	fifo_path(cfg->addr, S2C, path, sizeof(path));
	*wfd = open_retry(path, O_RDWR);
	if (*wfd < 0)
		return *wfd;
	fifo_path(cfg->addr, C2S, path, sizeof(path));
	rfd = open_retry(path, O_RDONLY);          /* waits for a client */
	if (rfd < 0)
		close(*wfd);
	return rfd;
}

static void pipe_release(int lfd, int rfd, int wfd)
{
	(void)lfd;
	close(rfd);
	close(wfd);
}

/* Clear O_NONBLOCK once open: the data path blocks like every other. */
static int set_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ? -errno : 0;
}

/*
 * Opening the write end without blocking fails with ENXIO while no server
 * waits to read: retry until --timeout (the server may be finishing the
 * previous test), then report the connection as refused.
 */
static int pipe_connect(const struct bench_cfg *cfg, int *wfd)
{
	struct timespec pause = { 0, 1000000 };
	uint64_t deadline = now_ns() + (uint64_t)(cfg->timeout_s * 1e9);
	char path[PATH_MAX];
	int w, r, ret;

	fifo_path(cfg->addr, C2S, path, sizeof(path));
	while ((w = open_retry(path, O_WRONLY | O_NONBLOCK)) == -ENXIO && now_ns() < deadline)
		nanosleep(&pause, NULL);
	if (w < 0)
		return w == -ENXIO ? -ECONNREFUSED : w;
	fifo_path(cfg->addr, S2C, path, sizeof(path));
	r = open_retry(path, O_RDONLY | O_NONBLOCK);
	ret = r < 0 ? r : set_blocking(w);
	if (ret == 0)
		ret = set_blocking(r);
	if (ret < 0) {
		close(w);
		if (r >= 0)
			close(r);
		return ret;
	}
	*wfd = w;
	return r;
}

static void pipe_cleanup(const struct bench_cfg *cfg)
{
	char path[PATH_MAX];

	for (int which = C2S; which <= S2C; which++) {
		fifo_path(cfg->addr, which, path, sizeof(path));
		unlink(path);
	}
}

const struct sock_ops pipe_sock = {
	.name = "pipe",
	.flags = SOCK_F_NOTSOCK,
	.check_addr = pipe_check_addr,
	.listen = pipe_listen,
	.accept = pipe_accept,
	.release = pipe_release,
	.connect = pipe_connect,
	.cleanup = pipe_cleanup,
	.fit_size = sock_stream_fit_size,
};
