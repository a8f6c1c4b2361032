/*
 * io.h - the I/O-mode axis. A mode (workload) moves messages only through
 * these functions, so every workload runs over every I/O mode.
 *
 * Life of an I/O mode on one side: set up once for a test's shape, then
 * attached to each connection's fds for the workload (a connection per
 * transaction attaches many times to one setup):
 *   setup(io)    what the mode needs for the socket kind, the workload and
 *                the size in io_ctx: rings, epoll sets, probes. 0, -errno,
 *                or -EOPNOTSUPP with the reason in io->why. Never touches
 *                the fds.
 *   attach(io)   io->fd / io->wfd become the mode's: O_NONBLOCK, epoll
 *                registrations. 0 or -errno.
 *   ... send_msg / recv_some (and the optional queue hooks) ...
 *   detach(io)   the fds as they were before attach (blocking, registered
 *                nowhere, nothing in flight): the control messages that
 *                follow the workload use plain blocking calls.
 *   send_eof(io) tells the peer that no more messages follow (shutdown on
 *                connected sockets, an empty datagram on connectionless
 *                ones, close on pipes); called after detach.
 *   fini(io)     releases what setup took.
 * Only name, send_msg, recv_some and send_eof are required; a NULL hook has
 * nothing to do (sync needs none of them: fio's "sync engines only need a
 * ->queue()").
 *
 * One message at a time, every mode:
 *  - send_msg() sends exactly len bytes (looping on short writes) and
 *    returns len, or -errno. On datagram sockets one call = one datagram.
 *  - recv_some() performs one receive of at most cap bytes and returns
 *    the byte count, 0 at end of stream (or an empty datagram), or -errno.
 *    On datagram sockets it returns the datagram's real length even when
 *    larger than cap (MSG_TRUNC), so callers detect truncation.
 *  Both end with -ETIMEDOUT after --timeout without progress.
 *
 * How a readiness mode waits: sync, epoll and busy make the same calls and
 * differ only in what happens when a call would block. They share
 * io_rw_send_msg / io_rw_recv_some, which call wait() on EAGAIN:
 *  - wait(io, POLLIN or POLLOUT, deadline_ns) returns 0 when the call may
 *    be tried again (epoll_wait said so, or, spinning, at once), or
 *    -ETIMEDOUT once the monotonic clock passes deadline_ns.
 *  A NULL wait means the fd blocks by itself (sync): EAGAIN is then the
 *  socket's own timeout (SO_RCVTIMEO/SO_SNDTIMEO).
 *
 * Optional queueing, for modes with completions (uring; fio's queue/reap
 * split). A one-way stream's sender and receiver use them when present;
 * the workload still fills, counts, verifies and ticks the phase:
 *  - send_buf(io) is the buffer the next queued message must be written
 *    into (the mode may still hold the others), or NULL for the caller's.
 *  - queue_send(io, buf, len) queues one message and returns how many
 *    queued messages are now wholly sent (>= 0), or -errno.
 *  - flush_sends(io) waits for every queued message and returns how many
 *    completed, or -errno.
 *  - recv_buf(io, buf, cap, &data) is recv_some whose bytes may land in a
 *    buffer of the mode's own: *data says where, valid until the next call.
 */
#ifndef IPCPERF_IO_H
#define IPCPERF_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bench_cfg;
struct mode_ops;
struct io_ops;

struct io_ctx {
	const struct io_ops *ops;
	int fd;                       /* read from (and for sockets, write to) */
	int wfd;                      /* write to: fd, except for pipes */
	unsigned sock_flags;          /* SOCK_F_* of the socket kind */
	const struct mode_ops *mode;  /* the workload (one-way or request/response) */
	size_t size;                  /* bytes per message */
	size_t rx_cap;                /* bytes one receive of the workload asks for */
	const struct bench_cfg *cfg;
	void *priv;                   /* the io mode's own state */
	char why[160];                /* reason when setup says -EOPNOTSUPP */
	char features[160];           /* what the mode used, for the output */
};

