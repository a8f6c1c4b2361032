/*
 * test_cfg.c - the option validation rules: each invalid command line is
 * rejected with EXIT_USAGE, each valid one accepted.
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "unit.h"

#define MAX_ARGS 32

/* Split a command line on spaces into argv (argv[0] is the role word). */
static int run(enum role role, const char *line)
{
	static char buf[512];
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	struct bench_cfg cfg;

	snprintf(buf, sizeof(buf), "%s %s", role == ROLE_SERVER ? "server" : "client", line);
	for (char *tok = strtok(buf, " "); tok && argc < MAX_ARGS; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	cfg_defaults(&cfg);
	return cfg_parse(&cfg, role, argc, argv);
}

static const struct { enum role role; const char *line; int want; } cases[] = {
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 5201 --mode latency --size 100", EXIT_OK },
	{ ROLE_CLIENT, "--socket tcp --addr ::1 --port 1 --mode throughput --size 4M --nodelay on", EXIT_OK },
	{ ROLE_CLIENT, "--socket unix-stream --addr /tmp/x --mode latency --size 1K --verify --json", EXIT_OK },
	{ ROLE_CLIENT, "--socket unix-dgram --addr @x --mode throughput --size 100", EXIT_OK },
	{ ROLE_CLIENT, "--socket pipe --addr /tmp/p --mode latency --size 100 --io epoll", EXIT_OK },
	{ ROLE_CLIENT, "--socket shm --addr /tmp/x --mode latency --size 100 --io busy", EXIT_OK },
	{ ROLE_SERVER, "--socket tcp --addr 0.0.0.0 --port 0", EXIT_OK },
	{ ROLE_SERVER, "--socket unix-stream --addr /tmp/x --once --ready-fd 3", EXIT_OK },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --forwarder-pid 1 --forwarder-pid 77", EXIT_OK },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode connect --size 100 --resp-size 64K --close fin", EXIT_OK },
	{ ROLE_CLIENT, "--socket unix-stream --addr /tmp/x --mode latency --size 100 --resp-size 1M", EXIT_OK },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode throughput --size 64K --flows 4 --start-at 123456789 --server-cpu 1", EXIT_OK },
	/* required options */
	{ ROLE_CLIENT, "--addr 127.0.0.1 --port 1 --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --port 1 --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency", EXIT_USAGE },
	/* unknown names and values */
	{ ROLE_CLIENT, "--socket sctp --addr x --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode fast --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --io epoll9", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --bogus", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 stray", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr localhost --port 1 --mode latency --size 1", EXIT_USAGE },
	/* ranges */
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 65536 --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 0 --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port -1 --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 0", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 2G", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --duration 0", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --timeout 0", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --cpu -1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --nodelay yes", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --qd 0", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --forwarder-pid 0", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --forwarder-pid x1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --forwarder-pid 1 "
		       "--forwarder-pid 2 --forwarder-pid 3 --forwarder-pid 4 --forwarder-pid 5 "
		       "--forwarder-pid 6 --forwarder-pid 7 --forwarder-pid 8 --forwarder-pid 9", EXIT_USAGE },
	/* --resp-size, --close, --flows, --start-at, --server-cpu */
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode throughput --size 1 --resp-size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --resp-size 0", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --close rst", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode connect --size 1 --close linger", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --flows 0", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --flows 257", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --start-at -5", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --server-cpu x", EXIT_USAGE },
	{ ROLE_SERVER, "--socket tcp --addr 127.0.0.1 --port 0 --flows 2", EXIT_USAGE },
	/* rules across options */
	{ ROLE_CLIENT, "--socket unix-stream --addr /tmp/x --port 1 --mode latency --size 1", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket unix-stream --addr /tmp/x --mode latency --size 1 --nodelay on", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket unix-dgram --addr @x --mode throughput --size 1 --recv-size 1K", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket unix-stream --addr /tmp/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678 --mode latency --size 1", EXIT_USAGE },
	/* options of the other role */
	{ ROLE_SERVER, "--socket tcp --addr 127.0.0.1 --port 0 --size 100", EXIT_USAGE },
	{ ROLE_CLIENT, "--socket tcp --addr 127.0.0.1 --port 1 --mode latency --size 1 --once", EXIT_USAGE },
	{ ROLE_SERVER, "--socket tcp --addr 127.0.0.1 --port 0 --forwarder-pid 1", EXIT_USAGE },
};

int main(void)
{
	/* Rejections print their one line to stderr; keep the TAP stream clean. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = run(cases[i].role, cases[i].line);

		CHECK(got == cases[i].want, "%s %s -> %d (want %d)",
		      cases[i].role == ROLE_SERVER ? "server" : "client", cases[i].line, got, cases[i].want);
	}
	return unit_done();
}
