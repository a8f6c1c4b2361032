/*
 * server_test.h - the server's side of one test, from a received hello to
 * the result sent back: check that this side can run it, ack, run the
 * server side of the workload, and send back its figures over its window.
 * session_server.c decides where a test runs (in the server's own process
 * or a child of its own) and calls this there.
 */
#ifndef IPCPERF_SERVER_TEST_H
#define IPCPERF_SERVER_TEST_H

#include <stdbool.h>

#include "proto.h"

struct bench_cfg;
struct sock_ops;

/* One test's connection as the server accepted it, and its hello. */
struct test_conn {
	int fd;                    /* read from */
	int wfd;                   /* write to (fd, except for pipes) */
	struct proto_hello hello;
};

/*
 * Run the test conn's hello asks for and release conn; lfd is the listening
 * fd (a connect test accepts its transactions there). own_process: the
 * test runs in a process of its own, which may be pinned to the CPU the
 * hello asks for (server_cpu). Returns the test's exit code.
 */
int server_test(const struct bench_cfg *base, const struct sock_ops *sock, int lfd,
		struct test_conn *conn, bool own_process);

/* Answer a hello with a refusal (status, one-line note); 0 or -errno. */
int server_refuse(int wfd, int status, const char *note);

#endif
