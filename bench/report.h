/*
 * report.h - the client's one result record on stdout: the effective
 * settings first, then the measurement, as key=value pairs on one line
 * (values with spaces are double-quoted) or as one JSON object (--json).
 * Field names are the CSV columns of DESIGN.md where one exists.
 */
#ifndef IPCPERF_REPORT_H
#define IPCPERF_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

struct bench_cfg;

/* The percentiles a record gives of a histogram: p50, p90, p99, p99.9, max. */
#define REPORT_PCTS 5

struct record {
	const struct bench_cfg *cfg;
	uint64_t recv_size;
	int nodelay;               /* 1/0 for tcp, -1 not applicable */
	int server_cpu;
	char io_features[160];
	const char *status;        /* "ok", "unsupported", "error" */
	char note[256];
	bool measured;             /* the fields below are valid */
	bool has_loss;             /* lossy paths (udp) in throughput */
	double loss_ratio;         /* messages sent but never received, as a fraction */
	double elapsed_s;
	uint64_t messages;
	uint64_t bytes;
	bool has_latency;
	double lat_mean_ns;
	uint64_t lat_pct_ns[REPORT_PCTS];       /* p50, p90, p99, p99.9, max */
	double client_cpu_s, server_cpu_s;
	double client_user_s, client_sys_s, server_user_s, server_sys_s;
	uint64_t client_vcsw, client_ivcsw, server_vcsw, server_ivcsw;
	uint64_t verify_errors;
	struct counters client_kernel;   /* deltas over each side's window */
	struct counters server_kernel;
	bool has_forwarder;              /* --forwarder-pid given: the two below are valid */
	double forwarder_user_s, forwarder_sys_s;   /* over the client's window */
	uint64_t resp_size;              /* reply bytes (request/response modes), 0: none */
	const char *conn_close;          /* connect mode: "rst", "fin", "close" (unix); else NULL */
	bool has_connect;                /* connect mode: connect() alone */
	double connect_mean_ns;
	uint64_t connect_pct_ns[REPORT_PCTS];   /* as lat_pct_ns */
	uint64_t connections;            /* connections the client opened over the whole test */
	uint64_t client_msgs_total;      /* messages (round trips, connections) over the whole */
	uint64_t server_msgs_total;      /*   test, each side's own count */
	uint64_t window_start_ns;        /* CLOCK_MONOTONIC ns the window that counts opened */
};

void report_print(const struct record *r, bool json);

#endif
