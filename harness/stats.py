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
    >>> reduction_ci([10, 20, 40], [5, 10, 20])
    Share(share=0.5, low=-1.0, high=0.875, level=0.9, n_before=3, n_after=3)

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

Share interval. What part of `before` a change took away, 1 - after/before
(the wake-up share of a round trip: (sync - busy) / sync), is a monotone
function of the ratio after/before, so its interval is that of the ratio
mapped through it, [1 - high, 1 - low], at the same level (reduction_ci).

Rank test. Two-sided Mann-Whitney U on two sets of reps, exact (the
permutation distribution of the rank sum, ties as midranks) up to
EXACT_MAX_N values in all, which covers every sane --reps; beyond that the
normal approximation with tie correction. With 5 reps a side the smallest
two-sided p is 2/252 = 0.008; with 2 it is 1/3.

Paired samples (an A/B run, scripts/compare RUN). Rep r of arm A and rep r
of arm B are measured next to each other, so the unit is the pair and its
log ratio d = ln(b/a). Wilcoxon's signed-rank test on the d (exact under the
2^n sign patterns, with tied |d| as midranks, zero d dropped and counted)
gives p; the Hodges-Lehmann estimate, the median of the Walsh averages,
gives the ratio, and the order statistics of the Walsh averages that invert
the test give its interval, stating the level attained. It assumes only
that d is symmetric about its centre under no change, which pairing a rep
with its neighbour makes plausible: a sign test would need no symmetry but
loses a third of the power. With n pairs the smallest two-sided p is 2/2^n:
5 pairs give 0.0625 and can never reach 0.05; 6 give 0.031; 10 give 0.002.

Multiplicity. Holm's step-down adjustment controls the chance of any false
verdict in a run under any dependence between its points; Benjamini-
Hochberg the expected share of false ones. A run of m points can flag one
only if 2/2^n <= alpha/m: n >= 1 + log2(m/alpha) pairs (8 points at 5%: 9).

Runs against runs (scripts/compare BASE1 BASE2 BASE3 NEW): a t prediction
test of NEW's log median against the base runs' log medians (spread_ratio).

Change points (scripts/compare --history): E-divisive means with a
permutation test (change_points), as MongoDB's and Hunter's CI use it.

The sections below are by kind: one sample, two independent samples, paired
samples, multiplicity, runs against runs, change points; each returns a
namedtuple or values that state the level they attain, as MedianCI and Ratio
do.

    >>> paired_ratio([10, 11, 12, 13, 14, 15], [20, 22, 24, 26, 28, 30]).p
    0.03125
    >>> holm([0.01, 0.04, 0.03, 0.005])
    [0.03, 0.06, 0.06, 0.02]
    >>> change_points([10, 10.2, 9.9, 10.1, 10, 9.8, 12, 12.1, 11.9, 12.2, 12, 11.8])
    [ChangePoint(index=6, p=0.0025)]
