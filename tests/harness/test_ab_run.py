"""./run.sh for real with --ab, --precision and a CPU hog: ABBA order as run,
B's sysctl set for B's reps only and put back after a normal end, an error,
SIGINT and a kill -9 followed by the next run; every bad input of --ab,
--precision and --budget; interference on a hogged core; the canary. The
sysctl is net.ipv4.tcp_autocorking (harmless), a knob of each network
namespace: the runs that set it do so in a world of their own (util.World),
and the bad-input checks, on the machine, leave it as it was. Timings are
never asserted."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

from harness import rep, sysctl
from tests.harness import util
from tests.harness.util import harness, needs_binary, needs_root, rows

FAST = ["--no-plots", "--duration", "0.05", "--warmup", "0.01", "--size", "100"]
KNOB = "net.ipv4.tcp_autocorking"


class KnobCase(util.TempDirCase):
    """The knob's value before the test (orig) and another for B (b_value);
    the knob is put back whatever a test did to it."""

    def setUp(self):
        super().setUp()
        self.orig = self.knob()
        self.b_value = "0" if self.orig != "0" else "1"
        self.addCleanup(self.put_back)

    def knob(self):
        return sysctl.read(KNOB)

    def put_back(self):
        if self.knob() != self.orig:
            sysctl.write(KNOB, self.orig)


@needs_binary
class TestAbba(util.TempDirCase):
    def test_same_in_abba_order_with_a_row_per_arm(self):
        out = self.out()
        p = harness(["--transport", "uds,lo", "--mode", "latency", "--reps", "3",
                     "--ab", "same", "--out", out] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = [(r["transport"], r["arm"], r["rep"]) for r in rows(out)]
        self.assertEqual(got, [("uds", "A", "1"), ("uds", "B", "1"), ("lo", "A", "1"),
                               ("lo", "B", "1"), ("uds", "B", "2"), ("uds", "A", "2"),
                               ("lo", "B", "2"), ("lo", "A", "2"), ("uds", "A", "3"),
                               ("uds", "B", "3"), ("lo", "A", "3"), ("lo", "B", "3")])
        summary = rows(out, "summary.csv")
        self.assertEqual(sorted((s["transport"], s["arm"], s["reps"]) for s in summary),
                         [("lo", "A", "3"), ("lo", "B", "3"), ("uds", "A", "3"),
                          ("uds", "B", "3")])
        with open(os.path.join(out, "meta.json")) as f:
            ab = json.load(f)["settings"]["ab"]
        self.assertEqual((ab["kind"], ab["b"], ab["servers"], ab["order"]),
                         ("same", None, "shared", "ABBA"))
        self.assertIn("arm A", p.stdout)
        self.assertIn("arm B", p.stdout)

    def test_opt_gives_b_its_options_and_bin_its_servers(self):
        out = self.out()
        p = harness(["--transport", "uds", "--mode", "throughput", "--reps", "2",
                     "--duration", "0.2", "--ab", "opt:'--duration 0.02'", "--out", out]
                    + FAST[:1] + ["--size", "100"])
        self.assertEqual(p.returncode, 0, p.stderr)
        window = {r["arm"]: float(r["elapsed_s"]) for r in rows(out)}
        self.assertLess(window["B"], window["A"] / 2)     # 0.02 s against 0.2 s
        copy = os.path.join(self.tmp, "other-ipcperf")
        shutil.copy2(util.BINARY, copy)
        out = self.out("bin")
        p = harness(["--transport", "uds", "--mode", "latency", "--reps", "2",
                     "--ab", f"bin:{copy}", "--out", out] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(all(r["status"] == "ok" for r in rows(out)))
        with open(os.path.join(out, "meta.json")) as f:
            ab = json.load(f)["settings"]["ab"]
        self.assertEqual((ab["b"], ab["servers"]), (copy, "per arm"))


@needs_binary
@needs_root
class TestSysctlArm(KnobCase):
    """Each test in a world of its own (util.World): the knob belongs to
    its network namespace, so what a test reads is its own run's doing and
    nothing it does reaches the machine's value."""

    ARGS = ["--transport", "uds", "--mode", "throughput", "--reps", "4"] + FAST

    def setUp(self):
        self.world = util.World().__enter__()
        self.addCleanup(self.world.close)
        super().setUp()

    def knob(self):
        return self.world.sysctl(KNOB)

    def put_back(self):
        pass                    # the world's knob goes with the world

    def wrapper(self, fail_client=False):
        """A stand-in for bench/ipcperf that logs, for each client it runs,
        the client's mode and the knob's value, then runs the real one (or
        fails, fail_client)."""
        log = os.path.join(self.tmp, "clients.log")
        path = os.path.join(self.tmp, "ipcperf")
        with open(path, "w") as f:
            f.write(f"""#!/bin/sh
if [ "$1" = client ]; then
    mode=; prev=
    for a in "$@"; do [ "$prev" = --mode ] && mode=$a; prev=$a; done
    echo "$mode $(cat /proc/sys/net/ipv4/tcp_autocorking)" >> {log}
    {"exit 1" if fail_client else ""}
fi
exec {util.BINARY} "$@"
""")
        os.chmod(path, 0o755)
        env = util.env()
        env["IPCPERF_BIN"] = path
        return env, log

    def test_set_for_b_only_and_put_back_at_the_end(self):
        env, log = self.wrapper()
        out = self.out()
        p = self.world.harness(self.ARGS + ["--ab", f"sysctl:{KNOB}={self.b_value}",
                                            "--out", out], environ=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(log) as f:
            seen = [line.split() for line in f.read().splitlines()]
        # the canary's clients (latency) run as A; the reps as A B B A A B B A
        reps = [v for mode, v in seen if mode == "throughput"]
        a, b = self.orig, self.b_value
        self.assertEqual(reps, [a, b, b, a, a, b, b, a])
        self.assertTrue(all(v == a for mode, v in seen if mode == "latency"))
        self.assertEqual([r["arm"] for r in rows(out)], list("ABBAABBA"))
        self.assertEqual(self.knob(), self.orig)
        with open(os.path.join(out, "meta.json")) as f:
            self.assertEqual(json.load(f)["settings"]["ab"]["b"], {KNOB: self.b_value})

    def test_put_back_after_an_error(self):
        env, log = self.wrapper(fail_client=True)
        p = self.world.harness(self.ARGS + ["--ab", f"sysctl:{KNOB}={self.b_value}",
                                            "--out", self.out()], environ=env)
        self.assertEqual(p.returncode, 1, p.stderr)
        with open(log) as f:
            self.assertIn(f"throughput {self.b_value}", f.read())   # B's reps ran with it
        self.assertTrue(all(r["status"] == "error" for r in rows(self.out())))
        self.assertEqual(self.knob(), self.orig)

    def start_until_b(self):
        """A long run, returned while a B rep holds the knob. The check of
        --ab sets the value for a moment before the run starts, so a B rep is
        the value still held 0.1 s later; each rep lasts 1 s, so a signal
        sent at once lands inside it."""
        out = self.out()
        proc = self.world.start_harness(["--transport", "uds", "--mode", "throughput",
                                         "--reps", "20", "--size", "100", "--duration", "1",
                                         "--warmup", "0.01", "--no-plots",
                                         "--ab", f"sysctl:{KNOB}={self.b_value}",
                                         "--out", out])
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if self.knob() == self.b_value:
                time.sleep(0.1)
                if self.knob() == self.b_value:
                    return proc, out
            time.sleep(0.005)
        err = util.signal_and_wait(proc, signal.SIGKILL)
        self.fail(f"no B rep seen (exit {proc.returncode}): {err}")

    def test_put_back_after_sigint(self):
        proc, _ = self.start_until_b()
        err = util.signal_and_wait(proc, signal.SIGINT)
        self.assertEqual(proc.returncode, 130, err)
        self.assertNotIn("Traceback", err)
        self.assertEqual(self.knob(), self.orig)

    def test_put_back_by_the_next_run_after_kill_9(self):
        proc, _ = self.start_until_b()
        util.signal_and_wait(proc, signal.SIGKILL)
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        self.assertEqual(self.knob(), self.b_value)         # nobody put it back yet
        p = self.world.harness(["--transport", "uds", "--mode", "latency", "--reps", "1",
                                "--out", self.out("next")] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"restored sysctls a dead run changed: {KNOB}={self.orig}", p.stderr)
        self.assertEqual(self.knob(), self.orig)


@needs_binary
class TestBadInput(KnobCase):
    def check(self, args, message):
        p = harness(args + ["--out", self.out()], timeout=300)
        self.assertEqual(p.returncode, 2, (args, p.stdout, p.stderr))
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(message, lines[0])
        self.assertNotIn("Traceback", p.stderr)
        self.assertFalse(os.path.exists(self.out()), args)      # nothing written
        self.assertEqual(self.knob(), self.orig, args)          # nothing changed

    def test_each_bad_input(self):
        run = ["--transport", "uds,lo", "--mode", "latency"] + FAST
        self.check(run + ["--ab", "maybe"], "unknown --ab kind 'maybe'")
        self.check(run + ["--ab", "rev:no-such-revision"], "no such revision")
        self.check(run + ["--ab", "bin:/bin/true"], "not an ipcperf binary")
        self.check(run + ["--ab", f"bin:{self.tmp}/none"], "not an executable file")
        self.check(run + ["--ab", "sysctl:net.ipv4.no_such_knob=1"], "does not exist")
        self.check(run + ["--ab", "opt:--size 1K"], "a sweep axis")
        self.check(run + ["--ab", "opt:--cpus same"], "a sweep axis")
        self.check(run + ["--ab", "opt:--frobnicate"], "unknown option")
        self.check(run + ["--precision", "0"], "bad --precision '0'")
        self.check(run + ["--precision", "5", "--budget", "0.1"],
                   "--budget 0.1 s is too small: one rep of each of the 2 points")
        self.check(run + ["--precision", "5", "--budget", "0.3", "--ab", "same"],
                   "in both arms")

    @unittest.skipUnless(util.IS_ROOT, "an unprivileged user cannot write any sysctl")
    def test_sysctls_that_cannot_be_set(self):
        run = ["--transport", "uds", "--mode", "latency"] + FAST
        self.check(run + ["--ab", "sysctl:kernel.osrelease=9"], "cannot be written")
        self.check(run + ["--ab", f"sysctl:{KNOB}=banana"],
                   f"cannot set sysctl {KNOB}=banana")
        self.check(run + ["--ab", f"sysctl:{KNOB}={self.b_value},net.ipv4.nope=1"],
                   "net.ipv4.nope does not exist")


def repo_copy(top):
    """A git repository of this tree's tracked files: one commit as it is,
    one on top whose bench/main.c does not compile. -> its folder."""
    repo = os.path.join(top, "repo")
    files = subprocess.run(["git", "-C", util.REPO, "ls-files"], capture_output=True,
                           text=True, check=True).stdout.split()
    for name in files:
        if os.path.isfile(os.path.join(util.REPO, name)):
            os.makedirs(os.path.dirname(os.path.join(repo, name)), exist_ok=True)
            shutil.copy2(os.path.join(util.REPO, name), os.path.join(repo, name))
    git = ["git", "-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", "init", "-q", repo], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "good"], check=True)
    with open(os.path.join(repo, "bench", "main.c"), "a") as f:
        f.write("\n#error this revision does not build\n")
    subprocess.run(git + ["commit", "-q", "-a", "-m", "broken"], check=True)
    return repo


