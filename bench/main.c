/*
 * main.c - ipcperf: paired server/client microbenchmarks of local IPC.
 *
 *   $ bench/ipcperf server --socket unix-stream --addr /tmp/ipcp.sock &
 *   $ bench/ipcperf client --socket unix-stream --addr /tmp/ipcp.sock \
 *         --mode throughput --size 64K --duration 1
 *   ipcperf_version=0.1.0 socket=unix-stream io=sync mode=throughput ...
 *   status=ok elapsed_s=1.00002 ... bytes_per_s=4.1e+09 ...
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "io.h"
#include "mode.h"
#include "session.h"
#include "sock.h"

static void list_axes(void)
{
	fputs("socket:", stdout);
	for (const struct sock_ops *const *s = sock_table; *s; s++)
		printf(" %s", (*s)->name);
	fputs("\nio:", stdout);
	for (const struct io_ops *const *io = io_table; *io; io++)
		printf(" %s", (*io)->name);
	fputs("\nmode:", stdout);
	for (const struct mode_ops *const *m = mode_table; *m; m++)
		printf(" %s", (*m)->name);
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	struct bench_cfg cfg;
	enum role role;
	int ret;

	if (argc < 2) {
		usage(ROLE_NONE, 1);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(ROLE_NONE, 0);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("ipcperf " IPCPERF_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--list")) {
		list_axes();
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "server"))
		role = ROLE_SERVER;
	else if (!strcmp(argv[1], "client"))
		role = ROLE_CLIENT;
	else {
		fprintf(stderr, "ipcperf: unknown command '%s': use server, client, --list (see --help)\n",
			argv[1]);
		return EXIT_USAGE;
	}
	cfg_defaults(&cfg);
	ret = cfg_parse(&cfg, role, argc - 1, argv + 1);
	if (ret != EXIT_OK)
		return ret;
	return role == ROLE_SERVER ? session_server(&cfg) : session_client(&cfg);
}
