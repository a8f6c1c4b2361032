/*
 * io.h - the I/O-mode axis. A mode (workload) moves messages only through
 * these functions, so every workload runs over every I/O mode.
 *
 * Contract:
 *  - init() gets a connected fd and the config; it returns 0, -errno, or
 *    -EOPNOTSUPP with a reason in io->why when this machine cannot do it.
 *  - send_msg() sends exactly len bytes (looping on short writes) and
 *    returns len, or -errno. On datagram sockets one call = one datagram.
 *  - recv_some() performs one receive of at most cap bytes and returns
 *    the byte count, 0 at end of stream (or an empty datagram), or -errno.
 *    On datagram sockets it returns the datagram's real length even when
 *    larger than cap (MSG_TRUNC), so callers detect truncation.
 *  - send_eof() tells the peer that no more messages follow (shutdown on
 *    connected sockets, an empty datagram on connectionless ones, close
 *    on pipes).
 *  - fini() releases what init took; the fd stays open (the session owns it).
 * Optional hooks (NULL = the generic loop in the workload is used):
 *  - stream_send / stream_recv run a whole throughput side with the mode's
 *    own queueing (io_uring keeps --qd operations in flight).
 */
#ifndef IPCPERF_IO_H
#define IPCPERF_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bench_cfg;
struct phase_clock;
struct payload;

struct io_ctx {
	int fd;                       /* read from (and for sockets, write to) */
	int wfd;                      /* write to: fd, except for pipes */
	unsigned sock_flags;          /* SOCK_F_* of the socket kind */
	const struct bench_cfg *cfg;
	void *priv;                   /* the io mode's own state */
	char why[160];                /* reason when init says -EOPNOTSUPP */
	char features[160];           /* what the mode used, for the output */
};

/* Counters a throughput receiver/sender keeps; marks are taken by phase. */
struct stream_stats {
	uint64_t bytes;
	uint64_t msgs;
	uint64_t verify_errors;
};

struct io_ops {
	const char *name;
	int (*init)(struct io_ctx *io);
	ssize_t (*send_msg)(struct io_ctx *io, const void *buf, size_t len);
	ssize_t (*recv_some)(struct io_ctx *io, void *buf, size_t cap);
	int (*send_eof)(struct io_ctx *io);
	void (*fini)(struct io_ctx *io);
	/* Optional: see above. Return 0 or -errno. */
	int (*stream_send)(struct io_ctx *io, struct payload *pl,
			   struct phase_clock *pc, struct stream_stats *st);
	int (*stream_recv)(struct io_ctx *io, struct payload *pl,
			   struct phase_clock *pc, struct stream_stats *st);
};

extern const struct io_ops sync_io;

/* NULL-terminated table; io_find() also checks required functions. */
extern const struct io_ops *const io_table[];
const struct io_ops *io_find(const char *name);

/* Receive exactly len bytes of one message (stream: loop; dgram: one). */
ssize_t io_recv_msg(const struct io_ops *ops, struct io_ctx *io, void *buf, size_t len);

/* Shared by io units: the generic send_eof for a socket kind. */
int io_socket_eof(struct io_ctx *io);

/*
 * Write all of buf (looping on short writes; a datagram goes out whole in
 * one send). Returns len, or -errno / -ETIMEDOUT.
 */
ssize_t io_send_all(int fd, const void *buf, size_t len, int dgram);

/*
 * Shared by io units for a failed call: EINTR means retry (return 0)
 * unless the watchdog expired; a socket timeout (EAGAIN) is -ETIMEDOUT.
 */
int io_errno(void);

#endif
