"""stats - every statistic of ipcperf, once: the summary of a point's reps
(median, its distribution-free interval, CV), the Mann-Whitney rank test of
two sets of reps (scripts/compare), and the interval of the ratio between
two sets of reps (the report's speed-ups). summary.csv, compare and plots/
all take them from here.

    >>> median([3, 1, 2]), ci_median([5, 1, 4, 2, 3, 6]), round(cv([1, 2, 3]), 3)
    (2, (1, 6), 0.5)
    >>> median_ci([5, 1, 4, 2, 3, 6])
    MedianCI(median=3.5, low=1, high=6, level=0.96875, n=6)
    >>> mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    (0.0, 0.007936507936507936)
    >>> ratio_ci([2, 4, 8], [1, 2, 4])
    Ratio(ratio=2.0, low=0.5, high=8.0, level=0.9, n_a=3, n_b=3)

Median interval. [x(k), x(n-k+1)] of the sorted values for the largest k
whose coverage 1 - 2 P(Binomial(n, 1/2) <= k-1) is at least the confidence:
it assumes nothing about the distribution, which suits few reps of a noisy
machine. With fewer than 6 values no pair reaches 95% and the interval is
the range [min, max] (results/README.md).

Ratio interval. Each rep is one independent measurement, so take a and b as
two samples and assume what differs between them is a scale factor (a shift
of log values, the usual model for rates and times). The distribution-free
interval for that shift inverts the Mann-Whitney test: it is a pair of order
statistics of the n*m pairwise ratios a_i / b_j, [D(k), D(nm+1-k)], whose
exact coverage is 1 - 2 P(U <= k-1) under the null distribution of U (Bauer
1972; what R's wilcox.test(conf.int = TRUE) reports). Chosen over a bootstrap
because with 3-5 reps a bootstrap's "95%" is not attained (it can only
recombine a handful of values, and is anti-conservative there), while this
interval states the confidence it really has: with 3 and 3 reps the best
possible is the full range of pairwise ratios at 90%, with 5 and 5 it is
96.8%. The point estimate is the ratio of the medians, the numbers in
summary.csv.

Rank test. Two-sided Mann-Whitney U on two sets of reps, exact (the
permutation distribution of the rank sum, ties as midranks) up to
EXACT_MAX_N values in all, which covers every sane --reps; beyond that the
normal approximation with tie correction. With 5 reps a side the smallest
two-sided p is 2/252 = 0.008; with 2 it is 1/3.

The sections below are by kind: one sample, two independent samples. The
paired statistics of an A/B run (Wilcoxon signed-rank, Hodges-Lehmann) go in
a section of their own beside them, multiplicity corrections (Holm,
Benjamini-Hochberg) and change-point tests after those; each returns a
namedtuple that states the level it attains, as MedianCI and Ratio do.
"""

import functools
import math
from collections import namedtuple

# No finding of the report (plots/) rests on an interval of lower confidence.
MIN_CLAIM_LEVEL = 0.90
# The confidence of the summary's intervals (summary.csv, --precision).
CONFIDENCE = 0.95
# The exact rank test up to this many values in all; the normal approximation above.
EXACT_MAX_N = 60

MedianCI = namedtuple("MedianCI", "median low high level n")
Ratio = namedtuple("Ratio", "ratio low high level n_a n_b")


# ------------------------------------------------------------ one sample --

