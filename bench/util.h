/*
 * util.h - error reporting, clocks and small helpers shared by every unit.
 */
#ifndef IPCPERF_UTIL_H
#define IPCPERF_UTIL_H

#include <stdint.h>
#include <time.h>

/* Print "ipcperf: <what>: <strerror(err)>" (err 0: no suffix) and exit(code). */
void die_code(int code, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
#define die(err, ...) die_code(1, (err), __VA_ARGS__)
void warnx_(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Pin the calling process to one CPU; returns 0 or -errno. */
int pin_cpu(int cpu);

/* The CPU the caller runs on now (-1 if unknown). */
int current_cpu(void);

#endif
