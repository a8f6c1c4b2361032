/*
 * mode_throughput.c - one-way stream: the client sends `size`-byte
 * messages for warm-up + duration, the server receives and counts the
 * payload bytes inside its measured window. Stream receivers read the
 * receive size per call (cfg_recv_size); io modes that queue (uring) keep
 * several messages in flight through io_queue_send, and may hand received
 * bytes over in buffers of their own (io_recv_stream): the loops, the
 * counts and the checks stay here, once for every io mode.
 */
#include <errno.h>

#include "cfg.h"
#include "mode.h"
#include "sock.h"

static void sent(struct side *s, uint64_t msgs)
{
	s->bytes += msgs * s->pl.size;
	s->msgs += msgs;
}

static int tp_client(struct side *s)
{
	uint64_t seq = 0;
	uint8_t *buf;
	ssize_t n;

	while (phase_tick(&s->pc, s->bytes, s->msgs)) {
		buf = io_send_buf(&s->ctx, s->pl.tx);
		payload_fill(&s->pl, buf, seq++);
		n = io_queue_send(&s->ctx, buf, s->pl.size);
		if (n < 0)
			return side_fail(s, (int)n, "send");
		sent(s, (uint64_t)n);
	}
	n = io_flush_sends(&s->ctx);
	if (n < 0)
		return side_fail(s, (int)n, "send");
	sent(s, (uint64_t)n);
	return EXIT_OK;
}

/*
 * Account for one receive of n bytes at data: a datagram must be one whole
 * message, the bytes are checked (by sequence number where the path may
 * lose datagrams), counted, and the phase ticked. 0 or -EMSGSIZE.
 */
static int received(struct side *s, const uint8_t *data, size_t n)
{
	if ((s->ctx.sock_flags & SOCK_F_DGRAM) && n != s->pl.size)
		return -EMSGSIZE;                 /* never accept a cut or odd datagram */
	if (s->ctx.sock_flags & SOCK_F_LOSSY)
		payload_check_lossy(&s->pl, data, n);
	else
		payload_check_stream(&s->pl, data, n);
	s->bytes += n;
	s->msgs = s->bytes / s->pl.size;
	phase_tick(&s->pc, s->bytes, s->msgs);
	return 0;
}

static int tp_server(struct side *s)
{
	const void *data;
	ssize_t n;
	int ret;

	while ((n = io_recv_stream(&s->ctx, s->pl.rx, s->ctx.rx_cap, &data)) > 0)
		if ((ret = received(s, data, (size_t)n)) < 0)
			return side_fail(s, ret, "receive");
	if (n < 0)
		return side_fail(s, (int)n, "receive");
	phase_force_end(&s->pc, s->bytes, s->msgs);   /* n == 0: the client's end of stream */
	return EXIT_OK;
}

const struct mode_ops throughput_mode = {
	.name = "throughput",
	.one_way = true,
	.client = tp_client,
	.server = tp_server,
};
