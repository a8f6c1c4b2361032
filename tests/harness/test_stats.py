"""Statistics of the summary against values computed by hand."""

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


if __name__ == "__main__":
    unittest.main()
