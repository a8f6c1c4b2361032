"""report.md's section on connections, reply sizes and flows
(plots/shapes.py), on a run made here from hand-made reps: the connection
rate table with its costs per connection, the sentence against lo only
where the interval supports it, the REQ→RESP latency table beside the
symmetric point, and the rate against the number of flows with Jain's
index. Every number expected is the one put in."""
import json
import os
import shutil
import sys
import tempfile
import unittest

from tests.plots.test_draw import ROOT

sys.path.insert(0, os.path.join(ROOT, "plots"))
from harness import results  # noqa: E402
from rundir import Run  # noqa: E402
import shapes  # noqa: E402


def rep_row(transport, mode, rep, *, size=100, resp=100, flows=1, rate=1000.0, **cols):
    point = {"transport": transport, "socket": "tcp", "io": "sync", "cpus": "split",
             "mode": mode, "size_bytes": size, "resp_size_bytes": resp, "flows": flows}
    moved = size + (resp or 0)          # throughput has no reply
    record = {"elapsed_s": 1.0, "messages": int(rate), "bytes": int(rate) * moved,
              "bytes_per_s": rate * moved, "msgs_per_s": rate, "lat_p50_ns": 40000,
              "lat_p99_ns": 90000, "lat_mean_ns": 41000, "cpu_ns_per_msg": 50000.0}
    record.update(cols)
    return results.make_row("ab12", point, rep, "ok", record, "", 1, 65536)


class ShapesSectionTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ipcperf-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def section(self, rows):
        w = results.RepWriter(os.path.join(self.dir, "results.csv"))
        for r in rows:
            w.write(r)
        w.close()
        results.write_summary(os.path.join(self.dir, "summary.csv"), results.summarize(rows))
        with open(os.path.join(self.dir, "meta.json"), "w") as f:
            json.dump({"run_id": "ab12"}, f)
        return shapes.shapes_section(Run(self.dir))

    def test_connection_rates_and_their_costs(self):
        rows = []
        for rep in range(1, 6):
            rows.append(rep_row("lo", "connect", rep, rate=20000.0 + rep, connect_p50_ns=15000,
                                cpu_ns_per_msg=60000.0))
            rows.append(rep_row("nat", "connect", rep, rate=8000.0 + rep, connect_p50_ns=50000,
                                cpu_ns_per_msg=140000.0, conntrack_new=8000, connections=8000,
                                conntrack_per_conn=1.0))
        md = self.section(rows)
        self.assertIn("### Connection rate per transport", md)
        lines = {l.split(" | ")[0].strip("| "): l for l in md.splitlines() if l.startswith("| ")}
        self.assertIn("| 20.0 |", lines["lo"])
        self.assertIn("| 8.00 |", lines["nat"])
        self.assertIn("| 1.00 |", lines["nat"])                 # conntrack per connection
        self.assertTrue(lines["lo"].rstrip().endswith("| — |"))  # lo has no conntrack
        # 5 reps against 5, all of nat below all of lo: an interval that supports it
        self.assertIn("nat makes 2.50× fewer connections per second than lo", md)
        self.assertIn("140 µs of CPU on the two sides, against 60.0 µs", md)
        self.assertIn("creates 1.0 conntrack entry", md)

    def test_more_is_said_with_its_interval_the_same_way_up(self):
        rows = []
        for rep in range(1, 6):
            rows.append(rep_row("lo", "connect", rep, rate=10000.0 + rep))
            rows.append(rep_row("uds", "connect", rep, rate=20000.0 + rep))
        md = self.section(rows)
        line = next(l for l in md.splitlines() if l.startswith("- uds makes"))
        self.assertIn("uds makes 2.00× more connections per second than lo", line)
        low, high = (float(x) for x in line.split("CI ")[1].split(")")[0].split("–"))
        self.assertTrue(1 < low <= 2.00 <= high, line)

    def test_no_sentence_without_the_reps_for_it(self):
        md = self.section([rep_row("lo", "connect", 1, rate=20000.0),
                           rep_row("nat", "connect", 1, rate=8000.0)])
        self.assertNotIn("fewer connections", md)

    def test_reply_sizes_beside_the_symmetric_point(self):
        md = self.section([rep_row("uds", "latency", 1, lat_p50_ns=30000),
                           rep_row("uds", "latency", 1, resp=65536, lat_p50_ns=52000),
                           rep_row("uds", "latency", 1, size=4096, resp=4096)])
        part = md.split("### Replies of another size (REQ→RESP)", 1)[1]
        self.assertIn("| uds | sync | split | 100 B | 30.0 µs |", part)
        self.assertIn("| uds | sync | split | 100 B→64 KiB | 52.0 µs |", part)
        self.assertNotIn("| 4 KiB |", part)             # no REQ→RESP point at 4 KiB

    def test_rate_against_flows_with_fairness(self):
        md = self.section([rep_row("lo", "throughput", 1, resp="", rate=1e6),
                           rep_row("lo", "throughput", 1, resp="", flows=4, rate=3e6,
                                   fairness=0.97)])
        part = md.split("### Throughput against flows", 1)[1]
        self.assertIn("| lo | sync | split | 100 B | 800 Mbit/s | 2.40 Gbit/s (J 0.970) |", part)

    def test_nothing_to_say(self):
        self.assertIsNone(self.section([rep_row("lo", "latency", 1)]))


if __name__ == "__main__":
    unittest.main()
