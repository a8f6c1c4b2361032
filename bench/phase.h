/*
 * phase.h - the measured window. A timer (SIGALRM) moves a global phase
 * from warm-up to measure to done; workloads poll it once per message with
 * phase_tick(), which takes a mark (clock, counters, rusage) the first time
 * it sees a new phase. The timer never touches the counters, so the hot
 * path is one load and one compare per message.
 */
#ifndef IPCPERF_PHASE_H
#define IPCPERF_PHASE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

enum phase { PHASE_WARMUP = 0, PHASE_MEASURE = 1, PHASE_DONE = 2 };

struct phase_mark {
	uint64_t t_ns;
	uint64_t bytes;
	uint64_t msgs;
	uint64_t cpu_user_ns;
	uint64_t cpu_sys_ns;
	uint64_t vcsw;
	uint64_t ivcsw;
	struct counters kernel;   /* read outside the window (before start, after end) */
	struct proc_cpu fwd;      /* the forwarders' CPU time, read with kernel */
	int fwd_err;              /* 0, or -errno reading a forwarder's /proc/PID/stat */
};

struct phase_clock {
	int seen;                 /* the phase this side has acted on */
	int cpu;                  /* the pinned CPU (-1: all), for /proc/stat */
	const long *fwd_pids;     /* forwarders whose CPU time is read at each mark */
	int n_fwd;
	long fwd_bad;             /* the pid whose stat could not be read */
	struct phase_mark start;  /* taken entering PHASE_MEASURE */
	struct phase_mark end;    /* taken entering PHASE_DONE */
};

extern volatile sig_atomic_t phase_current;

/* Arm the timer: warm-up, then the window. Returns 0 or -errno. */
int phase_start(struct phase_clock *pc, double warmup_s, double duration_s, int cpu);
/* Read the CPU time of pids (forwarders) at the marks too; after phase_start. */
void phase_watch(struct phase_clock *pc, const long *pids, int n);
/* Disarm the timer (idempotent). */
void phase_stop(void);

/* Slow path of phase_tick(); bytes/msgs are the side's running totals. */
void phase_advance(struct phase_clock *pc, uint64_t bytes, uint64_t msgs);

/*
 * Call after each message. Returns false once the window has closed. The
 * window closes only after at least one byte moved inside it, so a message
 * longer than --duration still yields a real measurement.
 */
static inline bool phase_tick(struct phase_clock *pc, uint64_t bytes, uint64_t msgs)
{
	if (__builtin_expect(pc->seen != phase_current, 0))
		phase_advance(pc, bytes, msgs);
	return pc->seen != PHASE_DONE;
}

/* The peer ended the test: close the window now (no-op if already closed). */
void phase_force_end(struct phase_clock *pc, uint64_t bytes, uint64_t msgs);

/* Window length in ns (0 if it never opened). */
uint64_t phase_window_ns(const struct phase_clock *pc);

#endif
