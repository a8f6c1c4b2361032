/*
 * test_hist.c - histogram percentiles against a sorted-array reference on
 * random data of several shapes: every reported percentile must be within
 * the stated 1% of the exact order statistic.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "hist.h"
#include "unit.h"

#define N 200000

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double uniform01(void)
{
	return (double)(rng() >> 11) / (double)(1ULL << 53);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Exact percentile by the same definition: the ceil(p/100*n)-th smallest. */
static uint64_t exact(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	return sorted[(rank ? rank : 1) - 1];
}

static void check_shape(const char *name, uint64_t (*draw)(void))
{
	static uint64_t v[N];
	static struct hist h;
	static const double ps[] = { 1, 10, 50, 90, 99, 99.9, 99.99, 100 };
	double sum = 0, worst = 0;

	hist_init(&h);
	for (size_t i = 0; i < N; i++) {
		v[i] = draw();
		hist_add(&h, v[i]);
		sum += (double)v[i];
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double want = (double)exact(v, N, ps[i]);
		double got = (double)hist_percentile(&h, ps[i]);
		double err = fabs(got - want) / (want ? want : 1);

		if (err > worst)
			worst = err;
		CHECK(err <= 0.01, "%s p%g: hist %.0f, exact %.0f (error %.3f%%)",
		      name, ps[i], got, want, err * 100);
	}
	CHECK(fabs(hist_mean(&h) - sum / N) < 1e-6 * (sum / N), "%s mean is exact", name);
	CHECK(h.min == v[0] && h.max == v[N - 1], "%s min and max are exact", name);
	printf("# %s: worst percentile error %.3f%%\n", name, worst * 100);
}

static uint64_t draw_lognormal(void)   /* latency-like: ~80 us, long tail */
{
	double u1 = uniform01() + 1e-12, u2 = uniform01();
	double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);

	return (uint64_t)(80000.0 * exp(0.5 * z));
}

static uint64_t draw_uniform_wide(void)  /* 1 ns .. 1 s */
{
	return 1 + (uint64_t)pow(10.0, 9.0 * uniform01());
}

static uint64_t draw_small(void)         /* the exact region below 128 */
{
	return rng() % 300;
}

int main(void)
{
	struct hist h;

	check_shape("lognormal", draw_lognormal);
	check_shape("log-uniform", draw_uniform_wide);
	check_shape("small", draw_small);

	hist_init(&h);
	CHECK(hist_percentile(&h, 50) == 0, "empty histogram reports 0");
	hist_add(&h, 12345);
	CHECK(hist_percentile(&h, 0) == 12345 && hist_percentile(&h, 100) == 12345,
	      "one sample: every percentile is that sample (clamped to min/max)");
	hist_add(&h, UINT64_MAX / 2);
	CHECK(hist_percentile(&h, 100) == UINT64_MAX / 2, "huge values land in range");
	return unit_done();
}
