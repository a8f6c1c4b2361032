/*
 * sock_unix.c - AF_UNIX addressing shared by unix-stream and unix-dgram.
 */
#include "sock_unix.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "sock.h"

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

int unix_connect(const char *addr, int type, int autobind, double timeout_s)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(addr, &sun);
	sa_family_t family = AF_UNIX;
	int fd, ret, err;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A datagram client needs a name so that the server can reply. */
	if (autobind && bind(fd, (struct sockaddr *)&family, sizeof(family)) < 0)
		goto fail;
	ret = sock_set_timeouts(fd, timeout_s);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sun, len) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

void unix_unlink(const struct bench_cfg *cfg)
{
	if (cfg->addr && cfg->addr[0] != '@')
		unlink(cfg->addr);
}
