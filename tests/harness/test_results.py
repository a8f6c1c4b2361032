"""CSV schema, row building and the per-point summary on hand-made rows."""

import csv
import os
import tempfile
import unittest

from harness import results, sweep


def rep(transport, mode, status, rep_no, bps=None, p50=None, note=""):
    point = {"transport": transport, "socket": "tcp", "io": "sync", "cpus": "split",
             "mode": mode, "size_bytes": 100}
    record = None
    if status == "ok":
        record = {"elapsed_s": 0.5, "bytes": 1000, "messages": 10, "bytes_per_s": bps,
                  "msgs_per_s": bps / 100, "lat_p50_ns": p50, "lat_mean_ns": p50,
                  "client_cpu_s": 0.1, "server_cpu_s": 0.2, "cpu_ns_per_msg": 50.5,
                  "nodelay": 1 if mode == "latency" else 0}
    return results.make_row("ab12", point, rep_no, status, record, note,
                            1 if mode == "latency" else 0, 65536)


class TestRows(unittest.TestCase):
    def test_schema(self):
        self.assertEqual(results.SCHEMA_VERSION, 4)
        self.assertEqual(results.COLUMNS[0], "schema_version")
        # schema 2's 32 columns, then schema 3's 28 and schema 4's 12 + 16
        # before note (only ever added)
        self.assertEqual(len(results.COLUMNS), 32 + 28 + 12 + 16)
        self.assertEqual(results.COLUMNS[30:32], ["loss_ratio", "client_user_s"])
        self.assertEqual(results.COLUMNS[-31:], [
            "instructions_per_msg", "cycles_per_msg",
            "arm", "server_others_cpu_s", "client_others_cpu_s", "steal_s",
            "others_cpu_share", "interfered",
            "forwarder", "forwarder_user_s", "forwarder_sys_s", "forwarder_cpu_s",
            "forwarder_cpu_ns_per_msg", "vcsw_per_msg", "resp_size_bytes", "flows",
            "conn_close", "connect_mean_ns", "connect_p50_ns", "connect_p90_ns",
            "connect_p99_ns", "connect_p999_ns", "connect_max_ns", "connections",
            "client_msgs_total", "server_msgs_total", "conntrack_new",
            "conntrack_per_conn", "fairness", "window_overlap", "note"])
        self.assertEqual(results.SUMMARY_COLUMNS[-9:], [
            "arm", "reps_interfered", "precision_pct", "precision_target_pct",
            "precision_met", "resp_size_bytes", "flows", "conn_close", "note"])
        self.assertEqual(len(results.SUMMARY_COLUMNS),
                         15 + 1 + 4 * (12 + 12 + 2 + 1 + 6) + 5 + 3 + 1)
        self.assertEqual(results.SUMMARY_COLUMNS[-37:-33], [
            "vcsw_per_msg_median", "vcsw_per_msg_ci_low", "vcsw_per_msg_ci_high",
            "vcsw_per_msg_cv"])
        self.assertEqual(results.POINT_KEY[-1], "arm")
        # every summary metric is a results.csv column (compare reads the reps)
        self.assertLessEqual(set(results.SUMMARY_METRICS), set(results.COLUMNS))
        self.assertEqual(len(set(results.COLUMNS)), len(results.COLUMNS))

    def test_empty_cells_not_zero(self):
        r = rep("lo", "throughput", "ok", 1, bps=2e9)
        self.assertEqual(r["lat_p50_ns"], "")
        self.assertEqual(r["bytes_per_s"], "2000000000")
        self.assertEqual(r["cpu_ns_per_msg"], "50.5")
        e = rep("lo", "throughput", "error", 2, note="server exited\nbadly")
        self.assertEqual((e["status"], e["bytes_per_s"], e["note"]),
                         ("error", "", "server exited badly"))
        self.assertEqual(e["nodelay"], "0")

    def test_context_switches_per_message(self):
        # (client_vcsw + server_vcsw) / messages, from the client's record
        point = {"transport": "uds", "socket": "unix-stream", "io": "sync", "cpus": "split",
                 "mode": "latency", "size_bytes": 100}
        record = {"messages": 1000, "client_vcsw": 1003, "server_vcsw": 1001}
        row = results.make_row("ab12", point, 1, "ok", record, "", "", "")
        self.assertEqual(row["vcsw_per_msg"], "2.004")
        self.assertEqual(results.since("vcsw_per_msg"), 4)
        self.assertEqual(results.since("vcsw_per_msg_median"), 4)
        # a spinning round trip makes none: 0, not a gap
        record.update(client_vcsw=0, server_vcsw=0)
        self.assertEqual(results.make_row("ab12", point, 1, "ok", record, "", "", "")
                         ["vcsw_per_msg"], "0")
        # no messages, a missing count, or a failed rep: empty, never 0
        for rec in ({"messages": 0, "client_vcsw": 3, "server_vcsw": 4},
                    {"messages": 10, "client_vcsw": 3}):
            self.assertEqual(results.make_row("ab12", point, 1, "ok", rec, "", "", "")
                             ["vcsw_per_msg"], "")
        self.assertEqual(results.make_row("ab12", point, 1, "error", None, "x", "", "")
                         ["vcsw_per_msg"], "")
        # from a results.csv row too (text cells), as plots/ reads it
        self.assertEqual(results.vcsw_per_msg(
            {"messages": "4", "client_vcsw": "3", "server_vcsw": "5"}), 2.0)

    def test_writer_appends_and_flushes(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "results.csv")
            w = results.RepWriter(path)
            w.write(rep("lo", "throughput", "ok", 1, bps=1e9))
            with open(path) as f:                 # visible before close
                lines = f.read().splitlines()
            self.assertEqual(lines[0], ",".join(results.COLUMNS))
            self.assertEqual(len(lines), 2)
            w.close()


