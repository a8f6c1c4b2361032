"""tests/bin/pingpong, the independent reference ipcperf's small-message
round trips are held against (README, "Checking the figures"): it runs
every kind and wait, reports what it counted, refuses what it cannot do,
and its blocking and spinning sides differ the way they must (one voluntary
context switch per round trip against none). No timing is asserted.
"""
import unittest

from tests.integration.helperlib import UsageChecks, helper, needs, runner

PINGPONG = helper("pingpong")
CASES = [("block", "unix"), ("spin", "unix"), ("block", "tcp"), ("spin", "tcp"),
         ("spin", "shm")]
run = runner(PINGPONG)


@needs(PINGPONG)
class PingPongTest(UsageChecks, unittest.TestCase):
    USAGE = (["block", "shm"], ["nap", "unix"], ["spin"], ["-s", "0", "spin", "tcp"])
    run_helper = staticmethod(run)

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


if __name__ == "__main__":
    unittest.main()
