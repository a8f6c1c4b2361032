"""The flows of a point (harness/flows.py): the stated placement, the one
record that stands for all flows (what adds up, what is read once), Jain's
fairness index, how well the windows line up; and around them the point
key of the new axes, the shape labels and the conntrack counter's reading.
No machine is touched."""

import json
import unittest
from unittest import mock

from harness import conntrack, flows, results, stats, sweep, wording


def record(flow, **kw):
    r = {"status": "ok", "messages": 100, "bytes": 20000, "bytes_per_s": 40000.0,
         "msgs_per_s": 200.0, "elapsed_s": 0.5, "client_cpu_s": 0.1, "server_cpu_s": 0.2,
         "client_user_s": 0.05, "client_sys_s": 0.05, "server_user_s": 0.1,
         "server_sys_s": 0.1, "client_vcsw": 10, "client_ivcsw": 1, "server_vcsw": 12,
         "server_ivcsw": 2, "connections": 1, "client_msgs_total": 120,
         "server_msgs_total": 120, "client_instructions": None, "server_instructions": None,
         "client_cycles": None, "server_cycles": None,
         "client_softirq_ns": 1000 * (flow + 1), "server_softirq_ns": 10,
         "client_irq_ns": 0, "server_irq_ns": 0, "client_tcp_out_segs": 555,
         "lat_mean_ns": 1000.0, "lat_p50_ns": 900, "lat_p90_ns": 1500, "lat_p99_ns": 3000,
         "lat_p999_ns": 5000, "lat_max_ns": 9000, "connect_p50_ns": None,
         "window_start_ns": 1_000_000_000 + flow * 1_000_000, "verify_errors": 0,
         "client_cpu": 1, "server_cpu": 0, "forwarder_user_s": 0.01}
    r.update(kw)
    return r


class TestPlacement(unittest.TestCase):
    def test_the_stated_pattern(self):
        with mock.patch("os.sched_getaffinity", return_value={0, 1, 2, 3}):
            self.assertEqual(flows.placement("split", 3), [(0, 1), (2, 3), (0, 1)])
            self.assertEqual(flows.placement("same", 5), [(0, 0), (1, 1), (2, 2), (3, 3), (0, 0)])
            self.assertEqual(flows.placement("none", 2), [(None, None)] * 2)
        with mock.patch("os.sched_getaffinity", return_value={3, 5}):
            self.assertEqual(flows.placement("split", 2), [(3, 5), (3, 5)])
        with mock.patch("os.sched_getaffinity", return_value={2}):
            self.assertIn("needs 2 CPUs", flows.placement("split", 2))

    def test_one_flow_is_the_placement_of_before(self):
        from harness import rep
        with mock.patch("os.sched_getaffinity", return_value={0, 1}):
            self.assertEqual((rep.cpu_placement("split"), rep.cpu_placement("same"),
                              rep.cpu_placement("none")), ((0, 1), (0, 0), (None, None)))


class TestAggregate(unittest.TestCase):
    def test_what_adds_up_and_what_is_read_once(self):
        recs = [record(0, bytes_per_s=30000.0), record(1, bytes_per_s=50000.0, server_cpu=0,
                                                       client_cpu=1)]
        agg = flows.aggregate(recs, "split")
        for k in ("messages", "bytes", "client_cpu_s", "server_vcsw", "client_msgs_total"):
            self.assertEqual(agg[k], recs[0][k] + recs[1][k], k)
        self.assertEqual(agg["bytes_per_s"], 80000.0)
        # both flows' clients on CPU 1, servers on CPU 0: each CPU's softirq once
        self.assertEqual((agg["client_softirq_ns"], agg["server_softirq_ns"]), (1000 + 10, 0))
        # namespace counters and a forwarder's CPU: flow 0 read them for all
        self.assertEqual((agg["client_tcp_out_segs"], agg["forwarder_user_s"]), (555, 0.01))
        self.assertAlmostEqual(agg["cpu_ns_per_msg"], 0.6e9 / 200)
        self.assertAlmostEqual(agg["fairness"], stats.jain([30000.0, 50000.0]))
        self.assertEqual(agg["lat_max_ns"], 9000)
        self.assertIsNone(agg["connect_p50_ns"])
        self.assertIsNone(agg["client_instructions"])      # absent stays absent

    def test_cpus_same_counts_each_cpu_once(self):
        recs = [record(0, client_cpu=0, server_cpu=0), record(1, client_cpu=1, server_cpu=1)]
        agg = flows.aggregate(recs, "same")
        self.assertEqual(agg["client_softirq_ns"], 1000 + 2000)

    def test_percentiles_are_the_flows_median(self):
        recs = [record(i, lat_p50_ns=v, messages=m, lat_mean_ns=mean)
                for i, (v, m, mean) in enumerate(((100, 1, 10.0), (300, 3, 30.0), (200, 1, 20.0)))]
        agg = flows.aggregate(recs, "split")
        self.assertEqual(agg["lat_p50_ns"], 200)
        self.assertAlmostEqual(agg["lat_mean_ns"], (10 + 90 + 20) / 5)

    def test_window_overlap(self):
        a = record(0, window_start_ns=0, elapsed_s=1.0)
        b = record(1, window_start_ns=100_000_000, elapsed_s=1.0)
        self.assertAlmostEqual(flows.window_overlap([a, b]), 0.9)
        self.assertEqual(flows.window_overlap([a, dict(b, window_start_ns=2_000_000_000)]), 0)
        self.assertIsNone(flows.window_overlap([a, dict(b, window_start_ns=None)]))

    def test_jain(self):
        self.assertEqual(stats.jain([5, 5, 5, 5]), 1.0)
        self.assertEqual(stats.jain([7, 0, 0, 0]), 0.25)
        self.assertIsNone(stats.jain([]))
        self.assertIsNone(stats.jain([0, 0]))


