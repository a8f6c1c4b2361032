/*
 * cfg.c - options of `ipcperf server|client`: parse into strings and
 * numbers, then one validation pass of one-line rules.
 *
 *   $ bench/ipcperf client --socket tcp --addr 127.0.0.1 --port 5201 \
 *         --mode latency --size 1K
 */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io.h"
#include "mode.h"
#include "sock.h"

void cfg_defaults(struct bench_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = -1;
	cfg->io = "sync";
	cfg->duration_s = DEFAULT_DURATION_S;
	cfg->warmup_s = DEFAULT_WARMUP_S;
	cfg->timeout_s = DEFAULT_TIMEOUT_S;
	cfg->cpu = -1;
	cfg->nodelay = TRI_AUTO;
	cfg->ready_fd = -1;
	cfg->qd = 0;
	cfg->flows = 1;
	cfg->server_cpu = -1;
	cfg->close = CLOSE_UNSET;
}

uint64_t cfg_recv_size(const struct bench_cfg *cfg)
{
	if (cfg->recv_size)
		return cfg->recv_size;
	return cfg->size > DEFAULT_RECV_FLOOR ? cfg->size : DEFAULT_RECV_FLOOR;
}

uint64_t cfg_resp_size(const struct bench_cfg *cfg)
{
	return cfg->resp_size ? cfg->resp_size : cfg->size;
}

enum conn_close cfg_close(const struct bench_cfg *cfg)
{
	return cfg->close == CLOSE_UNSET ? CLOSE_RST : cfg->close;
}

const char *cfg_close_name(enum conn_close c)
{
	return c == CLOSE_FIN ? "fin" : "rst";
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;     /* empty, sign, space: strtoull would accept them */
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Binary multiplier for a unit suffix, 0 if unknown. */
static uint64_t unit_multiplier(const char *u)
{
	static const struct { const char *name; uint64_t mult; } units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1ULL << 10 }, { "kb", 1ULL << 10 }, { "kib", 1ULL << 10 },
		{ "m", 1ULL << 20 }, { "mb", 1ULL << 20 }, { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "gb", 1ULL << 30 }, { "gib", 1ULL << 30 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(u, units[i].name))
			return units[i].mult;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	char digits[32];
	size_t n = 0;
	uint64_t v, mult;
	int ret;

	if (!s)
		return -EINVAL;
	while (isdigit((unsigned char)s[n]) && n < sizeof(digits) - 1) {
		digits[n] = s[n];
		n++;
	}
	if (n == 0 || isdigit((unsigned char)s[n]))
		return n ? -ERANGE : -EINVAL;
	digits[n] = '\0';
	ret = parse_u64(digits, &v);
	if (ret)
		return ret;
	mult = unit_multiplier(s + n);
	if (!mult)
		return -EINVAL;
	if (v > MAX_SIZE_BYTES / mult)
		return -ERANGE;
	v *= mult;
	if (v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || !isfinite(v))
		return -ERANGE;
	if (*end || v > 86400.0)
		return *end ? -EINVAL : -ERANGE;
	*out = v;
	return 0;
}

