"""A/B runs, interference, --precision: the parts that need no benchmark --
the --ab spec and every bad form of it, ABBA order, B's sysctls held and put
back on every way out (on a private /proc/sys of the test's own), the
interference columns against hand-computed values, and the precision a
point reached."""

import contextlib
import os
import tempfile
import unittest

from harness import ab, adaptive, cli, interference, results, state, stats, sweep, sysctl
from harness.command import TopologyError


class TestSpec(unittest.TestCase):
    def test_kinds(self):
        self.assertEqual(cli.parse_ab("same"), cli.AbSpec("same", ""))
        self.assertEqual(cli.parse_ab("rev:HEAD~1").text, "HEAD~1")
        self.assertEqual(cli.parse_ab("bin:/x/ipcperf").text, "/x/ipcperf")
        s = cli.parse_ab("sysctl:net.ipv4.tcp_autocorking=0, net.core.rmem_max = 4194304")
        self.assertEqual(s.sysctls, (("net.ipv4.tcp_autocorking", "0"),
                                     ("net.core.rmem_max", "4194304")))
        o = cli.parse_ab("opt:--nodelay off --duration=200ms --warmup 0 --verify")
        self.assertEqual(o.options, {"nodelay": "off", "duration": 0.2, "warmup": 0.0,
                                     "verify": True})
        c = cli.parse(["--ab", "opt:'--nodelay on'", "--transport", "lo"])
        self.assertEqual(c.ab.options, {"nodelay": "on"})

    def test_bad_specs(self):
        bad = {"nope": "unknown --ab kind 'nope'",
               "": "unknown --ab kind ''",
               "same:x": "same takes nothing",
               "rev:": "needs a value",
               "bin: ": "needs a value",
               "sysctl:a": "not NAME=VALUE",
               "sysctl:a=": "not NAME=VALUE",
               "sysctl:../x=1": "not NAME=VALUE",
               "sysctl:a=1,a=2": "given twice",
               "opt:--size 1K": "a sweep axis",
               "opt:--transport=lo": "a sweep axis",
               "opt:--reps 9": "a sweep axis",
               "opt:--mtu 9000": "a sweep axis",
               "opt:--out /tmp/x": "not a per-rep option",
               "opt:--precision 5": "not a per-rep option",
               "opt:--bogus": "unknown option",
               "opt:--duration 0": "bad --ab opt: --duration",
               "opt:--nodelay maybe": "invalid choice",
               "opt:'--nodelay": "No closing quotation",
               "opt:   ": "needs a value"}
        for text, why in bad.items():
            with self.assertRaises(cli.UsageError, msg=text) as cm:
                cli.parse(["--ab", text])
            self.assertIn(why, str(cm.exception), text)
            self.assertNotIn("\n", str(cm.exception))

    def test_precision_and_budget(self):
        c = cli.parse(["--precision", "5%", "--budget", "300"])
        self.assertEqual((c.precision, c.budget), (5.0, 300.0))
        for argv in (["--precision", "0"], ["--precision", "-1"], ["--precision", "101"],
                     ["--precision", "x"], ["--precision", "5", "--budget", "0"],
                     ["--budget", "60"]):
            with self.assertRaises(cli.UsageError, msg=argv):
                cli.parse(argv)


class TestOrder(unittest.TestCase):
    def test_abba_rep_by_rep_interleaved_with_transports(self):
        got = [(t.point.transport, t.point.arm, t.rep, t.last) for t in sweep.tasks(
            ["uds", "lo"], ["sync"], ["split"], ["latency"], {"latency": [100]}, 3,
            arms=("A", "B"))]
        self.assertEqual(got, [
            ("uds", "A", 1, False), ("uds", "B", 1, False),
            ("lo", "A", 1, False), ("lo", "B", 1, False),
            ("uds", "B", 2, False), ("uds", "A", 2, False),
            ("lo", "B", 2, False), ("lo", "A", 2, False),
            ("uds", "A", 3, True), ("uds", "B", 3, True),
            ("lo", "A", 3, True), ("lo", "B", 3, True)])
        self.assertEqual(sweep.count(["uds", "lo"], ["sync"], ["split"], ["latency"],
                                     {"latency": [100]}, 3, arms=("A", "B")), 12)

    def test_without_arms_nothing_changes(self):
        got = [(t.point.transport, t.point.arm, t.rep) for t in sweep.tasks(
            ["uds", "lo"], ["sync"], ["split"], ["latency"], {"latency": [100]}, 2)]
        self.assertEqual(got, [("uds", "", 1), ("lo", "", 1), ("uds", "", 2), ("lo", "", 2)])

    def test_more_keeps_pairs_and_abba(self):
        p = sweep.Point("uds", "sync", "split", "latency", 100)
        q = sweep.Point("lo", "sync", "split", "latency", 100)
        pairs = list(sweep.more([p, q], {p: 5, q: 6}, ("A", "B")))
        self.assertEqual([[(t.point.transport, t.point.arm, t.rep) for t in pair]
                          for pair in pairs],
                         [[("uds", "B", 6), ("uds", "A", 6)],
                          [("lo", "A", 7), ("lo", "B", 7)]])


