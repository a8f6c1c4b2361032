/*
 * helper.h - what the test helpers (pingpong.c, crr.c) share: one-line
 * failure, the clock, CPU pinning, the split placement and sorting
 * samples. Header-only, so each helper still builds from its one .c file;
 * nothing here comes from bench/ (an independent reference is the point).
 * Define HELPER_NAME before including it.
 */
#ifndef IPCPERF_TEST_HELPER_H
#define IPCPERF_TEST_HELPER_H

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fail(const char *what)
{
	fprintf(stderr, HELPER_NAME ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fail("sched_setaffinity");
}

/* ipcperf's --cpus split: the server on the first CPU of the affinity
 * mask, the client on the second; exit 2 with one line without two. */
static void split_cpus(int *server_cpu, int *client_cpu)
{
	cpu_set_t set;
	int cpus[2], k = 0;

	sched_getaffinity(0, sizeof(set), &set);
	for (int i = 0; i < CPU_SETSIZE && k < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[k++] = i;
	if (k < 2) {
		fprintf(stderr, HELPER_NAME ": needs two CPUs in the affinity mask (or -c S,C)\n");
		exit(2);
	}
	*server_cpu = cpus[0];
	*client_cpu = cpus[1];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#endif
