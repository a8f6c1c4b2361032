/*
 * sock.h - the socket-kind axis. A sock_ops only produces ready, connected
 * file descriptors; it knows nothing of modes or I/O.
 *
 * Every function returns a file descriptor or 0 on success, -errno on
 * failure, and closes what it opened before failing (as redis anet.c).
 */
#ifndef IPCPERF_SOCK_H
#define IPCPERF_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct bench_cfg;

/* Keeps message boundaries: one recv returns one whole message. */
#define SOCK_F_DGRAM   (1u << 0)
/* TCP: TCP_NODELAY applies. */
#define SOCK_F_TCP     (1u << 1)

struct sock_ops {
	const char *name;
	unsigned flags;
	/* Check the address syntax before anything is opened (NULL: any). */
	const char *(*check_addr)(const struct bench_cfg *cfg);
	/* Server: bind and listen; *port_out gets the bound TCP port (or 0). */
	int (*listen)(const struct bench_cfg *cfg, int *port_out);
	/*
	 * Server: wait for the next peer on the listening fd. Stream kinds
	 * return a new connected fd. Datagram kinds return the listening fd
	 * itself, connected to the peer whose first datagram (the test
	 * header) was received into hdr (hdr_len bytes); stream kinds leave
	 * hdr untouched and return *hdr_got = 0.
	 */
	int (*accept)(int lfd, void *hdr, size_t hdr_len, size_t *hdr_got);
	/* Server: forget the peer after a test (datagram kinds disconnect). */
	void (*release)(int lfd, int cfd);
	/* Client: a connected fd, or -errno (connect bounded by timeout). */
	int (*connect)(const struct bench_cfg *cfg);
	/* Server: remove what listen left behind (socket file). */
	void (*cleanup)(const struct bench_cfg *cfg);
	/*
	 * Make room for messages of `size` bytes; returns 0, or -EMSGSIZE
	 * with *limit set to the largest size this system allows.
	 */
	int (*fit_size)(int fd, size_t size, size_t *limit);
};

extern const struct sock_ops unix_stream_sock;
extern const struct sock_ops unix_dgram_sock;
extern const struct sock_ops tcp_sock;

/* NULL-terminated table of every socket kind, checked by sock_find(). */
extern const struct sock_ops *const sock_table[];
const struct sock_ops *sock_find(const char *name);

/* Shared helpers for the units. */
int sock_set_timeouts(int fd, double timeout_s);
int sock_set_nodelay(int fd, int on);

/* Stream kinds share these: accept a connection, close it, any size fits. */
int sock_stream_accept(int lfd, void *hdr, size_t hdr_len, size_t *hdr_got);
void sock_stream_release(int lfd, int cfd);
int sock_stream_fit_size(int fd, size_t size, size_t *limit);

#endif
