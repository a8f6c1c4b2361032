"""stats - the summary statistics of a point's reps: median, a distribution-free
95% confidence interval of the median, and the coefficient of variation.

    >>> median([3, 1, 2]), ci_median([5, 1, 4, 2, 3, 6]), round(cv([1, 2, 3]), 3)
    (2, (1, 6), 0.5)

The interval is [x(k), x(n-k+1)] of the sorted values for the largest k whose
coverage 1 - 2 * P(Binomial(n, 1/2) <= k-1) is at least the confidence: it
assumes nothing about the distribution, which suits few reps of a noisy
machine. With fewer than 6 values no pair reaches 95% and the interval is
the range [min, max] (results/README.md).
"""

import math


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


def ci_median(values, confidence=0.95):
    """(low, high) confidence interval of the median of a non-empty sequence."""
    xs = sorted(values)
    if not xs:
        raise ValueError("interval of no values")
    k = ci_rank(len(xs), confidence)
    if k == 0:
        return xs[0], xs[-1]
    return xs[k - 1], xs[len(xs) - k]


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
