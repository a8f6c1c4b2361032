/*
 * server_test.c - the server's side of one test (server_test.h): the
 * client's hello applied to the server's options, checked, acked, run,
 * and its figures sent back. A client that vanishes or stays silent past
 * --timeout costs only its own test.
 *
 *   (called by session_server.c for each test it accepts)
 */
#include "server_test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "mode.h"
#include "sock.h"
#include "util.h"
#include "watchdog.h"

/* The test the client asked for: the server's cfg with the hello applied. */
struct test {
	struct bench_cfg cfg;
	char io[sizeof(((struct proto_hello *)0)->io) + 1];
	char mode[sizeof(((struct proto_hello *)0)->mode) + 1];
	const struct mode_ops *mode_ops;
	struct side side;
	bool io_ready;
	struct proto_ack ack;
};

static int refuse(struct test *t, int status, const char *fmt, ...)
{
	va_list ap;

	t->ack.status = status;
	va_start(ap, fmt);
	vsnprintf(t->ack.note, sizeof(t->ack.note), fmt, ap);
	va_end(ap);
	return status;
}

int server_refuse(int wfd, int status, const char *note)
{
	struct proto_ack ack = { .magic = PROTO_MAGIC, .status = status, .cpu = -1 };

	snprintf(ack.note, sizeof(ack.note), "%s", note);
	return proto_send(wfd, &ack, sizeof(ack));
}

static void apply_hello(struct test *t, const struct bench_cfg *base, const struct proto_hello *h,
			bool own_process)
{
	t->cfg = *base;
	memcpy(t->io, h->io, sizeof(h->io));
	memcpy(t->mode, h->mode, sizeof(h->mode));
	t->cfg.io = t->io;
	t->cfg.mode_name = t->mode;
	t->cfg.size = h->size;
	t->cfg.resp_size = h->resp_size;
	t->cfg.recv_size = h->recv_size;
	t->cfg.duration_s = (double)h->duration_ns / 1e9;
	t->cfg.warmup_s = (double)h->warmup_ns / 1e9;
	t->cfg.verify = h->verify;
	t->cfg.nodelay = h->nodelay;
	t->cfg.qd = h->qd;
	t->cfg.zc = h->zc;
	t->cfg.start_ns = h->start_ns;
	t->cfg.flows = h->flows;
	if (own_process && h->server_cpu >= 0)
		t->cfg.cpu = h->server_cpu;
}

/* A connect test: its connections arrive on lfd, a silent one fails in --timeout. */
static int prepare_connections(struct test *t, const struct sock_ops *sock, int lfd, int fd)
{
	struct side *s = &t->side;
	int ret = sock_set_timeouts(lfd, t->cfg.timeout_s);

	s->sock = sock;
	s->lfd = lfd;
	s->nodelay = t->cfg.nodelay;
	s->sndbuf = sock_sndbuf_request(fd, sock->flags);
	return ret;
}

/* What the hello asks for, checked against what this side can do. */
static int check(struct test *t, const struct sock_ops *sock, const struct bench_cfg *base,
		 const struct proto_hello *h, const struct io_ops **io)
{
	const struct bench_cfg *cfg = &t->cfg;
	const char *rule;
	char why[sizeof(t->ack.note)];
	int ret;

	if (h->version != PROTO_VERSION)
		return refuse(t, EXIT_FAIL, "protocol version %u, this server speaks %u",
			      h->version, PROTO_VERSION);
	t->mode_ops = mode_find(cfg->mode_name);
	if (!t->mode_ops || !io_find(cfg->io) || !cfg->size || cfg->size > MAX_SIZE_BYTES ||
	    cfg_resp_size(cfg) > MAX_SIZE_BYTES)
		return refuse(t, EXIT_FAIL, "cannot run mode '%s' io '%s' size %llu",
			      cfg->mode_name, cfg->io, (unsigned long long)cfg->size);
	if (t->mode_ops->per_connection && !(sock->flags & SOCK_F_CONN))
		return refuse(t, EXIT_UNSUPPORTED, "mode connect needs connections; %s has none",
			      sock->name);
	*io = sock_io(sock, io_find(cfg->io), why, sizeof(why));
	if (!*io)
		return refuse(t, EXIT_UNSUPPORTED, "%s", why);
	if (cfg->cpu != base->cpu && (ret = pin_cpu(cfg->cpu)) < 0)
		return refuse(t, EXIT_UNSUPPORTED, "cannot run on CPU %d here (--server-cpu): %s",
			      cfg->cpu, strerror(-ret));
	rule = io_placement_rule(*io, cfg->cpu, h->cpu);
	if (rule)
		return refuse(t, EXIT_UNSUPPORTED, "%s", rule);
	return EXIT_OK;
}

