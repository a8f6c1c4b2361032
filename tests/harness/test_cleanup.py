"""Issue 16: liveness every run can see whatever its state directory, a
sweep that removes only what dead runs made (by their record, else by the
exact name), and a run
directory that refuses writes (full disk, removed) ends in one line with
every row that was written whole. The runs of these tests go in a
util.World of their own, so they neither sweep nor are swept by the other
runs on this machine."""

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

from harness import state
from tests.harness import util
from tests.harness.util import needs_binary, needs_root

FAST = ["--duration", "0.05", "--warmup", "0.02", "--no-plots"]
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

    def test_a_temporary_state_file_alone_is_reaped_once_old(self):
        # a run killed while it wrote its first state file leaves <id>.json.tmp only
        os.makedirs(self.mine)
        tmp = os.path.join(self.mine, "k1ll.json.tmp")
        open(tmp, "w").close()
        self.assertEqual(state.dead_runs(self.mine), [])        # may be being written
        os.utime(tmp, (0, 0))
        dead = state.dead_runs(self.mine)
        self.assertEqual([r for r, _, _ in dead], ["k1ll"])
        state.reap_dead_run(dead[0][1], dead[0][2])
        self.assertEqual(os.listdir(self.mine), [])

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


@needs_binary
@needs_root
class TestPrivateStateDirs(util.TempDirCase):
    ARGS = ["--transport", "veth", "--size", "100", "--mode", "latency"] + FAST

    def test_two_runs_share_the_network(self):
        """Each run has its own /run/ipcperf (its own mount namespace, as a
        CI job in a container on the host's network): B starts while A's
        veth namespaces exist and must leave them alone."""
        with util.World() as world:
            a = world.start([util.RUN_SH] + self.ARGS + ["--reps", "30", "--out",
                                                         self.out("a")], private_state=True)
            try:
                self.assertGreaterEqual(util.wait_rows(a, self.out("a"), 2), 2)
                b = world.run([util.RUN_SH] + self.ARGS + ["--reps", "2", "--out",
                                                           self.out("b")], private_state=True)
                _, a_err = a.communicate(timeout=120)
            finally:
                if a.poll() is None:
                    a.kill()
            left = world.names()
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(a.returncode, 0, a_err)
        self.assertNotIn("removed", b.stderr)
        for d, reps in (("a", 30), ("b", 2)):
            got = util.rows(self.out(d))
            self.assertEqual([r["status"] for r in got], ["ok"] * reps, got)
            self.assertEqual({r["transport"] for r in got}, {"veth"})
        self.assertNotEqual(util.run_id(self.out("a")), util.run_id(self.out("b")))
        self.assertEqual(left, set())


@needs_binary
@needs_root
class TestForeignNames(util.TempDirCase):
    def test_only_what_dead_runs_made_goes(self):
        stray, dead = "st9y", "de4d"        # ids in a world of its own: nobody holds them
        record = {"pid": os.getpid(), "start": "1", "pids": [], "dirs": [],
                  "names": [f"ipcp-{dead}-va"]}
        keep = {"ipcp-mine-keep", "ipcp-mine-k0", "ipcp-mine-k1",   # not our shape
                f"ipcp-{dead}-vb"}                                  # not in its run's record
        # our shape, a dead id and no record (a run killed with a private
        # state directory): the exact name is the proof, they go
        setup = [["ip", "netns", "add", "ipcp-mine-keep"],
                 ["ip", "link", "add", "ipcp-mine-k0", "type", "veth", "peer", "name",
                  "ipcp-mine-k1"],
                 ["ip", "netns", "add", f"ipcp-{stray}-va"],
                 ["ip", "link", "add", f"ipcp-{stray}-nb", "type", "bridge"],
                 ["ip", "netns", "add", f"ipcp-{dead}-va"],
                 ["ip", "netns", "add", f"ipcp-{dead}-vb"],
                 ["sh", "-c", 'printf %s "$1" >/run/ipcperf/$2.json', "sh",
                  json.dumps(record), dead]]
        with util.World() as world:
            for argv in setup:
                p = world.run(argv)
                self.assertEqual(p.returncode, 0, (argv, p.stderr))
            p = world.run([util.RUN_SH, "--transport", "lo", "--size", "100", "--quick",
                           "--no-plots", "--out", self.out()])
            left = world.names()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(left, keep)
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 2, p.stderr)
        removed = [l for l in lines if "removed 3 objects left by dead runs" in l]
        self.assertEqual(len(removed), 1, p.stderr)
        for name in (f"netns ipcp-{dead}-va", f"netns ipcp-{stray}-va",
                     f"link ipcp-{stray}-nb"):
            self.assertIn(name, removed[0])
        said = [l for l in lines if "left alone" in l]
        self.assertEqual(len(said), 1, p.stderr)
        for name in keep:
            self.assertIn(name, said[0])


@needs_binary
@needs_root
class TestRunDirRefuses(util.TempDirCase):
    def check_one_line(self, p, *words):
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        for w in words:
            self.assertIn(w, lines[0])

    def check_rows(self, run_dir):
        """Every row of results.csv parses whole; returns them."""
        with open(os.path.join(run_dir, "results.csv"), newline="") as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"), text[-200:])
        reader = csv.reader(text.splitlines())
        header = next(reader)
        got = list(reader)
        for n, row in enumerate(got, 2):
            self.assertEqual(len(row), len(header), f"line {n}: {row}")
            self.assertEqual(row[header.index("status")], "ok", f"line {n}: {row}")
        return got

    def test_out_on_a_tiny_tmpfs(self):
        tiny, copy = self.out("tiny"), self.out("copy")
        os.makedirs(tiny)
        with util.World() as world:
            p = world.run(["mount", "-t", "tmpfs", "-o", "size=16k", "ipcperf-tiny", tiny])
            self.assertEqual(p.returncode, 0, p.stderr)
            p = world.run([util.RUN_SH, "--transport", "uds", "--size", "100", "--mode",
                           "latency", "--reps", "500", "--duration", "0.01", "--warmup",
                           "0.01", "--no-plots", "--out", os.path.join(tiny, "r")])
            world.run(["cp", "-a", os.path.join(tiny, "r"), copy])   # the tmpfs goes with the world
        self.check_one_line(p, "cannot write", "results.csv", "No space left on device",
                            "complete rows")
        # the run's files, and no temporary one (canary.csv: its first row is
        # measured before the first rep)
        self.assertEqual(sorted(os.listdir(copy)), ["canary.csv", "meta.json", "results.csv"])
        self.assertGreater(len(self.check_rows(copy)), 0, "the disk filled before any row")

    def test_out_removed_mid_run(self):
        out = self.out()
        with util.World() as world:
            proc = world.start([util.RUN_SH, "--transport", "uds,lo", "--size", "100",
                                "--mode", "latency", "--reps", "200"] + FAST + ["--out", out])
            try:
                self.assertGreaterEqual(util.wait_rows(proc, out, 3), 3)
                subprocess.run(["rm", "-rf", out], timeout=30)
                stdout, stderr = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
        p = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        self.check_one_line(p, "cannot write", "results.csv",
                            "removed while the run wrote to it")
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
