"""plots/draw.py on a schema-4 run: run-small (tests/fixtures) rewritten here
with the columns schema 4 added (interference, precision, arm) and a
canary.csv, as the harness writes them. The committed fixtures, schema 3,
must draw exactly as before: test_draw.py checks them.

    python3 -m unittest tests.plots.test_schema4
"""
import csv
import os
import shutil
import statistics
import tempfile
import unittest

from harness import results
from tests.plots.test_draw import (FIXTURES, GNUPLOT, STYLE, DrawnFixture, gnuplot_table,
                                   read_csv, run_draw, svg_text)

UDS100 = ("uds", "throughput", "100")
FLAGGED_REPS = ("1", "2")
# the canary: uds throughput 100 B, every 40 s, with a slow spell in the middle
CANARY_T = (0, 40, 80, 120, 160, 200, 240, 280)
CANARY_V = (600e6, 606e6, 470e6, 468e6, 598e6, 603e6, 0, 601e6)


def _rewrite(path, columns, edit):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for row in rows:
            row = {c: row.get(c, "") for c in columns}
            row["schema_version"] = "4"
            edit(row)
            w.writerow(row)


def _is(row, point):
    return (row["transport"], row["mode"], row["size_bytes"]) == point


def upgrade(run_dir, arm=""):
    """run_dir (schema 3) -> schema 4: uds throughput 100 B has 2 reps
    flagged and misses a ±5% precision; the others meet it; canary.csv."""
    def rep(row):
        row["arm"] = arm
        flagged = _is(row, UDS100) and row["rep"] in FLAGGED_REPS
        row.update(interfered="1" if flagged else "0",
                   others_cpu_share="0.15" if flagged else "0.002")

    def point(row):
        row["arm"] = arm
        missed = _is(row, UDS100)
        row.update(reps_interfered="2" if missed else "0", precision_target_pct="5",
                   precision_pct="7.14" if missed else "2.1",
                   precision_met="0" if missed else "1")
    _rewrite(os.path.join(run_dir, "results.csv"), results.COLUMNS, rep)
    _rewrite(os.path.join(run_dir, "summary.csv"), results.SUMMARY_COLUMNS, point)
    with open(os.path.join(run_dir, "canary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=results.CANARY_COLUMNS, restval="",
                           lineterminator="\n")
        w.writeheader()
        for seq, (t, v) in enumerate(zip(CANARY_T, CANARY_V), 1):
            w.writerow(dict(schema_version=4, run_id="small", seq=seq, t_s=t, transport="uds",
                            mode="throughput", size_bytes=100,
                            status="ok" if v else "error", primary_metric="bytes_per_s",
                            value=v or ""))


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class Schema4Run(DrawnFixture, unittest.TestCase):
    FIXTURE = "run-small"

    @classmethod
    def prepare(cls, run_dir):
        upgrade(run_dir)

    def test_draws_quietly(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stderr, "")

    def test_canary_figure(self):
        text = svg_text(os.path.join(self.rundir, "canary.svg"))
        self.assertIn("Drift canary: uds throughput 100 B over the run", text)
        self.assertIn("time since the run started (s)", text)
        self.assertIn("](canary.png)", self.report)

    def test_canary_plotdata_is_speed_against_the_median(self):
        ok = [v for v in CANARY_V if v]
        mid = statistics.median(ok)
        rows = read_csv(os.path.join(self.rundir, "plotdata", "canary.csv"))
        self.assertEqual([float(r["t_s"]) for r in rows], list(CANARY_T))
        for r, v in zip(rows, CANARY_V):
            if v:
                self.assertAlmostEqual(float(r["speed"]), v / mid)
            else:
                self.assertEqual(r["speed"], "")        # a failed canary is a gap
        # by hand: median of the 7 ok values is 600e6; the slowest 468/600
        self.assertIn("ran between 0.78× and 1.01× of its median speed", self.report)
        self.assertIn("(uds throughput 100 B, measured 7 times over 280 s)", self.report)

    def test_failed_canary_breaks_the_line(self):
        prog = ('load "%s"\nset table "@TABLE@"\nplot "%s" using (xof("uds:throughput:100B", '
                '"t_s")):(num("speed")) with linespoints\nunset table\n' % (
                    STYLE, os.path.join(self.rundir, "plotdata", "canary.csv")))
        rows = gnuplot_table(prog)
        self.assertEqual([r[2] for r in rows], ["i"] * 6 + ["u", "i"])

    def test_caveat_next_to_the_finding(self):
        line = next(line for line in self.report.splitlines()
                    if line.startswith("- uds carries 100 B messages"))
        self.assertTrue(line.endswith(
            "Caveat: uds throughput 100 B: interference in 2 of 3 reps, precision ±7.1% "
            "not reached (target ±5%)."), line)
        # a finding that does not rest on the point has no caveat
        line = next(line for line in self.report.splitlines()
                    if line.startswith("- uds completes a 100 B round trip"))
        self.assertNotIn("Caveat", line)

    def test_points_short_of_precision_and_interfered_are_named(self):
        self.assertIn("### Precision\n\n- 1 of 21 points did not reach the precision asked "
                      "for (±5% of the median, 95% CI) within the budget: uds throughput "
                      "100 B (±7.1%).", self.report)
        self.assertIn("### Interference\n\n- Other tasks took a material share of a pinned "
                      "CPU in 2 reps of 1 point: uds throughput 100 B (2 of 3 reps).",
                      self.report)


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class ABRun(unittest.TestCase):
    def test_report_shows_arm_a_and_says_so(self):
        tmp = tempfile.mkdtemp(prefix="ipcperf-plotsab-")
        try:
            rundir = os.path.join(tmp, "run-small")
            shutil.copytree(os.path.join(FIXTURES, "run-small"), rundir)
            upgrade(rundir, arm="A")
            with open(os.path.join(rundir, "summary.csv")) as f:
                text = f.read()
            with open(os.path.join(rundir, "summary.csv"), "a") as f:      # arm B too
                f.write("".join(line.replace(",A,", ",B,") + "\n"
                                for line in text.splitlines()[1:]))
            proc = run_draw(rundir)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(os.path.join(rundir, "report.md")) as f:
                report = f.read()
            self.assertIn("An A/B run (--ab): the figures and findings show arm A", report)
            self.assertEqual(report.count("| uds | sync | split | 100 B | ok |"), 2)
        finally:
            shutil.rmtree(tmp)
