"""Helpers for the harness tests that run ./run.sh for real."""

import csv
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import sysctl

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_SH = os.path.join(REPO, "run.sh")
BINARY = os.path.join(REPO, "bench", "ipcperf")
IS_ROOT = os.geteuid() == 0
HAVE_BINARY = os.access(BINARY, os.X_OK)
HAVE_IP = shutil.which("ip") is not None

needs_binary = unittest.skipUnless(HAVE_BINARY, "bench/ipcperf not built (make)")
needs_root = unittest.skipUnless(IS_ROOT and HAVE_IP,
                                 "needs root and iproute2 for network namespaces")


def env():
    e = dict(os.environ)
    e["IPCPERF_BIN"] = BINARY     # the real binary; no rebuild inside tests
    return e


def harness(args, timeout=120, **kw):
    """Run ./run.sh with args; CompletedProcess with text output."""
    return subprocess.run([RUN_SH] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env(), stdin=subprocess.DEVNULL, **kw)


def start(args, **kw):
    return subprocess.Popen([RUN_SH] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env(),
                            stdin=subprocess.DEVNULL, **kw)


def run_together(args, outs, timeout=120, launch=None):
    """Start one harness per --out at once (with launch: start, or a World's
    start_harness), wait for all; returns [(returncode, stderr)], killing any
    still running on the way out."""
    procs = [(launch or start)(args + ["--out", out]) for out in outs]
    try:
        errs = [p.communicate(timeout=timeout)[1] for p in procs]
        return [(p.returncode, err) for p, err in zip(procs, errs)]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()


def signal_and_wait(proc, signum, timeout=60):
    """Send signum to a started harness and wait for it -> its stderr; it is
    killed on the way out if it is still running."""
    try:
        proc.send_signal(signum)
        return proc.communicate(timeout=timeout)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=timeout)


def reachable_by_all(path):
    """Every folder from / down to path lets others in (o+x)."""
    path = os.path.abspath(path)
    while True:
        if not os.stat(path).st_mode & 0o001:
            return False
        if path == os.path.dirname(path):
            return True
        path = os.path.dirname(path)