"""

import functools
import math
import random
import statistics
from collections import namedtuple

# No finding of the report (plots/) rests on an interval of lower confidence.
MIN_CLAIM_LEVEL = 0.90
# The confidence of the summary's intervals (summary.csv, --precision).
CONFIDENCE = 0.95
# The exact rank test up to this many values in all; the normal approximation above.
EXACT_MAX_N = 60

MedianCI = namedtuple("MedianCI", "median low high level n")
Ratio = namedtuple("Ratio", "ratio low high level n_a n_b")
Share = namedtuple("Share", "share low high level n_before n_after")


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


def ci_rank(n, confidence=CONFIDENCE):
    """The 1-based rank k of the interval [x(k), x(n-k+1)], or 0 when no pair
    of order statistics reaches the confidence."""
    best = 0
    for k in range(1, n // 2 + 1):
        if 1 - 2 * _binom_cdf_half(k - 1, n) >= confidence:
            best = k
        else:
            break
    return best


def median_ci(values, confidence=CONFIDENCE):
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


def ci_median(values, confidence=CONFIDENCE):
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


def jain(values):
    """Jain's fairness index of the flows' rates, (sum x)^2 / (n sum x^2):
    1 when all are equal, 1/n when one flow has it all; None without a
    positive value."""
    xs = [float(v) for v in values if v is not None]
    squares = sum(x * x for x in xs)
    if not xs or squares <= 0:
        return None
    return sum(xs) ** 2 / (len(xs) * squares)


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


def ratio_ci(a, b, conf=CONFIDENCE):
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


def reduction_ci(before, after, conf=CONFIDENCE):
    """The share of `before` that `after` no longer takes, 1 - median(after) /
    median(before), with the interval of ratio_ci(after, before) mapped through
    x -> 1 - x: [1 - high, 1 - low], at the level that interval attains (a
    negative share: after took longer). None as ratio_ci."""
    r = ratio_ci(after, before, conf)
    if r is None:
        return None
    return Share(1 - r.ratio, 1 - r.high, 1 - r.low, r.level, r.n_b, r.n_a)


def flip(r):
    """The same comparison seen from the other side: b over a."""
    return Ratio(1 / r.ratio, 1 / r.high, 1 / r.low, r.level, r.n_b, r.n_a)


# ------------------------------------------------------- paired samples --
# An A/B run measures rep r of arm A next to rep r of arm B, so what the
# machine did at that moment falls on both: the unit of evidence is the pair,
# and its log ratio d = ln(b / a) is what is tested and estimated.

Paired = namedtuple("Paired", "ratio low high level n p zeros")


@functools.lru_cache(maxsize=None)
def signed_rank_cdf(n):
    """P(T <= t) for t = 0..n(n+1)/2, T the Wilcoxon signed-rank sum of n
    untied, non-zero differences: the counts of T are those of the subset
    sums of {1..n}, multiplied out exactly in integers (O(n^3))."""
    top = n * (n + 1) // 2
    counts = [1] + [0] * top
    for r in range(1, n + 1):
        for t in range(top, r - 1, -1):
            counts[t] += counts[t - r]
    cdf, acc = [], 0
    for c in counts:
        acc += c
        cdf.append(acc / 2 ** n)
    return tuple(cdf)


def _doubled_abs_midranks(ds):
    """Twice the midrank of each |d| (integers, so that sums stay exact)."""
    order = sorted(range(len(ds)), key=lambda i: abs(ds[i]))
    scores = [0] * len(ds)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and abs(ds[order[j + 1]]) == abs(ds[order[i]]):
            j += 1
        for k in range(i, j + 1):
            scores[order[k]] = i + j + 2
        i = j + 1
    return scores


def _subset_sum_counts(scores):
    """{sum: ways} over the 2^n sign patterns: the permutation distribution
    of the signed-rank sum given the (tied) scores seen."""
    ways = {0: 1}
    for sc in scores:
        nxt = dict(ways)
        for s, c in ways.items():
            nxt[s + sc] = nxt.get(s + sc, 0) + c
        ways = nxt
    return ways


def _signed_rank_normal_p(w2, scores):
    """Two-sided p of the doubled positive rank sum w2 by the normal
    approximation, with the tie and continuity corrections."""
    n = len(scores)
    groups = {}
    for sc in scores:
        groups[sc] = groups.get(sc, 0) + 1
    var = n * (n + 1) * (2 * n + 1) / 24 - sum(t ** 3 - t for t in groups.values()) / 48
    if var <= 0:
        return 1.0
    dev = max(0.0, abs(w2 / 2 - n * (n + 1) / 4) - 0.5)
    return min(1.0, math.erfc(dev / math.sqrt(var) / math.sqrt(2)))


def signed_rank_test(ds):
    """Two-sided Wilcoxon signed-rank test of "the differences ds are
    symmetric about 0" -> (w_plus, p, zeros).

    Zero differences carry no sign and are dropped (Wilcoxon's rule; zeros
    says how many). Tied |d| share their midrank, and the null distribution
    is then the exact one of those scores under the 2^n sign patterns, so p
    is exact with ties too, up to EXACT_MAX_N non-zero differences; beyond,
    the normal approximation with tie and continuity corrections. p is 1.0
    when nothing is left."""
    nonzero = [d for d in ds if d != 0]
    zeros = len(ds) - len(nonzero)
    if not nonzero:
        return 0.0, 1.0, zeros
    scores = _doubled_abs_midranks(nonzero)
    w2 = sum(sc for sc, d in zip(scores, nonzero) if d > 0)
    total2 = sum(scores)                        # 2 x n(n+1)/2
    dev2 = abs(2 * w2 - total2)                 # from 2 x its mean, doubled again
    if dev2 == 0:
        return w2 / 2, 1.0, zeros
    if len(nonzero) > EXACT_MAX_N:
        return w2 / 2, _signed_rank_normal_p(w2, scores), zeros
    counts = _subset_sum_counts(scores)
    extreme = sum(c for s, c in counts.items() if abs(2 * s - total2) >= dev2)
    return w2 / 2, min(1.0, extreme / 2 ** len(nonzero)), zeros


def smallest_signed_rank_p(n):
    """The smallest two-sided p that n pairs can give: every difference of
    one sign, 2 / 2^n. 5 pairs: 0.0625, 6: 0.031, 10: 0.002."""
    return min(1.0, 2 / 2 ** n) if n else 1.0


def pairs_needed(tests, alpha):
    """The fewest pairs whose smallest p survives Holm over this many tests
    at alpha: 2/2^n <= alpha/tests. 8 tests at 0.05: 9 pairs; 50: 11."""
    n = 1
    while smallest_signed_rank_p(n) > alpha / max(1, tests):
        n += 1
    return n


def _walsh_rank(n, conf):
    """The rank k of the interval [W(k), W(M+1-k)] of the M = n(n+1)/2 Walsh
    averages: the largest k with P(T <= k-1) <= (1-conf)/2 (exact to
    EXACT_MAX_N, normal beyond), or 1 (the full range) when none is. -> (k,
    level attained)."""
    alpha2 = (1 - conf) / 2
    if n > EXACT_MAX_N:
        sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
        z = statistics.NormalDist().inv_cdf(1 - alpha2)
        k = max(1, int(math.floor(n * (n + 1) / 4 - z * sd)))
        return k, 1 - 2 * statistics.NormalDist().cdf((k - 0.5 - n * (n + 1) / 4) / sd)
    cdf = signed_rank_cdf(n)
    k = 1
    for t in range(n * (n + 1) // 4 + 1):
        if cdf[t] > alpha2:
            break
        k = t + 1
    return k, 1 - 2 * cdf[k - 1]


def hodges_lehmann(ds, conf=CONFIDENCE):
    """-> (estimate, low, high, level) of the centre of the differences ds:
    the median of the Walsh averages (d_i + d_j) / 2, i <= j, and the
    interval of order statistics of them that inverts the signed-rank test
    (Hollander & Wolfe; R's wilcox.test(paired = TRUE, conf.int = TRUE)).
    The rank comes from the untied distribution; level is the coverage it
    attains: 5 pairs reach 93.75% at most (the full range), 6 reach 96.9%."""
    n = len(ds)
    walsh = sorted((ds[i] + ds[j]) / 2 for i in range(n) for j in range(i, n))
    k, level = _walsh_rank(n, conf)
    return median(walsh), walsh[k - 1], walsh[len(walsh) - k], level


def paired_ratio(a, b, conf=CONFIDENCE):
    """The ratio b/a of paired reps (a[i] and b[i] measured next to each
    other; a pair with a None or a value <= 0 is left out) -> Paired: the
    Hodges-Lehmann ratio exp(HL(ln(b_i / a_i))), its interval, the level it
    attains, n pairs, the signed-rank p and how many pairs were equal (no
    sign: left out of the test, kept in the estimate). None without pairs."""
    pairs = [(x, y) for x, y in zip(a, b)
             if x is not None and y is not None and x > 0 and y > 0]
    if not pairs:
        return None
    ds = [math.log(y / x) for x, y in pairs]
    est, low, high, level = hodges_lehmann(ds, conf)
    _, p, zeros = signed_rank_test(ds)
    return Paired(math.exp(est), math.exp(low), math.exp(high), level, len(ds), p, zeros)


# --------------------------------------------------------- multiplicity --
# The p of each point of a run, adjusted so that the run's verdicts, not each
# point's, keep the error rate: compare uses Holm (see harness/compare_ab.py).

def holm(ps):
    """Holm's step-down adjusted p-values, in the order given (None stays
    None and is not counted): the probability that any verdict of the family
    is a false alarm stays <= alpha, whatever the dependence between points."""
    idx = sorted((i for i, p in enumerate(ps) if p is not None), key=lambda i: ps[i])
    m = len(idx)
    out = list(ps)
    running = 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def benjamini_hochberg(ps):
    """Benjamini-Hochberg adjusted p-values (None stays None): the expected
    share of false alarms among the verdicts stays <= alpha, for independent
    or positively dependent points."""
    idx = sorted((i for i, p in enumerate(ps) if p is not None), key=lambda i: ps[i])
    m = len(idx)
    out = list(ps)
    running = 1.0
    for rank in range(m - 1, -1, -1):
        i = idx[rank]
        running = min(running, min(1.0, m / (rank + 1) * ps[i]))
        out[i] = running
    return out


# ------------------------------------------------- runs against runs --
# Base runs made apart in time (another day, kernel, machine) differ by more
# than their reps say: each run's median is one draw of the machine's state.
# NEW is judged against the spread of the base runs' medians.

Spread = namedtuple("Spread", "ratio low high level k p base sd")


def _betacf(a, b, x):
    """The continued fraction of the incomplete beta function (modified
    Lentz; Numerical Recipes 6.4)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 301):
        for aa in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                   -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t, df):
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return betainc(df / 2, 0.5, df / (df + t * t))


