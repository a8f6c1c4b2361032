"""Statistics of plots/plotstats.py against hand-computed values.

    python3 -m unittest discover -s tests/plots -t .
"""
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plots"))
import plotstats  # noqa: E402


class MannWhitney(unittest.TestCase):
    def test_counts_3_3(self):
        # U for 3 vs 3: the 20 arrangements give U = 0..9 with counts
        # 1 1 2 3 3 3 3 2 1 1 (a standard table)
        cdf = plotstats.mann_whitney_cdf(3, 3)
        counts = [round((c - p) * 20) for c, p in zip(cdf, (0,) + cdf[:-1])]
        self.assertEqual(counts, [1, 1, 2, 3, 3, 3, 3, 2, 1, 1])

    def test_tail_5_5(self):
        # C(10,5) = 252; U <= 0, 1, 2, 3 counts 1, 2, 4, 7
        cdf = plotstats.mann_whitney_cdf(5, 5)
        self.assertEqual([round(c * 252) for c in cdf[:4]], [1, 2, 4, 7])
        self.assertAlmostEqual(cdf[-1], 1.0)

    def test_unequal_sizes(self):
        # 2 vs 3: C(5,2) = 10 arrangements, U = 0..6 counts 1 1 2 2 2 1 1
        cdf = plotstats.mann_whitney_cdf(2, 3)
        counts = [round((c - p) * 10) for c, p in zip(cdf, (0,) + cdf[:-1])]
        self.assertEqual(counts, [1, 1, 2, 2, 2, 1, 1])


class RatioCI(unittest.TestCase):
    def test_three_vs_three_is_full_range_at_90(self):
        # pairwise ratios of [2,4,8] / [1,2,4]: 0.5 ... 8; with 3 vs 3 the best
        # interval is the full range, coverage 1 - 2/20 = 90%; medians 4 / 2
        r = plotstats.ratio_ci([2, 4, 8], [1, 2, 4])
        self.assertEqual((r.ratio, r.low, r.high), (2.0, 0.5, 8.0))
        self.assertAlmostEqual(r.level, 0.9)
        self.assertEqual((r.n_a, r.n_b), (3, 3))

    def test_five_vs_five_by_hand(self):
        # a = 3 5 7 9 11, b = 1 2 3 4 5; the 25 ratios a_i/b_j sorted:
        # .6 .75 1 1 1.25 1.4 1.5 1.67 1.75 1.8 2.2 2.25 2.33 2.5 2.75 3 3
        # 3.5 3.67 4.5 5 5.5 7 9 11.  P(U <= 2) = 4/252 <= 2.5% < P(U <= 3) =
        # 7/252, so k = 3: [D(3), D(23)] = [1, 7], coverage 1 - 8/252.
        r = plotstats.ratio_ci([3, 5, 7, 9, 11], [1, 2, 3, 4, 5])
        self.assertAlmostEqual(r.ratio, 7 / 3)
        self.assertAlmostEqual(r.low, 1.0)
        self.assertAlmostEqual(r.high, 7.0)
        self.assertAlmostEqual(r.level, 1 - 8 / 252)

    def test_order_and_scale_invariant(self):
        a, b = [10.0, 12.0, 11.0], [5.0, 6.0, 5.5]
        r1 = plotstats.ratio_ci(a, b)
        r2 = plotstats.ratio_ci(sorted(a, reverse=True), [x * 1e9 for x in b])
        self.assertAlmostEqual(r1.low, r2.low * 1e9)
        self.assertAlmostEqual(r1.high, r2.high * 1e9)
        # and inverting the comparison inverts the interval
        r3 = plotstats.ratio_ci(b, a)
        self.assertAlmostEqual(r3.low, 1 / r1.high)
        self.assertAlmostEqual(r3.high, 1 / r1.low)

    def test_few_reps_state_their_level(self):
        # 2 vs 3: the full range covers 1 - 2/10 = 80%
        self.assertAlmostEqual(plotstats.ratio_ci([1, 2], [1, 2, 3]).level, 0.8)
        # 1 vs 1: a single ratio, no confidence at all
        self.assertAlmostEqual(plotstats.ratio_ci([2], [1]).level, 0.0)

    def test_empty_or_nonpositive(self):
        self.assertIsNone(plotstats.ratio_ci([], [1]))
        self.assertIsNone(plotstats.ratio_ci([1, 2], [0, 1]))
        self.assertIsNone(plotstats.ratio_ci([None], [1]))


class MedianCI(unittest.TestCase):
    def test_few_values_give_the_range(self):
        m = plotstats.median_ci([3, 1, 2])
        self.assertEqual((m.median, m.low, m.high), (2, 1, 3))
        self.assertAlmostEqual(m.level, 0.75)          # 1 - 2/2^3

    def test_ten_values(self):
        # n = 10: 2 P(B <= 0) = 2/1024, 2 P(B <= 1) = 22/1024 <= 5%,
        # 2 P(B <= 2) = 112/1024 > 5%, so k = 2: [x(2), x(9)]
        m = plotstats.median_ci(list(range(1, 11)))
        self.assertEqual((m.low, m.high), (2, 9))
        self.assertAlmostEqual(m.level, 1 - 22 / 1024)
        self.assertEqual(m.median, 5.5)

    def test_six_values_reach_95(self):
        m = plotstats.median_ci([6, 5, 4, 3, 2, 1])
        self.assertEqual((m.low, m.high), (1, 6))
        self.assertTrue(m.level >= 0.95 and math.isclose(m.level, 1 - 2 / 64))


if __name__ == "__main__":
    unittest.main()
