/*
 * hist.c - percentiles of the log-linear histogram.
 */
#include "hist.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* The [low, low + width) range of values that land in bucket i. */
static void bucket_range(unsigned i, uint64_t *low, uint64_t *width)
{
	unsigned shift;

	if (i < HIST_SUB) {
		*low = i;
		*width = 1;
		return;
	}
	shift = (i - HIST_SUB) / HIST_SUB;
	*low = (uint64_t)(HIST_SUB + (i - HIST_SUB) % HIST_SUB) << shift;
	*width = 1ULL << shift;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, low, width, v;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max;              /* the top rank is known exactly */
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen < rank)
			continue;
		bucket_range(i, &low, &width);
		v = low + (width - 1) / 2;
		return v < h->min ? h->min : v > h->max ? h->max : v;
	}
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
