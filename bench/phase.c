/*
 * phase.c - warm-up and measured window, driven by an interval timer.
 */
#include "phase.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "util.h"

volatile sig_atomic_t phase_current;
static double window_s;

static void arm(double seconds)
{
	struct itimerval it = { 0 };

	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;   /* zero would disarm the timer */
	setitimer(ITIMER_REAL, &it, NULL);
}

static void on_alarm(int sig)
{
	(void)sig;
	if (phase_current == PHASE_WARMUP) {
		phase_current = PHASE_MEASURE;
		arm(window_s);
	} else {
		phase_current = PHASE_DONE;
	}
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

static void take_rusage(struct phase_mark *m)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	m->cpu_user_ns = tv_ns(ru.ru_utime);
	m->cpu_sys_ns = tv_ns(ru.ru_stime);
	m->vcsw = (uint64_t)ru.ru_nvcsw;
	m->ivcsw = (uint64_t)ru.ru_nivcsw;
}

static void read_forwarders(struct phase_clock *pc, struct phase_mark *m)
{
	if (pc->n_fwd)
		m->fwd_err = counters_read_pids(pc->fwd_pids, pc->n_fwd, &m->fwd, &pc->fwd_bad);
}

/*
 * Reading /proc takes tens of microseconds: at the start it happens before
 * the clock and rusage are read, at the end after them, so that neither
 * the window nor its CPU time contains it.
 */
static void take_start_mark(struct phase_clock *pc, uint64_t bytes, uint64_t msgs)
{
	struct phase_mark *m = &pc->start;

	counters_read(&m->kernel, pc->cpu);
	read_forwarders(pc, m);
	take_rusage(m);
	m->bytes = bytes;
	m->msgs = msgs;
	m->t_ns = now_ns();
}

static void take_end_mark(struct phase_clock *pc, uint64_t bytes, uint64_t msgs)
{
	struct phase_mark *m = &pc->end;

	m->t_ns = now_ns();
	m->bytes = bytes;
	m->msgs = msgs;
	take_rusage(m);
	counters_read(&m->kernel, pc->cpu);
	read_forwarders(pc, m);
}

int phase_start(struct phase_clock *pc, double warmup_s, double duration_s, int cpu)
{
	struct sigaction sa;

	memset(pc, 0, sizeof(*pc));
	pc->cpu = cpu;
	counters_prepare(cpu);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	window_s = duration_s;
	pc->seen = PHASE_WARMUP;
	if (warmup_s > 0) {
		phase_current = PHASE_WARMUP;
		arm(warmup_s);
	} else {
		phase_current = PHASE_MEASURE;
		arm(duration_s);
	}
	return 0;
}

void phase_watch(struct phase_clock *pc, const long *pids, int n)
{
	pc->fwd_pids = pids;
	pc->n_fwd = n;
}

void phase_stop(void)
{
	struct itimerval off = { 0 };

	setitimer(ITIMER_REAL, &off, NULL);
}

void phase_advance(struct phase_clock *pc, uint64_t bytes, uint64_t msgs)
{
	if (pc->seen == PHASE_WARMUP) {
		take_start_mark(pc, bytes, msgs);
		pc->seen = PHASE_MEASURE;
	}
	if (pc->seen == PHASE_MEASURE && phase_current == PHASE_DONE &&
	    bytes > pc->start.bytes) {
		take_end_mark(pc, bytes, msgs);
		pc->seen = PHASE_DONE;
	}
}

void phase_force_end(struct phase_clock *pc, uint64_t bytes, uint64_t msgs)
{
	if (pc->seen == PHASE_MEASURE) {
		take_end_mark(pc, bytes, msgs);
		pc->seen = PHASE_DONE;
	}
}

uint64_t phase_window_ns(const struct phase_clock *pc)
{
	return pc->seen == PHASE_DONE ? pc->end.t_ns - pc->start.t_ns : 0;
}
