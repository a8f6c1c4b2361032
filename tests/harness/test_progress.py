"""What the terminal says (harness/progress.py), on the committed fixture
runs: the same words as report.md and scripts/compare for sizes, rates,
times and the series of a second MTU."""

import io
import os
import re
import unittest

from harness import progress, results, wording

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fixtures")


def summary(name):
    return results.read_rows(os.path.join(FIXTURES, name, "summary.csv"))


class TestVocabulary(unittest.TestCase):
    def final(self, rows):
        out = io.StringIO()
        progress.Progress(1, 1.0, out=out).final(rows, "/tmp/run", 75)
        return out.getvalue()

    def test_final_table_says_kib_and_us_as_the_report_does(self):
        text = self.final(summary("run-small"))
        self.assertIn("64 KiB", text)
        self.assertIn("100 B", text)
        self.assertIn(" µs", text)
        self.assertIn("Gbit/s", text)
        self.assertNotRegex(text, r"\b64K\b")
        self.assertNotRegex(text, r"\d us\b")
        self.assertNotIn("GB/s", text)

    def test_one_of_a_thing_is_singular(self):
        self.assertEqual(wording.counted(1, "pair"), "1 pair")
        self.assertEqual(wording.counted(0, "object"), "0 objects")
        self.assertEqual(wording.counted(4, "change point"), "4 change points")

    def test_point_line(self):
        out = io.StringIO()                   # not a terminal: a line per point
        p = progress.Progress(1, 1.0, out=out)
        row = next(r for r in summary("run-small")
                   if r["mode"] == "latency" and r["size_bytes"] == "65536")
        p.point_done(row)
        line = out.getvalue()
        self.assertIn(" 64 KiB io=sync", line)
        want = wording.duration_ns(float(row["lat_p50_ns_median"]))
        self.assertTrue(want.endswith(" µs"), want)
        self.assertIn(want, line)

    def test_noisy_threshold_is_the_summarys(self):
        rows = summary("run-small")
        rows[0] = dict(rows[0], noisy="1")
        text = self.final(rows)
        self.assertIn("* noisy (cv > %d%%): 1 of" % round(results.NOISY_CV * 100), text)

    def test_second_mtu_column_is_the_report_series(self):
        rows = [r for r in summary("run-why") if r["mode"] == "throughput"]
        names = set(wording.series_names(rows))
        self.assertIn("veth:mtu65535", names)
        self.assertIn("veth", names)              # the main MTU keeps the bare name
        header = [l for l in self.final(rows).splitlines() if l.lstrip().startswith("size")]
        self.assertEqual(set(header[0].split()[1:]), names)


class TestFlags(unittest.TestCase):
    """Interfered reps and the precision reached, on the point's line and at
    the end; an A/B run's arms in tables of their own."""

    def rows(self):
        rows = summary("run-small")
        rows[0] = dict(rows[0], reps_interfered="2", precision_pct="7.5",
                       precision_target_pct="5", precision_met="0")
        for r in rows[1:]:
            r.update(reps_interfered="0", precision_pct="1.0", precision_target_pct="5",
                     precision_met="1")
        return rows

    def test_point_line(self):
        out = io.StringIO()
        progress.Progress(1, 1.0, out=out).point_done(self.rows()[0])
        line = out.getvalue()
        self.assertIn("INTERFERED 2/3 (others took > 5% of a pinned CPU)", line)
        self.assertIn("+-7.5%", line)

    def test_final(self):
        out = io.StringIO()
        p = progress.Progress(3, 1.0, out=out)
        rows = self.rows()
        for _ in range(3):
            p.rep_done(0.5, {"interfered": "1"})
        p.final(rows, "/tmp/run", 75)
        text = out.getvalue()
        self.assertIn("! interfered (others took > 5% of a pinned CPU): 2 of 3 reps, in 1 of "
                      f"{len(rows)} points", text)
        self.assertIn(f"precision +-5%: reached by {len(rows) - 1} of {len(rows)} points", text)
        self.assertEqual(p.interfered, 3)

    def test_arms_have_tables_of_their_own(self):
        rows = [dict(r, arm=arm) for r in summary("run-small") if r["mode"] == "latency"
                for arm in ("A", "B")]
        out = io.StringIO()
        progress.Progress(1, 1.0, out=out).final(rows, "/tmp/run", 75)
        text = out.getvalue()
        self.assertIn("(io=sync, cpus=split, arm A)", text)
        self.assertIn("(io=sync, cpus=split, arm B)", text)


if __name__ == "__main__":
    unittest.main()
