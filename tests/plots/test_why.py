"""The "Why" section of report.md (plots/why.py) and the CPU-stack figure,
on the fixture run-why (uds, lo, veth, bridge; veth and bridge at MTU 1500
and 65535; 5 reps) and on hand-made reps. Every number a test expects is
recomputed here from results.csv's raw counters, not from the per-message
columns the report reads."""
import csv
import os
import re
import shutil
import statistics
import sys
import tempfile
import unittest

from tests.plots.test_draw import (FIXTURES, GNUPLOT, ROOT, DrawnFixture, copy_fixture,
                                   png_size, read_csv, run_draw, svg_text)

sys.path.insert(0, os.path.join(ROOT, "plots"))
from harness import stats  # noqa: E402
import why  # noqa: E402
from harness.wording import ci_text, fx  # noqa: E402


def reps(run_dir, transport, mode, size, mtu=None, cpus="split"):
    return [r for r in read_csv(os.path.join(run_dir, "results.csv"))
            if r["transport"] == transport and r["mode"] == mode and int(r["size_bytes"]) == size
            and r["status"] == "ok" and r["cpus"] == cpus
            and (mtu is None or r["mtu"] == str(mtu))]


def per_msg(rows, col):
    return [float(r[col]) / float(r["messages"]) for r in rows]


def block(report, heading, mode, size="100 B"):
    """The text of one comparison's table and sentence in the Why section."""
    part = report.split("### " + heading + "\n", 1)[1].split("\n### ", 1)[0]
    part = part.split("\n## ", 1)[0]
    return part.split("**%s, %s** " % (mode, size), 1)[1].split("\n**", 1)[0]