class FakeProcSys:
    """A private /proc/sys (sysctl.PROC_SYS) and state directory: the
    holder's real code, on files of the test's own."""

    def __init__(self, values):
        self.tmp = tempfile.TemporaryDirectory()
        self.proc = os.path.join(self.tmp.name, "sys")
        self.states = os.path.join(self.tmp.name, "run")
        for name, value in values.items():
            path = os.path.join(self.proc, *name.split("."))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(value + "\n")
        self.old = sysctl.PROC_SYS
        sysctl.PROC_SYS = self.proc
        self.st = state.RunState.claim(self.states)
        self.holder = sysctl.Sysctls(self.st, self.states)

    def value(self, name):
        return sysctl.read(name)

    def close(self):
        sysctl.PROC_SYS = self.old
        self.tmp.cleanup()


class TestSysctlArm(unittest.TestCase):
    def setUp(self):
        self.fake = FakeProcSys({"net.ipv4.tcp_autocorking": "1", "net.core.x": "4096"})
        self.addCleanup(self.fake.close)
        self.arm = ab.Arm("B", "ipcperf", None,
                          sysctls=(("net.ipv4.tcp_autocorking", "0"), ("net.core.x", "8192")),
                          holder=self.fake.holder)

    def test_set_for_the_rep_only(self):
        with self.arm.around():
            self.assertEqual(self.fake.value("net.ipv4.tcp_autocorking"), "0")
            self.assertEqual(self.fake.value("net.core.x"), "8192")
            # recorded before it changed: a kill -9 here is undone by the next run
            self.assertEqual(self.fake.st.data["sysctls"]["net.ipv4.tcp_autocorking"],
                             {"orig": "1", "set": "0"})
        self.assertEqual(self.fake.value("net.ipv4.tcp_autocorking"), "1")
        self.assertEqual(self.fake.value("net.core.x"), "4096")
        self.assertEqual(self.fake.st.data["sysctls"], {})

    def test_put_back_when_the_rep_raises(self):
        with self.assertRaises(KeyboardInterrupt):
            with self.arm.around():
                raise KeyboardInterrupt
        self.assertEqual(self.fake.value("net.ipv4.tcp_autocorking"), "1")
        self.assertEqual(self.fake.value("net.core.x"), "4096")

    def test_a_dead_runs_values_are_put_back(self):
        cm = self.arm.around()
        cm.__enter__()                        # set, and never released: the run died
        data = dict(self.fake.st.data)
        self.fake.st.release()                # ... and its state file is all that is left
        restored = sysctl.restore_dead(data, self.fake.states)
        self.assertEqual(sorted(restored), ["net.core.x=4096", "net.ipv4.tcp_autocorking=1"])
        self.assertEqual(self.fake.value("net.ipv4.tcp_autocorking"), "1")

    def test_check_normalises_and_changes_nothing(self):
        taken = ab.check_sysctls((("net.ipv4.tcp_autocorking", " 0 "),), self.fake.holder)
        self.assertEqual(taken, (("net.ipv4.tcp_autocorking", "0"),))
        self.assertEqual(self.fake.value("net.ipv4.tcp_autocorking"), "1")
        for pairs, why in (((("net.nosuch", "1"),), "does not exist"),):
            with self.assertRaises(cli.UsageError) as cm:
                ab.check_sysctls(pairs, self.fake.holder)
            self.assertIn(why, str(cm.exception))


