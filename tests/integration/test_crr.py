"""tests/bin/crr, the independent connection-per-transaction program that
ipcperf's connect mode is held against (README, "Checking it against peer
tools"): it runs both kinds and both closes, counts what it did, refuses
what it cannot do. No timing is asserted.
"""
import os
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CRR = ROOT / "tests" / "bin" / "crr"


def run(*args):
    return subprocess.run([str(CRR), *args], capture_output=True, text=True, timeout=20)


@unittest.skipUnless(CRR.exists(), f"{CRR} is not built (make helpers)")
@unittest.skipUnless(len(os.sched_getaffinity(0)) >= 2, "crr pins two CPUs")
class CrrTest(unittest.TestCase):

    def test_each_kind_and_close(self):
        for args, kind, close in ((["tcp"], "tcp", "rst"), (["-f", "tcp"], "tcp", "fin"),
                                  (["unix"], "unix", "close"),
                                  (["-s", "100", "-r", "65536", "tcp"], "tcp", "rst")):
            with self.subTest(args=args):
                p = run("-d", "0.2", "-w", "0.05", *args)
                self.assertEqual(p.returncode, 0, p.stderr)
                rec = dict(kv.split("=", 1) for kv in p.stdout.split())
                self.assertEqual((rec["kind"], rec["close"]), (kind, close))
                self.assertGreater(int(rec["transactions"]), 0)
                self.assertGreater(float(rec["conns_per_s"]), 0)
                self.assertGreater(int(rec["txn_p50_ns"]), 0)
                self.assertNotEqual(rec["server_cpu"], rec["client_cpu"])

    def test_usage(self):
        for args in (["udp"], [], ["-s", "0", "tcp"], ["-x", "tcp"]):
            with self.subTest(args=args):
                p = run(*args)
                self.assertEqual(p.returncode, 2)
                self.assertIn("usage:", p.stderr)
                self.assertEqual(p.stdout, "")


if __name__ == "__main__":
    unittest.main()
