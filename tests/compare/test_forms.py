"""scripts/compare's three forms beyond BASE NEW, on synthetic runs
(tests/compare/fixtures/runs.py): an A/B run compared pair by pair, NEW
against several base runs, and --history; their bad input. The statistics
are harness/stats.py's, tested by hand in tests/harness/test_stats.py.

    python3 -m unittest tests.compare.test_forms
"""

import os
import subprocess
import sys

from tests.compare.fixtures import runs
from tests.compare.test_compare import SCRIPT, FixtureCase, run_main, verdicts

LO64 = ("lo", "throughput", 65536)
UDS100_LAT = ("uds", "latency", 100)


def cells(text, label):
    """The cells of the table line of a point, split on runs of spaces."""
    for line in text.splitlines():
        if line.startswith(label + "  "):
            return [c.strip() for c in line.split("  ") if c.strip()]
    raise AssertionError(f"no line for {label} in:\n{text}")


class ABCase(FixtureCase):
    def ab_run(self, name, points, **kw):
        return runs.write_ab_run(os.path.join(self.tmp, name), points, run_id=name, **kw)


class TestPaired(ABCase):
    def test_aa_calibration_says_nothing(self):
        run = self.ab_run("aa", runs.ab_scenario())
        code, out, err = run_main(run)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(set(verdicts(out).values()), {"unchanged"})
        self.assertIn("8 unchanged (threshold 10%, alpha 0.05 after Holm over 8 tests", out)
        self.assertIn("base: arm A, as given (A/A calibration: B is A again)", out)
        self.assertEqual(err, "")

    def test_drop_under_drift_is_found_by_the_pairs(self):
        # the machine moves by 25% between pairs, more than the change: the
        # unpaired reps of the two arms overlap, the pairs do not
        run = self.ab_run("drop", runs.ab_scenario(changes={LO64: 0.8}),
                          spec="rev:HEAD~1", b="1a2b3c4")
        code, out, err = run_main(run)
        self.assertEqual(code, 1, out + err)
        v = verdicts(out)
        self.assertEqual(v.pop("lo throughput 64 KiB"), "regressed")
        self.assertEqual(set(v.values()), {"unchanged"})
        c = cells(out, "lo throughput 64 KiB")
        # 10 pairs all of one sign: p = 2/2^10 = 0.00195, Holm x 8 = 0.0156
        self.assertEqual(c[4:9], ["-20.0%", "-20.5%…-19.5%", "10", "0.002", "0.016"])
        self.assertIn("new:  arm B, rev:HEAD~1 (1a2b3c4)", out)
        self.assertIn("regressed: lo throughput 64 KiB bytes_per_s -20.0% (95% CI "
                      "-20.5%…-19.5%, 10 pairs, Holm p = 0.016)", out)

    def test_base_arm_b_reads_the_other_way(self):
        # make regress: --ab rev:BASE, so B is the base and A the change
        run = self.ab_run("drop", runs.ab_scenario(changes={LO64: 0.8}), spec="rev:main")
        code, out, _ = run_main(run, "--base-arm", "B")
        self.assertEqual(code, 0)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "improved")
        self.assertEqual(cells(out, "lo throughput 64 KiB")[4], "+25.0%")
        self.assertIn("base: arm B, rev:main", out)
        self.assertIn("change A vs B", out)
        run = self.ab_run("gain", runs.ab_scenario(changes={LO64: 1.25}), spec="rev:main")
        code, out, _ = run_main(run, "--base-arm", "B")
        self.assertEqual(code, 1)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "regressed")

    def test_latency_is_lower_better(self):
        run = self.ab_run("slow", runs.ab_scenario(changes={UDS100_LAT: 1.2}))
        code, out, _ = run_main(run)
        self.assertEqual(code, 1)
        self.assertEqual(verdicts(out)["uds latency 100 B"], "regressed")

    def test_unpaired_test_misses_what_pairs_see(self):
        # the same reps compared as two independent sets are within each
        # other's drift: the pairing is what finds the 12% change
        pts = runs.ab_scenario(changes={LO64: 0.88})
        a = self.run_dir("a", {k: v[0] for k, v in pts.items()})
        b = self.run_dir("b", {k: v[1] for k, v in pts.items()})
        code, out, _ = run_main(a, b)
        self.assertEqual(code, 0)
        self.assertNotEqual(verdicts(out)["lo throughput 64 KiB"], "regressed")
        code, out, _ = run_main(self.ab_run("ab", pts))
        self.assertEqual(code, 1)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "regressed")

    def test_too_few_pairs_for_holm(self):
        # 5 pairs: the smallest p is 2/32 = 0.0625, above 0.05 before any adjustment
        run = self.ab_run("few", runs.ab_scenario(pairs=5, changes={LO64: 0.5}))
        code, out, err = run_main(run)
        self.assertEqual(code, 0)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "noisy")
        self.assertIn("5 pairs can never reach it over 8 tests", out)
        self.assertIn("with 5 pairs no change can reach p < 0.05 after Holm over 8 tests "
                      "(the smallest p is 0.0625): measure 9 pairs at least (--reps 9)", err)

    def test_interference_is_said(self):
        run = self.ab_run("hog", runs.ab_scenario(changes={LO64: 0.8}),
                          interfered={(LO64, "B"): (3, 4), (LO64, "A"): (4,)})
        code, out, err = run_main(run)
        self.assertEqual(code, 1)
        self.assertIn("2 of 10 pairs interfered", cells(out, "lo throughput 64 KiB")[-1])
        self.assertIn("lo throughput 64 KiB bytes_per_s: 'regressed' rests on reps with "
                      "interference flagged", err)

    def test_precision_not_reached_is_said(self):
        run = self.ab_run("prec", runs.ab_scenario(),
                          precision={(LO64, "B"): (7.14, 5, False), (LO64, "A"): (2, 5, True)})
        _, out, _ = run_main(run)
        self.assertIn("arm B precision ±7.14% (target ±5%) not reached",
                      cells(out, "lo throughput 64 KiB")[-1])

    def test_point_with_one_arm(self):
        run = self.ab_run("half", runs.ab_scenario(drop={LO64: "B"}))
        code, out, _ = run_main(run)
        self.assertEqual(code, 0)
        self.assertIn("only in A", cells(out, "lo throughput 64 KiB"))

    def test_failed_arm(self):
        pts = runs.ab_scenario()
        pts[LO64] = (pts[LO64][0], ["error"] * 10)
        code, out, _ = run_main(self.ab_run("err", pts))
        self.assertEqual(code, 0)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "error")
        self.assertIn("arm B error: fixture error", out)

    def test_markdown(self):
        run = self.ab_run("drop", runs.ab_scenario(changes={LO64: 0.8}), spec="rev:HEAD~1")
        code, out, _ = run_main(run, "--format", "md")
        self.assertEqual(code, 1)
        lines = out.splitlines()
        self.assertEqual(lines[0], "### ipcperf: 1 regression")
        table = [line for line in lines if line.startswith("|")]
        self.assertEqual(table[0], "| point | metric | base (A) | new (B) | change B vs A | "
                                   "95% CI | pairs | p | Holm p | verdict |")
        self.assertEqual(len(table), 2 + len(runs.BASE))
        self.assertTrue(any("**regressed**" in t for t in table))
        self.assertIn("- new:  arm B, rev:HEAD~1", out)


