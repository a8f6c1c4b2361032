/*
 * unit.h - a minimal TAP producer for the C unit tests: each CHECK prints
 * "ok N - what" or "not ok N - what"; unit_done() prints the plan and the
 * summary line tests/run.py reads, and returns the exit status.
 */
#ifndef IPCPERF_UNIT_H
#define IPCPERF_UNIT_H

#include <stdio.h>

static int unit_run, unit_failed;

#define CHECK(cond, ...) do {                                            \
	unit_run++;                                                      \
	if (!(cond))                                                     \
		unit_failed++;                                           \
	printf("%s %d - ", (cond) ? "ok" : "not ok", unit_run);          \
	printf(__VA_ARGS__);                                             \
	putchar('\n');                                                   \
} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n# %d passed, %d failed\n", unit_run, unit_run - unit_failed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