class TestSummary(unittest.TestCase):
    def test_statuses_and_stats(self):
        rows = [rep("lo", "throughput", "ok", i, bps=b)
                for i, b in enumerate([100.0, 110.0, 90.0, 105.0, 95.0], 1)]
        rows += [rep("veth", "latency", "ok", 1, bps=1.0, p50=1000),
                 rep("veth", "latency", "error", 2, note="client timed out"),
                 rep("veth", "latency", "ok", 3, bps=1.0, p50=1400)]
        rows += [rep("uds", "latency", "unsupported", i, note="too big") for i in (1, 2)]
        rows += [rep("bridge", "latency", "unsupported", 1, note="a"),
                 rep("bridge", "latency", "error", 2, note="b")]
        s = {r["transport"]: r for r in results.summarize(rows)}
        lo = s["lo"]
        self.assertEqual((lo["status"], lo["reps"], lo["reps_ok"]), ("ok", "5", "5"))
        self.assertEqual(lo["primary_metric"], "bytes_per_s")
        self.assertEqual(lo["bytes_per_s_median"], "100")
        self.assertEqual((lo["bytes_per_s_ci_low"], lo["bytes_per_s_ci_high"]), ("90", "110"))
        # sd of 100,110,90,105,95 = sqrt(250/4) = 7.9057 -> cv 0.079057
        self.assertAlmostEqual(float(lo["bytes_per_s_cv"]), 0.0790569415, places=8)
        self.assertEqual(lo["noisy"], "1")
        self.assertEqual(lo["lat_p50_ns_median"], "")
        v = s["veth"]
        self.assertEqual((v["status"], v["reps_ok"], v["note"]),
                         ("partial", "2", "client timed out"))
        self.assertEqual(v["primary_metric"], "lat_p50_ns")
        self.assertEqual(v["lat_p50_ns_median"], "1200")
        # sd of 1000,1400 = 282.84 -> cv 0.2357
        self.assertAlmostEqual(float(v["lat_p50_ns_cv"]), 0.2357022604, places=8)
        self.assertEqual(s["uds"]["status"], "unsupported")
        self.assertEqual(s["uds"]["note"], "too big")
        self.assertEqual(s["uds"]["noisy"], "")
        self.assertEqual(s["bridge"]["status"], "error")

    def test_quiet_point(self):
        rows = [rep("lo", "throughput", "ok", i, bps=b) for i, b in
                enumerate([100.0, 101.0, 99.0], 1)]
        self.assertEqual(results.summarize(rows)[0]["noisy"], "0")

    def test_write_summary_roundtrip(self):
        rows = [rep("lo", "throughput", "ok", 1, bps=5.0)]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "summary.csv")
            results.write_summary(path, results.summarize(rows))
            with open(path) as f:
                back = list(csv.DictReader(f))
            self.assertEqual(list(back[0].keys()), results.SUMMARY_COLUMNS)
            self.assertEqual(back[0]["bytes_per_s_median"], "5")


