/*
 * test_io.c - the rules of the io axis that are pure functions: which io
 * modes exist and are complete, which data path a socket kind uses for an
 * io mode, where a spinning mode may run, and how much one receive asks
 * for in each workload and role.
 */
#include <string.h>

#include "cfg.h"
#include "io.h"
#include "mode.h"
#include "payload.h"
#include "shm_ring.h"
#include "sock.h"
#include "unit.h"

static void test_table(void)
{
	static const char *const names[] = { "sync", "uring", "epoll", "busy" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(io_find(names[i]) && !strcmp(io_find(names[i])->name, names[i]),
		      "io_find(%s) finds a complete mode", names[i]);
	CHECK(!io_find("busy_poll"), "no busy_poll mode (SO_BUSY_POLL needs a NAPI device)");
	CHECK(!io_find(NULL), "io_find(NULL) is NULL");
	CHECK(busy_io.flags & IO_F_SPINS, "busy spins");
	CHECK(!(sync_io.flags & IO_F_SPINS) && !(epoll_io.flags & IO_F_SPINS),
	      "sync and epoll sleep");
	CHECK(shm_spin_io.flags & IO_F_SPINS, "shm's busy variant spins");
}

static void test_sock_io(void)
{
	char why[192] = "";

	CHECK(sock_io(&tcp_sock, &epoll_io, why, sizeof(why)) == &epoll_io,
	      "tcp runs the io mode asked for");
	CHECK(sock_io(&pipe_sock, &busy_io, why, sizeof(why)) == &busy_io,
	      "pipes too");
	CHECK(sock_io(&shm_sock, &sync_io, why, sizeof(why)) == &shm_futex_io,
	      "shm with sync waits on a futex");
	CHECK(sock_io(&shm_sock, &busy_io, why, sizeof(why)) == &shm_spin_io,
	      "shm with busy spins on the ring");
	CHECK(!sock_io(&shm_sock, &epoll_io, why, sizeof(why)) &&
	      strstr(why, "--io epoll does not apply"), "shm with epoll: %s", why);
	CHECK(!sock_io(&shm_sock, &uring_io, why, sizeof(why)) &&
	      strstr(why, "--io uring does not apply"), "shm with uring: %s", why);
}

static void test_placement(void)
{
	const char *why;

	CHECK(!io_placement_rule(&busy_io, 0, 1), "busy split is allowed");
	CHECK(!io_placement_rule(&busy_io, -1, -1), "busy unpinned is allowed");
	CHECK(!io_placement_rule(&busy_io, 0, -1), "busy with one side unpinned is allowed");
	CHECK(!io_placement_rule(&sync_io, 0, 0), "sync on one CPU is allowed");
	CHECK(!io_placement_rule(&epoll_io, 3, 3), "epoll on one CPU is allowed");
	why = io_placement_rule(&busy_io, 2, 2);
	CHECK(why && strstr(why, "one core cannot spin for two") && strstr(why, "CPU 2"),
	      "busy on one CPU is refused: %s", why ? why : "(allowed)");
	CHECK(io_placement_rule(&shm_spin_io, 0, 0) != NULL, "so is shm's spin on one CPU");
}

static void test_rx_cap(void)
{
	struct bench_cfg cfg;

	cfg_defaults(&cfg);
	cfg.size = 100;
	cfg.role = ROLE_SERVER;
	CHECK(cfg_recv_size(&cfg) == 65536, "recv size: max(size, 64 KiB)");
	CHECK(mode_rx_cap(&throughput_mode, &cfg, 0) == 65536, "stream receiver reads 64 KiB");
	CHECK(mode_rx_cap(&throughput_mode, &cfg, SOCK_F_DGRAM) == 100, "datagram receiver: one");
	CHECK(mode_rx_cap(&latency_mode, &cfg, 0) == 100, "request/response: one message");
	cfg.size = 1 << 20;
	CHECK(mode_rx_cap(&throughput_mode, &cfg, 0) == 1 << 20, "above 64 KiB: the size");
	cfg.recv_size = 4096;
	CHECK(mode_rx_cap(&throughput_mode, &cfg, 0) == 4096, "--recv-size overrides");
	CHECK(mode_rx_cap(&latency_mode, &cfg, 0) == 1 << 20, "but not for request/response");
	cfg.role = ROLE_CLIENT;
	CHECK(mode_rx_cap(&throughput_mode, &cfg, 0) == 0, "a one-way sender receives nothing");
	CHECK(mode_rx_cap(&latency_mode, &cfg, SOCK_F_DGRAM) == 1 << 20, "a client's reply");
	CHECK(throughput_mode.one_way && !latency_mode.one_way, "which modes are one-way");
}

/* --resp-size: the client sends requests and receives replies, the server the reverse. */
static void test_reply_size(void)
{
	struct bench_cfg cfg;

	cfg_defaults(&cfg);
	cfg.size = 100;
	cfg.role = ROLE_CLIENT;
	CHECK(mode_tx_size(&latency_mode, &cfg) == 100 && mode_rx_cap(&latency_mode, &cfg, 0) == 100,
	      "no --resp-size: the reply is as large as the request");
	cfg.resp_size = 65536;
	CHECK(mode_tx_size(&connect_mode, &cfg) == 100, "the client sends the request");
	CHECK(mode_rx_cap(&connect_mode, &cfg, 0) == 65536, "and receives the reply");
	cfg.role = ROLE_SERVER;
	CHECK(mode_tx_size(&latency_mode, &cfg) == 65536, "the server sends the reply");
	CHECK(mode_rx_cap(&latency_mode, &cfg, 0) == 100, "and receives the request");
	CHECK(mode_tx_size(&throughput_mode, &cfg) == 100, "one-way: --size only");
	CHECK(connect_mode.per_connection && !latency_mode.per_connection,
	      "only connect opens a connection per transaction");
}

/* Connect mode's messages stand alone: a reply names its request by its first bytes. */
static void test_standalone_messages(void)
{
	struct payload pl;
	uint8_t buf[64];

	if (payload_init(&pl, sizeof(buf), sizeof(buf), sizeof(buf), true) < 0) {
		CHECK(0, "payload_init");
		return;
	}
	payload_fill(&pl, buf, 0x123456789aULL);
	CHECK(payload_seq(buf, sizeof(buf)) == 0x123456789aULL, "a message carries its number");
	CHECK(payload_seq(buf, 3) == 0x56789aULL, "a 3-byte one its 3 low bytes");
	payload_check_seq(&pl, buf, sizeof(buf), 0x123456789aULL);
	CHECK(pl.errors == 0, "message n checks as n");
	payload_check_seq(&pl, buf, sizeof(buf), 7);
	CHECK(pl.errors > 0, "and not as another");
	payload_free(&pl);
}

int main(void)
{
	test_table();
	test_sock_io();
	test_placement();
	test_rx_cap();
	test_reply_size();
	test_standalone_messages();
	return unit_done();
}
