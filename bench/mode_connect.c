/*
 * mode_connect.c - a new connection per transaction (netperf TCP_CRR,
 * neper tcp_crr), one in flight: the client connects, sends a request of
 * --size bytes, receives a reply of --resp-size bytes and closes; the
 * server accepts, answers, waits for the client's close and closes. The
 * client times each transaction (connect to close) and connect() alone
 * into two histograms; connections/s is transactions per second.
 *
 * The test's own connection carries only the control messages (hello, ack,
 * result): the transactions arrive as new connections on the server's
 * listening socket, which the server side of a connect test has to itself
 * for the test (session_server.c). The client ends the test with one last
 * connection that carries no request: the server's first read on it sees
 * the end of stream.
 *
 * Closing, and why TIME_WAIT never ends a run: by default (--close rst) the
 * client sets SO_LINGER {1, 0} before close, so the connection ends with a
 * RST and neither side enters TIME_WAIT; its port is free at once, and a
 * NAT's conntrack entry goes to CLOSE (10 s) rather than TIME_WAIT (120 s).
 * This is neper's default (socket.c: SO_LINGER 0 on the client unless
 * --time-wait). netperf instead binds each connection to the next port of a
 * range it cycles (nettest_omni.c, pick_next_port_number), which spreads
 * TIME_WAIT over the range without removing it. --close fin closes
 * gracefully, as an HTTP/1.0 client does: the client's port waits in
 * TIME_WAIT for 60 s, which on a non-loopback path uses up the ephemeral
 * range (28232 ports by default) after that many connections; connect()
 * then fails with EADDRNOTAVAIL, said in one line. Unix sockets have no
 * TIME_WAIT: --close changes nothing there.
 *
 *   $ bench/ipcperf client --socket tcp --addr 127.0.0.1 --port 40123 \
 *         --mode connect --size 100
 *   ... mode=connect ... conn_close=rst ... msgs_per_s=21503 ...
 *   lat_p50_ns=43519 ... connect_p50_ns=18687 ...
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg.h"
#include "mode.h"
#include "sock.h"
#include "util.h"

/* Options every new socket of the test gets; 0 or -errno. */
static int conn_options(const struct side *s, int fd, bool client)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	if (s->nodelay >= 0 && sock_set_nodelay(fd, s->nodelay) < 0)
		return -errno;
	if (s->sndbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s->sndbuf, sizeof(s->sndbuf)) < 0)
		return -errno;
	if (client && (s->ctx.sock_flags & SOCK_F_TCP) && cfg_close(s->cfg) == CLOSE_RST &&
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) < 0)
		return -errno;
	/* an accepted TCP socket inherits the listener's timeouts, a Unix one does not */
	if (!client && !(s->ctx.sock_flags & SOCK_F_TCP))
		return sock_set_timeouts(fd, s->cfg->timeout_s);
	return 0;
}

/* The reply to a request identifies it by the request's first bytes. */
static uint64_t request_id(uint64_t seq, size_t req)
{
	return req >= 8 ? seq : seq & ((1ULL << (8 * req)) - 1);
}

/* Request, reply, on a connection the io mode is attached to. */
static int client_exchange(struct side *s, uint64_t seq)
{
	size_t req = s->pl.size, resp = s->pl.rx_size;
	ssize_t n;

	payload_fill(&s->pl, s->pl.tx, seq);
	n = io_send(&s->ctx, s->pl.tx, req);
	if (n < 0)
		return side_fail(s, (int)n, "send request");
	n = io_recv_msg(&s->ctx, s->pl.rx, resp);
	if (n <= 0)
		return side_fail(s, n ? (int)n : -ECONNRESET, "receive reply");
	payload_check_seq(&s->pl, s->pl.rx, resp, request_id(seq, req));
	return EXIT_OK;
}