void usage(enum role role, int to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	if (role != ROLE_CLIENT)
		fputs(
"usage: ipcperf server --socket KIND --addr ADDR [--port N] [options]\n"
"  Serve tests one after another (or one, with --once) until killed.\n"
"  --socket KIND     unix-stream | unix-dgram | unix-seqpacket | tcp | udp |\n"
"                    pipe | shm (see --list)\n"
"  --addr ADDR       unix kinds, shm: a socket path (<=107 bytes) or @name;\n"
"                    pipe: a path prefix (PATH.c2s and PATH.s2c are FIFOs);\n"
"                    tcp, udp: the IPv4 or IPv6 address to listen on\n"
"  --port N          tcp/udp port (0 = any free port, reported on --ready-fd)\n"
"  --ready-fd FD     write \"ready port=N\\n\" to FD once listening, close it\n"
"  --cpu N           pin the server to CPU N\n"
"  --once            exit after one test\n"
"  --timeout SEC     drop a client silent for SEC seconds (default 5)\n", f);
	if (role != ROLE_SERVER)
		fputs(
"usage: ipcperf client --socket KIND --addr ADDR [--port N] --mode MODE --size SIZE [options]\n"
"  Run one test against a server and print one result record on stdout.\n"
"  --mode MODE       throughput (one-way stream) | latency (ping-pong) |\n"
"                    connect (a new connection per request/reply: connect,\n"
"                    request, reply, close)\n"
"  --size SIZE       payload bytes per message (the request): 100, 64K, 1MiB (<= 1 GiB)\n"
"  --resp-size SIZE  bytes per reply in latency and connect (default: --size)\n"
"  --close rst|fin   connect: end each connection with SO_LINGER 0 (rst, the\n"
"                    default: no TIME_WAIT) or a graceful close (fin: the\n"
"                    client's port waits in TIME_WAIT for 60 s)\n"
"  --flows N         this client is one of N started together (connect: the\n"
"                    server serves the N as one group); default 1\n"
"  --start-at NS     begin the warm-up at this CLOCK_MONOTONIC time (ns), so\n"
"                    that the flows of one test measure the same window\n"
"  --server-cpu N    ask the server to run this test on CPU N\n"
"  --duration SEC    measured window (default 2)\n"
"  --warmup SEC      time run before the window and not counted (default 0.5)\n"
"  --io IO           sync (blocking, default) | uring | epoll (non-blocking,\n"
"                    epoll_wait) | busy (non-blocking, spins; shm spins on the ring)\n"
"  --cpu N           pin the client to CPU N\n"
"  --verify          send a patterned payload and check every byte\n"
"  --nodelay on|off  TCP_NODELAY (default: on for latency, off for throughput)\n"
"  --recv-size SIZE  stream receive size (default max(size, 64K))\n"
"  --qd N            operations in flight for queued io modes (uring)\n"
"  --zc              zero-copy sends where the io mode supports them\n"
"  --timeout SEC     give up on a silent server after SEC seconds (default 5)\n"
"  --json            print JSON instead of key=value\n"
"  --forwarder-pid PID  a process that carries the bytes (docker-proxy, pasta,\n"
"                    slirp4netns): its CPU time over the window is reported as\n"
"                    forwarder_user_s/forwarder_sys_s (repeatable, up to 8)\n"
"exit: 0 ok, 1 measurement failed, 2 usage, 4 unsupported on this system\n", f);
}

enum opt_id {
	OPT_SOCKET = 256, OPT_ADDR, OPT_PORT, OPT_IO, OPT_MODE, OPT_SIZE,
	OPT_RECV_SIZE, OPT_DURATION, OPT_WARMUP, OPT_TIMEOUT, OPT_CPU,
	OPT_VERIFY, OPT_NODELAY, OPT_READY_FD, OPT_ONCE, OPT_JSON, OPT_QD,
	OPT_ZC, OPT_FORWARDER_PID, OPT_RESP_SIZE, OPT_CLOSE, OPT_FLOWS, OPT_START_AT,
	OPT_SERVER_CPU, OPT_HELP,
};

static const struct option long_opts[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "io", required_argument, NULL, OPT_IO },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "recv-size", required_argument, NULL, OPT_RECV_SIZE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "nodelay", required_argument, NULL, OPT_NODELAY },
	{ "ready-fd", required_argument, NULL, OPT_READY_FD },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "qd", required_argument, NULL, OPT_QD },
	{ "zc", no_argument, NULL, OPT_ZC },
	{ "forwarder-pid", required_argument, NULL, OPT_FORWARDER_PID },
	{ "resp-size", required_argument, NULL, OPT_RESP_SIZE },
	{ "close", required_argument, NULL, OPT_CLOSE },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "start-at", required_argument, NULL, OPT_START_AT },
	{ "server-cpu", required_argument, NULL, OPT_SERVER_CPU },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int bad_value(const char *opt, const char *val, int err)
{
	fprintf(stderr, "ipcperf: invalid %s '%s': %s (see --help)\n", opt, val,
		err == -ERANGE ? "out of range" : "not a valid value");
	return EXIT_USAGE;
}

/* A bounded integer option; returns EXIT_OK or EXIT_USAGE. */
static int parse_long_in(const char *opt, const char *val, long lo, long hi, long *out)
{
	uint64_t v;
	int ret = parse_u64(val, &v);

	if (ret)
		return bad_value(opt, val, ret);
	if ((long double)v < lo || (long double)v > hi)
		return bad_value(opt, val, -ERANGE);
	*out = (long)v;
	return EXIT_OK;
}

