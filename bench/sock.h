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
struct io_ops;

/* Connections waiting to be accepted: the flows of a connect test each keep one. */
#define LISTEN_BACKLOG  128

/* Keeps message boundaries: one recv returns one whole message. */
#define SOCK_F_DGRAM    (1u << 0)
/* TCP: TCP_NODELAY applies. */
#define SOCK_F_TCP      (1u << 1)
/* No connection: the server learns its peer from the first datagram, and
 * end of stream is an empty datagram. */
#define SOCK_F_CONNLESS (1u << 2)
/* May drop messages (UDP): loss is counted, not an error. */
#define SOCK_F_LOSSY    (1u << 3)
/* Not a socket (pipes): read/write, no socket options, a watchdog timeout. */
#define SOCK_F_NOTSOCK  (1u << 4)
/* Brings its own data path (shm): sock_ops.own_io replaces --io. */
#define SOCK_F_OWN_IO   (1u << 5)
/* Addressed by IP and --port (tcp, udp). */
#define SOCK_F_PORT     (1u << 6)
/* Each connect() is a new connection the server accepts (connect mode). */
#define SOCK_F_CONN     (1u << 7)

struct sock_ops {
	const char *name;
	unsigned flags;
	/* Check the address syntax before anything is opened (NULL: any). */
	const char *(*check_addr)(const struct bench_cfg *cfg);
	/* Server: bind and listen; *port_out gets the bound TCP port (or 0). */
	int (*listen)(const struct bench_cfg *cfg, int *port_out);
	/*
	 * Server: wait for the next peer on the listening fd. Connected kinds
	 * return a new fd to read from and set *wfd to the fd to write to
	 * (the same fd, except for pipes). Connectionless kinds return the
	 * listening fd itself, connected to the peer whose first datagram
	 * (the test header) was received into hdr (hdr_len bytes, *hdr_got);
	 * the others leave hdr untouched and set *hdr_got = 0.
	 */
	int (*accept)(const struct bench_cfg *cfg, int lfd, void *hdr, size_t hdr_len,
		      size_t *hdr_got, int *wfd);
	/* Server: forget the peer after a test (datagram kinds disconnect). */
	void (*release)(int lfd, int rfd, int wfd);
	/* Client: the fd to read from (and *wfd to write to), or -errno;
	 * connecting is bounded by cfg->timeout_s. */
	int (*connect)(const struct bench_cfg *cfg, int *wfd);
	/* Server: remove what listen left behind (socket file). */
	void (*cleanup)(const struct bench_cfg *cfg);
	/*
	 * Make room for messages of `size` bytes; returns 0, or -EMSGSIZE
	 * with *limit set to the largest size this system allows.
	 */
	int (*fit_size)(int fd, size_t size, size_t *limit);
	/*
	 * SOCK_F_OWN_IO: the kind's own data path for the io mode asked for
	 * (how it waits), or NULL with the reason in why.
	 */
	const struct io_ops *(*own_io)(const struct io_ops *asked, char *why, size_t len);
};

extern const struct sock_ops unix_stream_sock;
extern const struct sock_ops unix_dgram_sock;
extern const struct sock_ops unix_seqpacket_sock;
extern const struct sock_ops tcp_sock;
extern const struct sock_ops udp_sock;
extern const struct sock_ops pipe_sock;
extern const struct sock_ops shm_sock;

/* NULL-terminated table of every socket kind, checked by sock_find(). */
extern const struct sock_ops *const sock_table[];
const struct sock_ops *sock_find(const char *name);
/* "a, b, c": the names in the table, for messages. */
const char *sock_names(void);

/*
 * The data path of a test: the io mode asked for, or on a kind with its own
 * data path the variant it has for that mode. NULL when the mode does not
 * apply to the kind, with the reason in why.
 */
const struct io_ops *sock_io(const struct sock_ops *sock, const struct io_ops *asked,
			     char *why, size_t len);

/*
 * A server of this kind accepts a connection per client (a new fd), so it
 * can run several tests at once: every kind but the connectionless ones
 * and pipes.
 */
bool sock_serves_many(const struct sock_ops *sock);

/*
 * The SO_SNDBUF value to set on each new socket of a test so that it
 * carries what fit_size made fd carry: 0 for streams, which need none.
 */
int sock_sndbuf_request(int fd, unsigned flags);

/* Shared helpers for the units. */
int sock_set_timeouts(int fd, double timeout_s);
/*
 * Set fd's timeouts and connect it; SO_SNDTIMEO also bounds connect(), so a
 * silent address fails in time. Returns fd, or -errno after closing it.
 */
int sock_connect_bounded(int fd, const struct sockaddr *sa, socklen_t len, double timeout_s);
int sock_set_nodelay(int fd, int on);

/* Connected kinds share these: accept a connection, close it, any size fits. */
int sock_stream_accept(const struct bench_cfg *cfg, int lfd, void *hdr, size_t hdr_len,
		       size_t *hdr_got, int *wfd);
void sock_stream_release(int lfd, int rfd, int wfd);
int sock_stream_fit_size(int fd, size_t size, size_t *limit);
/* Kinds that leave nothing behind. */
void sock_no_cleanup(const struct bench_cfg *cfg);
/* Connectionless kinds share these: the header datagram names the peer. */
int sock_dgram_accept(const struct bench_cfg *cfg, int lfd, void *hdr, size_t hdr_len,
		      size_t *hdr_got, int *wfd);
void sock_dgram_release(int lfd, int rfd, int wfd);

#endif