class TestInterference(unittest.TestCase):
    REC = {"elapsed_s": 0.5, "client_cpu_s": 0.2, "server_cpu_s": 0.1,
           "client_cpu_busy_ns": 260_000_000, "server_cpu_busy_ns": 400_000_000,
           "client_idle_entries": 2000, "server_idle_entries": 1000,
           "client_ksoftirqd_ns": 0, "server_ksoftirqd_ns": 5_000_000,
           "client_steal_ns": 10_000_000, "server_steal_ns": 20_000_000}

    def test_split(self):
        d = interference.derive(self.REC, "split")
        # server: 0.400 - 0.005 ksoftirqd - 0.020 steal - 1000 x 5 us - 0.1 own
        self.assertAlmostEqual(d["server_others_cpu_s"], 0.270)
        # client: 0.260 - 0.010 steal - 2000 x 5 us - 0.2 own
        self.assertAlmostEqual(d["client_others_cpu_s"], 0.040)
        self.assertAlmostEqual(d["steal_s"], 0.030)
        self.assertAlmostEqual(d["others_cpu_share"], 0.54)
        self.assertEqual(d["interfered"], 1)

    def test_same_takes_both_sides_out_of_one_cpu(self):
        d = interference.derive(self.REC, "same")
        # the client's CPU: 0.260 - 0.010 - 0.010 - (0.2 + 0.1) < 0
        self.assertEqual((d["server_others_cpu_s"], d["client_others_cpu_s"]), (0.0, 0.0))
        self.assertEqual((d["others_cpu_share"], d["interfered"]), (0.0, 0))
        self.assertAlmostEqual(d["steal_s"], 0.010)

    def test_the_forwarders_time_is_the_paths(self):
        rec = dict(self.REC, forwarder_user_s=0.01, forwarder_sys_s=0.03)
        d = interference.derive(rec, "split")
        # the forwarder's 0.04 s come off each side: 0.270 - 0.04, 0.040 - 0.04
        self.assertAlmostEqual(d["server_others_cpu_s"], 0.230)
        self.assertAlmostEqual(d["client_others_cpu_s"], 0.0)
        same = interference.derive(dict(rec, client_cpu_busy_ns=400_000_000), "same")
        # 0.400 - 0.010 steal - 2000 x 5 us - (0.2 + 0.1 + 0.04)
        self.assertAlmostEqual(same["client_others_cpu_s"], 0.040)

    def test_quiet_and_unpinned(self):
        quiet = dict(self.REC, server_cpu_busy_ns=131_000_000)
        d = interference.derive(quiet, "split")
        self.assertAlmostEqual(d["server_others_cpu_s"], 0.001)
        self.assertEqual(d["interfered"], 1)          # the client side took 8%
        quiet["client_cpu_busy_ns"] = 225_000_000
        self.assertEqual(interference.derive(quiet, "split")["interfered"], 0)
        d = interference.derive(self.REC, "none")
        self.assertEqual([d[k] for k in ("server_others_cpu_s", "client_others_cpu_s",
                                         "others_cpu_share", "interfered")], [None] * 4)

    def test_a_binary_without_the_counters(self):
        old = {k: v for k, v in self.REC.items() if "busy" not in k and "idle" not in k}
        d = interference.derive(old, "split")
        self.assertIsNone(d["others_cpu_share"])
        self.assertIsNone(d["interfered"])

    def test_row_and_summary(self):
        point = {"transport": "lo", "socket": "tcp", "io": "sync", "cpus": "split",
                 "mode": "latency", "size_bytes": 100, "arm": "B"}
        rows = [results.make_row("ab12", point, i, "ok", dict(self.REC, lat_p50_ns=p50),
                                 "", 1, 65536) for i, p50 in enumerate((100, 104), 1)]
        self.assertEqual((rows[0]["arm"], rows[0]["interfered"]), ("B", "1"))
        s = results.summary_row(rows)
        self.assertEqual((s["arm"], s["reps_interfered"]), ("B", "2"))
        self.assertEqual(results.point_key(rows[0]).arm, "B")


