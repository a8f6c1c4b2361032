"""harness/counters.py and the schema-3 columns of results.csv, on fixture
records (tests/fixtures/records/*.json: a client record of a real lo run,
its server softirq set to one tick so that a sum shows, and a hand-made veth
record with hardware counters), then a real run of ./run.sh that checks the
direction Nagle gives TCP data segments per message. Timings are never
asserted."""

import json
import math
import os
import unittest

from harness import counters, results
from tests.harness import util
from tests.harness.util import harness, needs_binary, rows

RECORDS = os.path.join(util.REPO, "tests", "fixtures", "records")


def record(name):
    with open(os.path.join(RECORDS, name + ".json")) as f:
        return json.load(f)


class TestCombine(unittest.TestCase):
    def setUp(self):
        self.lo = record("lo-throughput-split")            # one namespace
        self.veth = record("veth-latency-perf")             # two namespaces

    def test_shared_namespace_takes_the_clients_segments(self):
        # the client's counters already hold the server's segments: not doubled
        c = counters.combine(self.lo, "tcp", "split", netns_shared=True)
        self.assertEqual((c["tcp_out_segs"], c["tcp_in_segs"], c["tcp_data_segs_out"]),
                         (8409, 8409, 5638))

    def test_separate_namespaces_add_both_sides(self):
        c = counters.combine(self.veth, "tcp", "split", netns_shared=False)
        self.assertEqual((c["tcp_out_segs"], c["tcp_data_segs_out"]), (40150, 40000))
        self.assertEqual((c["tcp_delayed_acks"], c["tcp_retrans_segs"]), (50, 2))

    def test_softirq_by_cpu_placement(self):
        # split: two CPUs, summed; same: one CPU read twice; none: the
        # all-CPU line read twice; the last two take the client's
        for cpus, want in (("split", 70_000_000), ("same", 60_000_000), ("none", 60_000_000)):
            c = counters.combine(self.lo, "tcp", cpus, netns_shared=True)
            self.assertEqual(c["softirq_ns"], want, cpus)
            self.assertEqual(c["irq_ns"], 0, cpus)

    def test_protocol_not_used_stays_empty(self):
        uds = counters.combine(self.lo, "unix-stream", "split", netns_shared=True)
        for k in counters.TCP + counters.UDP:
            self.assertIsNone(uds[k], k)
        self.assertEqual(uds["softirq_ns"], 70_000_000)
        udp = counters.combine(self.lo, "udp", "split", netns_shared=True)
        self.assertEqual(udp["udp_rcvbuf_errors"], 0)
        self.assertIsNone(udp["tcp_out_segs"])

    def test_hardware_counters_absent_never_zero(self):
        c = counters.combine(self.lo, "tcp", "split", netns_shared=True)
        self.assertIsNone(c["instructions"])
        v = counters.combine(self.veth, "tcp", "split", netns_shared=False)
        self.assertEqual(v["instructions"], 7_000_000_000)        # per process: summed
        self.assertIsNone(v["cycles"])                           # one side lacks it


class TestPerMessage(unittest.TestCase):
    def test_lo_record(self):
        lo = record("lo-throughput-split")
        d = counters.derive(lo, "tcp", "split", netns_shared=True)
        n = 561173
        self.assertAlmostEqual(d["tcp_data_segs_per_msg"], 5638 / n)
        self.assertLess(d["tcp_data_segs_per_msg"], 0.02)       # Nagle: many writes a segment
        self.assertAlmostEqual(d["tcp_segs_per_msg"], 8409 / n)
        self.assertAlmostEqual(d["softirq_ns_per_msg"], 70e6 / n)
        self.assertAlmostEqual(d["client_user_ns_per_msg"], 0.03084e9 / n)
        self.assertAlmostEqual(d["client_sys_ns_per_msg"], 0.169621e9 / n)
        self.assertEqual(d["server_user_ns_per_msg"], 0.0)       # measured 0, not absent
        self.assertEqual((d["retrans_per_msg"], d["delayed_acks_per_msg"]), (0.0, 0.0))
        self.assertIsNone(d["instructions_per_msg"])
        self.assertIsNone(d["cycles_per_msg"])

    def test_latency_divides_by_round_trips(self):
        v = counters.derive(record("veth-latency-perf"), "tcp", "split", netns_shared=False)
        self.assertAlmostEqual(v["tcp_data_segs_per_msg"], 2.0)  # a request and a reply
        self.assertAlmostEqual(v["tcp_segs_per_msg"], 40150 / 20000)
        self.assertAlmostEqual(v["instructions_per_msg"], 350_000)
        self.assertAlmostEqual(v["softirq_ns_per_msg"], 2500)

    def test_no_messages_no_per_message_values(self):
        lo = dict(record("lo-throughput-split"), messages=0)
        d = counters.derive(lo, "tcp", "split", True)
        self.assertTrue(all(d[k] is None for k in counters.PER_MSG))
        self.assertEqual(d["tcp_out_segs"], 8409)

    def test_garbage_values_are_absent(self):
        lo = dict(record("lo-throughput-split"), client_softirq_ns="x", client_cycles=True)
        d = counters.derive(lo, "tcp", "same", True)
        self.assertIsNone(d["softirq_ns"])
        self.assertIsNone(d["cycles"])


