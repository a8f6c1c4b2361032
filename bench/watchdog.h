/*
 * watchdog.h - a --timeout for data paths that have no SO_RCVTIMEO
 * (pipes). A periodic SIGUSR1, installed without SA_RESTART, interrupts a
 * blocked read or write; if no I/O completed since the previous tick, the
 * watchdog has expired and the I/O mode reports -ETIMEDOUT. The hot path
 * pays one increment per operation (watchdog_feed).
 */
#ifndef IPCPERF_WATCHDOG_H
#define IPCPERF_WATCHDOG_H

#include <signal.h>

extern volatile sig_atomic_t watchdog_expired;
extern volatile unsigned long watchdog_progress;

static inline void watchdog_feed(void)
{
	watchdog_progress++;
}

/* Start ticking every timeout_s seconds; returns 0 or -errno. */
int watchdog_start(double timeout_s);
void watchdog_stop(void);

#endif
