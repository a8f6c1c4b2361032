/*
 * mode_throughput.c - one-way stream: the client sends `size`-byte
 * messages for warm-up + duration, the server receives and counts the
 * payload bytes inside its measured window. Stream receivers read up to
 * max(size, 64 KiB) per call (as netperf does) so that a small message size
 * does not make the receiver the bottleneck.
 */
#include <errno.h>

#include "cfg.h"
#include "mode.h"
#include "sock.h"

static int tp_client(struct side *s)
{
	uint64_t seq = 0;
	ssize_t n;

	if (s->io->stream_send) {
		struct stream_stats st = { 0 };
		int ret = s->io->stream_send(&s->ctx, &s->pl, &s->pc, &st);

		s->bytes = st.bytes;
		s->msgs = st.msgs;
		return ret < 0 ? side_fail(s, ret, "send") : EXIT_OK;
	}
	while (phase_tick(&s->pc, s->bytes, s->msgs)) {
		payload_fill(&s->pl, seq++);
		n = s->io->send_msg(&s->ctx, s->pl.tx, s->pl.size);
		if (n < 0)
			return side_fail(s, (int)n, "send");
		s->bytes += (uint64_t)n;
		s->msgs++;
	}
	return EXIT_OK;
}

static int tp_server(struct side *s)
{
	int dgram = s->ctx.sock_flags & SOCK_F_DGRAM;
	int lossy = s->ctx.sock_flags & SOCK_F_LOSSY;
	size_t cap = dgram ? s->pl.size : s->pl.rx_cap;
	ssize_t n;

	if (s->io->stream_recv) {
		struct stream_stats st = { 0 };
		int ret = s->io->stream_recv(&s->ctx, &s->pl, &s->pc, &st);

		s->bytes = st.bytes;
		s->msgs = st.msgs;
		return ret < 0 ? side_fail(s, ret, "receive") : EXIT_OK;
	}
	for (;;) {
		n = s->io->recv_some(&s->ctx, s->pl.rx, cap);
		if (n == 0)
			break;                        /* the client's end of stream */
		if (n < 0)
			return side_fail(s, (int)n, "receive");
		if (dgram && (size_t)n != s->pl.size)
			return side_fail(s, -EMSGSIZE, "receive");
		if (lossy)
			payload_check_lossy(&s->pl, s->pl.rx, (size_t)n);
		else
			payload_check_stream(&s->pl, s->pl.rx, (size_t)n);
		s->bytes += (uint64_t)n;
		s->msgs = s->bytes / s->pl.size;
		phase_tick(&s->pc, s->bytes, s->msgs);
	}
	phase_force_end(&s->pc, s->bytes, s->msgs);
	return EXIT_OK;
}

const struct mode_ops throughput_mode = {
	.name = "throughput",
	.client = tp_client,
	.server = tp_server,
};