class TestRowCells(unittest.TestCase):
    POINT = {"transport": "lo", "socket": "tcp", "io": "sync", "cpus": "split",
             "mode": "throughput", "size_bytes": 100}

    def test_ok_row(self):
        row = results.make_row("ab12", self.POINT, 1, "ok", record("lo-throughput-split"),
                               "", 0, 65536, netns_shared=True)
        self.assertEqual(row["schema_version"], "4")
        self.assertEqual(row["tcp_out_segs"], "8409")
        self.assertEqual(row["softirq_ns"], "70000000")
        self.assertEqual(row["client_user_s"], "0.03084")
        self.assertEqual(row["server_user_ns_per_msg"], "0")
        self.assertEqual((row["instructions"], row["instructions_per_msg"],
                          row["cycles_per_msg"]), ("", "", ""))
        self.assertEqual(row["udp_rcvbuf_errors"], "")
        self.assertEqual(set(row), set(results.COLUMNS))

    def test_failed_row_has_no_counters(self):
        row = results.make_row("ab12", self.POINT, 2, "error", record("lo-throughput-split"),
                               "client timed out", 0, 65536)
        for k in results.COUNTER_COLUMNS:
            self.assertEqual(row[k], "", k)

    def test_summary_of_per_message_values(self):
        reps = []
        for i, segs in enumerate((5000, 5638, 6000), 1):
            rec = dict(record("lo-throughput-split"), client_tcp_data_segs_out=segs)
            reps.append(results.make_row("ab12", self.POINT, i, "ok", rec, "", 0, 65536))
        s = results.summarize(reps)[0]
        self.assertAlmostEqual(float(s["tcp_data_segs_per_msg_median"]), 5638 / 561173)
        self.assertAlmostEqual(float(s["tcp_data_segs_per_msg_ci_low"]), 5000 / 561173)
        self.assertAlmostEqual(float(s["tcp_data_segs_per_msg_ci_high"]), 6000 / 561173)
        self.assertEqual(s["instructions_per_msg_median"], "")


class TestFixtureRuns(unittest.TestCase):
    def test_per_message_columns_agree_with_raw(self):
        for name in ("run-small", "run-why"):
            for r in rows(os.path.join(util.REPO, "tests", "fixtures", name)):
                if r["status"] != "ok" or r["socket"] != "tcp":
                    continue
                n = float(r["messages"])
                self.assertTrue(math.isclose(float(r["tcp_data_segs_per_msg"]),
                                             float(r["tcp_data_segs_out"]) / n, rel_tol=1e-9))
                self.assertEqual(r["instructions"], "")


@needs_binary
class TestNagleRealRun(util.TempDirCase):
    """lo at 100 B, throughput: with Nagle many writes share a segment (fewer
    data segments than messages); with TCP_NODELAY more segments per message
    (not one each: a sender that outruns the receiver's core still appends to
    unsent data). Directions only."""

    def segs(self, *extra):
        out = self.out("nodelay" if extra else "nagle")
        p = harness(["--transport", "lo", "--size", "100", "--mode", "throughput",
                     "--quick", "--no-plots", "--out", out] + list(extra))
        self.assertEqual(p.returncode, 0, p.stderr)
        got = rows(out)
        self.assertEqual([r["status"] for r in got], ["ok", "ok"])
        return [float(r["tcp_data_segs_per_msg"]) for r in got]

    def test_nagle_fewer_segments_than_messages(self):
        nagle, nodelay = self.segs(), self.segs("--nodelay", "on")
        self.assertLess(max(nagle), 1.0)
        self.assertGreater(min(nodelay), max(nagle))


if __name__ == "__main__":
    unittest.main()
