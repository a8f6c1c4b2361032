/*
 * session_client.c - connect, describe the test to the server, run the
 * client side of the workload, collect the server's figures, and print one
 * record. Every failure after argument parsing still prints a record with
 * status "error" or "unsupported" and its reason, so the harness never
 * loses a point.
 *
 *   $ bench/ipcperf client --socket unix-stream --addr /tmp/s --mode latency --size 100
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "mode.h"
#include "proto.h"
#include "report.h"
#include "session.h"
#include "sock.h"
#include "util.h"
#include "watchdog.h"

/* Resend interval of the end-of-stream datagram on connectionless paths. */
#define EOF_RESEND_S 0.2

struct client {
	const struct bench_cfg *cfg;
	const struct sock_ops *sock;
	const struct mode_ops *mode;
	const struct io_ops *io;   /* the data path: --io, or the socket kind's own */
	struct side side;
	struct hist *lat;
	struct record rec;
	struct proto_result result;
	int fd;                    /* read from */
	int wfd;                   /* write to (fd, except for pipes) */
	bool io_ready;             /* io->init succeeded: fini is owed */
	char server_features[sizeof(((struct proto_ack *)0)->features)];
};

/* Set the record's outcome and reason; returns the exit code to use. */
static int outcome(struct client *c, int code, const char *fmt, ...)
{
	va_list ap;

	c->rec.status = code == EXIT_OK ? "ok" : code == EXIT_UNSUPPORTED ? "unsupported" : "error";
	va_start(ap, fmt);
	vsnprintf(c->rec.note, sizeof(c->rec.note), fmt, ap);
	va_end(ap);
	return code;
}

static uint64_t cpu_ns(const struct phase_mark *m)
{
	return m->cpu_user_ns + m->cpu_sys_ns;
}

static bool has_word(const char *list, const char *word, size_t len)
{
	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			return true;
	return false;
}

/*
 * io_features: the client's words as they stand (uring adds zc_copied
 * after the run), then the server's words the client does not name (the
 * throughput receiver's recv_multishot, for one).
 */
static void merge_features(struct client *c)
{
	const char *mine = c->side.ctx.features, *p = c->server_features;
	char *out = c->rec.io_features;
	size_t cap = sizeof(c->rec.io_features), n, len;
	char word[64];

	n = (size_t)snprintf(out, cap, "%s", mine);
	for (; *p; p += len) {
		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (!len || len >= sizeof(word))
			continue;
		memcpy(word, p, len);
		word[len] = '\0';
		if (!has_word(mine, word, len) && n < cap)
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", word);
	}
}

/* Size limits, TCP_NODELAY, buffers and the io mode: all before the hello. */
static int prepare(struct client *c)
{
	const struct bench_cfg *cfg = c->cfg;
	size_t limit;
	int ret;

	ret = c->sock->fit_size(c->fd, cfg->size, &limit);
	if (ret == -EMSGSIZE)
		return outcome(c, EXIT_UNSUPPORTED,
			       "%s message of %llu bytes exceeds this system's datagram limit of %zu bytes",
			       cfg->socket, (unsigned long long)cfg->size, limit);
	if (ret < 0)
		return outcome(c, EXIT_FAIL, "size the socket buffer: %s", strerror(-ret));
	if (c->sock->flags & SOCK_F_TCP) {
		c->rec.nodelay = cfg->nodelay == TRI_AUTO ? !c->mode->one_way : cfg->nodelay;
		ret = sock_set_nodelay(c->fd, c->rec.nodelay);
		if (ret < 0)
			return outcome(c, EXIT_FAIL, "set TCP_NODELAY: %s", strerror(-ret));
	}
	if (side_init(&c->side, cfg, c->mode, c->io, c->sock->flags, c->fd, c->wfd) < 0)
		return outcome(c, EXIT_FAIL, "allocate %llu-byte buffers: out of memory",
			       (unsigned long long)cfg->size);
	if (c->mode->per_connection) {
		c->side.sock = c->sock;
		c->side.nodelay = c->rec.nodelay;
		c->side.sndbuf = sock_sndbuf_request(c->fd, c->sock->flags);
	}
	ret = io_setup(&c->side.ctx);
	c->io_ready = ret == 0;
	if (ret == -EOPNOTSUPP)
		return outcome(c, EXIT_UNSUPPORTED, "io %s: %s", cfg->io, c->side.ctx.why);
	if (ret < 0)
		return outcome(c, EXIT_FAIL, "io %s setup: %s", cfg->io, strerror(-ret));
	snprintf(c->rec.io_features, sizeof(c->rec.io_features), "%s", c->side.ctx.features);
	return EXIT_OK;
}