def sentence_of(text):
    return [line for line in text.splitlines() if line and not line.startswith(("|", "**"))][-1]


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class WhyRun(DrawnFixture, unittest.TestCase):
    FIXTURE = "run-why"

    def test_draws(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stderr, "")

    def test_section_and_headings(self):
        self.assertLess(self.report.index("## Findings"), self.report.index("## Why"))
        self.assertLess(self.report.index("## Why"), self.report.index("## Figures"))
        for h in ("### uds vs lo", "### veth vs lo", "### bridge vs veth", "### MTU: veth",
                  "### MTU: bridge"):
            self.assertIn(h, self.report)
        self.assertNotIn("### nat vs veth", self.report)          # not in this run
        # hardware counters are absent in every rep: no row, never a 0
        self.assertNotIn("| instructions |", self.report)

    def test_mtu_effect_with_numbers(self):
        text = sentence_of(block(self.report, "MTU: veth", "throughput", "64 KiB"))
        size = 65536
        lo = reps(self.rundir, "lo", "throughput", size)
        v1 = reps(self.rundir, "veth", "throughput", size, 1500)
        v2 = reps(self.rundir, "veth", "throughput", size, 65535)
        seg = lambda rows: per_msg(rows, "tcp_data_segs_out")
        bps = lambda rows: [float(r["bytes_per_s"]) for r in rows]
        effect = stats.ratio_ci(bps(v2), bps(v1))
        self.assertGreater(effect.low, 1)
        self.assertIn("veth at MTU 65535 carries 64 KiB messages %s× faster than veth at MTU 1500 "
                      "(%s)" % (fx(effect.ratio), ci_text(effect)), text)
        r1 = stats.ratio_ci(seg(v1), seg(lo))
        r2 = stats.ratio_ci(seg(v2), seg(lo))
        self.assertGreater(r1.low, 10)
        self.assertIn("at MTU 1500 veth sends %s× more TCP data segments per 64 KiB message than "
                      "lo (%s), at MTU 65535 %s× as many (%s)" % (
                          fx(r1.ratio), ci_text(r1), fx(r2.ratio), ci_text(r2)), text)
        g1 = stats.ratio_ci(bps(lo), bps(v1))
        g2 = stats.ratio_ci(bps(lo), bps(v2))
        self.assertIn("lo's lead in throughput over veth falls from %s× (%s) to %s× (%s)" % (
            fx(g1.ratio), ci_text(g1), fx(g2.ratio), ci_text(g2)), text)

    def test_mtu_table_side_by_side(self):
        text = block(self.report, "MTU: veth", "throughput", "64 KiB")
        self.assertIn("|  | lo | veth at MTU 1500 | veth at MTU 65535 | MTU 65535 ÷ 1500 |", text)
        seg = statistics.median(per_msg(reps(self.rundir, "veth", "throughput", 65536, 1500),
                                        "tcp_data_segs_out"))
        row = next(line for line in text.splitlines() if line.startswith("| TCP data segments |"))
        self.assertEqual(row.split(" | ")[2], "%.1f" % seg)

    def test_mtu_effect_at_the_report_size_too(self):
        text = block(self.report, "MTU: veth", "latency", "100 B")
        self.assertIn("| veth at MTU 1500 | veth at MTU 65535 |", text)

    def test_sentence_only_where_an_interval_supports_it(self):
        # bridge and veth are the same stand-in at 100 B: their throughputs'
        # interval includes 1, so no "faster" is claimed there
        b = reps(self.rundir, "bridge", "throughput", 100, 1500)
        v = reps(self.rundir, "veth", "throughput", 100, 1500)
        r = stats.ratio_ci([float(x["bytes_per_s"]) for x in b],
                               [float(x["bytes_per_s"]) for x in v])
        self.assertTrue(r.low <= 1 <= r.high, r)
        text = sentence_of(block(self.report, "bridge vs veth", "throughput"))
        self.assertNotIn("faster", text)
        # softirq per message is the stand-in's difference, and its interval excludes 1
        soft = stats.ratio_ci(per_msg(b, "softirq_ns"), per_msg(v, "softirq_ns"))
        self.assertGreater(soft.low, 1)
        self.assertEqual(text, "Against veth, per message bridge spends %s× more softirq time (%s)."
                         % (fx(soft.ratio), ci_text(soft)))

    def test_every_claimed_interval_excludes_one(self):
        why_part = self.report.split("## Why", 1)[1].split("\n## ", 1)[0]
        claims = re.findall(r"([\d.]+)× (?:more|fewer|less|faster)[^(]*\((\d+)% CI ([\d.]+)–([\d.]+)\)",
                            why_part)
        self.assertGreater(len(claims), 10)
        for ratio, level, low, high in claims:
            self.assertGreaterEqual(int(level), 90)
            self.assertGreater(float(low), 1.0, (ratio, low, high))

    def test_findings_state_the_mtu_effect(self):
        self.assertIn("**veth, MTU 65535 vs MTU 1500**, throughput: MTU 65535 is faster than "
                      "MTU 1500 at every size", self.report)

    def test_cpustack_figure_and_data(self):
        w, h = png_size(os.path.join(self.rundir, "cpustack-throughput.png"))
        self.assertEqual((w, h), (960, 600))
        text = svg_text(os.path.join(self.rundir, "cpustack-throughput.svg"))
        for word in ("client user", "server sys", "softirq, both CPUs", "veth:mtu65535",
                     "CPU time per message at 100 B"):
            self.assertIn(word, text)
        data = read_csv(os.path.join(self.rundir, "plotdata", "cpustack-throughput.csv"))
        self.assertEqual([r["series"] for r in data],
                         ["uds", "lo", "veth", "veth:mtu65535", "bridge", "bridge:mtu65535"])
        lo = reps(self.rundir, "lo", "throughput", 100)
        row = next(r for r in data if r["series"] == "lo")
        want = statistics.median(float(r["client_sys_s"]) * 1e9 / float(r["messages"]) for r in lo)
        self.assertAlmostEqual(float(row["client_sys_ns_per_msg"]) / want, 1, places=7)
        totals = sorted((float(r["client_cpu_s"]) + float(r["server_cpu_s"])) * 1e9
                        / float(r["messages"]) + float(r["softirq_ns"]) / float(r["messages"])
                        for r in lo)
        self.assertAlmostEqual(float(row["total_ns_per_msg_median"]) / totals[2], 1, places=6)
        self.assertIn("](cpustack-throughput.png)", self.report)


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class SameVsSplit(unittest.TestCase):
    def test_same_core_table(self):
        tmp, run = copy_fixture("run-axes")
        try:
            p = run_draw(run)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(run, "report.md")) as f:
                report = f.read()
            text = block(report, "same core vs split cores: lo", "latency")
            self.assertIn("| lo, same core | lo, split cores |", text)
            self.assertIn("softirq, their CPUs (µs)", text)
            same = [float(r["lat_p50_ns"]) for r in reps(run, "lo", "latency", 100, cpus="same")
                    if r["io"] == "sync"]
            split = [float(r["lat_p50_ns"]) for r in reps(run, "lo", "latency", 100)
                     if r["io"] == "sync"]
            r = stats.ratio_ci(split, same)
            self.assertIn("lo, same core completes a 100 B round trip %s× faster than lo, split "
                          "cores (%s)" % (fx(r.ratio), ci_text(r)), sentence_of(text))
        finally:
            shutil.rmtree(tmp)


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class OlderSchema(unittest.TestCase):
    def test_schema_2_run_has_no_why_and_no_stack(self):
        tmp, run = copy_fixture("run-small")
        try:
            for name in ("results.csv", "summary.csv"):
                path = os.path.join(run, name)
                with open(path, newline="") as f:
                    rows = list(csv.reader(f))
                keep = [i for i, c in enumerate(rows[0])
                        if not re.match(r"(client_user|client_sys|server_user|server_sys|softirq|"
                                        r"irq|tcp_|udp_|retrans|delayed|instructions|cycles)", c)]
                with open(path, "w", newline="") as f:
                    csv.writer(f, lineterminator="\n").writerows([[r[i] for i in keep] for r in rows])
            p = run_draw(run)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(run, "report.md")) as f:
                report = f.read()
            self.assertNotIn("## Why", report)
            self.assertFalse(os.path.exists(os.path.join(run, "cpustack-throughput.png")))
        finally:
            shutil.rmtree(tmp)


