/*
 * mode.h - the workload axis. Each mode is written once against io_ops and
 * runs one side of one test; the session (session.c) does the handshake,
 * the pinning and the reporting around it.
 */
#ifndef IPCPERF_MODE_H
#define IPCPERF_MODE_H

#include <stdint.h>

#include "hist.h"
#include "io.h"
#include "payload.h"
#include "phase.h"

struct bench_cfg;

/* One side's view of one test. */
struct side {
	const struct bench_cfg *cfg;   /* size, duration, warm-up, verify ... */
	const struct io_ops *io;
	struct io_ctx ctx;
	struct payload pl;
	struct phase_clock pc;
	struct hist *lat;              /* latency client only: round trips */
	uint64_t bytes;                /* totals over the whole test */
	uint64_t msgs;
	char note[192];                /* why the side failed, if it did */
};

struct mode_ops {
	const char *name;
	/* Each returns EXIT_OK or EXIT_FAIL (with side->note set). */
	int (*client)(struct side *s);
	int (*server)(struct side *s);
};

extern const struct mode_ops throughput_mode;
extern const struct mode_ops latency_mode;
extern const struct mode_ops *const mode_table[];
const struct mode_ops *mode_find(const char *name);

/* Set side->note from an -errno and an operation name; returns EXIT_FAIL. */
int side_fail(struct side *s, int neg_errno, const char *what);

#endif
