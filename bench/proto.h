/*
 * proto.h - the control messages client and server exchange over the test
 * connection itself, so a server in another namespace needs nothing but the
 * address. Binary, fixed size: both ends are the same binary on one machine.
 *
 *   client -> server  hello   (what to run)
 *   server -> client  ack     (ok, or why not: unsupported / error)
 *   ... the workload ...
 *   client -> server  end of stream (io send_eof; in connect mode, a last
 *                     connection that sends nothing: mode_connect.c)
 *   server -> client  result  (the server's counters over its window)
 *
 * The server runs each test of a connection-oriented kind in a process of
 * its own (session_server.c), so the flows of one point run side by side;
 * the hello says how many flows started together (flows, start_ns), and
 * on which CPU the server should run this one (server_cpu).
 */
#ifndef IPCPERF_PROTO_H
#define IPCPERF_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"

#define PROTO_MAGIC   0x70637069u  /* "ipcp" */
#define PROTO_VERSION 5u   /* 4: the client's CPU in the hello, the interference counters;
                             * 5: reply size, flows, start time, server CPU */
#define PROTO_NOTE    192

struct proto_hello {
	uint32_t magic;
	uint32_t version;
	uint32_t verify;
	int32_t nodelay;
	int32_t cpu;               /* the CPU the client is pinned to, or -1 */
	uint32_t qd;
	uint32_t zc;
	uint32_t pad;
	uint64_t size;
	uint64_t recv_size;
	uint64_t duration_ns;
	uint64_t warmup_ns;
	uint64_t timeout_ns;
	uint64_t resp_size;        /* bytes per reply (request/response modes) */
	uint64_t start_ns;         /* CLOCK_MONOTONIC ns the warm-up begins at; 0: now */
	uint32_t flows;            /* clients started together with this one (itself included) */
	int32_t server_cpu;        /* the CPU to run this test on, or -1: the server's own */
	char io[16];
	char mode[16];
};

struct proto_ack {
	uint32_t magic;
	int32_t status;            /* an exit_code: EXIT_OK, EXIT_UNSUPPORTED, EXIT_FAIL */
	int32_t cpu;               /* the CPU the server is pinned to, or -1 */
	uint32_t pad;
	char note[PROTO_NOTE];
	char features[160];
};

struct proto_result {
	uint32_t magic;
	int32_t status;
	uint64_t bytes;
	uint64_t msgs;
	uint64_t window_ns;
	uint64_t cpu_user_ns;
	uint64_t cpu_sys_ns;
	uint64_t vcsw;
	uint64_t ivcsw;
	uint64_t verify_errors;
	uint64_t total_msgs;       /* messages received over the whole test (loss) */
	uint64_t window_start_ns;  /* CLOCK_MONOTONIC ns the server's window opened */
	uint64_t kernel[CTR_COUNT];   /* the server's counter deltas over its window */
	uint32_t kernel_present;
	char note[PROTO_NOTE];
};

/*
 * Send or receive one control message with plain blocking calls (never
 * through an io mode: control is not the measurement). Datagram sockets
 * carry it as one datagram. Return 0, -errno, or -EPROTO on a bad message.
 */
int proto_send(int fd, const void *msg, size_t len);
int proto_recv(int fd, void *msg, size_t len, int is_dgram);

#endif