static int handshake(struct client *c)
{
	const struct bench_cfg *cfg = c->cfg;
	struct proto_hello hello = {
		.magic = PROTO_MAGIC,
		.version = PROTO_VERSION,
		.verify = cfg->verify,
		.nodelay = c->rec.nodelay,
		.cpu = cfg->cpu,
		.qd = cfg->qd,
		.zc = cfg->zc,
		.size = cfg->size,
		.recv_size = cfg->recv_size,
		.duration_ns = (uint64_t)(cfg->duration_s * 1e9),
		.warmup_ns = (uint64_t)(cfg->warmup_s * 1e9),
		.timeout_ns = (uint64_t)(cfg->timeout_s * 1e9),
		.resp_size = cfg_resp_size(cfg),
		.start_ns = cfg->start_ns,
		.flows = cfg->flows,
		.server_cpu = cfg->server_cpu,
	};
	struct proto_ack ack;
	int ret;

	snprintf(hello.io, sizeof(hello.io), "%s", cfg->io);
	snprintf(hello.mode, sizeof(hello.mode), "%s", cfg->mode_name);
	ret = proto_send(c->wfd, &hello, sizeof(hello));
	if (ret == 0)
		ret = proto_recv(c->fd, &ack, sizeof(ack), c->sock->flags & SOCK_F_DGRAM);
	if (ret < 0)
		return outcome(c, EXIT_FAIL, "handshake with the server: %s%s", strerror(-ret),
			       ret == -ETIMEDOUT ? " (--timeout)" : "");
	ack.note[sizeof(ack.note) - 1] = '\0';
	ack.features[sizeof(ack.features) - 1] = '\0';
	c->rec.server_cpu = ack.cpu;
	snprintf(c->server_features, sizeof(c->server_features), "%s", ack.features);
	merge_features(c);
	if (ack.status != EXIT_OK)
		return outcome(c, ack.status == EXIT_UNSUPPORTED ? EXIT_UNSUPPORTED : EXIT_FAIL,
			       "server: %s", ack.note);
	return EXIT_OK;
}

/*
 * End the stream and wait for the server's figures. On a connectionless
 * path the empty end-of-stream datagram can be dropped (UDP with a full
 * receive buffer), so it is resent at short intervals until the result
 * arrives or --timeout passes.
 */
static int end_and_collect(struct client *c)
{
	struct side *s = &c->side;
	int dgram = s->ctx.sock_flags & SOCK_F_DGRAM;
	double step = c->cfg->timeout_s < EOF_RESEND_S ? c->cfg->timeout_s : EOF_RESEND_S;
	int tries = 1, ret = 0;

	if (c->mode->per_connection)     /* the mode's last connection ended the test */
		return proto_recv(c->fd, &c->result, sizeof(c->result), dgram);
	if (s->ctx.sock_flags & SOCK_F_CONNLESS) {
		tries = (int)(c->cfg->timeout_s / step + 0.5);
		ret = sock_set_timeouts(c->fd, step);
	}
	for (int i = 0; ret == 0 && i < tries; i++) {
		ret = s->ctx.ops->send_eof(&s->ctx);
		if (ret == 0)
			ret = proto_recv(c->fd, &c->result, sizeof(c->result), dgram);
		if (ret != -ETIMEDOUT || i + 1 == tries)
			break;
		ret = 0;
	}
	return ret;
}

/* Run the workload, end the stream, and wait for the server's figures. */
static int run(struct client *c)
{
	struct side *s = &c->side;
	int ret;

	if (side_run(s, c->mode->client) != EXIT_OK)
		return outcome(c, EXIT_FAIL, "%s", s->note);
	ret = end_and_collect(c);
	if (ret < 0)
		return outcome(c, EXIT_FAIL, "waiting for the server's result: %s", strerror(-ret));
	c->result.note[sizeof(c->result.note) - 1] = '\0';
	if (c->result.status != EXIT_OK)
		return outcome(c, EXIT_FAIL, "server: %s", c->result.note);
	return EXIT_OK;
}

