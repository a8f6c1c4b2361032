"""scripts/compare on synthetic runs (tests/compare/fixtures/runs.py writes
them with the harness's own CSV writers); its Mann-Whitney U test is
harness/stats.py's, tested in tests/harness/test_stats.py.

    python3 -m unittest discover -s tests/compare -t .
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import compare, compare_cli, results
from tests.compare.fixtures import runs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "compare")
BASELINES = os.path.join(REPO, "results", "baselines")

LO64 = ("lo", "throughput", 65536)
UDS100_LAT = ("uds", "latency", 100)


def run_main(*argv):
    """compare_cli.main in-process -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = compare_cli.main(list(argv), prog="compare", out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def verdicts(text):
    """The text table -> {point label: verdict}."""
    got = {}
    for line in text.splitlines():
        for v in list(compare.VERDICTS) + ["only in base", "only in new", "error",
                                            "unsupported"]:
            cols = line.split("  ")
            cols = [c.strip() for c in cols if c.strip()]
            if v in cols:
                got[cols[0]] = v
                break
    return got


class FixtureCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ipcperf-compare-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_dir(self, name, points, **kw):
        return runs.write_run(os.path.join(self.tmp, name), points, run_id=name, **kw)

    def assertBad(self, *argv, says):
        """Exit 2 with one line on stderr that says it, never a traceback."""
        code, out, err = run_main(*argv)
        self.assertEqual(code, 2, out + err)
        self.assertEqual(out, "")
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(says, err)
        self.assertNotIn("Traceback", err)
        self.assertIn("--help", err)
        return err


class TestVerdicts(FixtureCase):
    def test_identical_runs(self):
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario())
        code, out, err = run_main(base, new)
        self.assertEqual(code, 0, out + err)
        v = verdicts(out)
        self.assertEqual(len(v), len(runs.BASE))
        self.assertEqual(set(v.values()), {"unchanged"})
        self.assertIn("8 unchanged", out)
        # (was: no warning at all) one base run now says what it cannot see
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith("compare: warning: one base run cannot see drift "
                                       "between runs"), err)

    def test_same_directory_twice(self):
        base = self.run_dir("base", runs.scenario())
        self.assertEqual(run_main(base, base)[0], 0)

    def test_drop_with_tight_reps_regresses(self):
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}))
        code, out, err = run_main(base, new)
        self.assertEqual(code, 1, out + err)
        v = verdicts(out)
        self.assertEqual(v.pop("lo throughput 64 KiB"), "regressed")
        self.assertEqual(set(v.values()), {"unchanged"})
        self.assertIn("regressed: lo throughput 64 KiB bytes_per_s -20.0% (p = 0.008)", out)

    def test_drop_swallowed_by_spread_is_noisy(self):
        base = self.run_dir("base", runs.scenario(runs.WIDE))
        new = self.run_dir("new", runs.scenario(runs.WIDE, changes={LO64: 0.8}))
        code, out, err = run_main(base, new)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "noisy")
        self.assertIn("-20.0%", out)
        self.assertIn("worse but p >= 0.05", out)

    def test_improvement(self):
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario(changes={LO64: 1.2}))
        code, out, err = run_main(base, new)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "improved")
        self.assertIn("+20.0%", out)
        self.assertIn("1 improved", out)

    def test_latency_is_lower_better(self):
        base = self.run_dir("base", runs.scenario())
        worse = self.run_dir("worse", runs.scenario(changes={UDS100_LAT: 1.2}))
        better = self.run_dir("better", runs.scenario(changes={UDS100_LAT: 0.8}))
        code, out, _ = run_main(base, worse)
        self.assertEqual(code, 1)
        self.assertEqual(verdicts(out)["uds latency 100 B"], "regressed")
        code, out, _ = run_main(base, better)
        self.assertEqual(code, 0)
        self.assertEqual(verdicts(out)["uds latency 100 B"], "improved")

    def test_below_threshold_is_unchanged_even_if_significant(self):
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.93}))
        code, out, _ = run_main(base, new)
        self.assertEqual(code, 0)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "unchanged")
        code, out, _ = run_main(base, new, "--threshold", "5")
        self.assertEqual(code, 1)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "regressed")

    def test_quick_runs_cannot_prove_a_regression(self):
        base = self.run_dir("base", runs.scenario(reps=2))
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.5}, reps=2))
        code, out, err = run_main(base, new)
        self.assertEqual(code, 0)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "noisy")
        self.assertIn("2 vs 2 reps", err)
        self.assertIn("0.333", err)

    def test_missing_points_are_listed(self):
        lo100 = ("lo", "latency", 100)
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario(
            drop=(lo100,), add={("veth", "latency", 100): [90e3] * 5}))
        code, out, err = run_main(base, new)
        self.assertEqual(code, 0, out + err)
        v = verdicts(out)
        self.assertEqual(v["lo latency 100 B"], "only in base")
        self.assertEqual(v["veth latency 100 B"], "only in new")
        self.assertIn("1 only in base, 1 only in new", out)

    def test_failed_points_are_listed_with_their_status(self):
        base = self.run_dir("base", runs.scenario())
        pts = runs.scenario()
        pts[LO64] = ["error"] * 5
        pts[("uds", "throughput", 100)] = pts[("uds", "throughput", 100)][:4] + ["error"]
        new = self.run_dir("new", pts)
        code, out, err = run_main(base, new)
        self.assertEqual(code, 0, out + err)
        v = verdicts(out)
        self.assertEqual(v["lo throughput 64 KiB"], "error")
        self.assertIn("new error: fixture error", out)
        self.assertEqual(v["uds throughput 100 B"], "unchanged")
        self.assertIn("new partial (4/5 reps ok)", out)

    def test_metric_option(self):
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario(changes={UDS100_LAT: 1.3}))
        code, out, _ = run_main(base, new, "--metric", "lat_p99_ns,cpu_ns_per_msg")
        self.assertEqual(code, 1)
        self.assertIn("lat_p99_ns", out)
        self.assertIn("cpu_ns_per_msg", out)
        # lat_p99_ns does not apply to throughput points: 4 latency + 8 cpu rows
        rows = [line for line in out.splitlines()
                if "_ns" in line and "%" in line and not line.startswith("regressed:")]
        self.assertEqual(len(rows), 12)

    def test_summary_csv_and_results_csv_paths(self):
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}))
        code, _, _ = run_main(os.path.join(base, "summary.csv"),
                              os.path.join(new, "results.csv"))
        self.assertEqual(code, 1)

    def test_markdown(self):
        base = self.run_dir("base", runs.scenario())
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}, drop=(UDS100_LAT,)))
        code, out, _ = run_main(base, new, "--format", "md")
        self.assertEqual(code, 1)
        lines = out.splitlines()
        self.assertEqual(lines[0], "### ipcperf: 1 regression")
        table = [line for line in lines if line.startswith("|")]
        self.assertEqual(table[0], "| point | metric | base | new | change | p | verdict |")
        self.assertTrue(table[1].startswith("|---|"))
        self.assertEqual(len(table), 2 + len(runs.BASE))
        self.assertIn("| lo throughput 64 KiB | bytes_per_s | 8.00 Gbit/s | 6.40 Gbit/s | -20.0% "
                      "| 0.008 | **regressed** |", table)
        self.assertTrue(any("only in base" in t for t in table))
        for t in table:
            self.assertEqual(t.count("|"), 8, t)

    def test_markdown_no_regression_and_warnings(self):
        base = self.run_dir("base", runs.scenario(reps=2))
        new = self.run_dir("new", runs.scenario(reps=2),
                           meta={"settings": {"duration_s": 1.0}})
        code, out, err = run_main(base, new, "--format", "md")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("### ipcperf: no regression\n"))
        self.assertIn("> base and new differ in settings.duration_s (0.3 vs 1.0)", out)
        self.assertIn("warning: base and new differ in settings.duration_s", err)