class TestPrecision(unittest.TestCase):
    POINT = {"transport": "lo", "socket": "tcp", "io": "sync", "cpus": "split",
             "mode": "latency", "size_bytes": 100}

    def summary(self, p50s, target):
        rows = [results.make_row("ab12", self.POINT, i, "ok",
                                 {"elapsed_s": 0.5, "lat_p50_ns": v}, "", 1, 65536)
                for i, v in enumerate(p50s, 1)]
        return results.summary_row(rows, target)

    def test_half_width(self):
        ci = stats.median_ci([90, 100, 101, 102, 103, 104])
        self.assertEqual((ci.low, ci.high), (90, 104))
        # the median is 101.5; the interval reaches 11.5 below it, 2.5 above
        self.assertAlmostEqual(stats.half_width_pct(ci), 100 * 11.5 / 101.5)

    def test_met_needs_the_target_and_95_percent(self):
        s = self.summary([99, 100, 100, 101, 100, 100], 2)
        self.assertAlmostEqual(float(s["precision_pct"]), 1.0)
        self.assertEqual((s["precision_target_pct"], s["precision_met"]), ("2", "1"))
        self.assertEqual(self.summary([99, 100, 100, 101, 100, 100], 0.5)["precision_met"],
                         "0")
        # five reps: the range is only a 93.75% interval, however narrow
        self.assertEqual(self.summary([100, 100, 100, 100, 100], 2)["precision_met"], "0")
        s = self.summary([100, 101], None)
        self.assertEqual((s["precision_target_pct"], s["precision_met"]), ("", ""))
        self.assertTrue(s["precision_pct"])

    def test_short_points_pair_the_arms(self):
        short = self.summary([99, 130, 100, 101, 100, 100], 2)
        met = self.summary([99, 100, 100, 101, 100, 100], 2)
        a = dict(met, arm="A")
        b = dict(short, arm="B")
        other = dict(met, transport="uds", arm="A")
        need = adaptive.short_points([a, b, other], 2)
        # B reaches 30% after 6 reps: about 6 x (30/2)^2 = 1350 reps in all
        self.assertEqual(need, {results.point_key(a)._replace(arm=""): 1350 - 6})

    def test_the_nearest_points_first(self):
        near = dict(self.summary([99, 103, 100, 101, 100, 100], 2), transport="uds")
        far = self.summary([99, 130, 100, 101, 100, 100], 2)
        few = dict(self.summary([100, 101, 100], 2), transport="udp")
        self.assertEqual(adaptive.reps_needed(near, 2), 6 * 9 // 4 - 6 + 1)
        self.assertEqual(adaptive.reps_needed(few, 2), 3)       # 6 for a 95% interval

        def round_of(rows, left):
            return [k.transport for k in adaptive.next_round(rows, 2, reps_left=left)]

        self.assertEqual(round_of([far, near, few], 10 ** 6), ["udp"])   # 6 reps first
        self.assertEqual(round_of([far, near], 20), ["uds"])     # far waits for near
        self.assertEqual(round_of([far, near], 10 ** 6), ["lo", "uds"])  # run order
        self.assertEqual(round_of([far, near], 2), ["lo", "uds"])  # none can: all
        self.assertEqual(round_of([dict(near, precision_met="1")], 5), [])
        self.assertEqual(adaptive.MIN_REPS, 6)

    def test_plan(self):
        cfg = cli.parse(["--precision", "5", "--budget", "10", "--duration", "0.2",
                         "--warmup", "0.05"])
        arms = [ab.Arm("A", "x", cfg), ab.Arm("B", "x", cfg)]
        per = 2 * (0.25 + adaptive.REP_OVERHEAD_S)
        with self.assertRaises(cli.UsageError) as cm:
            adaptive.Plan(cfg, arms, n_points=int(10 / per) + 1)
        self.assertIn("too small", str(cm.exception))
        plan = adaptive.Plan(cfg, arms, n_points=4)
        self.assertEqual(plan.first_reps, min(cfg.reps, int(10 // (4 * per))))
        self.assertEqual(adaptive.Plan(cli.parse([]), arms[:1], 90).budget, None)
        default = adaptive.Plan(cli.parse(["--precision", "5"]), arms[:1], 10)
        self.assertAlmostEqual(default.budget, cli.PRECISION_BUDGET_FACTOR * 5 * 10 *
                               adaptive.rep_seconds(arms[:1]))


if __name__ == "__main__":
    unittest.main()