/* Check and set up this side for the test; fills t->ack either way. */
static int prepare(struct test *t, const struct sock_ops *sock, const struct bench_cfg *base,
		   int lfd, const struct test_conn *conn)
{
	const struct bench_cfg *cfg = &t->cfg;
	const struct io_ops *io = NULL;
	size_t limit, reply;
	int ret;

	t->ack.magic = PROTO_MAGIC;
	t->ack.cpu = cfg->cpu;
	if ((ret = check(t, sock, base, &conn->hello, &io)) != EXIT_OK)
		return ret;
	reply = mode_tx_size(t->mode_ops, cfg);      /* what this side sends */
	ret = sock->fit_size(conn->fd, reply, &limit);
	if (ret == -EMSGSIZE)
		return refuse(t, EXIT_UNSUPPORTED, "replies of %zu bytes exceed the datagram limit of %zu bytes",
			      reply, limit);
	if ((sock->flags & SOCK_F_TCP) && cfg->nodelay >= 0)
		sock_set_nodelay(conn->fd, cfg->nodelay);
	if (side_init(&t->side, cfg, t->mode_ops, io, sock->flags, conn->fd, conn->wfd) < 0)
		return refuse(t, EXIT_FAIL, "allocate %llu-byte buffers: out of memory",
			      (unsigned long long)cfg->size);
	if (t->mode_ops->per_connection && (ret = prepare_connections(t, sock, lfd, conn->fd)) < 0)
		return refuse(t, EXIT_FAIL, "set the listening socket's timeout: %s", strerror(-ret));
	ret = io_setup(&t->side.ctx);
	t->io_ready = ret == 0;
	if (ret == -EOPNOTSUPP)
		return refuse(t, EXIT_UNSUPPORTED, "io %s: %s", cfg->io, t->side.ctx.why);
	if (ret < 0)
		return refuse(t, EXIT_FAIL, "io %s setup: %s", cfg->io, strerror(-ret));
	snprintf(t->ack.features, sizeof(t->ack.features), "%s", t->side.ctx.features);
	return refuse(t, EXIT_OK, "");
}

/* The figures of this side's window, as the result carries them. */
static void fill_result(const struct side *s, struct proto_result *r)
{
	const struct phase_mark *a = &s->pc.start, *b = &s->pc.end;
	struct counters k;

	r->bytes = b->bytes - a->bytes;
	r->msgs = b->msgs - a->msgs;
	r->window_ns = b->t_ns - a->t_ns;
	r->window_start_ns = a->t_ns;
	r->cpu_user_ns = b->cpu_user_ns - a->cpu_user_ns;
	r->cpu_sys_ns = b->cpu_sys_ns - a->cpu_sys_ns;
	r->vcsw = b->vcsw - a->vcsw;
	r->ivcsw = b->ivcsw - a->ivcsw;
	r->verify_errors = s->pl.errors;
	r->total_msgs = s->msgs;
	counters_delta(&a->kernel, &b->kernel, &k);
	memcpy(r->kernel, k.v, sizeof(r->kernel));
	r->kernel_present = k.present;
}

/* Run the workload and send back this side's figures over its window. */
static void run(struct test *t, int wfd)
{
	struct side *s = &t->side;
	struct proto_result r = { .magic = PROTO_MAGIC, .status = EXIT_OK };
	int ret;

	ret = side_run(s, t->mode_ops->server);
	if (ret != EXIT_OK) {
		warnx_(0, "test aborted: %s", s->note);
		return;
	}
	if (!phase_window_ns(&s->pc)) {
		r.status = EXIT_FAIL;
		snprintf(r.note, sizeof(r.note), "the server's window never opened");
	} else {
		fill_result(s, &r);
	}
	ret = proto_send(wfd, &r, sizeof(r));
	if (ret < 0)
		warnx_(-ret, "send the result");
}

int server_test(const struct bench_cfg *base, const struct sock_ops *sock, int lfd,
		struct test_conn *conn, bool own_process)
{
	static struct test t;
	int ret;

	memset(&t, 0, sizeof(t));
	apply_hello(&t, base, &conn->hello, own_process);
	ret = prepare(&t, sock, base, lfd, conn);
	if (proto_send(conn->wfd, &t.ack, sizeof(t.ack)) == 0 && ret == EXIT_OK)
		run(&t, conn->wfd);
	else if (ret != EXIT_OK)
		warnx_(0, "refused a test: %s", t.ack.note);
	if (t.io_ready)
		io_fini(&t.side.ctx);
	watchdog_stop();
	payload_free(&t.side.pl);
	sock->release(lfd, conn->fd, conn->wfd);
	return ret == EXIT_OK && !t.side.note[0] ? EXIT_OK : ret ? ret : EXIT_FAIL;
}