class TestSeveralBaseRuns(FixtureCase):
    def bases(self, factors, prefix):
        return runs.series_runs(os.path.join(self.tmp, prefix), factors, prefix=prefix)

    def test_quiet_bases_see_the_change(self):
        # medians of the three base runs within +-1%: a 20% drop is far outside
        bases = self.bases(runs.QUIET_RUNS[:3], "q")
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}))
        code, out, err = run_main(*bases, new)
        self.assertEqual(code, 1, out + err)
        v = verdicts(out)
        self.assertEqual(v.pop("lo throughput 64 KiB"), "regressed")
        self.assertEqual(set(v.values()), {"unchanged"})
        c = cells(out, "lo throughput 64 KiB")
        self.assertEqual(c[2:6], ["8.00 Gbit/s", "±0.8%", "6.40 Gbit/s", "-20.0%"])
        self.assertIn("t prediction test of new's median against the spread of the 3 base "
                      "runs' medians", out)
        self.assertEqual(err, "")

    def test_drifting_bases_swallow_the_change(self):
        # base medians 15% apart: the same drop is within what runs do anyway
        bases = self.bases(runs.DRIFTING_RUNS[:3], "d")
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}))
        code, out, err = run_main(*bases, new)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(verdicts(out)["lo throughput 64 KiB"], "noisy")
        self.assertIn("within the base runs' spread", out)
        # the reps test against one of those runs alone calls it a regression
        code, out, err = run_main(bases[0], new)
        self.assertEqual(code, 1)
        self.assertIn("one base run cannot see drift between runs", err)

    def test_two_bases_are_too_few(self):
        bases = self.bases(runs.QUIET_RUNS[:2], "q")
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}))
        code, out, err = run_main(*bases, new)
        self.assertEqual(code, 1)
        self.assertIn("2 base runs are too few to judge by their spread (3 needed)", err)
        self.assertIn("two-sided Mann-Whitney U on the reps", out)
        self.assertIn(" + ", out.splitlines()[0])

    def test_new_reps_interfered(self):
        bases = self.bases(runs.QUIET_RUNS[:3], "q")
        new = self.run_dir("new", runs.scenario(), interfered={LO64: (1, 2)})
        _, out, _ = run_main(*bases, new)
        self.assertIn("new: 2 of 5 reps interfered", cells(out, "lo throughput 64 KiB")[-1])

    def test_markdown(self):
        bases = self.bases(runs.QUIET_RUNS[:3], "q")
        new = self.run_dir("new", runs.scenario(changes={LO64: 0.8}))
        code, out, _ = run_main(*bases, new, "--format", "md")
        self.assertEqual(code, 1)
        table = [line for line in out.splitlines() if line.startswith("|")]
        self.assertEqual(table[0], "| point | metric | base (3 runs) | spread | new | change "
                                   "| 95% CI | p | Holm p | verdict |")
        self.assertEqual(len(table), 2 + len(runs.BASE))