/* One of two words: *out = 0 for word0, 1 for word1; EXIT_OK or EXIT_USAGE. */
static int parse_word(const char *opt, const char *val, const char *word0, const char *word1,
		      long *out)
{
	if (strcmp(val, word0) && strcmp(val, word1))
		return bad_value(opt, val, -EINVAL);
	*out = !strcmp(val, word1);
	return EXIT_OK;
}

static int parse_one(struct bench_cfg *cfg, int id, const char *val)
{
	long l;
	int ret;

	switch (id) {
	case OPT_SOCKET: cfg->socket = val; return EXIT_OK;
	case OPT_ADDR: cfg->addr = val; return EXIT_OK;
	case OPT_IO: cfg->io = val; return EXIT_OK;
	case OPT_MODE: cfg->mode_name = val; return EXIT_OK;
	case OPT_VERIFY: cfg->verify = true; return EXIT_OK;
	case OPT_ONCE: cfg->once = true; return EXIT_OK;
	case OPT_JSON: cfg->json = true; return EXIT_OK;
	case OPT_ZC: cfg->zc = true; return EXIT_OK;
	case OPT_PORT:
		return parse_long_in("--port", val, 0, 65535, &cfg->port);
	case OPT_CPU:
		ret = parse_long_in("--cpu", val, 0, 4095, &l);
		cfg->cpu = (int)l;
		return ret;
	case OPT_READY_FD:
		ret = parse_long_in("--ready-fd", val, 0, 1 << 20, &l);
		cfg->ready_fd = (int)l;
		return ret;
	case OPT_QD:
		ret = parse_long_in("--qd", val, 1, 4096, &l);
		cfg->qd = (unsigned)l;
		return ret;
	case OPT_FORWARDER_PID:
		if (cfg->n_forwarders == MAX_FORWARDERS) {
			fprintf(stderr, "ipcperf: --forwarder-pid given more than %d times (see --help)\n",
				MAX_FORWARDERS);
			return EXIT_USAGE;
		}
		return parse_long_in("--forwarder-pid", val, 1, 1L << 30,
				     &cfg->forwarder_pids[cfg->n_forwarders++]);
	case OPT_SIZE:
		ret = parse_size(val, &cfg->size);
		return ret ? bad_value("--size", val, ret) : EXIT_OK;
	case OPT_RECV_SIZE:
		ret = parse_size(val, &cfg->recv_size);
		return ret ? bad_value("--recv-size", val, ret) : EXIT_OK;
	case OPT_RESP_SIZE:
		ret = parse_size(val, &cfg->resp_size);
		return ret ? bad_value("--resp-size", val, ret) : EXIT_OK;
	case OPT_START_AT:
		ret = parse_u64(val, &cfg->start_ns);
		return ret ? bad_value("--start-at", val, ret) : EXIT_OK;
	case OPT_FLOWS:
		ret = parse_long_in("--flows", val, 1, MAX_FLOWS, &l);
		cfg->flows = (unsigned)l;
		return ret;
	case OPT_SERVER_CPU:
		ret = parse_long_in("--server-cpu", val, 0, 4095, &l);
		cfg->server_cpu = (int)l;
		return ret;
	case OPT_CLOSE:
		ret = parse_word("--close", val, "rst", "fin", &l);     /* CLOSE_RST, CLOSE_FIN */
		cfg->close = (enum conn_close)l;
		return ret;
	case OPT_DURATION:
		ret = parse_seconds(val, &cfg->duration_s);
		return ret ? bad_value("--duration", val, ret) : EXIT_OK;
	case OPT_WARMUP:
		ret = parse_seconds(val, &cfg->warmup_s);
		return ret ? bad_value("--warmup", val, ret) : EXIT_OK;
	case OPT_TIMEOUT:
		ret = parse_seconds(val, &cfg->timeout_s);
		return ret ? bad_value("--timeout", val, ret) : EXIT_OK;
	case OPT_NODELAY:
		ret = parse_word("--nodelay", val, "off", "on", &l);     /* TRI_OFF, TRI_ON */
		cfg->nodelay = (enum tri)l;
		return ret;
	}
	return EXIT_USAGE;
}