class TestAxes(unittest.TestCase):
    def test_point_key_of_older_rows(self):
        old = {"transport": "lo", "io": "sync", "cpus": "split", "mode": "latency",
               "size_bytes": "100", "mtu": "65536"}
        new = dict(old, resp_size_bytes="100", flows="1", arm="")
        self.assertEqual(results.point_key(old), results.point_key(new))
        self.assertNotEqual(results.point_key(new),
                            results.point_key(dict(new, resp_size_bytes="65536")))
        self.assertNotEqual(results.point_key(new), results.point_key(dict(new, flows="4")))

    def test_sweep_flows_axis(self):
        ts = list(sweep.tasks(["uds", "lo"], ["sync"], ["split"], ["latency"],
                              {"latency": [(100, 100), (100, 65536)]}, 1, flows=[1, 4]))
        self.assertEqual(len(ts), sweep.count(["uds", "lo"], ["sync"], ["split"], ["latency"],
                                              {"latency": [(100, 100), (100, 65536)]}, 1,
                                              flows=[1, 4]))
        self.assertEqual([(t.point.transport, t.point.resp, t.point.flows) for t in ts[:4]],
                         [("uds", 100, 1), ("lo", 100, 1), ("uds", 100, 4), ("lo", 100, 4)])
        self.assertEqual(ts[-1].point.resp, 65536)

    def test_shape_labels(self):
        self.assertEqual(wording.shape_label(100), "100 B")
        self.assertEqual(wording.shape_label(100, 100), "100 B")
        self.assertEqual(wording.shape_label(100, 65536), "100 B→64 KiB")
        self.assertEqual(wording.shape_label(65536, None, 4), "64 KiB ×4 flows")
        key = results.point_key({"transport": "lo", "io": "sync", "cpus": "split",
                                 "mode": "connect", "size_bytes": "100",
                                 "resp_size_bytes": "65536", "flows": "2"})
        self.assertEqual(wording.point_label(key), "lo connect 100 B→64 KiB ×2 flows")


class TestConntrackCounter(unittest.TestCase):
    def test_reads_the_rules_counter(self):
        listing = {"nftables": [{"metainfo": {}}, {"table": {"family": "inet"}},
                                {"chain": {"name": "postrouting"}},
                                {"rule": {"expr": [{"match": {}},
                                                   {"counter": {"packets": 837, "bytes": 1}}]}}]}
        self.assertEqual(conntrack.packets(json.dumps(listing)), 837)
        self.assertIsNone(conntrack.packets("not json"))
        self.assertIsNone(conntrack.packets(json.dumps({"nftables": []})))

    def test_table_counts_new_entries_where_it_hooks(self):
        text = conntrack.table_text("ipcp-ab12-ct", "ip daddr 198.18.2.2")
        self.assertIn("hook postrouting", text)
        self.assertIn("ip daddr 198.18.2.2 ct state new counter", text)

    def test_no_conntrack_counts_nothing(self):
        with conntrack.counting(None) as count:
            self.assertIsNone(count())


if __name__ == "__main__":
    unittest.main()
