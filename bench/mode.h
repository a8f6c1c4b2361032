/*
 * mode.h - the workload axis. Each mode is written once against io_ops and
 * runs one side of one test; the session (session_*.c) does the handshake,
 * the pinning and the reporting around it.
 */
#ifndef IPCPERF_MODE_H
#define IPCPERF_MODE_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"
#include "io.h"
#include "payload.h"
#include "phase.h"

struct bench_cfg;
struct sock_ops;

/* One side's view of one test. */
struct side {
	const struct bench_cfg *cfg;   /* size, duration, warm-up, verify ... */
	const struct mode_ops *mode;
	struct io_ctx ctx;             /* the io mode and the fds it moves bytes on */
	struct payload pl;
	struct phase_clock pc;
	struct hist *lat;              /* request/response client only: round trips */
	uint64_t bytes;                /* totals over the whole test */
	uint64_t msgs;
	char note[192];                /* why the side failed, if it did */
	/* A connection per transaction (mode->per_connection) only: */
	const struct sock_ops *sock;   /* connects (client) or accepts (server) each one */
	int lfd;                       /* server: the listening fd the connections arrive on */
	int sndbuf;                    /* SO_SNDBUF each new socket needs (message kinds), 0: as is */
	int nodelay;                   /* TCP_NODELAY each new TCP socket gets; -1: not TCP */
	struct hist *conn_lat;         /* client: connect() alone */
	uint64_t conns;                /* connections opened over the whole test (client) */
};

struct mode_ops {
	const char *name;
	/*
	 * One-way: the client only sends and the server only receives, as
	 * fast as the path allows (a stream receiver reads the receive size
	 * per call, a sender may keep several messages queued, Nagle stays
	 * on). Otherwise request/response, one in flight: each side receives
	 * whole messages and the client times each transaction.
	 */
	bool one_way;
	/*
	 * A new connection per transaction (connect): the io mode is attached
	 * to each connection in turn rather than to the test's connection,
	 * and the test's connection carries only the control messages.
	 */
	bool per_connection;
	/* Each returns EXIT_OK or EXIT_FAIL (with side->note set). */
	int (*client)(struct side *s);
	int (*server)(struct side *s);
};

extern const struct mode_ops throughput_mode;
extern const struct mode_ops latency_mode;
extern const struct mode_ops connect_mode;
extern const struct mode_ops *const mode_table[];
const struct mode_ops *mode_find(const char *name);
/* "throughput, latency, connect": the names in the table, for messages. */
const char *mode_names(void);

/*
 * Bytes of one message this side sends: a one-way sender and a client
 * send requests (--size); a request/response server sends replies
 * (cfg_resp_size).
 */
size_t mode_tx_size(const struct mode_ops *m, const struct bench_cfg *cfg);

/*
 * Bytes one receive asks for on this side (cfg->role): one whole message
 * in request/response (the reply on the client, the request on the
 * server); a one-way stream's receiver reads the receive size
 * (cfg_recv_size), a datagram receiver one datagram; a one-way sender
 * receives nothing (0).
 */
size_t mode_rx_cap(const struct mode_ops *m, const struct bench_cfg *cfg, unsigned sock_flags);

/*
 * Fill a side for one test on a connection: the io context (ops, fds,
 * shape) and the buffers. Returns 0 or -ENOMEM.
 */
int side_init(struct side *s, const struct bench_cfg *cfg, const struct mode_ops *m,
	      const struct io_ops *io, unsigned sock_flags, int fd, int wfd);

/*
 * Run this side of the workload: attach the io mode (but for a connection
 * per transaction), wait for --start-at, arm the window, run the mode's
 * side (client or server), disarm, detach. EXIT_OK or EXIT_FAIL with
 * side->note set.
 */
int side_run(struct side *s, int (*run)(struct side *s));

/* Set side->note from an -errno and an operation name; returns EXIT_FAIL. */
int side_fail(struct side *s, int neg_errno, const char *what);

#endif
