"""./run.sh for real: every transport, interruption and clean-up, two runs at
once, bad input, and an unprivileged user. Root and bench/ipcperf needed;
timings are never asserted."""

import json
import os
import shutil
import signal
import subprocess
import time
import unittest

from harness import state, transports
from tests.harness import util
from tests.harness.util import harness, leftovers, needs_binary, needs_root, rows

FAST = ["--no-plots", "--duration", "0.1", "--warmup", "0.02"]


@needs_binary
@needs_root
class TestQuickAllTransports(util.TempDirCase):
    def test_every_transport_at_100_bytes(self):
        out = self.out()
        p = harness(["--quick", "--size", "100", "--no-plots", "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        got = rows(out)
        with open(os.path.join(out, "meta.json")) as f:
            skipped = json.load(f)["skipped"]
        # only link types this kernel lacks may be skipped (ipvlan here)
        self.assertLessEqual(set(skipped), {"macvlan", "ipvlan"}, skipped)
        names = [n for n in transports.NAMES if n not in skipped]
        self.assertEqual(len(got), len(names) * 2 * 2)
        for name in names:
            for mode in ("throughput", "latency"):
                mine = [r for r in got if r["transport"] == name and r["mode"] == mode]
                self.assertEqual(len(mine), 2, (name, mode))
                for r in mine:
                    self.assertEqual(r["status"], "ok", (name, mode, r["note"]))
                    self.assertGreater(int(r["bytes"]), 0)
                    self.assertEqual(r["socket"], transports.SOCKET[name])
                    if transports.is_tcp(name):
                        self.assertEqual(r["nodelay"], "1" if mode == "latency" else "0")
                        self.assertTrue(r["mtu"])
                    elif transports.is_ip(name):
                        self.assertEqual(r["nodelay"], "")
                        self.assertTrue(r["mtu"])
                    else:
                        self.assertEqual((r["nodelay"], r["mtu"]), ("", ""))
        mtu = {r["transport"]: r["mtu"] for r in got}
        self.assertEqual((mtu["veth"], mtu["bridge"], mtu["lo"]), ("1500", "1500", "65536"))
        summary = rows(out, "summary.csv")
        self.assertEqual(len(summary), len(names) * 2)
        self.assertTrue(all(s["status"] == "ok" for s in summary))
        with open(os.path.join(out, "meta.json")) as f:
            meta = json.load(f)
        self.assertEqual(meta["exit_status"], 0)
        self.assertEqual(meta["settings"]["sizes"], [100])
        self.assertIn("ipcp-%s-v0" % meta["run_id"], meta["links"]["veth"])
        self.assertIn("gro", meta["links"]["veth"]["ipcp-%s-v0" % meta["run_id"]]["offloads"])
        self.assertIn("net.core.rmem_max", meta["sysctls"])
        self.assertEqual(leftovers(meta["run_id"]), [])
        self.assertIn(out, p.stdout)                 # the run directory is named


@needs_binary
class TestNodelayFromTheClient(util.TempDirCase):
    def test_the_record_says_and_the_harness_does_not_guess(self):
        # on one CPU, split cannot run: a row without a client record, whose
        # nodelay the harness used to fill in with its own copy of the C default
        out = self.out()
        p = harness(["--transport", "lo", "--mode", "latency,throughput", "--size", "100",
                     "--reps", "1", "--cpus", "split,same", "--out", out] + FAST,
                    preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}))
        self.assertEqual(p.returncode, 0, p.stderr)
        got = {(r["cpus"], r["mode"]): r for r in rows(out)}
        for mode in ("latency", "throughput"):
            self.assertEqual(got["split", mode]["status"], "unsupported")
            self.assertEqual(got["split", mode]["nodelay"], "", mode)
        # the client's choice, from its record
        self.assertEqual(got["same", "latency"]["nodelay"], "1")
        self.assertEqual(got["same", "throughput"]["nodelay"], "0")
        # an explicit --nodelay is what was asked for, record or not
        out = self.out("explicit")
        p = harness(["--transport", "lo", "--mode", "latency", "--size", "100", "--reps", "1",
                     "--cpus", "split", "--nodelay", "off", "--out", out] + FAST,
                    preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([r["nodelay"] for r in rows(out)], ["0"])


@needs_binary
@needs_root
class TestInterrupt(util.TempDirCase):
    ARGS = ["--transport", "veth,bridge,lo", "--size", "100", "--mode", "latency",
            "--reps", "50", "--duration", "0.3", "--warmup", "0.05", "--no-plots"]

    def test_sigint_mid_point(self):
        out = self.out()
        proc = util.start(self.ARGS + ["--out", out])
        try:
            n = util.wait_rows(proc, out, 4)
            self.assertGreaterEqual(n, 4, "no rows before the deadline")
            time.sleep(0.15)                    # inside the next rep's window
            before = util.data_lines(out)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertEqual(proc.returncode, 130, err)
        self.assertNotIn("Traceback", err)
        self.assertIn("interrupted", err)
        got = rows(out)
        self.assertGreaterEqual(len(got), before)
        self.assertLess(len(got), 150)
        self.assertTrue(all(r["status"] == "ok" and r["bytes"] for r in got))
        self.assertTrue(os.path.exists(os.path.join(out, "summary.csv")))
        rid = util.run_id(out)
        self.assertEqual(leftovers(rid), [])

    def test_sigkill_then_next_run_cleans(self):
        # in a world of its own: no other run on this machine can sweep what
        # the killed run left before the next run of the test does
        with util.World() as world:
            self.sigkill_then_next_run_cleans(world)

    def sigkill_then_next_run_cleans(self, world):
        out = self.out("killed")
        proc = world.start_harness(self.ARGS + ["--out", out])
        try:
            n = util.wait_rows(proc, out, 4)
            self.assertGreaterEqual(n, 4)
            time.sleep(0.15)
            rid = util.run_id(out)
            with open(world.state_file(rid)) as f:
                servers = json.load(f)["pids"]
            before = util.data_lines(out)
            proc.kill()
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertTrue(leftovers(rid, world.prefix()),
                        "a SIGKILLed run should leave its namespaces")
        got = rows(out)
        self.assertGreaterEqual(len(got), before)
        self.assertTrue(all(r["status"] == "ok" for r in got))
        deadline = time.monotonic() + 5         # servers die with the harness
        while any(state.is_running(p, s) for p, s in servers) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid, start in servers:
            self.assertFalse(state.is_running(pid, start), f"server {pid} outlived its harness")
        p = world.harness(["--transport", "uds", "--size", "100", "--reps", "1", "--mode",
                           "latency", "--out", self.out("next")] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"ipcp-{rid}-", p.stderr)     # it said what it removed
        self.assertEqual(leftovers(rid, world.prefix()), [])
        self.assertFalse(os.path.exists(world.state_file(rid)))
        self.assertEqual(leftovers(util.run_id(self.out("next")), world.prefix()), [])


@needs_binary
@needs_root
class TestConcurrent(util.TempDirCase):
    def test_two_runs_at_once(self):
        args = ["--transport", "uds,uds-dgram,lo,veth,bridge", "--size", "100",
                "--reps", "2"] + FAST
        (rca, ea), (rcb, eb) = util.run_together(args, [self.out("a"), self.out("b")])
        self.assertEqual(rca, 0, ea)
        self.assertEqual(rcb, 0, eb)
        ra, rb = util.run_id(self.out("a")), util.run_id(self.out("b"))
        self.assertNotEqual(ra, rb)
        for d in ("a", "b"):
            got = rows(self.out(d))
            self.assertEqual(len(got), 5 * 2 * 2)
            self.assertTrue(all(r["status"] == "ok" for r in got), got)
        self.assertEqual(leftovers(ra) + leftovers(rb), [])


@needs_binary
class TestBadInput(util.TempDirCase):
    def check(self, args, message):
        p = harness(args, timeout=60)
        self.assertEqual(p.returncode, 2, (args, p.stdout, p.stderr))
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(message, lines[0])
        self.assertIn("--help", lines[0])
        self.assertNotIn("Traceback", p.stderr)

    def test_each_bad_input(self):
        out = ["--out", self.out()]
        self.check(["--transport", "lo,foo"] + out,
                   "unknown transport 'foo' (valid: uds, uds-dgram, uds-seqpacket, pipe, shm, "
                   "lo, netns-lo, hostip, tcp6, udp, veth, nat, bridge, vxlan, macvlan, "
                   "ipvlan, docker-bridge, docker-publish, docker-proxy, docker-host, "
                   "docker-container, pasta, slirp4netns, all)")
        self.check(["--size", "10Q"] + out, "bad size '10Q'")
        self.check(["--size", "4G"] + out, "bad size '4G': at most 1G")
        self.check(["--size", "1M..1K"] + out, "start above end")
        self.check(["--reps", "0"] + out, "bad --reps '0'")
        self.check(["--reps", "many"] + out, "bad --reps 'many'")
        self.check(["--duration", "-2"] + out, "bad --duration '-2'")
        self.check(["--duration", "0"] + out, "bad --duration '0'")
        self.check(["--warmup", "soon"] + out, "bad --warmup 'soon'")
        self.check(["--mode", "bulk"] + out, "unknown mode 'bulk'")
        self.check(["--no-such-option"] + out, "unrecognized arguments")
        self.assertFalse(os.path.exists(self.out()))

    def test_unwritable_out(self):
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        self.check(["--transport", "uds", "--out", os.path.join(blocker, "run")],
                   "cannot write to --out")

    def test_out_already_used(self):
        os.makedirs(self.out())
        open(os.path.join(self.out(), "results.csv"), "w").close()
        self.check(["--transport", "uds", "--out", self.out()], "already holds a run")

    @unittest.skipUnless(util.IS_ROOT, "needs root for unshare --net")
    def test_transport_this_machine_cannot_run(self):
        # a fresh network namespace has no global IPv4 address: hostip cannot run
        p = subprocess.run(["unshare", "--net", util.RUN_SH, "--transport", "hostip",
                            "--out", self.out()], capture_output=True, text=True,
                           timeout=60, env=util.env(), stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("transport hostip cannot run on this machine: "
                      "this machine has no global IPv4 address", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertFalse(os.path.exists(self.out()))

    @unittest.skipUnless(util.IS_ROOT, "needs root for unshare --net")
    def test_default_skips_what_cannot_run(self):
        # not named: hostip is reported as skipped and the rest runs
        p = subprocess.run(["unshare", "--net", util.RUN_SH, "--transport", "all",
                            "--size", "100", "--reps", "1", "--mode", "latency",
                            "--out", self.out()] + FAST, capture_output=True, text=True,
                           timeout=120, env=util.env(), stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("skipped hostip: this machine has no global IPv4 address", p.stdout)
        with open(os.path.join(self.out(), "meta.json")) as f:
            self.assertIn("hostip", json.load(f)["skipped"])


@needs_binary
@needs_root
class TestUnprivileged(util.TempDirCase):
    def test_nobody_lo_and_veth(self):
        # nobody runs a copy it can reach, and writes beside it: this clone,
        # and the temporary folder, may not be reachable (CI's choice)
        top, run_sh, env = util.tree_for_others()
        self.addCleanup(shutil.rmtree, top, True)
        os.makedirs(os.path.join(top, "out"))
        os.chmod(os.path.join(top, "out"), 0o777)
        out = os.path.join(top, "out", "run")
        p = subprocess.run(["runuser", "-u", "nobody", "--", run_sh, "--transport",
                            "lo,veth", "--size", "100", "--reps", "1", "--out", out] + FAST,
                           capture_output=True, text=True, timeout=120, env=env,
                           stdin=subprocess.DEVNULL)
        with open(os.path.join(out, "meta.json")) if os.path.exists(
                os.path.join(out, "meta.json")) else open(os.devnull) as f:
            text = f.read()
        if p.returncode == 2 and "transport veth cannot run" in p.stderr:
            self.skipTest("no user namespaces here: " + p.stderr.strip())
        self.assertEqual(p.returncode, 0, p.stderr)
        got = rows(out)
        self.assertEqual({r["transport"] for r in got if r["status"] == "ok"}, {"lo", "veth"})
        self.assertIn('"veth"', text)
        self.assertEqual(leftovers(util.run_id(out)), [])


if __name__ == "__main__":
    unittest.main()