def rep(bps, segs, softirq=1000.0, messages=1000):
    return {"bytes_per_s": str(bps), "messages": str(messages),
            "tcp_data_segs_per_msg": str(segs), "softirq_ns_per_msg": str(softirq),
            "cpu_ns_per_msg": "500", "retrans_per_msg": "0", "instructions_per_msg": ""}


class Sentences(unittest.TestCase):
    def pair(self, a, b):
        return why.Pair(why.Side("x", a), why.Side("y", b), "throughput", 65536, "split")

    def test_nothing_resolved_says_so(self):
        a = [rep(100, 2.0), rep(102, 2.1), rep(98, 1.9)]
        b = [rep(101, 2.0), rep(99, 2.05), rep(100, 1.95)]
        text = why.pair_block(self.pair(a, b))
        self.assertIn("No difference here is resolved at 90% confidence", text)

    def test_two_reps_claim_nothing(self):
        # 2 against 2 reach 66% at most: no claim however far apart
        a = [rep(100, 40), rep(101, 41)]
        b = [rep(200, 1), rep(201, 1.1)]
        self.assertIsNone(why.sentence(self.pair(a, b), why.rows(a, b, "throughput")))

    def test_reason_and_zero_counters(self):
        a = [rep(100, 45), rep(102, 46), rep(98, 44)]
        b = [rep(200, 1.9), rep(204, 2.0), rep(196, 2.1)]
        rows = why.rows(a, b, "throughput")
        keys = [r.cost.key for r in rows]
        self.assertNotIn("instructions_per_msg", keys)                  # absent: no row
        retrans = next(r for r in rows if r.cost.key == "retrans_per_msg")
        self.assertIsNone(retrans.ratio)                                # 0 over 0: no ratio
        text = why.sentence(self.pair(a, b), rows)
        self.assertTrue(text.startswith("y carries 64 KiB messages 2.00× faster than x (90% CI"),
                        text)
        self.assertIn("; per message x sends 22.5× more TCP data segments (90% CI", text)
        self.assertNotIn("retransmits", text)
        self.assertNotIn("softirq", text)                               # equal: not a reason

    def test_cpu_part_that_carries_the_difference(self):
        def r(total, server_sys):
            return dict(rep(100, 2.0), cpu_ns_per_msg=str(total), client_user_ns_per_msg="10",
                        client_sys_ns_per_msg="290", server_user_ns_per_msg="5",
                        server_sys_ns_per_msg=str(server_sys))
        a = [r(1500, 1195), r(1480, 1175), r(1520, 1215)]
        b = [r(400, 95), r(410, 105), r(390, 85)]
        text = why.sentence(self.pair(a, b), why.rows(a, b, "throughput"))
        self.assertEqual("Against y, per message x spends 3.75× more CPU time in the two "
                         "processes (90% CI 3.61–3.90), most of it server system time (1.20 vs "
                         "0.0950 µs).", text)

    def test_other_traffic_in_a_shared_namespace(self):
        # one request and one reply of 100 B need 2 data segments; 5.9 means
        # the root namespace carried someone else's traffic in the window
        def lat(p50, segs):
            return {"lat_p50_ns": str(p50), "messages": "1000", "size_bytes": "100",
                    "mtu": "65536", "tcp_data_segs_per_msg": str(segs), "retrans_per_msg": "0",
                    "cpu_ns_per_msg": "500"}
        lo = [lat(80e3, 5.9), lat(81e3, 6.1), lat(79e3, 5.5)]
        veth = [lat(80e3, 2.0), lat(82e3, 2.0), lat(78e3, 2.0)]
        self.assertEqual(why.foreign_traffic(lo, "latency"), (5.9, 2))
        self.assertIsNone(why.foreign_traffic(veth, "latency"))
        self.assertIsNone(why.foreign_traffic(lo, "throughput"))
        pair = why.Pair(why.Side("veth", veth), why.Side("lo", lo), "latency", 100, "split")
        rows = why.rows(veth, lo, "latency")
        seg = next(r for r in rows if r.cost.key == "tcp_data_segs_per_msg")
        self.assertEqual((seg.a, seg.b, seg.ratio), (2.0, 5.9, None))  # shown, not compared
        text = why.pair_block(pair)
        self.assertIn("No difference here is resolved", text)
        self.assertIn("_The counters of lo show 5.90 TCP data segments per round trip where a "
                      "request and its reply need 2", text)

    def test_one_side_only(self):
        # retransmits in every rep of x, none in any of y: no ratio, but said
        a = [dict(rep(100, 2.0), retrans_per_msg=str(v)) for v in (0.2, 0.3, 0.1)]
        b = [rep(100, 2.0), rep(101, 2.0), rep(99, 2.0)]
        rows = why.rows(a, b, "throughput")
        row = next(r for r in rows if r.cost.key == "retrans_per_msg")
        self.assertEqual((row.ratio, row.only), (None, 1))
        self.assertEqual(why.ratio_cell(row, "x", "y"), "only x")
        self.assertEqual(why.sentence(self.pair(a, b), rows),
                         "Against y, per message x retransmits 0.200 segments where y "
                         "retransmits none.")
        # 2 reps against 2 cannot say it; nor one zero rep among them
        self.assertIsNone(why.only_one([0.2, 0.3], [0, 0]))
        self.assertIsNone(why.only_one([0.2, 0, 0.1], [0, 0, 0]))


if __name__ == "__main__":
    unittest.main()
