/*
 * mode.c - the table of workloads, and what every workload's side shares:
 * its buffers and io context, and the run around it.
 */
#include "mode.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "cfg.h"
#include "sock.h"

const struct mode_ops *const mode_table[] = {
	&throughput_mode,
	&latency_mode,
	NULL,
};

const struct mode_ops *mode_find(const char *name)
{
	for (const struct mode_ops *const *m = mode_table; *m; m++)
		if (name && !strcmp((*m)->name, name))
			return (*m)->client && (*m)->server ? *m : NULL;
	return NULL;
}

size_t mode_rx_cap(const struct mode_ops *m, const struct bench_cfg *cfg, unsigned sock_flags)
{
	if (!m->one_way)
		return (size_t)cfg->size;         /* one whole request or reply */
	if (cfg->role == ROLE_CLIENT)
		return 0;                         /* the sender receives nothing */
	if (sock_flags & SOCK_F_DGRAM)
		return (size_t)cfg->size;         /* one datagram */
	return (size_t)cfg_recv_size(cfg);
}

int side_init(struct side *s, const struct bench_cfg *cfg, const struct mode_ops *m,
	      const struct io_ops *io, unsigned sock_flags, int fd, int wfd)
{
	s->cfg = cfg;
	s->mode = m;
	s->ctx.ops = io;
	s->ctx.fd = fd;
	s->ctx.wfd = wfd;
	s->ctx.sock_flags = sock_flags;
	s->ctx.mode = m;
	s->ctx.size = (size_t)cfg->size;
	s->ctx.rx_cap = mode_rx_cap(m, cfg, sock_flags);
	s->ctx.cfg = cfg;
	return payload_init(&s->pl, s->ctx.size, s->ctx.rx_cap, cfg->verify);
}

int side_run(struct side *s, int (*run)(struct side *s))
{
	int ret = io_attach(&s->ctx);

	if (ret < 0)
		return side_fail(s, ret, "attach the io mode");
	ret = phase_start(&s->pc, s->cfg->warmup_s, s->cfg->duration_s, s->cfg->cpu);
	if (ret < 0) {
		ret = side_fail(s, ret, "arm the timer");
	} else {
		phase_watch(&s->pc, s->cfg->forwarder_pids, s->cfg->n_forwarders);
		ret = run(s);
	}
	phase_stop();
	io_detach(&s->ctx);
	return ret;
}

int side_fail(struct side *s, int neg_errno, const char *what)
{
	if (neg_errno == -ETIMEDOUT)
		snprintf(s->note, sizeof(s->note), "%s: peer silent for %.3g s (--timeout)",
			 what, s->cfg->timeout_s);
	else if (neg_errno == -EMSGSIZE)
		snprintf(s->note, sizeof(s->note), "%s: datagram of the wrong size (truncated or cut)",
			 what);
	else
		snprintf(s->note, sizeof(s->note), "%s: %s", what, strerror(-neg_errno));
	return EXIT_FAIL;
}