/* One transaction: connect, request, reply, close, timed. */
static int transact(struct side *s, uint64_t seq)
{
	uint64_t t0 = now_ns(), t1;
	int fd, wfd, ret;

	fd = s->sock->connect(s->cfg, &wfd);
	if (fd < 0)
		return side_fail(s, fd, "connect");
	s->conns++;
	t1 = now_ns();
	ret = conn_options(s, fd, true);
	if (ret < 0) {
		close(fd);
		return side_fail(s, ret, "set the connection's options");
	}
	s->ctx.fd = fd;
	s->ctx.wfd = wfd;
	ret = io_attach(&s->ctx);
	if (ret == 0)
		ret = client_exchange(s, seq);
	else
		ret = side_fail(s, ret, "attach the io mode");
	io_detach(&s->ctx);
	close(fd);
	if (ret == EXIT_OK && s->pc.seen == PHASE_MEASURE) {
		hist_add(s->conn_lat, t1 - t0);
		hist_add(s->lat, now_ns() - t0);
	}
	return ret;
}

/* The last connection: no request, a plain close, so the server's first read ends. */
static int send_end(struct side *s)
{
	int wfd, fd = s->sock->connect(s->cfg, &wfd);

	if (fd < 0)
		return side_fail(s, fd, "connect to end the test");
	s->conns++;
	close(fd);
	return EXIT_OK;
}

static int conn_client(struct side *s)
{
	uint64_t seq = 0;

	while (phase_tick(&s->pc, s->bytes, s->msgs)) {
		if (transact(s, seq++) != EXIT_OK)
			return EXIT_FAIL;
		s->bytes += s->pl.size + s->pl.rx_size;
		s->msgs++;
	}
	return send_end(s);
}

/*
 * Serve one accepted connection: 1 after a transaction, 0 when it was the
 * client's end of the test (no request), or EXIT_FAIL's negative errno.
 */
static int serve_conn(struct side *s)
{
	size_t req = s->pl.rx_size, resp = s->pl.size;
	uint64_t id;
	ssize_t n;

	n = io_recv_msg(&s->ctx, s->pl.rx, req);
	if (n <= 0)
		return (int)n;
	id = payload_seq(s->pl.rx, req);
	payload_check_seq(&s->pl, s->pl.rx, req, id);
	payload_fill(&s->pl, s->pl.tx, id);
	n = io_send(&s->ctx, s->pl.tx, resp);
	if (n < 0)
		return (int)n;
	/* the client closes first: its end of stream, or its RST (--close rst) */
	n = s->ctx.ops->recv_some(&s->ctx, s->pl.rx, 1);
	if (n > 0)
		return -EPROTO;               /* bytes after the request */
	return n == 0 || n == -ECONNRESET ? 1 : (int)n;
}

/* Accept the next connection, serve it, release it: as serve_conn. */
static int accept_and_serve(struct side *s)
{
	size_t got;
	int fd, wfd, ret;

	fd = s->sock->accept(s->cfg, s->lfd, NULL, 0, &got, &wfd);
	if (fd < 0)
		return fd == -EAGAIN ? -ETIMEDOUT : fd;
	ret = conn_options(s, fd, false);
	if (ret == 0) {
		s->ctx.fd = fd;
		s->ctx.wfd = wfd;
		ret = io_attach(&s->ctx);
		if (ret == 0)
			ret = serve_conn(s);
		io_detach(&s->ctx);
	}
	s->sock->release(s->lfd, fd, wfd);
	return ret;
}

static int conn_server(struct side *s)
{
	int ret;

	while ((ret = accept_and_serve(s)) == 1) {
		s->bytes += s->pl.size + s->pl.rx_size;
		s->msgs++;
		phase_tick(&s->pc, s->bytes, s->msgs);
	}
	if (ret < 0)
		return side_fail(s, ret, ret == -EPROTO ? "a connection sent more than its request"
							: "serve a connection");
	phase_force_end(&s->pc, s->bytes, s->msgs);
	return EXIT_OK;
}

const struct mode_ops connect_mode = {
	.name = "connect",
	.one_way = false,
	.per_connection = true,
	.client = conn_client,
	.server = conn_server,
};