class TestSweepOrder(unittest.TestCase):
    def test_transports_interleave(self):
        ts = list(sweep.tasks(["uds", "lo", "veth"], ["sync"], ["split"],
                              ["throughput", "latency"],
                              {"throughput": [100, 4096], "latency": [100]}, reps=2))
        self.assertEqual(len(ts), sweep.count(["uds", "lo", "veth"], ["sync"], ["split"],
                                              ["throughput", "latency"],
                                              {"throughput": [100, 4096],
                                               "latency": [100]}, 2))
        self.assertEqual([t.point.transport for t in ts[:6]],
                         ["uds", "lo", "veth", "uds", "lo", "veth"])
        self.assertEqual([t.rep for t in ts[:6]], [1, 1, 1, 2, 2, 2])
        self.assertEqual([t.last for t in ts[:6]], [False] * 3 + [True] * 3)
        self.assertEqual(len(ts), 3 * 2 * 3)

    def test_mtu_axis_only_for_transports_that_make_links(self):
        axes = (["lo", "veth"], ["sync"], ["split"], ["throughput"], {"throughput": [65536]},
                2, [1500, 65535], {"veth"})
        ts = list(sweep.tasks(*axes))
        self.assertEqual(len(ts), sweep.count(*axes))
        self.assertEqual([(t.point.transport, t.point.mtu, t.rep) for t in ts],
                         [("lo", None, 1), ("veth", 1500, 1), ("veth", 65535, 1),
                          ("lo", None, 2), ("veth", 1500, 2), ("veth", 65535, 2)])
        self.assertEqual([t.last for t in ts], [False] * 3 + [True] * 3)
        # one MTU, or none swept: the sweep of before
        one = list(sweep.tasks(["lo", "veth"], ["sync"], ["split"], ["latency"],
                               {"latency": [100]}, 1, [9000], {"veth"}))
        self.assertEqual([(t.point.transport, t.point.mtu) for t in one],
                         [("lo", None), ("veth", 9000)])



class TestReader(unittest.TestCase):
    """The one reader of run files: cells, point keys, schema versions."""

    def test_number(self):
        self.assertEqual(results.number("2.5e9"), 2.5e9)
        for gap in ("", None, "x", "nan", "inf", "-inf"):
            self.assertIsNone(results.number(gap), gap)

    def test_point_key_matches_across_formatting(self):
        a = {"transport": "veth", "io": "sync", "cpus": "split", "mode": "throughput",
             "size_bytes": "65536", "mtu": "1500"}
        b = dict(a, size_bytes="65536.0", mtu=" 1500 ")
        self.assertEqual(results.point_key(a), results.point_key(b))
        self.assertEqual(tuple(results.point_key(a)._fields), tuple(results.POINT_KEY))
        self.assertEqual(results.point_key(a).size_bytes, "65536")
        # a column an older file lacks reads as empty
        self.assertEqual(results.point_key(dict(a, mtu=None)).mtu, "")
        self.assertNotEqual(results.point_key(a), results.point_key(dict(a, mtu="9000")))

    def test_point_key_columns_are_in_both_files(self):
        # a new axis goes into POINT_KEY once; both files must carry it
        self.assertLessEqual(set(results.POINT_KEY), set(results.COLUMNS))
        self.assertLessEqual(set(results.POINT_KEY), set(results.SUMMARY_COLUMNS))

    def test_every_schema_version_is_known(self):
        # a bump of SCHEMA_VERSION must say which columns it added
        self.assertEqual(max(results.ADDED_IN), results.SCHEMA_VERSION)

    def test_read_table(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "results.csv")
            w = results.RepWriter(path)
            w.write(rep("lo", "throughput", "ok", 1, bps=1e9))
            w.close()
            t = results.read_table(path, results.COLUMNS, "results.csv")
            self.assertEqual((t.version, len(t.rows), t.rows[0][0]),
                             (results.SCHEMA_VERSION, 1, 2))
            with self.assertRaises(results.ReadError) as cm:
                results.read_table(path, results.COLUMNS + ["no_such"], "results.csv")
            self.assertIn("no column no_such", str(cm.exception))
            with self.assertRaises(results.ReadError):
                results.read_table(os.path.join(d, "none.csv"), [], "summary.csv")

    def test_read_meta(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "meta.json")
            self.assertIsNone(results.read_meta(path))
            for text in ("{", "[1]"):
                with open(path, "w") as f:
                    f.write(text)
                with self.assertRaises(results.ReadError):
                    results.read_meta(path)


if __name__ == "__main__":
    unittest.main()
