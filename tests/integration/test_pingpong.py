"""tests/bin/pingpong, the independent reference ipcperf's small-message
round trips are held against (README, "Checking the figures"): it runs
every kind and wait, reports what it counted, refuses what it cannot do,
and its blocking and spinning sides differ the way they must (one voluntary
context switch per round trip against none). No timing is asserted.
"""
import os
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PINGPONG = ROOT / "tests" / "bin" / "pingpong"
CASES = [("block", "unix"), ("spin", "unix"), ("block", "tcp"), ("spin", "tcp"),
         ("spin", "shm")]


def run(*args):
    return subprocess.run([str(PINGPONG), *args], capture_output=True, text=True, timeout=20)


@unittest.skipUnless(PINGPONG.exists(), f"{PINGPONG} is not built (make helpers)")
@unittest.skipUnless(len(os.sched_getaffinity(0)) >= 2, "pingpong pins two CPUs")
class PingPongTest(unittest.TestCase):

    def test_every_kind_and_wait(self):
        for mode, kind in CASES:
            with self.subTest(mode=mode, kind=kind):
                p = run("-d", "0.2", "-w", "0.05", mode, kind)
                self.assertEqual(p.returncode, 0, p.stderr)
                rec = dict(kv.split("=", 1) for kv in p.stdout.split())
                self.assertEqual((rec["kind"], rec["mode"]), (kind, mode))
                self.assertGreater(int(rec["round_trips"]), 0)
                self.assertGreater(int(rec["rtt_p50_ns"]), 0)
                self.assertNotEqual(rec["server_cpu"], rec["client_cpu"])
                for side in ("client", "server"):
                    per_rt = float(rec[f"{side}_vcsw_per_rt"])
                    if mode == "spin":
                        self.assertLess(per_rt, 0.01, side)
                    else:
                        self.assertGreater(per_rt, 0.5, side)

    def test_usage(self):
        for args in (["block", "shm"], ["nap", "unix"], ["spin"], ["-s", "0", "spin", "tcp"]):
            with self.subTest(args=args):
                p = run(*args)
                self.assertEqual(p.returncode, 2)
                self.assertIn("usage:", p.stderr)
                self.assertEqual(p.stdout, "")


if __name__ == "__main__":
    unittest.main()