def t_quantile(q, df):
    """The t with P(T <= t) = q (q > 0.5), by bisection on t_two_sided_p."""
    target = 2 * (1 - q)
    lo, hi = 0.0, 1.0
    while t_two_sided_p(hi, df) > target:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_two_sided_p(mid, df) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def spread_ratio(base, new, conf=CONFIDENCE):
    """NEW's median against the medians of k >= 2 base runs -> Spread, or
    None when the base medians do not differ (no spread to judge by).

    On log values: d = ln(new) - mean(ln base), judged against the base
    runs' own spread s with the prediction-interval t test, t = d /
    (s sqrt(1 + 1/k)) on k - 1 degrees of freedom: what a new run of the
    same machine would do. ratio is exp(d), new over the base runs'
    geometric mean (base), [low, high] its interval at level conf
    (parametric: normal between-run spread), sd the spread s itself. Chosen because with 3 to 5 base runs no
    distribution-free test can judge at all (the rank of a new run among
    k + 1 gives p >= 2/(k+1): 0.5 for k = 3), while this one widens itself
    by t on k - 1 degrees of freedom when the base runs are few."""
    k = len(base)
    if k < 2:
        raise ValueError("the spread of base runs needs two at least")
    logs = [math.log(x) for x in base]
    mean = sum(logs) / k
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (k - 1))
    if sd == 0:
        return None
    d = math.log(new) - mean
    se = sd * math.sqrt(1 + 1 / k)
    half = t_quantile(1 - (1 - conf) / 2, k - 1) * se
    return Spread(math.exp(d), math.exp(d - half), math.exp(d + half), conf, k,
                  t_two_sided_p(d / se, k - 1), math.exp(mean), sd)