/* A histogram's mean and its REPORT_PCTS percentiles, as the record gives them. */
static void percentiles(const struct hist *h, double *mean, uint64_t pct[REPORT_PCTS])
{
	static const double at[REPORT_PCTS - 1] = { 50, 90, 99, 99.9 };

	*mean = hist_mean(h);
	for (int i = 0; i < REPORT_PCTS - 1; i++)
		pct[i] = hist_percentile(h, at[i]);
	pct[REPORT_PCTS - 1] = h->max;
}

/*
 * Fill the measurement. Throughput counts what the receiver (the server)
 * saw in its window; latency and connect count the client's timed
 * transactions.
 */
static int measure(struct client *c)
{
	const struct phase_clock *pc = &c->side.pc;
	const struct proto_result *r = &c->result;
	struct record *rec = &c->rec;
	uint64_t window_ns = phase_window_ns(pc);

	if (!window_ns)
		return outcome(c, EXIT_FAIL, "the measured window never opened (the peer ended during warm-up)");
	if (c->lat) {
		if (!c->lat->count)
			return outcome(c, EXIT_FAIL, "no round trip completed in the window; raise --duration");
		rec->elapsed_s = (double)window_ns / 1e9;
		rec->messages = c->lat->count;
		rec->bytes = (c->cfg->size + cfg_resp_size(c->cfg)) * c->lat->count;
		rec->window_start_ns = pc->start.t_ns;
		rec->has_latency = true;
		percentiles(c->lat, &rec->lat_mean_ns, rec->lat_pct_ns);
		if (c->side.conn_lat) {
			rec->has_connect = true;
			percentiles(c->side.conn_lat, &rec->connect_mean_ns, rec->connect_pct_ns);
		}
	} else {
		if (!r->window_ns || !r->bytes)
			return outcome(c, EXIT_FAIL, "the server counted no bytes in its window");
		rec->elapsed_s = (double)r->window_ns / 1e9;
		rec->bytes = r->bytes;
		rec->messages = r->bytes / c->cfg->size;
		rec->window_start_ns = r->window_start_ns;
		if (c->sock->flags & SOCK_F_LOSSY) {
			rec->has_loss = true;
			rec->loss_ratio = c->side.msgs && r->total_msgs < c->side.msgs
				? 1.0 - (double)r->total_msgs / (double)c->side.msgs : 0.0;
		}
	}
	rec->client_cpu_s = (double)(cpu_ns(&pc->end) - cpu_ns(&pc->start)) / 1e9;
	rec->server_cpu_s = (double)(r->cpu_user_ns + r->cpu_sys_ns) / 1e9;
	rec->client_user_s = (double)(pc->end.cpu_user_ns - pc->start.cpu_user_ns) / 1e9;
	rec->client_sys_s = (double)(pc->end.cpu_sys_ns - pc->start.cpu_sys_ns) / 1e9;
	rec->server_user_s = (double)r->cpu_user_ns / 1e9;
	rec->server_sys_s = (double)r->cpu_sys_ns / 1e9;
	rec->client_vcsw = pc->end.vcsw - pc->start.vcsw;
	rec->client_ivcsw = pc->end.ivcsw - pc->start.ivcsw;
	rec->server_vcsw = r->vcsw;
	rec->server_ivcsw = r->ivcsw;
	rec->verify_errors = c->side.pl.errors + r->verify_errors;
	rec->connections = 1 + c->side.conns;      /* the test's own, and the mode's */
	rec->client_msgs_total = c->side.msgs;
	rec->server_msgs_total = r->total_msgs;
	counters_delta(&pc->start.kernel, &pc->end.kernel, &rec->client_kernel);
	memcpy(rec->server_kernel.v, r->kernel, sizeof(r->kernel));
	rec->server_kernel.present = r->kernel_present;
	rec->measured = true;
	if (c->cfg->n_forwarders) {
		int err = pc->start.fwd_err ? pc->start.fwd_err : pc->end.fwd_err;
		uint64_t user_ns, sys_ns;

		if (err)
			return outcome(c, EXIT_FAIL, "forwarder pid %ld: cannot read its CPU time: %s",
				       pc->fwd_bad, strerror(-err));
		proc_cpu_window(&pc->start.fwd, &pc->end.fwd, &user_ns, &sys_ns);
		rec->has_forwarder = true;
		rec->forwarder_user_s = (double)user_ns / 1e9;
		rec->forwarder_sys_s = (double)sys_ns / 1e9;
	}
	if (rec->verify_errors)
		return outcome(c, EXIT_FAIL, "verify: %llu bytes differ from the pattern (%s)",
			       (unsigned long long)rec->verify_errors,
			       c->side.pl.errors ? "in replies the client received" : "in what the server received");
	return outcome(c, EXIT_OK, "");
}