/* Never sleeps: each side needs a CPU of its own. */
#define IO_F_SPINS (1u << 0)

struct io_ops {
	const char *name;
	unsigned flags;               /* IO_F_* */
	int (*setup)(struct io_ctx *io);
	int (*attach)(struct io_ctx *io);
	ssize_t (*send_msg)(struct io_ctx *io, const void *buf, size_t len);
	ssize_t (*recv_some)(struct io_ctx *io, void *buf, size_t cap);
	int (*wait)(struct io_ctx *io, short events, uint64_t deadline_ns);
	void (*detach)(struct io_ctx *io);
	int (*send_eof)(struct io_ctx *io);
	void (*fini)(struct io_ctx *io);
	/* Optional queueing: see above. */
	void *(*send_buf)(struct io_ctx *io);
	ssize_t (*queue_send)(struct io_ctx *io, const void *buf, size_t len);
	ssize_t (*flush_sends)(struct io_ctx *io);
	ssize_t (*recv_buf)(struct io_ctx *io, void *buf, size_t cap, const void **data);
};

extern const struct io_ops sync_io;
extern const struct io_ops uring_io;
extern const struct io_ops epoll_io;
extern const struct io_ops busy_io;

/* NULL-terminated table; io_find() also checks required functions. */
extern const struct io_ops *const io_table[];
const struct io_ops *io_find(const char *name);

/*
 * The rule of placement: NULL when the mode can run with the two sides on
 * these CPUs (-1: not pinned), else the reason it cannot.
 */
const char *io_placement_rule(const struct io_ops *ops, int server_cpu, int client_cpu);

/* The life cycle above, with NULL hooks doing nothing. */
int io_setup(struct io_ctx *io);
int io_attach(struct io_ctx *io);
void io_detach(struct io_ctx *io);
void io_fini(struct io_ctx *io);

static inline ssize_t io_send(struct io_ctx *io, const void *buf, size_t len)
{
	return io->ops->send_msg(io, buf, len);
}

/* Receive exactly len bytes of one message (stream: loop; dgram: one). */
ssize_t io_recv_msg(struct io_ctx *io, void *buf, size_t len);

/* One receive of a one-way stream (recv_buf where the mode has it). */
ssize_t io_recv_stream(struct io_ctx *io, void *buf, size_t cap, const void **data);

/*
 * Send one message of a one-way stream: queued where the mode queues.
 * Returns the messages now wholly sent (1 for a mode without a queue), or
 * -errno. io_flush_sends() waits for the queued rest (0 without a queue).
 */
void *io_send_buf(struct io_ctx *io, void *own);
ssize_t io_queue_send(struct io_ctx *io, const void *buf, size_t len);
ssize_t io_flush_sends(struct io_ctx *io);

/* The readiness modes' send_msg and recv_some (see wait above). */
ssize_t io_rw_send_msg(struct io_ctx *io, const void *buf, size_t len);
ssize_t io_rw_recv_some(struct io_ctx *io, void *buf, size_t cap);

/* Shared by io units: the generic send_eof for a socket kind. */
int io_socket_eof(struct io_ctx *io);

/* Set or clear O_NONBLOCK on io->fd and io->wfd; 0 or -errno. */
int io_set_nonblock(struct io_ctx *io, int on);

/* The deadline of a wait that starts now: now + --timeout. */
uint64_t io_deadline(const struct io_ctx *io);

/*
 * Write all of buf with plain blocking calls (looping on short writes; on
 * a connected datagram socket one write is one datagram, whole): the
 * control messages. Returns len, or -errno / -ETIMEDOUT.
 */
ssize_t io_send_all(int fd, const void *buf, size_t len);

/*
 * Shared by io units for a failed call: EINTR means retry (return 0)
 * unless the watchdog expired; a socket timeout (EAGAIN) is -ETIMEDOUT.
 */
int io_errno(void);

#endif
