"""Issue 16: liveness every run can see whatever its state directory."""

import os
import signal
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

from harness import state
from tests.harness import util

CLAIM_AND_WAIT = ("import sys, time\nfrom harness import state\n"
                  "st = state.RunState.claim(sys.argv[1])\n"
                  "print(st.run_id, flush=True)\ntime.sleep(60)\n")


class TestLiveness(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.mine, self.other = (os.path.join(self.tmp.name, d) for d in ("mine", "other"))
        os.makedirs(self.other)

    def tearDown(self):
        self.tmp.cleanup()

    def test_seen_from_another_state_dir_and_gone_with_kill9(self):
        proc = subprocess.Popen([sys.executable, "-c", CLAIM_AND_WAIT, self.mine],
                                stdout=subprocess.PIPE, text=True, cwd=util.REPO)
        try:
            rid = proc.stdout.readline().strip()
            self.assertTrue(state.is_alive(rid, self.mine))
            # a run whose state file is out of sight (another mount namespace)
            self.assertTrue(state.is_alive(rid, self.other))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc.stdout.close()
        self.assertFalse(state.is_alive(rid, self.other))
        self.assertFalse(state.is_alive(rid, self.mine))
        self.assertEqual([r for r, _, _ in state.dead_runs(self.mine)], [rid])

    def test_claim_is_exclusive_across_state_dirs(self):
        draws = list("t3st") * 2 + list("t3su")     # the second run draws t3st too
        with mock.patch.object(state.random, "choice", side_effect=draws):
            a = state.RunState.claim(self.mine)
            b = state.RunState.claim(self.other)
        try:
            self.assertEqual(a.run_id, "t3st")
            self.assertEqual(b.run_id, "t3su")
        finally:
            a.release()
            b.release()


if __name__ == "__main__":
    unittest.main()