def median(values):
    """Median of a non-empty sequence; the mean of the middle two when even."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("median of no values")
    mid = n // 2
    if n % 2:
        return xs[mid]
    return (xs[mid - 1] + xs[mid]) / 2


def _binom_cdf_half(k, n):
    """P(Binomial(n, 1/2) <= k)."""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n


def ci_rank(n, confidence=0.95):
    """The 1-based rank k of the interval [x(k), x(n-k+1)], or 0 when no pair
    of order statistics reaches the confidence."""
    best = 0
    for k in range(1, n // 2 + 1):
        if 1 - 2 * _binom_cdf_half(k - 1, n) >= confidence:
            best = k
        else:
            break
    return best


def median_ci(values, confidence=0.95):
    """MedianCI of the values that are not None (None when there are none):
    the median, the interval [x(k), x(n+1-k)] (the range when no pair
    reaches the confidence), and level, the coverage it attains."""
    xs = sorted(x for x in values if x is not None)
    n = len(xs)
    if not n:
        return None
    k = ci_rank(n, confidence) or 1
    level = 1 - 2 * _binom_cdf_half(k - 1, n)
    return MedianCI(median(xs), xs[k - 1], xs[n - k], level, n)


def half_width_pct(ci):
    """How far a MedianCI reaches from its median on its wider side, as a
    percentage of the median: the interval lies within +-this of it
    (summary.csv's precision_pct, what --precision holds points to). None
    for a zero median.

    >>> half_width_pct(MedianCI(median=100, low=90, high=104, level=0.96, n=6))
    10.0
    """
    if not ci.median:
        return None
    return max(ci.median - ci.low, ci.high - ci.median) / abs(ci.median) * 100


def ci_median(values, confidence=0.95):
    """(low, high) confidence interval of the median of a non-empty sequence."""
    ci = median_ci(values, confidence)
    if ci is None:
        raise ValueError("interval of no values")
    return ci.low, ci.high


def cv(values):
    """Sample standard deviation / mean as a fraction; None when undefined
    (fewer than 2 values, or a zero mean)."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    if mean == 0:
        return None
    var = sum((x - mean) ** 2 for x in values) / (n - 1)
    return math.sqrt(var) / abs(mean)


# ------------------------------------------- two independent samples --

@functools.lru_cache(maxsize=None)
def mann_whitney_cdf(n, m):
    """P(U <= u) for u = 0..n*m, U the Mann-Whitney count for samples of n and
    m without ties (what the ratio interval needs, for any n and m). The
    counts of U are the coefficients of the Gaussian binomial
    [n+m choose n]_q = prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i), multiplied
    out exactly in integers: O(n * n * m)."""
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


def _doubled_midranks(xs, ys):
    """-> (scores, in_x): twice the midrank of every pooled value (integers,
    so that sums stay exact) and whether it came from xs."""
    pooled = sorted([(v, True) for v in xs] + [(v, False) for v in ys],
                    key=lambda t: t[0])
    n = len(pooled)
    scores = [0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):       # ranks i+1 .. j+1 share (i+j+2)/2
            scores[k] = i + j + 2
        i = j + 1
    return scores, [p[1] for p in pooled]


def _rank_sum_counts(scores, k):
    """{sum: ways} of choosing k of the scores: the permutation distribution
    of a rank sum, conditional on the ties seen (the test's null
    distribution; mann_whitney_cdf is the untied one, in closed form)."""
    ways = [dict() for _ in range(k + 1)]
    ways[0][0] = 1
    for used, sc in enumerate(scores, 1):
        for j in range(min(k, used), 0, -1):
            dst = ways[j]
            for s, c in ways[j - 1].items():
                dst[s + sc] = dst.get(s + sc, 0) + c
    return ways[k]


def _normal_p(u, n1, n2, scores):
    """Two-sided p of U by the normal approximation, with the tie correction
    (from the tie group sizes) and a continuity correction."""
    n = n1 + n2
    groups = {}
    for sc in scores:
        groups[sc] = groups.get(sc, 0) + 1
    tie = sum(t ** 3 - t for t in groups.values())
    var = n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = max(0.0, abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return min(1.0, math.erfc(z / math.sqrt(2)))


def mann_whitney_u(xs, ys):
    """Two-sided Mann-Whitney U test of xs against ys -> (u, p).

    u is the U statistic of xs (pairs x > y, plus half the ties), p the
    probability under "same distribution" of a rank sum at least as far from
    its mean as the one observed. Exact up to EXACT_MAX_N values in all
    (ties as midranks, conditional on the ties seen), otherwise normal with
    tie and continuity corrections."""
    n1, n2 = len(xs), len(ys)
    if n1 == 0 or n2 == 0:
        raise ValueError("Mann-Whitney U needs values on both sides")
    n = n1 + n2
    scores, in_x = _doubled_midranks(xs, ys)
    w2 = sum(sc for sc, x in zip(scores, in_x) if x)     # 2 x rank sum of xs
    u = w2 / 2 - n1 * (n1 + 1) / 2
    dev2 = abs(w2 - n1 * (n + 1))                         # from 2 x its mean
    if dev2 == 0:
        return u, 1.0
    if n > EXACT_MAX_N:
        return u, _normal_p(u, n1, n2, scores)
    k = min(n1, n2)         # the distribution of the smaller side is cheaper
    if k != n1:
        w2k = sum(sc for sc, x in zip(scores, in_x) if not x)
        dev2 = abs(w2k - k * (n + 1))
    counts = _rank_sum_counts(scores, k)
    mean2k = k * (n + 1)
    extreme = sum(c for s, c in counts.items() if abs(s - mean2k) >= dev2)
    return u, min(1.0, extreme / math.comb(n, k))


def smallest_p(n1, n2):
    """The smallest two-sided p the exact test can give n1 vs n2 distinct
    values: both orders of complete separation, 2 / C(n1+n2, n1)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def ratio_ci(a, b, conf=0.95):
    """Ratio median(a) / median(b) with the Mann-Whitney interval for the scale
    factor between a and b (see the module docstring). level is the exact
    coverage attained: >= conf when the rep counts allow it, else the most they
    allow (k = 1, the full range). None if either sample is empty or not > 0."""
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
    return Ratio(median(a) / median(b), d[k - 1], d[n * m - k], level, n, m)


def flip(r):
    """The same comparison seen from the other side: b over a."""
    return Ratio(1 / r.ratio, 1 / r.high, 1 / r.low, r.level, r.n_b, r.n_a)
