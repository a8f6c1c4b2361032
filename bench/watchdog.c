/*
 * watchdog.c - the periodic SIGUSR1 behind watchdog.h.
 */
#include "watchdog.h"

#include <errno.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t watchdog_expired;
volatile unsigned long watchdog_progress;
static unsigned long progress_at_last_tick;
static timer_t timer;
static int timer_armed;

static void on_tick(int sig)
{
	(void)sig;
	if (watchdog_progress == progress_at_last_tick)
		watchdog_expired = 1;
	progress_at_last_tick = watchdog_progress;
}

int watchdog_start(double timeout_s)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;          /* no SA_RESTART: blocked calls return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return -errno;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0)
		return -errno;
	timer_armed = 1;
	watchdog_expired = 0;
	progress_at_last_tick = watchdog_progress;
	its.it_value.tv_sec = (time_t)timeout_s;
	its.it_value.tv_nsec = (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	its.it_interval = its.it_value;
	if (timer_settime(timer, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

void watchdog_stop(void)
{
	if (timer_armed) {
		timer_delete(timer);
		timer_armed = 0;
	}
	watchdog_expired = 0;
}