class TestBadInput(FixtureCase):
    """Exit 2 with one line on stderr, never a traceback."""

    def setUp(self):
        super().setUp()
        self.base = self.run_dir("base", runs.scenario())
        self.new = self.run_dir("new", runs.scenario())

    def edit(self, name, fn):
        path = os.path.join(self.new, name)
        with open(path, newline="") as f:
            lines = f.read().splitlines()
        with open(path, "w", newline="") as f:
            f.write("\n".join(fn(lines)) + "\n")

    def test_missing_directory(self):
        self.assertBad(self.base, os.path.join(self.tmp, "nope"),
                       says="no such run directory")

    def test_missing_results_csv(self):
        os.unlink(os.path.join(self.new, "results.csv"))
        self.assertBad(self.base, self.new, says="results.csv: missing")

    def test_missing_summary_csv(self):
        os.unlink(os.path.join(self.new, "summary.csv"))
        self.assertBad(self.base, self.new, says="summary.csv: missing")

    def test_not_csv(self):
        with open(os.path.join(self.new, "summary.csv"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n\x00\xff")
        self.assertBad(self.base, self.new, says="summary.csv")

    def test_empty_file(self):
        open(os.path.join(self.new, "results.csv"), "w").close()
        self.assertBad(self.base, self.new, says="empty, no header")

    def test_missing_column(self):
        def drop_col(lines):
            return [",".join(c for i, c in enumerate(line.split(",")) if i != 13)
                    for line in lines]
        self.edit("results.csv", drop_col)
        self.assertBad(self.base, self.new, says="no column bytes_per_s")

    def test_short_row(self):
        n = len(results.COLUMNS)
        self.edit("results.csv", lambda ls: ls[:3] + [ls[3].rsplit(",", 2)[0]] + ls[4:])
        self.assertBad(self.base, self.new, says=f"line 4: {n - 2} fields, the header has {n}")

    def test_bad_number(self):
        def garble(lines):
            cells = lines[2].split(",")
            cells[results.COLUMNS.index("bytes_per_s")] = "fast"
            return lines[:2] + [",".join(cells)] + lines[3:]
        self.edit("results.csv", garble)
        self.assertBad(self.base, self.new, says="line 3: bytes_per_s 'fast' is not a number")

    def test_unknown_schema_version(self):
        self.edit("summary.csv", lambda ls: [ls[0]] + ["99" + line[1:] for line in ls[1:]])
        known = ", ".join(map(str, results.SUPPORTED_SCHEMAS))
        err = self.assertBad(self.base, self.new, says="schema_version 99, but this "
                             f"ipcperf reads schema_version {known}")
        self.assertIn("summary.csv line 2", err)

    def test_schema_versions_of_one_run_differ(self):
        runs.as_schema_1(self.new)
        self.edit("summary.csv", lambda ls: [ls[0]] + ["2" + line[1:] for line in ls[1:]])
        self.assertBad(self.base, self.new, says="no column loss_ratio_median")
        runs.as_schema_1(self.new)
        self.edit("results.csv", lambda ls: ls[:2] + ["2" + ls[2][1:]] + ls[3:])
        self.assertBad(self.base, self.new, says="line 3: schema_version 2 after 1")

    def test_summary_and_results_of_different_versions(self):
        other = runs.as_schema_1(self.run_dir("other", runs.scenario()))
        shutil.copy(os.path.join(other, "summary.csv"), os.path.join(self.new, "summary.csv"))
        self.assertBad(self.base, self.new, says="is schema_version 1 but")

    def test_files_of_different_runs(self):
        other = self.run_dir("other", runs.scenario())
        shutil.copy(os.path.join(other, "results.csv"), os.path.join(self.new, "results.csv"))
        self.assertBad(self.base, self.new, says="files of different runs")

    def test_summary_disagrees_with_reps(self):
        self.edit("results.csv", lambda ls: ls[:-1])
        self.assertBad(self.base, self.new, says="reps_ok 5 but")

    def test_no_common_points(self):
        other = self.run_dir("other", {("veth", "latency", 100): [90e3] * 5})
        self.assertBad(self.base, other, says="no point in common")

    def test_no_points(self):
        self.edit("summary.csv", lambda ls: ls[:1])
        self.edit("results.csv", lambda ls: ls[:1])
        self.assertBad(self.base, self.new, says="no points")

    def test_bad_options(self):
        self.assertBad(self.base, self.new, "--threshold", "ten", says="bad --threshold")
        self.assertBad(self.base, self.new, "--threshold", "-5", says="bad --threshold")
        self.assertBad(self.base, self.new, "--alpha", "2", says="bad --alpha")
        self.assertBad(self.base, self.new, "--metric", "speed", says="unknown metric 'speed'")
        self.assertBad(self.base, self.new, "--format", "html", says="invalid choice")
        # (was: says="required") one run alone is now the A/B form
        self.assertBad(self.base, says="is not an A/B run")
        self.assertBad(says="required")

    def test_threshold_with_percent_sign(self):
        code, _, _ = run_main(self.base, self.new, "--threshold", "15%")
        self.assertEqual(code, 0)


class TestSchemaVersions(FixtureCase):
    def test_reads_what_the_harness_writes(self):
        # a schema bump in harness/results.py must be taught to compare
        # (ADDED_IN), or runs of the new version are refused
        self.assertIn(results.SCHEMA_VERSION, results.SUPPORTED_SCHEMAS)
        for c in results.COLUMNS + results.SUMMARY_COLUMNS:
            self.assertLessEqual(results.since(c), results.SCHEMA_VERSION)
        self.assertEqual(results.since("bytes_per_s_median"), 1)
        self.assertEqual(results.since("loss_ratio_cv"), 2)
        self.assertEqual(results.columns_of(1, ["bytes_per_s", "loss_ratio", "note"]),
                         ["bytes_per_s", "note"])

    def test_schema_1_against_current(self):
        old = runs.as_schema_1(self.run_dir("old", runs.scenario()))
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}))
        code, out, err = run_main(old, new)
        self.assertEqual(code, 1, out + err)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "regressed")
        self.assertIn(f"base is schema_version 1, new {results.SCHEMA_VERSION}", err)
        self.assertEqual(run_main(old, old)[0], 0)


