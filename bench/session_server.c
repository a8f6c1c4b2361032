/*
 * session_server.c - listen, announce readiness, and serve tests until
 * killed (or one, with --once): accept a test's connection, read its
 * hello, and run it (server_test.c) where it belongs.
 *
 * A test of one flow runs in the server itself, one after another. Several
 * at once (the flows of one point, --flows N in their hellos): on kinds
 * whose accept yields a connection of its own (unix-stream,
 * unix-seqpacket, tcp, shm) each flow's test runs in a child process
 * forked for it, as netserver forks one per test. A
 * process per test keeps what is per process in one test: the phase timer
 * (SIGALRM), getrusage(RUSAGE_SELF), the hardware counters and the CPU it
 * is pinned to (the hello's server_cpu), so each flow's figures stay its
 * own and the workload code stays single-threaded. The kinds without
 * (udp, unix-dgram, pipe) serve one test at a time in the server itself.
 *
 * A connect test accepts its transactions on the listening socket, where
 * nothing tells them from the next test's connection: one flow's test runs
 * in the server itself, which accepts nothing else until it ends; for
 * several, the server gathers the hellos of all the test's flows (the
 * hello says how many, and their common start time names the group), forks
 * one child per flow, and accepts nothing itself until they are done. The children share the
 * listening socket as the worker processes of a preforked server do: each
 * accepts the next transaction of any flow, and stops at the first
 * connection that carries no request (each client sends one at its end).
 *
 *   $ bench/ipcperf server --socket tcp --addr 127.0.0.1 --port 0 --ready-fd 3
 *   (fd 3 receives "ready port=40123")
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "mode.h"
#include "proto.h"
#include "server_test.h"
#include "session.h"
#include "sock.h"
#include "util.h"
#include "watchdog.h"

/* What a SIGTERM/SIGINT handler may need to remove (the server, not its children). */
static const struct sock_ops *active_sock;
static const struct bench_cfg *active_cfg;

static void on_terminate(int sig)
{
	if (active_sock && active_cfg)
		active_sock->cleanup(active_cfg);
	signal(sig, SIG_DFL);
	raise(sig);              /* the children die with it (PR_SET_PDEATHSIG) */
}

/* Accept the next test's connection and read its hello; 0 or -errno. */
static int next_conn(const struct bench_cfg *base, const struct sock_ops *sock, int lfd,
		     struct test_conn *c)
{
	size_t got = 0;
	int ret;

	c->fd = sock->accept(base, lfd, &c->hello, sizeof(c->hello), &got, &c->wfd);
	if (c->fd < 0)
		return c->fd;
	ret = sock->flags & SOCK_F_NOTSOCK ? watchdog_start(base->timeout_s)
					   : sock_set_timeouts(c->fd, base->timeout_s);
	if (ret == 0 && !(sock->flags & SOCK_F_CONNLESS))
		ret = proto_recv(c->fd, &c->hello, sizeof(c->hello), sock->flags & SOCK_F_DGRAM);
	else if (ret == 0 && (got != sizeof(c->hello) || c->hello.magic != PROTO_MAGIC))
		ret = -EPROTO;
	if (ret < 0) {
		watchdog_stop();
		sock->release(lfd, c->fd, c->wfd);
	}
	return ret;
}

/* Fork a child that runs conn's test; its pid, or -errno. The parent lets go of conn. */
static pid_t fork_test(const struct bench_cfg *base, const struct sock_ops *sock, int lfd,
		       struct test_conn *conn, bool keep_lfd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid > 0) {
		sock->release(lfd, conn->fd, conn->wfd);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	active_sock = NULL;                   /* the socket file is the server's to remove */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (!keep_lfd)
		close(lfd);
	counters_reopen();
	_exit(server_test(base, sock, lfd, conn, true));
}

/* Wait for child pid; its exit code (EXIT_FAIL if it died otherwise). */
static int wait_test(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAIL;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAIL;
}

static bool is_connect(const struct proto_hello *h)
{
	/* a peer's mode field need not end in a NUL (server_test.c copies it too) */
	char name[sizeof(h->mode) + 1] = { 0 };
	const struct mode_ops *m;

	memcpy(name, h->mode, sizeof(h->mode));
	m = mode_find(name);

	return m && m->per_connection && h->version == PROTO_VERSION;
}

