/*
 * cfg.h - one struct bench_cfg for every option of `ipcperf server|client`,
 * the checked number parsers, and the validation rules.
 *
 * Fields mirror the long options one to one; strings are kept as given and
 * resolved (addresses, names) after parsing, so that option order never
 * matters.
 */
#ifndef IPCPERF_CFG_H
#define IPCPERF_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPCPERF_VERSION "0.1.0"

#define MAX_SIZE_BYTES       (1ULL << 30)  /* 1 GiB: the contract's upper bound */
#define DEFAULT_RECV_FLOOR   (64 * 1024)   /* stream receivers read max(size, 64 KiB) */
#define DEFAULT_TIMEOUT_S    5.0
#define DEFAULT_DURATION_S   2.0
#define DEFAULT_WARMUP_S     0.5
#define MAX_FORWARDERS       8             /* --forwarder-pid given at most this often */
#define MAX_FLOWS            256           /* --flows: parallel client/server pairs */

/* Exit codes: DESIGN.md plus the kernel selftests' skip code. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_UNSUPPORTED = 4,
};

enum role { ROLE_NONE, ROLE_SERVER, ROLE_CLIENT };
enum tri { TRI_AUTO = -1, TRI_OFF = 0, TRI_ON = 1 };
/* How a connect-mode client closes each connection (--close). */
enum conn_close { CLOSE_UNSET = -1, CLOSE_RST = 0, CLOSE_FIN = 1 };

struct bench_cfg {
	enum role role;
	const char *socket;        /* --socket: a sock_ops name */
	const char *addr;          /* --addr: IP literal, socket path, or @abstract */
	long port;                 /* --port: TCP port; 0 on the server = pick one */
	const char *io;            /* --io: an io_ops name */
	const char *mode_name;     /* --mode: a mode_ops name */
	uint64_t size;             /* --size: payload bytes per message (the request) */
	uint64_t resp_size;        /* --resp-size: bytes per reply; 0 = size */
	uint64_t recv_size;        /* --recv-size: 0 = max(size, 64 KiB) */
	double duration_s;         /* --duration: measured window */
	double warmup_s;           /* --warmup: dropped before the window */
	double timeout_s;          /* --timeout: a silent peer is an error after this */
	int cpu;                   /* --cpu: -1 = not pinned */
	bool verify;               /* --verify: patterned payload, checked */
	enum tri nodelay;          /* --nodelay on|off; auto = on for latency only */
	int ready_fd;              /* --ready-fd: server writes "ready port=N\n" */
	bool once;                 /* --once: server exits after one test */
	bool json;                 /* --json: client prints JSON instead of key=value */
	unsigned qd;               /* --qd: in-flight operations for queued io modes */
	bool zc;                   /* --zc: zero-copy send where the io mode has it */
	long forwarder_pids[MAX_FORWARDERS]; /* --forwarder-pid (repeatable): processes */
	int n_forwarders;          /*   carrying the bytes, whose CPU time is reported */
	unsigned flows;            /* --flows: clients of this test that share one window */
	int server_cpu;            /* --server-cpu: the CPU the server runs the test on; -1 = its own */
	uint64_t start_ns;         /* --start-at: CLOCK_MONOTONIC ns the warm-up begins; 0 = now */
	enum conn_close close;     /* --close rst|fin: how connect mode closes a connection */
};

void cfg_defaults(struct bench_cfg *cfg);

/*
 * Parse argv (after the role word) into cfg. Returns EXIT_OK, or EXIT_USAGE
 * after printing one line to stderr. --help prints usage and exits 0.
 */
int cfg_parse(struct bench_cfg *cfg, enum role role, int argc, char **argv);

/* The validation pass: returns NULL when cfg is valid, else the broken rule. */
const char *cfg_check(const struct bench_cfg *cfg);

/*
 * Checked parsers. Each rejects empty input, signs, trailing junk and
 * overflow; returns 0 or -EINVAL / -ERANGE.
 * parse_size accepts an optional unit: B, K/KB/KiB, M/MB/MiB, G/GB/GiB
 * (all binary, case-insensitive) and caps at MAX_SIZE_BYTES.
 */
int parse_u64(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t *out);
int parse_seconds(const char *s, double *out);

/*
 * The stream receive size: what a one-way stream's receiver reads per
 * call, --recv-size or else max(size, 64 KiB) (as netperf does, so that a
 * small message size does not make the receiver the bottleneck).
 */
uint64_t cfg_recv_size(const struct bench_cfg *cfg);

/* The reply size of request/response modes: --resp-size, or else --size. */
uint64_t cfg_resp_size(const struct bench_cfg *cfg);

/* How connect mode closes: --close, or else rst (no TIME_WAIT; see mode_connect.c). */
enum conn_close cfg_close(const struct bench_cfg *cfg);
const char *cfg_close_name(enum conn_close c);

void usage(enum role role, int to_stderr);

#endif
