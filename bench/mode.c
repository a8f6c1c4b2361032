/*
 * mode.c - the table of workloads, and what every workload's side shares:
 * its buffers and io context, and the run around it.
 */
#include "mode.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "sock.h"
#include "util.h"

const struct mode_ops *const mode_table[] = {
	&throughput_mode,
	&latency_mode,
	&connect_mode,
	NULL,
};

const struct mode_ops *mode_find(const char *name)
{
	for (const struct mode_ops *const *m = mode_table; *m; m++)
		if (name && !strcmp((*m)->name, name))
			return (*m)->client && (*m)->server ? *m : NULL;
	return NULL;
}

const char *mode_names(void)
{
	static char names[96];
	size_t n = 0;

	for (const struct mode_ops *const *m = mode_table; *m && n < sizeof(names); m++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", (*m)->name);
	return names;
}

size_t mode_tx_size(const struct mode_ops *m, const struct bench_cfg *cfg)
{
	if (!m->one_way && cfg->role == ROLE_SERVER)
		return (size_t)cfg_resp_size(cfg);   /* the reply */
	return (size_t)cfg->size;
}

size_t mode_rx_cap(const struct mode_ops *m, const struct bench_cfg *cfg, unsigned sock_flags)
{
	if (!m->one_way)                      /* one whole reply, or request */
		return (size_t)(cfg->role == ROLE_CLIENT ? cfg_resp_size(cfg) : cfg->size);
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
	s->ctx.size = mode_tx_size(m, cfg);
	s->ctx.rx_cap = mode_rx_cap(m, cfg, sock_flags);
	s->ctx.cfg = cfg;
	s->lfd = -1;
	s->nodelay = -1;
	/* what this side receives: replies on the client, requests on the server */
	return payload_init(&s->pl, s->ctx.size, m->one_way ? (size_t)cfg->size : s->ctx.rx_cap,
			    s->ctx.rx_cap, cfg->verify);
}

/* Sleep until the CLOCK_MONOTONIC time the flows of a test start at. */
static void wait_for_start(uint64_t start_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(start_ns / 1000000000ULL),
			       .tv_nsec = (long)(start_ns % 1000000000ULL) };

	while (start_ns && now_ns() < start_ns &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int side_run(struct side *s, int (*run)(struct side *s))
{
	int ret = s->mode->per_connection ? 0 : io_attach(&s->ctx);

	if (ret < 0)
		return side_fail(s, ret, "attach the io mode");
	wait_for_start(s->cfg->start_ns);
	ret = phase_start(&s->pc, s->cfg->warmup_s, s->cfg->duration_s, s->cfg->cpu);
	if (ret < 0) {
		ret = side_fail(s, ret, "arm the timer");
	} else {
		phase_watch(&s->pc, s->cfg->forwarder_pids, s->cfg->n_forwarders);
		ret = run(s);
	}
	phase_stop();
	if (!s->mode->per_connection)
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
	else if (neg_errno == -EADDRNOTAVAIL)
		snprintf(s->note, sizeof(s->note), "%s: %s (the ephemeral ports are used up: closed "
			 "connections hold them in TIME_WAIT; --close rst releases them at once)",
			 what, strerror(-neg_errno));
	else
		snprintf(s->note, sizeof(s->note), "%s: %s", what, strerror(-neg_errno));
	return EXIT_FAIL;
}