@needs_binary
@unittest.skipUnless(shutil.which("git") and shutil.which("make"), "needs git and make")
class TestRev(util.TempDirCase):
    def test_a_revision_built_for_b_and_one_that_does_not_build(self):
        repo = repo_copy(self.tmp)
        run_sh = os.path.join(repo, "run.sh")
        args = ["--transport", "uds", "--mode", "latency", "--reps", "2"] + FAST
        out = self.out("broken")
        # from inside the copy: python3 -m takes the harness of the current directory
        p = subprocess.run([run_sh] + args + ["--ab", "rev:HEAD", "--out", out],
                           capture_output=True, text=True, timeout=600, env=util.env(),
                           stdin=subprocess.DEVNULL, cwd=repo)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--ab rev:HEAD (", p.stderr)
        self.assertIn("does not build: bench/main.c", p.stderr)
        self.assertIn("#error this revision does not build", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(subprocess.run(["git", "-C", repo, "worktree", "list"],
                                        capture_output=True, text=True).stdout.count("\n"), 1)
        out = self.out("good")
        p = subprocess.run([run_sh] + args + ["--ab", "rev:HEAD~1", "--out", out],
                           capture_output=True, text=True, timeout=900, env=util.env(),
                           stdin=subprocess.DEVNULL, cwd=repo)
        self.assertEqual(p.returncode, 0, p.stderr)
        sha = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD~1"], capture_output=True,
                             text=True).stdout.strip()
        with open(os.path.join(out, "meta.json")) as f:
            ab = json.load(f)["settings"]["ab"]
        self.assertEqual((ab["kind"], ab["b"], ab["servers"]), ("rev", sha, "per arm"))
        self.assertEqual([r["status"] for r in rows(out)], ["ok"] * 4)
        private = [d for d in os.listdir("/tmp") if d.startswith(f"ipcp-{util.run_id(out)}-")]
        self.assertEqual(private, [])                          # the build went with it


class Hog:
    """A busy loop pinned to one CPU, started and stopped by its PID."""

    def __init__(self, cpu):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\n"
             "while True:\n    pass\n"], stdin=subprocess.DEVNULL)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


