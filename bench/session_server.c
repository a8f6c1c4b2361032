/*
 * session_server.c - listen, announce readiness, and serve tests one after
 * another: read the client's hello, check that this side can run it, ack,
 * run the server side of the workload, and send back its figures. A client
 * that vanishes or stays silent past --timeout costs only its own test.
 *
 *   $ bench/ipcperf server --socket tcp --addr 127.0.0.1 --port 0 --ready-fd 3
 *   (fd 3 receives "ready port=40123")
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "mode.h"
#include "proto.h"
#include "session.h"
#include "sock.h"
#include "util.h"
#include "watchdog.h"

/* What a SIGTERM/SIGINT handler may need to remove. */
static const struct sock_ops *active_sock;
static const struct bench_cfg *active_cfg;

static void on_terminate(int sig)
{
	if (active_sock && active_cfg)
		active_sock->cleanup(active_cfg);
	signal(sig, SIG_DFL);
	raise(sig);
}

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

static void apply_hello(struct test *t, const struct bench_cfg *base, const struct proto_hello *h)
{
	t->cfg = *base;
	memcpy(t->io, h->io, sizeof(h->io));
	memcpy(t->mode, h->mode, sizeof(h->mode));
	t->cfg.io = t->io;
	t->cfg.mode_name = t->mode;
	t->cfg.size = h->size;
	t->cfg.recv_size = h->recv_size;
	t->cfg.duration_s = (double)h->duration_ns / 1e9;
	t->cfg.warmup_s = (double)h->warmup_ns / 1e9;
	t->cfg.verify = h->verify;
	t->cfg.nodelay = h->nodelay;
	t->cfg.qd = h->qd;
	t->cfg.zc = h->zc;
}

/* Check and set up this side for the test; fills t->ack either way. */
static int prepare(struct test *t, const struct sock_ops *sock, int fd, int wfd,
		   const struct proto_hello *h)
{
	const struct bench_cfg *cfg = &t->cfg;
	const struct io_ops *io;
	const char *rule;
	char why[sizeof(t->ack.note)];
	size_t limit;
	int ret;

	t->ack.magic = PROTO_MAGIC;
	t->ack.cpu = cfg->cpu;
	if (h->version != PROTO_VERSION)
		return refuse(t, EXIT_FAIL, "protocol version %u, this server speaks %u",
			      h->version, PROTO_VERSION);
	t->mode_ops = mode_find(cfg->mode_name);
	if (!t->mode_ops || !io_find(cfg->io) || !cfg->size || cfg->size > MAX_SIZE_BYTES)
		return refuse(t, EXIT_FAIL, "cannot run mode '%s' io '%s' size %llu",
			      cfg->mode_name, cfg->io, (unsigned long long)cfg->size);
	io = sock_io(sock, io_find(cfg->io), why, sizeof(why));
	if (!io)
		return refuse(t, EXIT_UNSUPPORTED, "%s", why);
	rule = io_placement_rule(io, cfg->cpu, h->cpu);
	if (rule)
		return refuse(t, EXIT_UNSUPPORTED, "%s", rule);
	ret = sock->fit_size(fd, (size_t)cfg->size, &limit);
	if (ret == -EMSGSIZE)
		return refuse(t, EXIT_UNSUPPORTED, "replies of %llu bytes exceed the datagram limit of %zu bytes",
			      (unsigned long long)cfg->size, limit);
	if ((sock->flags & SOCK_F_TCP) && cfg->nodelay >= 0)
		sock_set_nodelay(fd, cfg->nodelay);
	if (side_init(&t->side, cfg, t->mode_ops, io, sock->flags, fd, wfd) < 0)
		return refuse(t, EXIT_FAIL, "allocate %llu-byte buffers: out of memory",
			      (unsigned long long)cfg->size);
	ret = io_setup(&t->side.ctx);
	t->io_ready = ret == 0;
	if (ret == -EOPNOTSUPP)
		return refuse(t, EXIT_UNSUPPORTED, "io %s: %s", cfg->io, t->side.ctx.why);
	if (ret < 0)
		return refuse(t, EXIT_FAIL, "io %s setup: %s", cfg->io, strerror(-ret));
	snprintf(t->ack.features, sizeof(t->ack.features), "%s", t->side.ctx.features);
	return refuse(t, EXIT_OK, "");
}

