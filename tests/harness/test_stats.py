"""harness/stats.py against values computed by hand: the summary of a point
(median, its interval, CV), the Mann-Whitney test and distribution, the
ratio interval, the paired statistics (signed-rank test, Hodges-Lehmann),
Holm and Benjamini-Hochberg, the spread of base runs (t prediction test)
and the change points (E-divisive means)."""

import math
import unittest

from harness import stats


class TestMedian(unittest.TestCase):
    def test_odd_even(self):
        self.assertEqual(stats.median([5]), 5)
        self.assertEqual(stats.median([3, 1, 2]), 2)
        self.assertEqual(stats.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(stats.median([10, 20]), 15)

    def test_empty(self):
        with self.assertRaises(ValueError):
            stats.median([])


class TestConfidenceInterval(unittest.TestCase):
    def test_rank_table(self):
        # largest k with 1 - 2*P(Bin(n,1/2) <= k-1) >= 0.95, by hand:
        # n=6: k=1 -> 1 - 2/64 = 0.969; k=2 -> 1 - 14/64 = 0.78
        # n=9: k=2 -> 1 - 2*10/512 = 0.961; k=3 -> 1 - 2*46/512 = 0.82
        # n=12: k=3 -> 1 - 2*79/4096 = 0.961; k=4 -> 1 - 2*299/4096 = 0.854
        expected = {1: 0, 2: 0, 5: 0, 6: 1, 8: 1, 9: 2, 11: 2, 12: 3, 17: 5, 20: 6}
        for n, k in expected.items():
            self.assertEqual(stats.ci_rank(n), k, f"n={n}")

    def test_fewer_than_six_is_range(self):
        self.assertEqual(stats.ci_median([3, 9, 1, 7, 5]), (1, 9))
        self.assertEqual(stats.ci_median([4.0]), (4.0, 4.0))

    def test_order_statistics(self):
        xs = [10, 1, 9, 2, 8, 3, 7, 4, 6]          # n=9: [x(2), x(8)]
        self.assertEqual(stats.ci_median(xs), (2, 9))
        ys = list(range(100, 112))                # n=12: [x(3), x(10)]
        self.assertEqual(stats.ci_median(ys), (102, 109))


class TestCV(unittest.TestCase):
    def test_values(self):
        # mean 2, sample sd sqrt(((1)^2+0+(1)^2)/2) = 1 -> 0.5
        self.assertAlmostEqual(stats.cv([1, 2, 3]), 0.5)
        # mean 100, deviations -2, 0, 2 -> sd 2 -> 0.02
        self.assertAlmostEqual(stats.cv([98, 100, 102]), 0.02)
        # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum sq 32, sd sqrt(32/7)
        self.assertAlmostEqual(stats.cv([2, 4, 4, 4, 5, 5, 7, 9]), math.sqrt(32 / 7) / 5)

    def test_undefined(self):
        self.assertIsNone(stats.cv([5]))
        self.assertIsNone(stats.cv([]))
        self.assertIsNone(stats.cv([0, 0]))
        self.assertEqual(stats.cv([3, 3, 3]), 0)


class TestMannWhitneyCDF(unittest.TestCase):
    def test_counts_3_3(self):
        # U for 3 vs 3: the 20 arrangements give U = 0..9 with counts
        # 1 1 2 3 3 3 3 2 1 1 (a standard table)
        cdf = stats.mann_whitney_cdf(3, 3)
        counts = [round((c - p) * 20) for c, p in zip(cdf, (0,) + cdf[:-1])]
        self.assertEqual(counts, [1, 1, 2, 3, 3, 3, 3, 2, 1, 1])

    def test_tail_5_5(self):
        # C(10,5) = 252; U <= 0, 1, 2, 3 counts 1, 2, 4, 7
        cdf = stats.mann_whitney_cdf(5, 5)
        self.assertEqual([round(c * 252) for c in cdf[:4]], [1, 2, 4, 7])
        self.assertAlmostEqual(cdf[-1], 1.0)

    def test_unequal_sizes(self):
        # 2 vs 3: C(5,2) = 10 arrangements, U = 0..6 counts 1 1 2 2 2 1 1
        cdf = stats.mann_whitney_cdf(2, 3)
        counts = [round((c - p) * 10) for c, p in zip(cdf, (0,) + cdf[:-1])]
        self.assertEqual(counts, [1, 1, 2, 2, 2, 1, 1])


class TestRatioCI(unittest.TestCase):
    def test_three_vs_three_is_full_range_at_90(self):
        # pairwise ratios of [2,4,8] / [1,2,4]: 0.5 ... 8; with 3 vs 3 the best
        # interval is the full range, coverage 1 - 2/20 = 90%; medians 4 / 2
        r = stats.ratio_ci([2, 4, 8], [1, 2, 4])
        self.assertEqual((r.ratio, r.low, r.high), (2.0, 0.5, 8.0))
        self.assertAlmostEqual(r.level, 0.9)
        self.assertEqual((r.n_a, r.n_b), (3, 3))

    def test_five_vs_five_by_hand(self):
        # a = 3 5 7 9 11, b = 1 2 3 4 5; the 25 ratios a_i/b_j sorted:
        # .6 .75 1 1 1.25 1.4 1.5 1.67 1.75 1.8 2.2 2.25 2.33 2.5 2.75 3 3
        # 3.5 3.67 4.5 5 5.5 7 9 11.  P(U <= 2) = 4/252 <= 2.5% < P(U <= 3) =
        # 7/252, so k = 3: [D(3), D(23)] = [1, 7], coverage 1 - 8/252.
        r = stats.ratio_ci([3, 5, 7, 9, 11], [1, 2, 3, 4, 5])
        self.assertAlmostEqual(r.ratio, 7 / 3)
        self.assertAlmostEqual(r.low, 1.0)
        self.assertAlmostEqual(r.high, 7.0)
        self.assertAlmostEqual(r.level, 1 - 8 / 252)

    def test_order_and_scale_invariant(self):
        a, b = [10.0, 12.0, 11.0], [5.0, 6.0, 5.5]
        r1 = stats.ratio_ci(a, b)
        r2 = stats.ratio_ci(sorted(a, reverse=True), [x * 1e9 for x in b])
        self.assertAlmostEqual(r1.low, r2.low * 1e9)
        self.assertAlmostEqual(r1.high, r2.high * 1e9)
        # and inverting the comparison inverts the interval
        r3 = stats.ratio_ci(b, a)
        self.assertAlmostEqual(r3.low, 1 / r1.high)
        self.assertAlmostEqual(r3.high, 1 / r1.low)

    def test_few_reps_state_their_level(self):
        # 2 vs 3: the full range covers 1 - 2/10 = 80%
        self.assertAlmostEqual(stats.ratio_ci([1, 2], [1, 2, 3]).level, 0.8)
        # 1 vs 1: a single ratio, no confidence at all
        self.assertAlmostEqual(stats.ratio_ci([2], [1]).level, 0.0)

    def test_empty_or_nonpositive(self):
        self.assertIsNone(stats.ratio_ci([], [1]))
        self.assertIsNone(stats.ratio_ci([1, 2], [0, 1]))
        self.assertIsNone(stats.ratio_ci([None], [1]))


class TestReductionCI(unittest.TestCase):
    def test_wake_up_share_three_vs_three(self):
        # sync 20 21 22 µs, busy 7 8 9 µs: share 1 - 8/21; busy/sync ratios
        # run from 7/22 to 9/20 (3 vs 3: the full range, 90%), so the share's
        # interval is [1 - 9/20, 1 - 7/22] = [0.55, 0.6818]
        s = stats.reduction_ci([20, 21, 22], [7, 8, 9])
        self.assertAlmostEqual(s.share, 1 - 8 / 21)
        self.assertAlmostEqual(s.low, 0.55)
        self.assertAlmostEqual(s.high, 1 - 7 / 22)
        self.assertAlmostEqual(s.level, 0.9)
        self.assertEqual((s.n_before, s.n_after), (3, 3))

    def test_five_vs_five_by_hand(self):
        # after/before = [3 5 7 9 11] / [1 2 3 4 5]: the interval [1, 7] at
        # 1 - 8/252 (TestRatioCI), so the share is 1 - 7/3 in [-6, 0]: after
        # took longer, and the interval says so (it never exceeds 0)
        s = stats.reduction_ci([1, 2, 3, 4, 5], [3, 5, 7, 9, 11])
        self.assertAlmostEqual(s.share, 1 - 7 / 3)
        self.assertAlmostEqual(s.low, -6.0)
        self.assertAlmostEqual(s.high, 0.0)
        self.assertAlmostEqual(s.level, 1 - 8 / 252)

    def test_no_values(self):
        self.assertIsNone(stats.reduction_ci([], [1]))
        self.assertIsNone(stats.reduction_ci([1, 2], [0, 1]))


class TestMedianCI(unittest.TestCase):
    def test_few_values_give_the_range(self):
        m = stats.median_ci([3, 1, 2])
        self.assertEqual((m.median, m.low, m.high), (2, 1, 3))
        self.assertAlmostEqual(m.level, 0.75)          # 1 - 2/2^3

    def test_ten_values(self):
        # n = 10: 2 P(B <= 0) = 2/1024, 2 P(B <= 1) = 22/1024 <= 5%,
        # 2 P(B <= 2) = 112/1024 > 5%, so k = 2: [x(2), x(9)]
        m = stats.median_ci(list(range(1, 11)))
        self.assertEqual((m.low, m.high), (2, 9))
        self.assertAlmostEqual(m.level, 1 - 22 / 1024)
        self.assertEqual(m.median, 5.5)

    def test_six_values_reach_95(self):
        m = stats.median_ci([6, 5, 4, 3, 2, 1])
        self.assertEqual((m.low, m.high), (1, 6))
        self.assertTrue(m.level >= 0.95 and math.isclose(m.level, 1 - 2 / 64))


class TestMannWhitney(unittest.TestCase):
    """Values computed by hand from the permutation distribution."""

    def test_complete_separation_5_vs_5(self):
        # 2 of the C(10,5) = 252 splits are this extreme: p = 2/252
        u, p = stats.mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
        self.assertEqual(u, 0)
        self.assertAlmostEqual(p, 2 / 252, places=12)
        u, p = stats.mann_whitney_u([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])
        self.assertEqual(u, 25)
        self.assertAlmostEqual(p, 2 / 252, places=12)

    def test_2_vs_2_cannot_reach_005(self):
        u, p = stats.mann_whitney_u([1, 2], [3, 4])
        self.assertEqual((u, p), (0, 1 / 3))
        self.assertAlmostEqual(stats.smallest_p(2, 2), 1 / 3)
        self.assertAlmostEqual(stats.smallest_p(5, 5), 2 / 252)
        self.assertAlmostEqual(stats.smallest_p(4, 4), 2 / 70)

    def test_u_2_of_5_vs_5(self):
        # U = 2 (7 beats 5 and 6); P(U <= 2) = (1 + 1 + 2) / 252, doubled
        u, p = stats.mann_whitney_u([1, 2, 3, 4, 7], [5, 6, 8, 9, 10])
        self.assertEqual(u, 2)
        self.assertAlmostEqual(p, 8 / 252, places=12)

    def test_u_4_of_5_vs_5_not_significant(self):
        # P(U <= 4) = (1 + 1 + 2 + 3 + 5) / 252 = 12/252, doubled: 0.095
        u, p = stats.mann_whitney_u([1, 2, 3, 6, 7], [4, 5, 8, 9, 10])
        self.assertEqual(u, 4)
        self.assertAlmostEqual(p, 24 / 252, places=12)

    def test_unequal_sizes(self):
        # 3 vs 5, separated: 2 / C(8,3) = 2/56
        u, p = stats.mann_whitney_u([1, 2, 3], [4, 5, 6, 7, 8])
        self.assertEqual(u, 0)
        self.assertAlmostEqual(p, 2 / 56, places=12)
        u2, p2 = stats.mann_whitney_u([4, 5, 6, 7, 8], [1, 2, 3])
        self.assertEqual(u2, 15)
        self.assertAlmostEqual(p2, p, places=12)

    def test_ties_midranks(self):
        # pooled 1x 2x 2x 2y 3y 4y: ranks 1, 3, 3, 3, 5, 6; rank sum of x = 7,
        # U = 7 - 6 = 1. Of the 20 ways to pick 3 of the ranks, 3 sum to 7
        # ({1,3,3}) and 3 to 14 ({3,5,6}), the only sums >= 3.5 from 10.5.
        u, p = stats.mann_whitney_u([1, 2, 2], [2, 3, 4])
        self.assertEqual(u, 1)
        self.assertAlmostEqual(p, 6 / 20, places=12)

    def test_all_equal(self):
        self.assertEqual(stats.mann_whitney_u([5, 5, 5], [5, 5]), (3.0, 1.0))

    def test_identical_samples(self):
        u, p = stats.mann_whitney_u([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
        self.assertEqual(u, 12.5)
        self.assertEqual(p, 1.0)

    def test_normal_approximation_beyond_exact(self):
        # 40 vs 40 (80 values > EXACT_MAX_N): xs 0..39, ys 20..59, 20 ties of 2.
        # U = sum over x = 20..39 of (x - 20 + 0.5) = 200; mean 800;
        # var = 1600/12 * (81 - 20*6/(80*79)) = 10797.47; z = 599.5/103.91
        u, p = stats.mann_whitney_u(list(range(40)), list(range(20, 60)))
        self.assertEqual(u, 200)
        var = 1600 / 12 * (81 - 120 / 6320)
        z = 599.5 / math.sqrt(var)
        self.assertAlmostEqual(z, 5.7694, places=3)
        self.assertAlmostEqual(p, math.erfc(z / math.sqrt(2)), places=15)
        self.assertLess(p, 1e-7)

    def test_exact_and_normal_agree_roughly(self):
        xs = [1.0 + 0.01 * i for i in range(30)]
        ys = [1.12 + 0.01 * i for i in range(30)]
        _, exact = stats.mann_whitney_u(xs, ys)
        saved = stats.EXACT_MAX_N
        stats.EXACT_MAX_N = 0
        try:
            _, approx = stats.mann_whitney_u(xs, ys)
        finally:
            stats.EXACT_MAX_N = saved
        self.assertLess(abs(exact - approx), 0.01)

    def test_empty_side(self):
        with self.assertRaises(ValueError):
            stats.mann_whitney_u([], [1])


class TestSignedRank(unittest.TestCase):
    """Wilcoxon signed-rank: counts of sign patterns by hand."""

    def test_untied_distribution(self):
        # subsets of {1,2,3}: sums 0 1 2 3 3 4 5 6 -> counts 1 1 1 2 1 1 1
        cdf = stats.signed_rank_cdf(3)
        counts = [round((c - p) * 8) for c, p in zip(cdf, (0,) + cdf[:-1])]
        self.assertEqual(counts, [1, 1, 1, 2, 1, 1, 1])
        # n = 8: T = 0..4 has 1, 1, 1, 2 ({3}, {1,2}), 2 ({4}, {1,3}) of 256
        self.assertEqual([round(c * 256) for c in stats.signed_rank_cdf(8)[:5]],
                         [1, 2, 3, 5, 7])

    def test_all_one_sign(self):
        # 5 pairs, all positive: W+ = 15; only all-plus and all-minus are as
        # extreme: p = 2/32. 5 pairs can never reach 0.05.
        w, p, zeros = stats.signed_rank_test([0.1, 0.2, 0.3, 0.4, 0.5])
        self.assertEqual((w, zeros), (15, 0))
        self.assertAlmostEqual(p, 2 / 32)
        self.assertAlmostEqual(stats.smallest_signed_rank_p(5), 0.0625)
        self.assertAlmostEqual(stats.smallest_signed_rank_p(6), 1 / 32)
        self.assertAlmostEqual(stats.smallest_signed_rank_p(10), 1 / 512)

    def test_one_negative_of_six(self):
        # |d| ranks 1..6, the 2 negative: W+ = 19, W- = 2. Subsets of
        # {1..6} summing to <= 2: {}, {1}, {2} -> 3/64, two-sided 6/64
        w, p, _ = stats.signed_rank_test([1, -2, 3, 4, 5, 6])
        self.assertEqual(w, 19)
        self.assertAlmostEqual(p, 6 / 64)

    def test_ties_midranks_exact(self):
        # |d| = 1 1 2 3: midranks 1.5 1.5 3 4 (doubled 3 3 6 8, total 20).
        # W+ = 1.5 + 1.5 + 4 = 7 (doubled 14), 4 from the mean 10. The 16
        # subset sums of {3,3,6,8}: 0 3 3 6 6 8 9 9 11 11 12 14 14 17 17 20;
        # 5 are <= 6 and 5 are >= 14: p = 10/16
        w, p, _ = stats.signed_rank_test([1, 1, -2, 3])
        self.assertEqual(w, 7)
        self.assertAlmostEqual(p, 10 / 16)

    def test_zeros_dropped_and_counted(self):
        # the zero has no sign: the test is that of the 5 others (2/32)
        w, p, zeros = stats.signed_rank_test([0, 1, 2, 3, 4, 5])
        self.assertEqual((w, zeros), (15, 1))
        self.assertAlmostEqual(p, 2 / 32)
        self.assertEqual(stats.signed_rank_test([0, 0]), (0.0, 1.0, 2))

    def test_symmetric_is_one(self):
        self.assertEqual(stats.signed_rank_test([1, -1, 2, -2])[1], 1.0)

    def test_normal_approximation_beyond_exact(self):
        # 70 differences 1..70, the 10 smallest negative: W- = 55,
        # W+ = 2485 - 55 = 2430; mean 1242.5, var 70*71*141/24 = 29198.75;
        # z = (1187.5 - 0.5) / 170.877
        w, p, _ = stats.signed_rank_test([-d if d <= 10 else d for d in range(1, 71)])
        self.assertEqual(w, 2430)
        z = 1187 / math.sqrt(70 * 71 * 141 / 24)
        self.assertAlmostEqual(p, math.erfc(z / math.sqrt(2)), places=15)

    def test_exact_and_normal_agree_roughly(self):
        ds = [(-1) ** i * (i + 1) * 0.01 + 0.05 for i in range(30)]
        _, exact, _ = stats.signed_rank_test(ds)
        saved = stats.EXACT_MAX_N
        stats.EXACT_MAX_N = 0
        try:
            _, approx, _ = stats.signed_rank_test(ds)
        finally:
            stats.EXACT_MAX_N = saved
        self.assertLess(abs(exact - approx), 0.01)


class TestHodgesLehmann(unittest.TestCase):
    def test_three_pairs_full_range(self):
        # Walsh averages of 1 2 4: 1 1.5 2.5 2 3 4 -> 1 1.5 2 2.5 3 4,
        # median 2.25. P(T <= 0) = 1/8 > 2.5%: the full range, at 1 - 2/8
        self.assertEqual(stats.hodges_lehmann([1, 2, 4]), (2.25, 1, 4, 0.75))

    def test_six_pairs(self):
        # Walsh averages (i+j)/2 of 1..6: i+j = 2..12 with counts
        # 1 1 2 2 3 3 3 2 2 1 1 (21 in all); the 11th is i+j = 7 -> 3.5.
        # P(T <= 0) = 1/64 <= 2.5% < P(T <= 1) = 2/64: k = 1, [1, 6] at 1 - 2/64
        est, low, high, level = stats.hodges_lehmann([6, 5, 4, 3, 2, 1])
        self.assertEqual((est, low, high), (3.5, 1, 6))
        self.assertAlmostEqual(level, 1 - 2 / 64)

    def test_eight_pairs_k4(self):
        # n = 8: P(T <= 3) = 5/256 <= 2.5% < P(T <= 4) = 7/256, so k = 4:
        # [W(4), W(33)] of the 36 Walsh averages of 1..8 (i+j = 2, 3, 4, 4 ->
        # W(4) = 2; from the top 16, 15, 14, 14 -> W(33) = 7), at 1 - 10/256
        est, low, high, level = stats.hodges_lehmann(list(range(1, 9)))
        self.assertEqual((est, low, high), (4.5, 2, 7))
        self.assertAlmostEqual(level, 1 - 10 / 256)

    def test_paired_ratio(self):
        # b = 2a in every pair: every log ratio is ln 2, all tied: W+ is all
        # of them, p = 2/64; the interval is [2, 2]
        r = stats.paired_ratio([10, 11, 12, 13, 14, 15], [20, 22, 24, 26, 28, 30])
        self.assertAlmostEqual(r.ratio, 2)
        self.assertAlmostEqual(r.low, 2)
        self.assertAlmostEqual(r.high, 2)
        self.assertAlmostEqual(r.p, 2 / 64)
        self.assertEqual((r.n, r.zeros), (6, 0))

    def test_paired_ratio_by_hand(self):
        # ratios b/a = e^1, e^2, e^4: the log ratios 1 2 4 of test_three_pairs
        a = [1.0, 2.0, 3.0]
        b = [math.e, 2 * math.e ** 2, 3 * math.e ** 4]
        r = stats.paired_ratio(a, b)
        self.assertAlmostEqual(r.ratio, math.exp(2.25))
        self.assertAlmostEqual(r.low, math.e)
        self.assertAlmostEqual(r.high, math.e ** 4)
        self.assertAlmostEqual(r.level, 0.75)
        self.assertAlmostEqual(r.p, 2 / 8)

    def test_pairs_with_a_gap_are_left_out(self):
        r = stats.paired_ratio([1, None, 2, 0], [2, 5, 4, 3])
        self.assertEqual(r.n, 2)
        self.assertIsNone(stats.paired_ratio([None], [1]))


class TestMultiplicity(unittest.TestCase):
    def test_holm(self):
        # sorted 0.005 0.01 0.03 0.04 times 4 3 2 1: 0.02 0.03 0.06 0.04,
        # made monotone: 0.02 0.03 0.06 0.06, back in the order given
        got = stats.holm([0.01, 0.04, 0.03, 0.005])
        for g, want in zip(got, [0.03, 0.06, 0.06, 0.02]):
            self.assertAlmostEqual(g, want)

    def test_benjamini_hochberg(self):
        # sorted 0.005 0.01 0.03 0.04 times 4/1 4/2 4/3 4/4: 0.02 0.02 0.04
        # 0.04, the running minimum from the top leaves them so
        got = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
        for g, want in zip(got, [0.02, 0.04, 0.04, 0.02]):
            self.assertAlmostEqual(g, want)

    def test_none_is_not_counted_and_capped_at_one(self):
        # one test only (m = 1): nothing to adjust
        self.assertEqual(stats.holm([None, 0.03]), [None, 0.03])
        self.assertEqual(stats.holm([0.6, 0.7]), [1.0, 1.0])
        self.assertEqual(stats.benjamini_hochberg([None, 0.6, 0.7]), [None, 0.7, 0.7])


class TestSpread(unittest.TestCase):
    def test_t_distribution(self):
        # df = 1: p = 1 - 2/pi atan(t); df = 2: p = 1 - t / sqrt(2 + t^2)
        self.assertAlmostEqual(stats.t_two_sided_p(1.0, 1), 0.5)
        self.assertAlmostEqual(stats.t_two_sided_p(3.0, 2), 1 - 3 / math.sqrt(11))
        self.assertAlmostEqual(stats.t_quantile(0.975, 2), 4.302653, places=5)
        self.assertAlmostEqual(stats.t_quantile(0.975, 30), 2.042272, places=5)

    def test_by_hand(self):
        # ln medians of 100, 100e^0.1, 100e^-0.1: mean ln 100, s = 0.1;
        # new 100e^-0.5: d = -0.5, se = 0.1 sqrt(4/3), t = -4.330 on 2 df,
        # p = 1 - 4.330 / sqrt(2 + 18.75)
        base = [100, 100 * math.exp(0.1), 100 * math.exp(-0.1)]
        r = stats.spread_ratio(base, 100 * math.exp(-0.5))
        t = 0.5 / (0.1 * math.sqrt(4 / 3))
        self.assertAlmostEqual(r.ratio, math.exp(-0.5))
        self.assertAlmostEqual(r.p, 1 - t / math.sqrt(2 + t * t))
        half = 4.302653 * 0.1 * math.sqrt(4 / 3)
        self.assertAlmostEqual(r.low, math.exp(-0.5 - half), places=5)
        self.assertAlmostEqual(r.high, math.exp(-0.5 + half), places=5)
        self.assertEqual((r.k, r.level), (3, 0.95))
        self.assertAlmostEqual(r.base, 100)
        self.assertAlmostEqual(r.sd, 0.1)

    def test_no_spread(self):
        self.assertIsNone(stats.spread_ratio([5, 5, 5], 4))
        with self.assertRaises(ValueError):
            stats.spread_ratio([5], 4)


class TestChangePoints(unittest.TestCase):
    def test_energy_statistic_by_hand(self):
        # 0 0 | 1 1: between |0-1| x 4 = 4, within 0: E = 2*4/4 = 2, Q = 2*2/4*2
        self.assertEqual(stats.energy_split([0, 0, 1, 1], min_size=2), (2.0, 2))
        # 0 1 | 0 1: between 2, within 1 and 1: E = 2*2/4 - 1 - 1 = -1, Q = -1
        self.assertEqual(stats.energy_split([0, 1, 0, 1], min_size=2), (-1.0, 2))
        self.assertIsNone(stats.energy_split([1, 2, 3, 4, 5]))

    def test_known_step(self):
        series = [10, 10.2, 9.9, 10.1, 10, 9.8, 12, 12.1, 11.9, 12.2, 12, 11.8]
        cps = stats.change_points(series)
        self.assertEqual([c.index for c in cps], [6])
        self.assertLessEqual(cps[0].p, stats.CP_ALPHA)

    def test_no_step(self):
        series = [10, 10.2, 9.9, 10.1, 10, 9.8, 10.1, 9.9, 10.2, 10, 10.1, 9.9]
        self.assertEqual(stats.change_points(series), [])

    def test_a_level_that_comes_and_goes(self):
        series = [1, 1.1, 0.9, 1, 3, 3.1, 2.9, 3, 1, 1.1, 0.9, 1.0]
        self.assertEqual([c.index for c in stats.change_points(series)], [4, 8])

    def test_one_outlier_is_no_change(self):
        series = [10, 10.2, 9.9, 10.1, 14, 10, 9.8, 10.1, 9.9, 10.2]
        self.assertEqual(stats.change_points(series), [])

    def test_too_short(self):
        # 3 runs of each level is the least; 6 cannot reach 0.05 (2 of the 20
        # arrangements are as extreme: p >= 0.1)
        self.assertEqual(stats.change_points([0, 0, 1, 1]), [])
        self.assertEqual(stats.change_points([0, 0, 0, 1, 1, 1]), [])

    def test_what_the_test_can_see(self):
        # 2 / C(8, 4) = 0.029 <= 0.05 < 2 / C(6, 3) = 0.1: 4 runs a level;
        # at 0.05/8: 2 / C(10, 5) = 0.0079 > 0.00625 >= 2 / C(12, 6) = 0.0022
        self.assertEqual(stats.runs_per_level_needed(0.05), 4)
        self.assertEqual(stats.runs_per_level_needed(0.05 / 8), 6)
        self.assertEqual(stats.permutations_for(0.05), 399)

    def test_deterministic(self):
        series = [0, 0.1, 0, 0.1, 1, 1.1, 1, 1.1]
        self.assertEqual(stats.change_points(series), stats.change_points(series))


if __name__ == "__main__":
    unittest.main()