class TestHistory(FixtureCase):
    def test_known_step_is_marked(self):
        dirs = runs.series_runs(os.path.join(self.tmp, "h"), runs.QUIET_RUNS,
                                changes={LO64: (6, 0.8)})
        code, out, err = run_main("--history", *reversed(dirs))     # order from meta.json
        self.assertEqual(code, 1, out + err)
        block = out.split("lo throughput 64 KiB  bytes_per_s\n")[1].split("\n\n")[0]
        lines = block.splitlines()
        self.assertEqual(len(lines), 12)
        self.assertTrue(lines[0].strip().startswith("2024-03-01T12:00:00Z"))
        marked = [i for i, line in enumerate(lines) if "change point" in line]
        self.assertEqual(marked, [6])
        self.assertIn("◀ change point: -20.2%", lines[6])
        self.assertTrue(lines[6].endswith("regressed"))
        self.assertIn("1 change point in 8 series: 1 regressed", out)
        self.assertEqual(out.count("change point:"), 1)

    def test_no_step_no_change_point(self):
        dirs = runs.series_runs(os.path.join(self.tmp, "h"), runs.QUIET_RUNS)
        code, out, err = run_main("--history", *dirs)
        self.assertEqual(code, 0, out + err)
        self.assertIn("0 change points in 8 series", out)
        self.assertNotIn("◀", out)

    def test_short_history_says_so(self):
        dirs = runs.series_runs(os.path.join(self.tmp, "h"), runs.QUIET_RUNS[:4])
        code, out, _ = run_main("--history", *dirs)
        self.assertEqual(code, 0)
        self.assertIn("no series has the 6 runs a change point needs", out)

    def test_markdown(self):
        dirs = runs.series_runs(os.path.join(self.tmp, "h"), runs.QUIET_RUNS,
                                changes={LO64: (6, 0.8)})
        code, out, _ = run_main("--history", "--format", "md", *dirs)
        self.assertEqual(code, 1)
        self.assertTrue(out.startswith("### ipcperf history: 1 change point in 8 series"))
        self.assertIn("| lo throughput 64 KiB | bytes_per_s | ", out)