def tree_for_others():
    """A copy of what ./run.sh needs (run.sh, harness/, bench/ipcperf) that
    any user can read and run: the clone may sit under a 0700 folder (CI
    chooses where it clones). -> (the copy's folder, to remove; its run.sh;
    an env whose IPCPERF_BIN is the copy's binary)."""
    base = next((d for d in (tempfile.gettempdir(), "/tmp", "/var/tmp")
                 if os.path.isdir(d) and reachable_by_all(d)), None)
    if base is None:
        raise unittest.SkipTest("no temporary folder that other users can reach")
    top = tempfile.mkdtemp(prefix="ipcperf-tree-", dir=base)
    tree = os.path.join(top, "ipcperf")
    shutil.copytree(os.path.join(REPO, "harness"), os.path.join(tree, "harness"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(tree, "bench"))
    shutil.copy2(RUN_SH, tree)
    shutil.copy2(BINARY, os.path.join(tree, "bench"))
    for d, dirs, files in os.walk(top):
        os.chmod(d, 0o755)
        for f in files:
            path = os.path.join(d, f)
            os.chmod(path, 0o755 if os.access(path, os.X_OK) else 0o644)
    e = env()
    e["IPCPERF_BIN"] = os.path.join(tree, "bench", "ipcperf")
    return top, os.path.join(tree, "run.sh"), e


def interrupt(proc, timeout=60):
    """SIGINT a started harness and wait for it; (returncode, stderr)."""
    err = signal_and_wait(proc, signal.SIGINT, timeout)
    return proc.returncode, err


def rows(run_dir, name="results.csv"):
    with open(os.path.join(run_dir, name), newline="") as f:
        return list(csv.DictReader(f))


def data_lines(run_dir):
    try:
        with open(os.path.join(run_dir, "results.csv")) as f:
            return max(0, len(f.read().splitlines()) - 1)
    except FileNotFoundError:
        return 0


def wait_rows(proc, run_dir, n, timeout=60):
    """Poll until results.csv has n rows (or the process ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if data_lines(run_dir) >= n or proc.poll() is not None:
            return data_lines(run_dir)
        time.sleep(0.05)
    return data_lines(run_dir)


def run_id(run_dir):
    with open(os.path.join(run_dir, "meta.json")) as f:
        return json.load(f)["run_id"]


def named(prefix, where=()):
    """Names of namespaces and links that start with prefix; where: an argv
    prefix that runs `ip` elsewhere (World.prefix())."""
    ns = subprocess.run(list(where) + ["ip", "netns", "list"], capture_output=True,
                        text=True, timeout=10).stdout.split()
    links = subprocess.run(list(where) + ["ip", "-o", "link"], capture_output=True,
                           text=True, timeout=10).stdout.splitlines()
    names = [w for w in ns if w.startswith(prefix)]
    for line in links:
        name = line.split(":")[1].strip().split("@")[0] if ":" in line else ""
        if name.startswith(prefix):
            names.append(name)
    return names


def leftovers(rid=None, where=()):
    """Names of namespaces and links named ipcp-<rid>- (any run if rid is
    None); where: as for named()."""
    return named(f"ipcp-{rid}-" if rid else "ipcp-", where)


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ipcperf-test-")
        os.chmod(self.tmp, 0o755)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def out(self, name="run"):
        return os.path.join(self.tmp, name)


# a global address for a World: inside 198.18.0.0/15, and used by no path
WORLD_ADDRESS = "198.19.255.1"


def pretend_dead(st):
    """Make a state.RunState of this process look like a run killed with
    -9: its name freed, its state file naming an owner that no longer runs."""
    st._name.close()
    st.data.update(pid=os.getpid(), start="1")     # this PID, another start: reused
    st._save()


class World:
    """A world of its own for a test, as root: a new mount and network
    namespace with a fresh tmpfs over /run (its own /run/ipcperf and
    /run/netns) and lo up, held open by a helper until close(). Commands
    enter it through prefix(). Nothing made there can touch, or be touched
    by, the other runs on this machine, and it all goes with the world: its
    sysctls of the network namespace (ip_forward, tcp_autocorking) and its
    nftables tables included. global_address: the world's lo also holds
    WORLD_ADDRESS, for the paths that publish on the host's address (nat,
    hostip)."""

    SCRIPT = ("mount -t tmpfs ipcperf-test /run && mkdir /run/ipcperf && ip link set lo up "
              "&& {address}echo ready && exec cat >/dev/null")

    def __init__(self, global_address=False):
        self.global_address = global_address

    def __enter__(self):
        add = f"ip addr add {WORLD_ADDRESS}/32 dev lo && " if self.global_address else ""
        self.proc = subprocess.Popen(["unshare", "--mount", "--net", "--propagation",
                                      "private", "sh", "-c", self.SCRIPT.format(address=add)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            self.close()
            raise RuntimeError("cannot make a mount and network namespace for the test")
        return self

    def prefix(self, private_state=False):
        """argv prefix that runs a command in the world; private_state: in a
        mount namespace of its own with an empty /run/ipcperf (as a CI job
        in a container on the host's network has)."""
        p = ["nsenter", "-t", str(self.proc.pid), "-m", "-n"]
        if private_state:
            p += ["unshare", "--mount", "sh", "-c",
                  'mount -t tmpfs ipcperf-state /run/ipcperf && exec "$@"', "sh"]
        return p

    def run(self, argv, timeout=120, private_state=False, environ=None):
        return subprocess.run(self.prefix(private_state) + list(argv), capture_output=True,
                              text=True, timeout=timeout, env=environ or env(),
                              stdin=subprocess.DEVNULL)

    def start(self, argv, private_state=False, environ=None):
        return subprocess.Popen(self.prefix(private_state) + list(argv),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=environ or env(), stdin=subprocess.DEVNULL)

    def harness(self, args, timeout=120, environ=None):
        """./run.sh with args in the world, as harness() on the host."""
        return self.run([RUN_SH] + list(args), timeout=timeout, environ=environ)

    def start_harness(self, args, environ=None):
        """./run.sh with args started in the world, as start() on the host."""
        return self.start([RUN_SH] + list(args), environ=environ)

    def sysctl(self, name):
        """A sysctl's value as the world's network namespace sees it."""
        return self.run(["cat", sysctl.proc_path(name)], timeout=10).stdout.strip()

    def state_file(self, rid):
        """The world's /run/ipcperf/<rid>.json, read through its helper's root."""
        return f"/proc/{self.proc.pid}/root/run/ipcperf/{rid}.json"

    def names(self):
        """Network namespaces and links of the world named ipcp-..."""
        return set(named("ipcp-", self.prefix()))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def __exit__(self, *exc):
        self.close()