/* Another flow of the connect test that h started. */
static bool same_group(const struct proto_hello *first, const struct proto_hello *h)
{
	return is_connect(h) && h->flows == first->flows && h->start_ns == first->start_ns;
}

/*
 * The other flows of the connect test whose first hello is group[0]:
 * accepted and read until --timeout. Returns how many the group now has;
 * a connection that is not one of them is refused and closed.
 */
static unsigned gather(const struct bench_cfg *base, const struct sock_ops *sock, int lfd,
		       struct test_conn *group, unsigned want)
{
	uint64_t deadline = now_ns() + (uint64_t)(base->timeout_s * 1e9);
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	unsigned n = 1;
	char note[96];

	snprintf(note, sizeof(note), "the server is gathering the %u flows of a connect test", want);
	while (n < want && now_ns() < deadline) {
		if (poll(&p, 1, (int)((deadline - now_ns()) / 1000000 + 1)) <= 0)
			continue;
		if (next_conn(base, sock, lfd, &group[n]) < 0)
			continue;
		if (same_group(&group[0].hello, &group[n].hello)) {
			n++;
			continue;
		}
		server_refuse(group[n].wfd, EXIT_FAIL, note);
		sock->release(lfd, group[n].fd, group[n].wfd);
	}
	return n;
}

/* A connect test: its flows' hellos, a child each, and lfd theirs until all end. */
static int serve_connect(const struct bench_cfg *base, const struct sock_ops *sock, int lfd,
			 struct test_conn *first)
{
	static struct test_conn group[MAX_FLOWS];
	pid_t pids[MAX_FLOWS];
	unsigned want = first->hello.flows ? first->hello.flows : 1, n, started = 0;
	int ret = EXIT_OK;
	char note[128];

	if (want > MAX_FLOWS)
		want = MAX_FLOWS;
	group[0] = *first;
	n = gather(base, sock, lfd, group, want);
	snprintf(note, sizeof(note), "only %u of the %u flows of the connect test arrived "
		 "within --timeout", n, want);
	for (unsigned i = 0; i < n; i++) {
		pids[started] = n < want ? -ECANCELED : fork_test(base, sock, lfd, &group[i], true);
		if (pids[started] > 0) {
			started++;
			continue;
		}
		server_refuse(group[i].wfd, EXIT_FAIL, n < want ? note : "fork a process for the test");
		sock->release(lfd, group[i].fd, group[i].wfd);
		ret = EXIT_FAIL;
	}
	for (unsigned i = 0; i < started; i++) {
		int code = wait_test(pids[i]);

		if (code != EXIT_OK && ret == EXIT_OK)
			ret = code;
	}
	return ret;
}

/* Serve the next test; returns its exit code (--once), or EXIT_OK once a child has it. */
static int serve_next(const struct bench_cfg *base, const struct sock_ops *sock, int lfd)
{
	struct test_conn conn;
	bool many;
	pid_t pid;
	int ret;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;                             /* tests that ended since */
	ret = next_conn(base, sock, lfd, &conn);
	if (ret < 0) {
		warnx_(-ret, "no valid test header from the client");
		return EXIT_FAIL;
	}
	many = sock_serves_many(sock) && conn.hello.flows > 1;
	if (!many || is_connect(&conn.hello)) {
		ret = many ? serve_connect(base, sock, lfd, &conn)
			   : server_test(base, sock, lfd, &conn, false);
		if (is_connect(&conn.hello))    /* it bounded accept on lfd by --timeout */
			sock_set_timeouts(lfd, 0);
		return ret;
	}
	pid = fork_test(base, sock, lfd, &conn, false);
	if (pid < 0) {
		server_refuse(conn.wfd, EXIT_FAIL, "fork a process for the test");
		sock->release(lfd, conn.fd, conn.wfd);
		return EXIT_FAIL;
	}
	return base->once ? wait_test(pid) : EXIT_OK;
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
		ret = serve_next(cfg, sock, lfd);
	while (!cfg->once);
	sock->cleanup(cfg);
	close(lfd);
	return ret;
}