@needs_binary
@unittest.skipIf(isinstance(rep.cpu_placement("split"), str), "needs 2 CPUs")
class TestInterference(util.TempDirCase):
    ARGS = ["--transport", "uds", "--mode", "throughput", "--reps", "3", "--no-plots",
            "--duration", "0.2", "--warmup", "0.05", "--size", "100"]

    def test_a_hog_on_the_servers_core_is_on_record(self):
        server_cpu = rep.cpu_placement("split")[0]
        hog = Hog(server_cpu)
        self.addCleanup(hog.stop)
        out = self.out("hogged")
        p = harness(self.ARGS + ["--out", out])
        hog.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        got = rows(out)
        for r in got:
            self.assertTrue(r["server_others_cpu_s"] and r["client_others_cpu_s"], r)
            self.assertEqual(r["interfered"], "1", r)
            # the hog shared the server's core: others took a share of its window
            self.assertGreater(float(r["server_others_cpu_s"]), 0.05 * float(r["elapsed_s"]))
        self.assertEqual(rows(out, "summary.csv")[0]["reps_interfered"], "3")
        self.assertIn("INTERFERED 3/3", p.stdout)
        with open(os.path.join(out, "meta.json")) as f:
            self.assertGreaterEqual(json.load(f)["interference"]["reps_interfered"], 3)
        quiet = self.out("quiet")
        p = harness(self.ARGS + ["--out", quiet])
        self.assertEqual(p.returncode, 0, p.stderr)
        share = [median(float(r["others_cpu_share"]) for r in rows(d)) for d in (out, quiet)]
        self.assertLess(share[1], share[0], "the run without the hog took less of the CPU")

    def test_unpinned_has_no_others(self):
        out = self.out()
        p = harness(self.ARGS + ["--cpus", "none", "--reps", "1", "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        r = rows(out)[0]
        self.assertEqual([r[k] for k in ("server_others_cpu_s", "client_others_cpu_s",
                                         "others_cpu_share", "interfered")], [""] * 4)


@needs_binary
class TestPrecision(util.TempDirCase):
    def summary_and_meta(self, out):
        with open(os.path.join(out, "meta.json")) as f:
            return rows(out, "summary.csv"), json.load(f)

    def test_reps_are_added_until_the_precision_or_the_budget(self):
        out = self.out("loose")
        p = harness(["--transport", "uds,lo", "--mode", "latency", "--reps", "3",
                     "--precision", "50", "--budget", "60", "--out", out] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        summary, meta = self.summary_and_meta(out)
        for s in summary:
            self.assertEqual(s["precision_target_pct"], "50")
            met = s["precision_met"] == "1"
            self.assertEqual(met, float(s["precision_pct"]) <= 50 and int(s["reps_ok"]) >= 6,
                             s)
            self.assertGreater(int(s["reps"]), 3)          # a 95% interval needs 6
        self.assertEqual(meta["settings"]["first_reps"], 3)
        self.assertIn(meta["precision"]["stopped"], ("met", "budget"))
        if meta["precision"]["stopped"] == "met":
            self.assertTrue(all(s["precision_met"] == "1" for s in summary))
        self.assertIn("precision +-50%: reached by", p.stdout)

        out = self.out("tight")
        p = harness(["--transport", "uds", "--mode", "latency", "--reps", "2",
                     "--precision", "0.001", "--budget", "3", "--out", out] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        summary, meta = self.summary_and_meta(out)
        self.assertEqual(meta["precision"]["stopped"], "budget")
        self.assertEqual(summary[0]["precision_met"], "0")
        self.assertGreater(int(summary[0]["reps"]), 2)
        reps = [int(r["rep"]) for r in rows(out)]
        self.assertEqual(reps, list(range(1, len(reps) + 1)))

    def test_the_canary(self):
        out = self.out()
        p = harness(["--transport", "uds", "--mode", "throughput", "--reps", "2",
                     "--out", out] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "canary.csv"), newline="") as f:
            canary = list(csv.DictReader(f))
        self.assertGreaterEqual(len(canary), 2)                # the start and the end
        self.assertEqual([c["seq"] for c in canary], [str(i) for i in
                                                      range(1, len(canary) + 1)])
        times = [float(c["t_s"]) for c in canary]
        self.assertEqual(times, sorted(times))
        for c in canary:
            self.assertEqual((c["transport"], c["mode"], c["size_bytes"], c["status"],
                              c["primary_metric"]), ("uds", "latency", "100", "ok",
                                                     "lat_p50_ns"))
            self.assertGreater(float(c["value"]), 0)


if __name__ == "__main__":
    unittest.main()