static int client_steps(struct client *c)
{
	char why[sizeof(c->rec.note)];
	int ret;

	c->io = sock_io(c->sock, io_find(c->cfg->io), why, sizeof(why));
	if (!c->io)
		return outcome(c, EXIT_UNSUPPORTED, "%s", why);
	if (c->mode->per_connection && !(c->sock->flags & SOCK_F_CONN))
		return outcome(c, EXIT_UNSUPPORTED, "mode connect opens a connection per transaction, "
			       "and %s has no connections to open (unix-stream, unix-seqpacket and tcp do)",
			       c->cfg->socket);
	if (c->cfg->flows > 1 && !sock_serves_many(c->sock))
		return outcome(c, EXIT_UNSUPPORTED, "--flows %u: a %s server serves one peer at a time "
			       "(flows need a kind with connections: unix-stream, unix-seqpacket, tcp, shm)",
			       c->cfg->flows, c->cfg->socket);
	c->fd = c->sock->connect(c->cfg, &c->wfd);
	if (c->fd < 0)
		return outcome(c, EXIT_FAIL, "connect to %s%s%.0ld: %s", c->cfg->addr,
			       c->cfg->port > 0 ? " port " : "", c->cfg->port > 0 ? c->cfg->port : 0,
			       strerror(-c->fd));
	if ((c->sock->flags & SOCK_F_NOTSOCK) && (ret = watchdog_start(c->cfg->timeout_s)) < 0)
		return outcome(c, EXIT_FAIL, "start the watchdog: %s", strerror(-ret));
	ret = prepare(c);
	if (ret == EXIT_OK)
		ret = handshake(c);
	if (ret == EXIT_OK)
		ret = run(c);
	if (ret == EXIT_OK)
		ret = measure(c);
	if (c->io_ready) {
		merge_features(c);
		io_fini(&c->side.ctx);
	}
	watchdog_stop();
	return ret;
}

static struct hist *new_hist(void)
{
	struct hist *h = malloc(sizeof(*h));

	if (!h)
		die(ENOMEM, "allocate the histogram");
	hist_init(h);
	return h;
}

int session_client(const struct bench_cfg *cfg)
{
	static struct client c;
	int ret;

	signal(SIGPIPE, SIG_IGN);
	c.cfg = cfg;
	c.sock = sock_find(cfg->socket);
	c.mode = mode_find(cfg->mode_name);
	c.rec.cfg = cfg;
	c.rec.nodelay = -1;
	c.rec.server_cpu = -1;
	c.rec.recv_size = cfg_recv_size(cfg);
	if (!c.mode->one_way) {
		c.lat = new_hist();
		c.side.lat = c.lat;
		c.rec.resp_size = cfg_resp_size(cfg);
	}
	if (c.mode->per_connection) {
		c.side.conn_lat = new_hist();
		c.rec.conn_close = c.sock->flags & SOCK_F_TCP ? cfg_close_name(cfg_close(cfg)) : "close";
	}
	if (cfg->cpu >= 0 && (ret = pin_cpu(cfg->cpu)) < 0)
		die_code(EXIT_USAGE, 0, "cannot pin to CPU %d: %s (see --help)", cfg->cpu, strerror(-ret));

	counters_open();
	ret = client_steps(&c);
	if (ret != EXIT_OK)
		fprintf(stderr, "ipcperf: %s\n", c.rec.note);
	report_print(&c.rec, cfg->json);
	return ret;
}