/* Run the workload and send back this side's figures over its window. */
static void run(struct test *t, int wfd)
{
	struct side *s = &t->side;
	struct proto_result r = { .magic = PROTO_MAGIC, .status = EXIT_OK };
	const struct phase_mark *a = &s->pc.start, *b = &s->pc.end;
	struct counters k;
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
		r.bytes = b->bytes - a->bytes;
		r.msgs = b->msgs - a->msgs;
		r.window_ns = b->t_ns - a->t_ns;
		r.cpu_user_ns = b->cpu_user_ns - a->cpu_user_ns;
		r.cpu_sys_ns = b->cpu_sys_ns - a->cpu_sys_ns;
		r.vcsw = b->vcsw - a->vcsw;
		r.ivcsw = b->ivcsw - a->ivcsw;
		r.verify_errors = s->pl.errors;
		r.total_msgs = s->msgs;
		counters_delta(&a->kernel, &b->kernel, &k);
		memcpy(r.kernel, k.v, sizeof(r.kernel));
		r.kernel_present = k.present;
	}
	ret = proto_send(wfd, &r, sizeof(r));
	if (ret < 0)
		warnx_(-ret, "send the result");
}

/* Serve one test; returns its exit code (for --once). */
static int serve_one(const struct bench_cfg *base, const struct sock_ops *sock, int lfd)
{
	static struct test t;
	struct proto_hello hello;
	size_t got = 0;
	int fd, wfd = -1, ret;

	memset(&t, 0, sizeof(t));
	fd = sock->accept(base, lfd, &hello, sizeof(hello), &got, &wfd);
	if (fd < 0) {
		warnx_(-fd, "accept");
		return EXIT_FAIL;
	}
	ret = sock->flags & SOCK_F_NOTSOCK ? watchdog_start(base->timeout_s)
					   : sock_set_timeouts(fd, base->timeout_s);
	if (ret == 0 && !(sock->flags & SOCK_F_CONNLESS))
		ret = proto_recv(fd, &hello, sizeof(hello), sock->flags & SOCK_F_DGRAM);
	else if (ret == 0 && (got != sizeof(hello) || hello.magic != PROTO_MAGIC))
		ret = -EPROTO;
	if (ret < 0) {
		warnx_(-ret, "no valid test header from the client");
		watchdog_stop();
		sock->release(lfd, fd, wfd);
		return EXIT_FAIL;
	}
	apply_hello(&t, base, &hello);
	ret = prepare(&t, sock, fd, wfd, &hello);
	if (proto_send(wfd, &t.ack, sizeof(t.ack)) == 0 && ret == EXIT_OK)
		run(&t, wfd);
	else if (ret != EXIT_OK)
		warnx_(0, "refused a test: %s", t.ack.note);
	if (t.io_ready)
		io_fini(&t.side.ctx);
	watchdog_stop();
	payload_free(&t.side.pl);
	sock->release(lfd, fd, wfd);
	return ret == EXIT_OK && !t.side.note[0] ? EXIT_OK : ret ? ret : EXIT_FAIL;
}

static void announce(const struct bench_cfg *cfg, int port)
{
	if (cfg->ready_fd < 0) {
		fprintf(stderr, "ipcperf: server ready on %s%s%.0d\n", cfg->addr,
			port ? " port " : "", port ? port : 0);
		return;
	}
	if (dprintf(cfg->ready_fd, "ready port=%d\n", port) < 0)
		die(errno, "write to --ready-fd %d", cfg->ready_fd);
	close(cfg->ready_fd);
}

int session_server(const struct bench_cfg *cfg)
{
	const struct sock_ops *sock = sock_find(cfg->socket);
	int lfd, port = 0, ret;

	signal(SIGPIPE, SIG_IGN);
	if (cfg->cpu >= 0 && (ret = pin_cpu(cfg->cpu)) < 0)
		die_code(EXIT_USAGE, 0, "cannot pin to CPU %d: %s (see --help)", cfg->cpu, strerror(-ret));
	counters_open();
	lfd = sock->listen(cfg, &port);
	if (lfd < 0)
		die(-lfd, "listen on %s (%s)", cfg->addr, cfg->socket);
	active_sock = sock;
	active_cfg = cfg;
	signal(SIGTERM, on_terminate);
	signal(SIGINT, on_terminate);
	announce(cfg, port);
	do
		ret = serve_one(cfg, sock, lfd);
	while (!cfg->once);
	sock->cleanup(cfg);
	close(lfd);
	return ret;
}