/* Options that only make sense for one role. */
static bool opt_allowed(enum role role, int id)
{
	switch (id) {
	case OPT_READY_FD: case OPT_ONCE:
		return role == ROLE_SERVER;
	case OPT_MODE: case OPT_SIZE: case OPT_RECV_SIZE: case OPT_DURATION:
	case OPT_WARMUP: case OPT_VERIFY: case OPT_NODELAY: case OPT_JSON:
	case OPT_QD: case OPT_ZC: case OPT_FORWARDER_PID: case OPT_RESP_SIZE:
	case OPT_CLOSE: case OPT_FLOWS: case OPT_START_AT: case OPT_SERVER_CPU:
		return role == ROLE_CLIENT;
	}
	return true;
}

int cfg_parse(struct bench_cfg *cfg, enum role role, int argc, char **argv)
{
	const char *rule;
	int c, ret;

	cfg->role = role;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c == OPT_HELP) {
			usage(role, 0);
			exit(EXIT_OK);
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "ipcperf: %s '%s' (see --help)\n",
				c == ':' ? "missing value for" : "unknown option",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (!opt_allowed(role, c)) {
			fprintf(stderr, "ipcperf: %s is not a %s option (see --help)\n",
				argv[optind - 1] + 0, role == ROLE_SERVER ? "server" : "client");
			return EXIT_USAGE;
		}
		ret = parse_one(cfg, c, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc) {
		fprintf(stderr, "ipcperf: unexpected argument '%s' (see --help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	rule = cfg_check(cfg);
	if (rule) {
		fprintf(stderr, "ipcperf: %s (see --help)\n", rule);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Rules on the parsed options; resolution of names happens here too. */
const char *cfg_check(const struct bench_cfg *cfg)
{
	static char msg[256];
	const struct sock_ops *sock;
	const struct mode_ops *mode;
	const char *addr_rule;

#define CHECK(cond, ...) do { if (!(cond)) { snprintf(msg, sizeof(msg), __VA_ARGS__); return msg; } } while (0)
	CHECK(cfg->socket, "--socket is required (one of: %s)", sock_names());
	sock = sock_find(cfg->socket);
	CHECK(sock, "unknown socket kind '%s' (one of: %s)", cfg->socket, sock_names());
	CHECK(cfg->addr && cfg->addr[0], "--addr is required");
	if (sock->flags & SOCK_F_PORT) {
		CHECK(cfg->port >= 0, "--port is required for %s", sock->name);
		CHECK(cfg->role == ROLE_SERVER || cfg->port > 0, "--port 0 is only for the server");
	} else {
		CHECK(cfg->port < 0, "--port applies to tcp and udp only");
	}
	addr_rule = sock->check_addr ? sock->check_addr(cfg) : NULL;
	CHECK(!addr_rule, "%s", addr_rule);
	CHECK(io_find(cfg->io), "unknown io mode '%s' (ipcperf --list shows the io modes)", cfg->io);
	CHECK(cfg->timeout_s >= 0.01, "--timeout must be at least 0.01 s");
	if (cfg->role == ROLE_CLIENT) {
		CHECK(cfg->mode_name, "--mode is required (%s)", mode_names());
		mode = mode_find(cfg->mode_name);
		CHECK(mode, "unknown mode '%s' (%s)", cfg->mode_name, mode_names());
		CHECK(cfg->size > 0, "--size is required");
		CHECK(cfg->duration_s >= 0.01, "--duration must be at least 0.01 s");
		CHECK(cfg->nodelay == TRI_AUTO || (sock->flags & SOCK_F_TCP),
		      "--nodelay applies to tcp only");
		CHECK(!cfg->recv_size || !(sock->flags & SOCK_F_DGRAM),
		      "--recv-size applies to stream sockets only");
		CHECK(!cfg->resp_size || !mode->one_way,
		      "--resp-size applies to latency and connect (a reply), not %s", mode->name);
		CHECK(cfg->close == CLOSE_UNSET || mode->per_connection,
		      "--close applies to --mode connect only");
	}
#undef CHECK
	return NULL;
}
