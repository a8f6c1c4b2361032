"""Option parsing: sizes with units and ranges, and every bad input."""

import unittest

from harness import cli, wording


class TestSizes(unittest.TestCase):
    def test_units(self):
        cases = {"100": 100, "1K": 1024, "1k": 1024, "64KiB": 65536, "1M": 1 << 20,
                 "1MiB": 1 << 20, "1G": 1 << 30, "512B": 512, " 4K ": 4096}
        for text, value in cases.items():
            self.assertEqual(cli.parse_size(text), value, text)

    def test_bad(self):
        for text in ("", "0", "-1", "1.5K", "K", "12X", "1KB", "2G", "1025M", "1 K B"):
            with self.assertRaises(cli.UsageError, msg=text):
                cli.parse_size(text)

    def test_lists_and_ranges(self):
        K, M = 1024, 1 << 20
        self.assertEqual(cli.parse_sizes("100..1M"),
                         [100, K, 4 * K, 16 * K, 64 * K, 256 * K, M])
        self.assertEqual(cli.parse_sizes("1K..1M"), [K, 4 * K, 16 * K, 64 * K, 256 * K, M])
        self.assertEqual(cli.parse_sizes("2K..20K"), [2 * K, 4 * K, 16 * K, 20 * K])
        self.assertEqual(cli.parse_sizes("100..100"), [100])
        self.assertEqual(cli.parse_sizes("64K,100,1K,100"), [100, K, 64 * K])
        self.assertEqual(cli.parse_sizes("100..4K,1M"), [100, K, 4 * K, M])
        with self.assertRaises(cli.UsageError):
            cli.parse_sizes("1M..1K")
        with self.assertRaises(cli.UsageError):
            cli.parse_sizes("100,,1K")

    def test_format(self):
        # sizes are written in one vocabulary (harness/wording.py), which the
        # CLI reads back
        sizes = (100, 1024, 65536, 1 << 20, 1500)
        self.assertEqual([wording.size_label(s) for s in sizes],
                         ["100 B", "1 KiB", "64 KiB", "1 MiB", "1500 B"])
        self.assertEqual([cli.parse_size(wording.size_label(s)) for s in sizes], list(sizes))


class TestParse(unittest.TestCase):
    def test_defaults(self):
        c = cli.parse([])
        self.assertEqual(c.transports, list(cli.transports.NAMES))
        self.assertFalse(c.transports_explicit)
        self.assertEqual(c.sizes["latency"][0], 100)
        self.assertEqual(c.sizes["latency"][-1], 1 << 20)
        self.assertEqual(c.sizes["throughput"][-1], 4 << 20)
        self.assertEqual((c.reps, c.modes, c.io, c.cpus, c.mtu), (5, ["throughput", "latency"],
                                                                  ["sync"], ["split"], 1500))

    def test_quick_and_overrides(self):
        c = cli.parse(["--quick"])
        self.assertEqual(c.sizes["throughput"], [100, 65536])
        self.assertEqual(c.reps, cli.QUICK_REPS)
        c = cli.parse(["--quick", "--size", "100", "--reps", "3", "--duration", "250ms"])
        self.assertEqual((c.sizes["latency"], c.reps, c.duration), ([100], 3, 0.25))

    def test_request_and_reply_sizes(self):
        K = 1024
        c = cli.parse(["--size", "100,100:64K,4K", "--mode", "latency,connect"])
        for mode in ("latency", "connect"):
            self.assertEqual(c.shapes[mode], [(100, 100), (100, 64 * K), (4 * K, 4 * K)])
            self.assertEqual(c.sizes[mode], [100, 4 * K])
        # --size 100 keeps meaning 100:100; throughput has no reply
        c = cli.parse(["--size", "100", "--mode", "throughput,latency,connect"])
        self.assertEqual((c.shapes["latency"], c.shapes["throughput"]),
                         ([(100, 100)], [(100, None)]))
        self.assertEqual(cli.parse(["--size", "100:100", "--mode", "latency"]).shapes["latency"],
                         cli.parse(["--size", "100", "--mode", "latency"]).shapes["latency"])
        c = cli.parse([])
        self.assertEqual(c.shapes["throughput"][-1], (4 << 20, None))
        self.assertEqual(c.shapes["latency"][-1], (1 << 20, 1 << 20))

    def test_flows_and_connect(self):
        self.assertEqual(cli.parse([]).flows, [1])
        self.assertEqual(cli.parse(["--flows", "4,1,2,4"]).flows, [4, 1, 2])
        self.assertEqual(cli.parse(["--mode", "connect"]).modes, ["connect"])
        self.assertIn("connect", cli.MODES)

    def test_mtu_list(self):
        c = cli.parse(["--mtu", "1500,9000,65535,9000"])
        self.assertEqual((c.mtus, c.mtu), ([1500, 9000, 65535], 1500))
        self.assertEqual(cli.parse(["--mtu", "9000"]).mtus, [9000])
        self.assertEqual(cli.parse([]).mtus, [cli.DEFAULT_MTU])

    def test_transports(self):
        c = cli.parse(["--transport", "lo,uds,lo"])
        self.assertEqual((c.transports, c.transports_explicit), (["lo", "uds"], True))
        c = cli.parse(["--transport", "all"])
        self.assertFalse(c.transports_explicit)

    def test_bad_inputs(self):
        bad = {
            ("--transport", "foo"): "unknown transport 'foo' (valid: uds, uds-dgram, "
                                    "uds-seqpacket, pipe, shm, lo, netns-lo, hostip, tcp6, "
                                    "udp, veth, nat, bridge, vxlan, macvlan, ipvlan, "
                                    "docker-bridge, docker-publish, docker-proxy, "
                                    "docker-host, docker-container, pasta, slirp4netns, "
                                    "all)",
            ("--size", "12X"): "bad size '12X'",
            ("--size", "2G"): "at most 1G",
            ("--reps", "0"): "bad --reps '0'",
            ("--reps", "x"): "bad --reps 'x'",
            ("--duration", "0"): "bad --duration '0'",
            ("--duration", "-1"): "bad --duration '-1'",
            ("--duration", "nan"): "bad --duration 'nan'",
            ("--warmup", "abc"): "bad --warmup 'abc'",
            ("--mode", "fast"): "unknown mode 'fast'",
            ("--cpus", "all"): "unknown cpus 'all'",
            ("--io", "poll"): "unknown io 'poll'",
            ("--mtu", "10"): "bad --mtu '10'",
            ("--mtu", "1500,70000"): "bad --mtu '70000'",
            ("--mtu", "1500,"): "bad --mtu ''",
            ("--nodelay", "maybe",): "invalid choice",
            ("--bogus",): "unrecognized arguments",
            ("--size", "0:10", "--mode", "latency"): "bad size '0': must be at least 1 byte",
            ("--size", "100:", "--mode", "latency"): "bad size ''",
            ("--size", ":100", "--mode", "connect"): "bad size ''",
            ("--size", "100:64K"): "REQ:RESP applies to latency and connect",
            ("--size", "100:64K", "--mode", "throughput,latency"): "not throughput",
            ("--size", "1K..4K:8K", "--mode", "latency"): "one size on each side",
            ("--flows", "0"): "bad --flows '0'",
            ("--flows", "1,257"): "bad --flows '257'",
            ("--flows", "two"): "bad --flows 'two'",
        }
        for argv, message in bad.items():
            with self.assertRaises(cli.UsageError, msg=argv) as cm:
                cli.parse(list(argv))
            self.assertIn(message, str(cm.exception))
            self.assertNotIn("\n", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
