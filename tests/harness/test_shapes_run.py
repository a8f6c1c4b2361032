"""./run.sh for real with the request/response shapes of issue 14: --mode
connect on every connection-oriented kind and TCP transport with --verify
(exact byte counts; both sides counted the same connections; nat's
conntrack moves by one per connection), --size 100:64K latency with exact
counts both ways, --flows 4 (the aggregate is the sum of the flows), and
the bad inputs. Root and bench/ipcperf needed for the runs; timings are
never asserted. The container runtimes' transports: test_runtimes.py."""

import collections
import json
import os
import unittest

from harness import transports
from tests.harness import util
from tests.harness.test_container_paths import kernel_has
from tests.harness.util import harness, leftovers, needs_binary, needs_root, rows

FAST = ["--no-plots", "--duration", "0.1", "--warmup", "0.02"]
CONNECTED = ("uds", "uds-seqpacket", "lo", "hostip", "tcp6", "netns-lo", "veth", "bridge",
             "nat", "vxlan", "macvlan", "ipvlan")
KIB = 1024


def failed(out):
    try:
        return "; ".join(f"{r['transport']} {r['mode']}: {r['note']}" for r in rows(out)
                         if r["status"] != "ok")
    except OSError:
        return ""


class ShapeChecks:
    """What every ok request/response row must account for (a mixin)."""

    def check_counts(self, r):
        key = (r["transport"], r["mode"], r["size_bytes"], r["resp_size_bytes"], r["flows"])
        self.assertEqual(r["status"], "ok", (key, r["note"]))
        req, resp = int(r["size_bytes"]), int(r["resp_size_bytes"])
        messages = int(r["messages"])
        self.assertGreater(messages, 0, key)
        self.assertEqual(int(r["bytes"]), (req + resp) * messages, key)
        self.assertEqual(r["client_msgs_total"], r["server_msgs_total"], key)
        return key

    def check_connect(self, r):
        key = self.check_counts(r)
        # the test's own connection, one per transaction, and the one that ends it
        self.assertEqual(int(r["connections"]), int(r["client_msgs_total"]) + 2, key)
        self.assertEqual(r["conn_close"], "rst" if transports.is_tcp(r["transport"])
                         else "close", key)
        self.assertLessEqual(float(r["connect_p50_ns"]), float(r["lat_p50_ns"]), key)
        if r["transport"] == "nat":      # one conntrack entry per connection, exactly
            self.assertEqual(r["conntrack_new"], r["connections"], key)
            self.assertEqual(float(r["conntrack_per_conn"]), 1.0, key)
        elif r["transport"] in CONNECTED:
            self.assertEqual((r["conntrack_new"], r["conntrack_per_conn"]), ("", ""), key)


@needs_binary
@needs_root
class TestConnectAndShapes(ShapeChecks, util.TempDirCase):
    def test_connect_on_every_connected_transport(self):
        out = self.out()
        names = [n for n in CONNECTED if n not in ("macvlan", "ipvlan") or kernel_has(n)]
        p = harness(["--transport", ",".join(names), "--mode", "connect", "--size", "100",
                     "--reps", "1", "--verify", "--out", out] + FAST, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr + failed(out))
        with open(os.path.join(out, "meta.json")) as f:
            self.assertEqual(leftovers(json.load(f)["run_id"]), [])
        got = rows(out)
        self.assertEqual(sorted(r["transport"] for r in got), sorted(names))
        for r in got:
            self.check_connect(r)

    def test_connect_on_a_kind_without_connections_is_unsupported(self):
        out = self.out()
        p = harness(["--transport", "uds-dgram,pipe,shm,udp", "--mode", "connect",
                     "--size", "100", "--reps", "1", "--out", out] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        for r in rows(out):
            self.assertEqual(r["status"], "unsupported", r)
            self.assertIn("has no connections to open", r["note"])

    def test_100_to_64k_latency(self):
        out = self.out()
        p = harness(["--transport", "uds,lo,veth", "--mode", "latency", "--size", "100:64K",
                     "--reps", "1", "--verify", "--out", out] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr + failed(out))
        got = rows(out)
        self.assertEqual(len(got), 3)
        for r in got:
            self.check_counts(r)
            self.assertEqual((r["size_bytes"], r["resp_size_bytes"]), ("100", str(64 * KIB)))
        summary = rows(out, "summary.csv")
        self.assertEqual({s["resp_size_bytes"] for s in summary}, {str(64 * KIB)})

    def test_four_flows_add_up(self):
        out = self.out()
        p = harness(["--transport", "uds,lo", "--mode", "throughput,latency,connect",
                     "--size", "100", "--flows", "1,4", "--reps", "2", "--out", out] + FAST,
                    timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr + failed(out))
        per_flow = collections.defaultdict(list)
        for f in rows(out, "flows.csv"):
            self.assertEqual(f["status"], "ok", f["note"])
            per_flow[(f["transport"], f["mode"], f["rep"])].append(f)
        aggregated = [r for r in rows(out) if r["flows"] == "4"]
        self.assertEqual(len(aggregated), 2 * 3 * 2)
        self.assertEqual(len(per_flow), len(aggregated))
        for r in aggregated:
            mine = per_flow[(r["transport"], r["mode"], r["rep"])]
            self.assertEqual(sorted(int(f["flow"]) for f in mine), [0, 1, 2, 3])
            self.assertEqual(int(r["bytes"]), sum(int(f["bytes"]) for f in mine))
            self.assertEqual(int(r["messages"]), sum(int(f["messages"]) for f in mine))
            self.assertTrue(0 < float(r["fairness"]) <= 1, r["fairness"])
            self.assertTrue(0 <= float(r["window_overlap"]) <= 1)
            if r["mode"] != "throughput":
                self.check_counts(r)
        for r in rows(out):
            if r["flows"] == "1":       # one flow: no fairness to speak of
                self.assertEqual((r["fairness"], r["window_overlap"]), ("", ""))
        with open(os.path.join(out, "meta.json")) as f:
            settings = json.load(f)["settings"]
        self.assertEqual(settings["flows"], [1, 4])
        self.assertIn("split", settings["flow_placement"]["pattern"])


class TestBadShapes(util.TempDirCase):
    def check(self, args, message):
        p = harness(args + ["--out", self.out()], timeout=60)
        self.assertEqual(p.returncode, 2, (args, p.stderr))
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(message, lines[0])
        self.assertNotIn("Traceback", p.stderr)

    def test_each_bad_input(self):
        self.check(["--size", "0:10", "--mode", "latency"], "bad size '0'")
        self.check(["--size", "100:", "--mode", "connect"], "bad size ''")
        self.check(["--size", "100:64K", "--mode", "throughput"], "REQ:RESP applies to latency")
        self.check(["--flows", "0"], "bad --flows '0'")
        self.assertFalse(os.path.exists(self.out()))


if __name__ == "__main__":
    unittest.main()
