"""plotstats.py - the few statistics the plot driver derives from per-rep values.

The medians and their intervals of single points are the harness's (summary.csv).
What summary.csv cannot hold is computed here from the reps in results.csv:
ratios between two points (speed-up of a transport over a baseline, uring over
sync, same core over split) and per-side CPU time per message.

    >>> ratio_ci([2, 4, 8], [1, 2, 4])
    Ratio(ratio=2.0, low=0.5, high=8.0, level=0.9, n_a=3, n_b=3)

Ratio interval.  Each rep is one independent measurement, so take a and b as
two samples and assume what differs between them is a scale factor (a shift of
log values, the usual model for rates and times).  The distribution-free
interval for that shift inverts the Mann-Whitney test: it is a pair of order
statistics of the n*m pairwise ratios a_i / b_j, [D(k), D(nm+1-k)], whose
exact coverage is 1 - 2 P(U <= k-1) under the null distribution of U (Bauer
1972; what R's wilcox.test(conf.int = TRUE) reports).  Chosen over a bootstrap
because with 3-5 reps a bootstrap's "95%" is not attained (it can only
recombine a handful of values, and is anti-conservative there), while this
interval states the confidence it really has: with 3 and 3 reps the best
possible is the full range of pairwise ratios at 90%, with 5 and 5 it is 96.8%.
The point estimate is the ratio of the medians, the numbers in summary.csv.
"""
import functools
import math
import statistics
from collections import namedtuple

# No finding of the report (draw.py, why.py) rests on an interval of lower confidence.
MIN_CLAIM_LEVEL = 0.90

Ratio = namedtuple("Ratio", "ratio low high level n_a n_b")
MedianCI = namedtuple("MedianCI", "median low high level n")


@functools.lru_cache(maxsize=None)
def mann_whitney_cdf(n, m):
    """P(U <= u) for u = 0..n*m, U the Mann-Whitney count for samples of n and
    m without ties.  The counts of U are the coefficients of the Gaussian
    binomial [n+m choose n]_q = prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i),
    multiplied out exactly in integers: O(n * n * m)."""
    size = n * m + 1
    poly = [1] + [0] * (size - 1)
    for i in range(1, n + 1):
        a = m + i
        for u in range(size - 1, a - 1, -1):       # times (1 - q^a)
            poly[u] -= poly[u - a]
        for u in range(i, size):                    # divided by (1 - q^i), exact
            poly[u] += poly[u - i]
    total = math.comb(n + m, n)
    cdf, acc = [], 0
    for c in poly:
        acc += c
        cdf.append(acc / total)
    return tuple(cdf)


def ratio_ci(a, b, conf=0.95):
    """Ratio median(a) / median(b) with the Mann-Whitney interval for the scale
    factor between a and b (see the module docstring).  level is the exact
    coverage attained: >= conf when the rep counts allow it, else the most they
    allow (k = 1, the full range).  None if either sample is empty or not > 0."""
    a = [x for x in a if x is not None]
    b = [x for x in b if x is not None]
    if not a or not b or min(a) <= 0 or min(b) <= 0:
        return None
    n, m = len(a), len(b)
    d = sorted(x / y for x in a for y in b)
    cdf = mann_whitney_cdf(n, m)
    # largest k with P(U <= k-1) <= alpha/2; k = 1 (the full range) if none
    k = 1
    for u in range(n * m // 2):
        if cdf[u] > (1 - conf) / 2:
            break
        k = u + 1
    level = 1 - 2 * cdf[k - 1]
    return Ratio(statistics.median(a) / statistics.median(b), d[k - 1], d[n * m - k],
                 level, n, m)


def median_ci(xs, conf=0.95):
    """Median with the distribution-free order-statistic interval summary.csv
    uses: the widest symmetric pair [x(k), x(n+1-k)] with coverage >= conf, and
    with too few values for that (under 6 at 95%) the range.  level is the
    coverage attained: 1 - 2 P(Binomial(n, 1/2) <= k-1)."""
    xs = sorted(x for x in xs if x is not None)
    n = len(xs)
    if not n:
        return None
    k, cum = 1, 0.0
    for j in range(n // 2):
        cum += math.comb(n, j) / 2 ** n
        if 2 * cum > 1 - conf:
            break
        k = j + 1
    level = 1 - 2 * sum(math.comb(n, j) for j in range(k)) / 2 ** n
    return MedianCI(statistics.median(xs), xs[k - 1], xs[n - k], level, n)