# ---------------------------------------------------------- change points --
# scripts/compare --history: where a point's series of run medians changes
# level. E-divisive means (Matteson & James 2014, the method of MongoDB's and
# Hunter's performance CI): binary segmentation by the energy statistic,
# each split kept only if a permutation test finds it significant.

ChangePoint = namedtuple("ChangePoint", "index p")
# A new level counts once it has lasted this many runs (so one run caught in
# a slow regime of the machine is not a change point); hence a series needs
# 2 x CP_MIN_SIZE runs, and about 8 before a step can reach p <= 0.05.
CP_MIN_SIZE = 3
CP_ALPHA = 0.05
CP_SEED = 1                 # the permutations are drawn alike on every call


def _distance_sums(xs):
    """S[i][j] = sum of |x_a - x_b| over a < i, b < j (2-D prefix sums), so
    that any block of the distance matrix sums in O(1)."""
    n = len(xs)
    S = [[0.0] * (n + 1) for _ in range(n + 1)]
    for i in range(n):
        row, prev, acc = S[i + 1], S[i], 0.0
        for j in range(n):
            acc += abs(xs[i] - xs[j])
            row[j + 1] = prev[j + 1] + acc
    return S


def energy_split(xs, min_size=CP_MIN_SIZE):
    """The best split of xs -> (Q, tau), or None when xs is too short: the
    largest E-divisive statistic (alpha = 1) of X = xs[:tau] against
    Y = xs[tau:kappa] over tau and kappa, each part of min_size or more,
    Q = m k / (m + k) * (2 mean|X - Y| - mean|X - X'| - mean|Y - Y'|).
    kappa < len(xs) lets a level that comes and goes (a bump) be found
    too. O(n^2) from prefix sums."""
    n = len(xs)
    size = max(min_size, 2)
    if n < 2 * size:
        return None
    S = _distance_sums(xs)

    def block(a0, a1, b0, b1):
        return S[a1][b1] - S[a0][b1] - S[a1][b0] + S[a0][b0]
    best = None
    for tau in range(size, n - size + 1):
        m = tau
        within_x = block(0, tau, 0, tau) / (m * (m - 1))
        for kappa in range(tau + size, n + 1):
            k = kappa - tau
            e = (2 * block(0, tau, tau, kappa) / (m * k) - within_x
                 - block(tau, kappa, tau, kappa) / (k * (k - 1)))
            q = m * k / (m + k) * e
            if best is None or q > best[0]:
                best = (q, tau)
    return best


