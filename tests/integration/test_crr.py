"""tests/bin/crr, the independent connection-per-transaction program that
ipcperf's connect mode is held against (README, "Checking it against peer
tools"): it runs both kinds and both closes, counts what it did, refuses
what it cannot do. No timing is asserted.
"""
import unittest

from tests.integration.helperlib import UsageChecks, helper, needs, runner

CRR = helper("crr")
run = runner(CRR)


@needs(CRR)
class CrrTest(UsageChecks, unittest.TestCase):
    USAGE = (["udp"], [], ["-s", "0", "tcp"], ["-x", "tcp"])
    run_helper = staticmethod(run)

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


if __name__ == "__main__":
    unittest.main()
