/*
 * crr.c - a minimal connection-per-transaction benchmark, written apart
 * from bench/ (it shares no code with ipcperf) to hold ipcperf's connect
 * mode against: two processes; the client connects, writes a request,
 * reads the reply and closes, one transaction in flight; the server
 * accepts, reads the request, writes the reply, reads until the client's
 * close and closes. Each transaction is timed with CLOCK_MONOTONIC; the
 * transactions per second over the measured window, the median and the
 * mean are printed.
 *
 *   tcp   TCP over 127.0.0.1, TCP_NODELAY; the client closes with
 *         SO_LINGER {1, 0} (a RST, no TIME_WAIT), or gracefully with -f
 *   unix  an AF_UNIX stream socket in a fresh directory under /tmp
 *
 * The server is pinned to the first CPU of the affinity mask, the client
 * to the second (ipcperf's --cpus split), unless -c says otherwise.
 *
 *   $ tests/bin/crr -d 2 tcp
 *   kind=tcp close=rst req=100 resp=100 transactions=41712 conns_per_s=20856
 *   txn_p50_ns=45311 txn_mean_ns=47802 server_cpu=0 client_cpu=1
 *
 * Exit: 0 ok, 1 a failure (one line on stderr), 2 usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HELPER_NAME "crr"
#include "helper.h"

#define MAX_SIZE (1 << 20)
#define MAX_SAMPLES (1 << 23)

struct opts {
	int unix_kind;           /* 0: tcp, 1: unix */
	int graceful;            /* -f: close with a FIN (tcp) */
	size_t req, resp;
	double warmup_s, duration_s;
	int server_cpu, client_cpu;
};

/* Where the server listens: filled by listen_on(), used by the client. */
static struct sockaddr_storage where;
static socklen_t where_len;
static char sock_dir[64];

/* Move exactly len bytes; 0 when the peer ended first, else len. */
static size_t move(int fd, char *buf, size_t len, int writing)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = writing ? write(fd, buf + off, len - off) : read(fd, buf + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n == 0 || errno == ECONNRESET || errno == EPIPE)
			return 0;
		else if (errno != EINTR)
			fail(writing ? "write" : "read");
	}
	return len;
}

static int listen_on(const struct opts *o)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&where;
	struct sockaddr_un *un = (struct sockaddr_un *)&where;
	int fd = socket(o->unix_kind ? AF_UNIX : AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		fail("socket");
	memset(&where, 0, sizeof(where));
	if (o->unix_kind) {
		snprintf(sock_dir, sizeof(sock_dir), "/tmp/crr-XXXXXX");
		if (!mkdtemp(sock_dir))
			fail("mkdtemp");
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s/s", sock_dir);
		where_len = sizeof(*un);
	} else {
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		where_len = sizeof(*in);
	}
	if (bind(fd, (struct sockaddr *)&where, where_len) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&where, &where_len) < 0)
		fail("listen");
	return fd;
}

/* The server: a transaction per connection until a connection brings no request. */
static void serve(int lfd, const struct opts *o)
{
	static char buf[MAX_SIZE];
	int fd, one = 1;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			fail("accept");
		}
		if (!o->unix_kind)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!move(fd, buf, o->req, 0)) {
			close(fd);
			return;             /* the client's end */
		}
		move(fd, buf, o->resp, 1);
		while (read(fd, buf, 1) > 0)
			;                   /* until the client's close */
		close(fd);
	}
}

/* One transaction; its time in ns. */
static uint64_t transaction(const struct opts *o, char *buf)
{
	struct linger rst = { 1, 0 };
	uint64_t t0 = now_ns();
	int fd = socket(where.ss_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || connect(fd, (struct sockaddr *)&where, where_len) < 0)
		fail("connect");
	if (!o->unix_kind) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!o->graceful)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	}
	if (!move(fd, buf, o->req, 1) || !move(fd, buf, o->resp, 0)) {
		errno = ECONNRESET;
		fail("the server went away");
	}
	close(fd);
	return now_ns() - t0;
}

static void client(const struct opts *o, uint64_t *samples)
{
	static char buf[MAX_SIZE];
	uint64_t start = now_ns(), measure = start + (uint64_t)(o->warmup_s * 1e9);
	uint64_t end = measure + (uint64_t)(o->duration_s * 1e9), t, sum = 0, t_first = 0;
	size_t n = 0;
	int fd;

	memset(buf, 0xa5, sizeof(buf));
	for (t = start; t < end && n < MAX_SAMPLES; t = now_ns()) {
		uint64_t d = transaction(o, buf);

		if (t >= measure) {
			if (!n)
				t_first = t;
			samples[n++] = d;
			sum += d;
		}
	}
	if (!n) {
		fprintf(stderr, "crr: no transaction in the window; raise -d\n");
		exit(1);
	}
	t = now_ns();
	fd = socket(where.ss_family, SOCK_STREAM, 0);    /* the end: no request */
	if (fd < 0 || connect(fd, (struct sockaddr *)&where, where_len) < 0)
		fail("connect");
	close(fd);
	qsort(samples, n, sizeof(*samples), cmp_u64);
	printf("kind=%s close=%s req=%zu resp=%zu transactions=%zu conns_per_s=%.0f "
	       "txn_p50_ns=%llu txn_mean_ns=%.0f server_cpu=%d client_cpu=%d\n",
	       o->unix_kind ? "unix" : "tcp", o->unix_kind ? "close" : o->graceful ? "fin" : "rst",
	       o->req, o->resp, n, (double)n * 1e9 / (double)(t - t_first),
	       (unsigned long long)samples[n / 2], (double)sum / (double)n,
	       o->server_cpu, o->client_cpu);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .req = 100, .resp = 100, .warmup_s = 0.5, .duration_s = 2,
			    .server_cpu = -1 };
	while ((c = getopt(argc, argv, "s:r:d:w:c:f")) != -1) {
		if (c == 's')
			o->req = strtoul(optarg, NULL, 10);
		else if (c == 'r')
			o->resp = strtoul(optarg, NULL, 10);
		else if (c == 'd')
			o->duration_s = strtod(optarg, NULL);
		else if (c == 'w')
			o->warmup_s = strtod(optarg, NULL);
		else if (c == 'f')
			o->graceful = 1;
		else if (c == 'c' && sscanf(optarg, "%d,%d", &o->server_cpu, &o->client_cpu) == 2)
			continue;
		else
			return -1;
	}
	if (argc - optind != 1 || o->req < 1 || o->req > MAX_SIZE || o->resp < 1 ||
	    o->resp > MAX_SIZE || o->duration_s <= 0)
		return -1;
	o->unix_kind = !strcmp(argv[optind], "unix");
	if (!o->unix_kind && strcmp(argv[optind], "tcp"))
		return -1;
	if (o->server_cpu >= 0)
		return 0;
	split_cpus(&o->server_cpu, &o->client_cpu);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	uint64_t *samples;
	int lfd, status;
	pid_t pid;

	if (parse_args(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: crr [-s REQ] [-r RESP] [-d SEC] [-w SEC] [-c SERVERCPU,CLIENTCPU] "
			"[-f] tcp|unix\n");
		return 2;
	}
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (!samples)
		fail("allocate");
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(&o);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		pin(o.server_cpu);
		serve(lfd, &o);
		_exit(0);
	}
	close(lfd);
	pin(o.client_cpu);
	client(&o, samples);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the server's exit");
	if (o.unix_kind) {
		unlink(((struct sockaddr_un *)&where)->sun_path);
		rmdir(sock_dir);
	}
	free(samples);
	return 0;
}