class TestFormsBadInput(ABCase):
    """Exit 2 with one line on stderr, never a traceback (assertBad)."""

    def test_plain_run_alone(self):
        self.assertBad(self.run_dir("plain", runs.scenario()), says="is not an A/B run")

    def test_one_arm_missing(self):
        pts = {k: (a, []) for k, (a, _) in runs.ab_scenario().items()}
        self.assertBad(self.ab_run("half", pts), says="an A/B run without arm B")

    def test_ab_run_among_plain_runs(self):
        ab = self.ab_run("ab", runs.ab_scenario())
        plain = self.run_dir("plain", runs.scenario())
        self.assertBad(plain, ab, says="is an A/B run: compare BASE... NEW takes plain runs")
        self.assertBad("--history", plain, ab, says="is an A/B run: --history takes plain")

    def test_base_arm_where_it_does_not_apply(self):
        plain = self.run_dir("plain", runs.scenario())
        self.assertBad(plain, plain, "--base-arm", "B", says="--base-arm applies to one A/B run")
        self.assertBad(self.ab_run("ab", runs.ab_scenario()), "--base-arm", "C",
                       says="invalid choice")

    def test_bases_of_different_sweeps(self):
        dirs = runs.series_runs(os.path.join(self.tmp, "q"), runs.QUIET_RUNS[:2], prefix="q")
        other = self.run_dir("other", runs.scenario(drop=(LO64,)))
        new = self.run_dir("new", runs.scenario())
        self.assertBad(*dirs, other, new, says="other is of another sweep than")
        slow = self.run_dir("slow", runs.scenario(), meta={"settings": {"duration_s": 1.0}})
        self.assertBad(*dirs, slow, new, says="settings.duration_s 1.0 vs 0.3")
        self.assertBad(*dirs, new, slow, says="settings.duration_s")
        self.assertBad("--history", *dirs, slow, says="settings.duration_s")

    def test_same_run_twice_among_bases(self):
        dirs = runs.series_runs(os.path.join(self.tmp, "q"), runs.QUIET_RUNS[:2], prefix="q")
        new = self.run_dir("new", runs.scenario())
        self.assertBad(dirs[0], dirs[1], dirs[0], new, says="are the same run")

    def test_history_needs_two_runs_with_times(self):
        plain = self.run_dir("plain", runs.scenario())
        self.assertBad("--history", plain, says="--history needs two runs at least")
        other = self.run_dir("other", runs.scenario())
        self.assertBad("--history", plain, other, says="no started_utc in meta.json")

    def test_bad_arm_value(self):
        run = self.ab_run("ab", runs.ab_scenario())
        path = os.path.join(run, "results.csv")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace(",A,", ",C,", 1))
        self.assertBad(run, says="arm 'C' (expected A or B, or empty)")

    def test_script_exit_codes(self):
        run = self.ab_run("drop", runs.ab_scenario(changes={LO64: 0.8}))
        p = subprocess.run([sys.executable, SCRIPT, run], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 1)
        p = subprocess.run([sys.executable, SCRIPT, run, "--base-arm", "B"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