class TestScript(FixtureCase):
    """The executable itself: exit codes and messages as a user sees them."""

    def script(self, *argv):
        return subprocess.run([sys.executable, SCRIPT] + list(argv), capture_output=True,
                              text=True, timeout=60, cwd=self.tmp)

    def test_exit_codes(self):
        base = self.run_dir("base", runs.scenario())
        same = self.run_dir("same", runs.scenario())
        drop = self.run_dir("drop", runs.scenario(changes={LO64: 0.8}))
        self.assertEqual(self.script(base, same).returncode, 0)
        p = self.script(base, drop)
        self.assertEqual(p.returncode, 1)
        self.assertIn("lo throughput 64 KiB", p.stdout)
        p = self.script(base, os.path.join(self.tmp, "nope"))
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.splitlines()), 1)
        self.assertTrue(p.stderr.startswith("scripts/compare: "))
        self.assertNotIn("Traceback", p.stderr)

    def test_executable_and_help(self):
        self.assertTrue(os.access(SCRIPT, os.X_OK))
        p = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--threshold", p.stdout)


class TestBaselines(unittest.TestCase):
    """The committed baselines are well-formed runs that compare clean
    against themselves."""

    def test_baselines(self):
        if not os.path.isdir(BASELINES):
            self.skipTest("no results/baselines")
        names = sorted(os.listdir(BASELINES))
        for name in names:
            d = os.path.join(BASELINES, name)
            with self.subTest(baseline=name):
                self.assertEqual(sorted(f for f in os.listdir(d) if not f.startswith(".")),
                                 ["meta.json", "results.csv", "summary.csv"])
                code, out, err = run_main(d, d)
                self.assertEqual(code, 0, out + err)
                run = compare.load(d)
                for p in run.points.values():
                    self.assertEqual(p.status, "ok", name)
                    self.assertGreaterEqual(p.ok_reps(), 5, name)


if __name__ == "__main__":
    unittest.main()
