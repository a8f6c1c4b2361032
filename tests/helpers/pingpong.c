/*
 * pingpong.c - a minimal ping-pong, written apart from bench/ (it shares no
 * code with ipcperf) to hold ipcperf's small-message round trips against:
 * two processes, one message in flight, each round trip timed with
 * CLOCK_MONOTONIC, the median and mean printed with the voluntary context
 * switches per round trip of each side.
 *
 *   unix  a connected AF_UNIX stream socketpair
 *   tcp   TCP over 127.0.0.1 (listen, connect, accept), TCP_NODELAY
 *   shm   one shared cache line: the client writes an odd sequence number,
 *         the server answers with the next even one (spin only); the
 *         cross-core floor of any shared-memory transport
 *
 * block: plain blocking read()/write(), a side sleeps until the peer's
 * bytes wake it. spin: O_NONBLOCK and the call made again on EAGAIN, never
 * sleeping. The server is pinned to the first CPU of the affinity mask, the
 * client to the second (ipcperf's --cpus split), unless -c says otherwise.
 *
 *   $ tests/bin/pingpong -d 2 block unix
 *   kind=unix mode=block size=100 round_trips=95012 rtt_p50_ns=20810
 *   rtt_mean_ns=21044 client_vcsw_per_rt=1.000 server_vcsw_per_rt=1.000
 *   server_cpu=0 client_cpu=1
 *
 * Exit: 0 ok, 1 a failure (one line on stderr), 2 usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HELPER_NAME "pingpong"
#include "helper.h"

#define MAX_SIZE (1 << 20)
#define MAX_SAMPLES (1 << 23)
#define SHM_STOP UINT64_MAX

struct opts {
	const char *kind;        /* unix | tcp | shm */
	int spin;
	size_t size;
	double warmup_s, duration_s;
	int server_cpu, client_cpu;
};

static long vcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Move exactly len bytes; spinning retries EAGAIN. 0 at the peer's end, else len. */
static size_t move(int fd, char *buf, size_t len, int writing, int spin)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = writing ? write(fd, buf + off, len - off) : read(fd, buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
		} else if (n == 0) {
			return 0;
		} else if (!(spin && (errno == EAGAIN || errno == EWOULDBLOCK)) && errno != EINTR) {
			if (errno == ECONNRESET || errno == EPIPE)
				return 0;
			fail(writing ? "write" : "read");
		}
	}
	return len;
}

