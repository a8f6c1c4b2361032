/*
 * mode_latency.c - ping-pong, one request in flight: the client sends a
 * request of --size bytes, the server answers with a reply of --resp-size
 * bytes (the same by default), and the client times each round trip with
 * CLOCK_MONOTONIC into a histogram. Only round trips that start inside the
 * measured window are recorded.
 *
 *   $ bench/ipcperf client --socket unix-stream --addr /tmp/s --mode latency \
 *         --size 100 --resp-size 64K
 *   ... mode=latency size_bytes=100 resp_size_bytes=65536 ... lat_p50_ns=...
 */
#include <errno.h>

#include "cfg.h"
#include "mode.h"
#include "util.h"

static int lat_client(struct side *s)
{
	size_t req = s->pl.size, resp = s->pl.rx_size;
	uint64_t seq = 0, t0;
	ssize_t n;

	while (phase_tick(&s->pc, s->bytes, s->msgs)) {
		payload_fill(&s->pl, s->pl.tx, seq++);
		t0 = now_ns();
		n = io_send(&s->ctx, s->pl.tx, req);
		if (n < 0)
			return side_fail(s, (int)n, "send request");
		n = io_recv_msg(&s->ctx, s->pl.rx, resp);
		if (n <= 0)
			return side_fail(s, n ? (int)n : -ECONNRESET, "receive reply");
		if (s->pc.seen == PHASE_MEASURE)
			hist_add(s->lat, now_ns() - t0);
		payload_check_stream(&s->pl, s->pl.rx, resp);
		s->bytes += req + resp;
		s->msgs++;
	}
	return EXIT_OK;
}

/* Each reply is message seq of the reply stream: the client checks it as one. */
static int lat_server(struct side *s)
{
	size_t req = s->pl.rx_size, resp = s->pl.size;
	uint64_t seq = 0;
	ssize_t n;

	for (;;) {
		n = io_recv_msg(&s->ctx, s->pl.rx, req);
		if (n == 0)
			break;                        /* the client is done */
		if (n < 0)
			return side_fail(s, (int)n, "receive request");
		payload_check_stream(&s->pl, s->pl.rx, req);
		payload_fill(&s->pl, s->pl.tx, seq++);
		n = io_send(&s->ctx, s->pl.tx, resp);
		if (n < 0)
			return side_fail(s, (int)n, "send reply");
		s->bytes += req + resp;
		s->msgs++;
		phase_tick(&s->pc, s->bytes, s->msgs);
	}
	phase_force_end(&s->pc, s->bytes, s->msgs);
	return EXIT_OK;
}

const struct mode_ops latency_mode = {
	.name = "latency",
	.one_way = false,
	.client = lat_client,
	.server = lat_server,
};