def _best_split(xs, segments, min_size):
    """-> (Q, index, segment) of the best split over all segments, or None."""
    best = None
    for s, e in segments:
        found = energy_split(xs[s:e], min_size)
        if found and (best is None or found[0] > best[0]):
            best = (found[0], s + found[1], (s, e))
    return best


def _permutation_p(xs, segments, observed, rng, alpha, permutations, min_size):
    """p of the best split: how often shuffling within each segment gives a
    best split as strong. Stops once p must exceed alpha (the decision
    stands; the p returned is then a lower bound above alpha)."""
    hits = 0
    for r in range(permutations):
        ys = list(xs)
        for s, e in segments:
            seg = ys[s:e]
            rng.shuffle(seg)
            ys[s:e] = seg
        found = _best_split(ys, segments, min_size)
        if found and found[0] >= observed * (1 - 1e-12):
            hits += 1
            if (hits + 1) / (permutations + 1) > alpha:
                return (hits + 1) / (permutations + 1)
    return (hits + 1) / (permutations + 1)


def permutations_for(alpha):
    """Enough permutations that p can fall well below alpha (20 steps of
    1/(R+1) under it): 399 at 0.05, 3199 at 0.05/8. A series without a
    change stops after a few dozen (see _permutation_p)."""
    return max(199, math.ceil(20 / alpha) - 1)


def runs_per_level_needed(alpha):
    """How many runs each side of a clean step must have before the
    permutation test can reach alpha: 2 / C(2h, h) <= alpha (h = 4 at
    0.05, 6 at 0.05/8)."""
    h = CP_MIN_SIZE
    while 2 / math.comb(2 * h, h) > alpha:
        h += 1
    return h


def change_points(xs, alpha=CP_ALPHA, min_size=CP_MIN_SIZE, permutations=None,
                  seed=CP_SEED):
    """The change points of a series -> [ChangePoint], index the first value
    of each new level, in order; [] when the series is too short for a
    split (2 x min_size) or no split is significant at alpha."""
    permutations = permutations or permutations_for(alpha)
    rng = random.Random(seed)
    segments, found = [(0, len(xs))], []
    while True:
        best = _best_split(xs, segments, min_size)
        if best is None:
            break
        q, index, seg = best
        p = _permutation_p(xs, segments, q, rng, alpha, permutations, min_size)
        if p > alpha:
            break
        found.append(ChangePoint(index, p))
        segments.remove(seg)
        segments += [(seg[0], index), (index, seg[1])]
    return sorted(found)