static void make_pair(const struct opts *o, int fds[2])
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd, one = 1;

	if (!strcmp(o->kind, "unix")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
			fail("socketpair");
		return;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0)
		fail("listen on 127.0.0.1");
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (fds[1] < 0 || connect(fds[1], (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail("connect to 127.0.0.1");
	fds[0] = accept(lfd, NULL, NULL);
	if (fds[0] < 0)
		fail("accept");
	close(lfd);
	for (int i = 0; i < 2; i++)
		setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void set_spin(int fd, int spin)
{
	if (spin && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		fail("O_NONBLOCK");
}

/* The server: echo until the client closes; its voluntary switches to report. */
static void serve_socket(int fd, const struct opts *o, int report)
{
	static char buf[MAX_SIZE];
	long v0 = vcsw();

	while (move(fd, buf, o->size, 0, o->spin) && move(fd, buf, o->size, 1, o->spin))
		;
	v0 = vcsw() - v0;
	if (write(report, &v0, sizeof(v0)) != sizeof(v0))
		fail("report");
}

static void serve_shm(volatile uint64_t *line, int report)
{
	uint64_t seen = 0, s;
	long v0 = vcsw();

	for (;;) {
		while ((s = __atomic_load_n(line, __ATOMIC_ACQUIRE)) == seen)
			relax();
		if (s == SHM_STOP)
			break;
		seen = s + 1;           /* the pong: the ping's number plus one */
		__atomic_store_n(line, seen, __ATOMIC_RELEASE);
	}
	v0 = vcsw() - v0;
	if (write(report, &v0, sizeof(v0)) != sizeof(v0))
		fail("report");
}

/* One round trip on the shared line: publish ping seq, wait for pong seq+1. */
static void shm_round_trip(volatile uint64_t *line, uint64_t *seq)
{
	*seq += 1;
	__atomic_store_n(line, *seq, __ATOMIC_RELEASE);
	*seq += 1;
	while (__atomic_load_n(line, __ATOMIC_ACQUIRE) != *seq)
		relax();
}

/*
 * The client: warm up, then time every round trip for the duration. Returns
 * the measured round trips; *all counts the warm-up's too.
 */
static size_t client_loop(const struct opts *o, int fd, volatile uint64_t *line,
			  uint64_t *samples, long *vcsw_out, size_t *all)
{
	static char buf[MAX_SIZE];
	uint64_t start = now_ns(), measure = start + (uint64_t)(o->warmup_s * 1e9);
	uint64_t end = measure + (uint64_t)(o->duration_s * 1e9), t0, t1, seq = 0;
	size_t n = 0;
	long v0 = 0;
	int measuring = 0;

	memset(buf, 0xa5, o->size);
	for (t1 = start; t1 < end && n < MAX_SAMPLES;) {
		if (!measuring && t1 >= measure) {
			measuring = 1;
			v0 = vcsw();
		}
		t0 = now_ns();
		if (line) {
			shm_round_trip(line, &seq);
		} else if (!move(fd, buf, o->size, 1, o->spin) || !move(fd, buf, o->size, 0, o->spin)) {
			errno = ECONNRESET;
			fail("the server went away");
		}
		t1 = now_ns();
		(*all)++;
		if (measuring)
			samples[n++] = t1 - t0;
	}
	*vcsw_out = vcsw() - v0;
	return n;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .size = 100, .warmup_s = 0.5, .duration_s = 2, .server_cpu = -1 };
	while ((c = getopt(argc, argv, "s:d:w:c:")) != -1) {
		if (c == 's')
			o->size = strtoul(optarg, NULL, 10);
		else if (c == 'd')
			o->duration_s = strtod(optarg, NULL);
		else if (c == 'w')
			o->warmup_s = strtod(optarg, NULL);
		else if (c == 'c' && sscanf(optarg, "%d,%d", &o->server_cpu, &o->client_cpu) == 2)
			continue;
		else
			return -1;
	}
	if (argc - optind != 2 || o->size < 1 || o->size > MAX_SIZE || o->duration_s <= 0)
		return -1;
	o->spin = !strcmp(argv[optind], "spin");
	o->kind = argv[optind + 1];
	if ((!o->spin && strcmp(argv[optind], "block")) ||
	    (strcmp(o->kind, "unix") && strcmp(o->kind, "tcp") && strcmp(o->kind, "shm")) ||
	    (!strcmp(o->kind, "shm") && !o->spin))
		return -1;
	if (o->server_cpu >= 0)
		return 0;
	split_cpus(&o->server_cpu, &o->client_cpu);
	return 0;
}

/* cv: the client's switches over the measured round trips; sv the server's over all. */
static void report(const struct opts *o, uint64_t *samples, size_t n, long cv, long sv,
		   size_t all)
{
	double sum = 0;

	if (!n) {
		fprintf(stderr, "pingpong: no round trip completed; raise -d\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		sum += (double)samples[i];
	qsort(samples, n, sizeof(*samples), cmp_u64);
	printf("kind=%s mode=%s size=%zu round_trips=%zu rtt_p50_ns=%llu rtt_mean_ns=%.0f "
	       "client_vcsw_per_rt=%.3f server_vcsw_per_rt=%.3f server_cpu=%d client_cpu=%d\n",
	       o->kind, o->spin ? "spin" : "block", !strcmp(o->kind, "shm") ? (size_t)8 : o->size,
	       n, (unsigned long long)samples[n / 2], sum / (double)n, (double)cv / (double)n,
	       (double)sv / (double)all, o->server_cpu, o->client_cpu);
}

int main(int argc, char **argv)
{
	struct opts o;
	volatile uint64_t *line = NULL;
	uint64_t *samples;
	int fds[2] = { -1, -1 }, rep[2], status;
	long cv, sv = 0;
	size_t n, all = 0;
	pid_t pid;

	if (parse_args(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: pingpong [-s SIZE] [-d SEC] [-w SEC] [-c SERVERCPU,CLIENTCPU] "
			"block|spin unix|tcp  (or: spin shm)\n");
		return 2;
	}
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (!samples || pipe(rep) < 0)
		fail("allocate");
	if (!strcmp(o.kind, "shm")) {
		line = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (line == MAP_FAILED)
			fail("mmap");
	} else {
		make_pair(&o, fds);
	}
	signal(SIGPIPE, SIG_IGN);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		pin(o.server_cpu);
		if (line) {
			serve_shm(line, rep[1]);
		} else {
			close(fds[1]);
			set_spin(fds[0], o.spin);
			serve_socket(fds[0], &o, rep[1]);
		}
		_exit(0);
	}
	pin(o.client_cpu);
	if (!line) {
		close(fds[0]);
		set_spin(fds[1], o.spin);
	}
	n = client_loop(&o, fds[1], line, samples, &cv, &all);
	if (line)
		__atomic_store_n(line, SHM_STOP, __ATOMIC_RELEASE);
	else
		close(fds[1]);
	if (read(rep[0], &sv, sizeof(sv)) != sizeof(sv) || waitpid(pid, &status, 0) < 0)
		fail("the server's report");
	report(&o, samples, n, cv, sv, all);
	free(samples);
	return 0;
}
