"""Kernel counters in the client's record, on real runs over TCP on 127.0.0.1.

What is asserted is the direction of an effect the kernel guarantees, not a
timing: with Nagle on, many 100-byte writes share a segment; with one
message in flight (latency mode) every request and reply is its own
segment. Both sides run in the root namespace here, so the client's
namespace counters include the server's segments, and anyone else's: only
lower bounds and directions that other traffic cannot break are asserted.
"""
import unittest

from tests.integration.benchlib import Server, run_client, skip_reason

COUNTERS = ("softirq_ns", "irq_ns", "tcp_in_segs", "tcp_out_segs", "tcp_retrans_segs",
            "tcp_delayed_acks", "tcp_data_segs_out", "udp_in_datagrams", "udp_out_datagrams",
            "udp_rcvbuf_errors", "instructions", "cycles")
RUN = ["--duration", "0.4", "--warmup", "0.1", "--size", "100"]


@unittest.skipIf(skip_reason(), skip_reason())
class CountersTest(unittest.TestCase):
    def run_tcp(self, *extra):
        with Server("tcp") as srv:
            rc, rec, err = run_client(srv.args + RUN + list(extra))
        self.assertEqual(rc, 0, err)
        return rec

    def test_every_counter_is_reported_for_both_sides(self):
        rec = self.run_tcp("--mode", "latency")
        for side in ("client", "server"):
            for name in COUNTERS:
                key = f"{side}_{name}"
                self.assertIn(key, rec)
                if name not in ("instructions", "cycles"):   # absent on many VMs
                    self.assertIsInstance(rec[key], int, key)

    def test_nagle_merges_small_writes(self):
        nagle = self.run_tcp("--mode", "throughput", "--nodelay", "off")
        nodelay = self.run_tcp("--mode", "throughput", "--nodelay", "on")
        nagle_per_msg = nagle["client_tcp_data_segs_out"] / nagle["messages"]
        nodelay_per_msg = nodelay["client_tcp_data_segs_out"] / nodelay["messages"]
        self.assertLess(nagle_per_msg, 0.1, "Nagle packs many 100 B writes per segment")
        self.assertLess(nagle_per_msg, nodelay_per_msg)

    def test_one_segment_per_message_when_one_is_in_flight(self):
        rec = self.run_tcp("--mode", "latency")
        per_round_trip = rec["client_tcp_data_segs_out"] / rec["messages"]
        self.assertGreaterEqual(per_round_trip, 1.9, "a request and a reply each")


if __name__ == "__main__":
    unittest.main()
