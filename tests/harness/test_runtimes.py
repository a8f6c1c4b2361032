"""The real container runtimes' transports of issue 12: docker-bridge,
docker-publish, docker-proxy, docker-host, docker-container, pasta and
slirp4netns at 100 B and 64 KiB in both modes with --verify; the forwarder's
CPU where the path has one and empty cells where it has none; nothing of a
run left (containers, networks, images, namespaces, links, processes,
cgroups, the private daemon's directory) after a normal end, after SIGINT,
and after kill -9 followed by the next run; concurrent runs side by side; a
machine without the runtimes skips them with the reason, and names them
explicitly only to get exit 2 and one line.

TestPrivateDaemon runs the harness as a root user without Docker gets it:
each run starts its own dockerd. TestUsersDaemon starts one dockerd for the
class (with the harness's own code, in a network namespace of its own) and
runs the harness inside that namespace with DOCKER_HOST pointing at it, so
the harness takes it for the user's daemon. Root, bench/ipcperf and the
runtimes (scripts/deps.sh install containers, which `make test` runs) are
needed; the no-runtime tests need none of them. Timings are never asserted.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import dockerd, forwarders, runtimes, state, topology, transports
from tests.harness import util
from tests.harness.util import harness, needs_binary, needs_root, rows

FAST = ["--no-plots", "--duration", "0.1", "--warmup", "0.02"]
DOCKER = ("docker-bridge", "docker-publish", "docker-proxy", "docker-host",
          "docker-container")
ROOTLESS = ("pasta", "slirp4netns")
RUNTIME = DOCKER + ROOTLESS
PROGRAMS = ("docker", "dockerd", "pasta", "slirp4netns")
HAVE = all(shutil.which(p) or shutil.which(p, path=runtimes.SBIN) for p in PROGRAMS)
needs_runtimes = unittest.skipUnless(
    HAVE, "needs docker, dockerd, pasta and slirp4netns (scripts/deps.sh install containers)")
# the variables that point the harness at programs that are not there
MISSING = {runtimes.ENV[p]: f"/nonexistent/{p}" for p in PROGRAMS}


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def processes_of(rid):
    """Live processes a run left: its paths or names in their argv, or in
    its private daemon's cgroup."""
    mark, found = f"ipcp-{rid}-", []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").replace("\0", " ")
            with open(f"/proc/{entry}/cgroup") as f:
                cgroup = f.read()
        except OSError:
            continue
        if (mark in argv or f"/{mark}dk" in cgroup) and not _zombie(entry):
            found.append(f"{entry} {argv[:100]}")
    return found


def leftovers(rid):
    """Everything of run rid still on the machine, by name."""
    found = util.leftovers(rid) + processes_of(rid)
    if os.path.exists(dockerd.private_dir(rid)):
        found.append(dockerd.private_dir(rid))
    found += [f"cgroup {p}" for p in dockerd._cgroups(f"ipcp-{rid}-dk")]
    return found


def docker_objects(host, prefix):
    """Names of containers, networks and images in the daemon at host that
    start with prefix."""
    names = []
    for listing in (["ps", "-a", "--format", "{{.Names}}"],
                    ["network", "ls", "--format", "{{.Name}}"],
                    ["images", "--format", "{{.Repository}}"]):
        p = subprocess.run(["docker", "-H", host] + listing, capture_output=True,
                           text=True, timeout=30)
        names += [n for n in p.stdout.split() if n.startswith(prefix)]
    return names


def failed(run_dir):
    try:
        return "; ".join(f"{r['transport']} {r['mode']} {r['size_bytes']}: {r['note']}"
                         for r in rows(run_dir) if r["status"] != "ok")
    except OSError:
        return ""


class RuntimeRunChecks:
    """Assertions on a run of the runtime transports (a mixin)."""

    def check_rows(self, out, names, sizes=(100, 65536)):
        got = rows(out)
        self.assertEqual(len(got), len(names) * len(sizes) * 2, failed(out))
        for r in got:
            key = (r["transport"], r["mode"], r["size_bytes"])
            self.assertEqual(r["status"], "ok", (key, r["note"]))
            size, messages, nbytes = int(r["size_bytes"]), int(r["messages"]), int(r["bytes"])
            self.assertGreater(messages, 0, key)
            if r["mode"] == "latency":
                self.assertEqual(nbytes, 2 * size * messages, key)
            else:
                self.assertEqual(messages, nbytes // size, key)
            self.assertTrue(r["mtu"], key)
            self.check_forwarder(r, key)
        return got

    def check_forwarder(self, r, key):
        name = forwarders.BY_TRANSPORT.get(r["transport"])
        cells = [r[c] for c in forwarders.COLUMNS]
        if name is None:
            self.assertEqual(cells, [""] * len(cells), key)
            return
        self.assertEqual(r["forwarder"], name, key)
        self.assertGreater(float(r["forwarder_cpu_s"]), 0, key)
        self.assertGreater(float(r["forwarder_cpu_ns_per_msg"]), 0, key)
        self.assertAlmostEqual(float(r["forwarder_user_s"]) + float(r["forwarder_sys_s"]),
                               float(r["forwarder_cpu_s"]), places=6)

    def meta(self, out):
        with open(os.path.join(out, "meta.json")) as f:
            return json.load(f)


@needs_binary
@needs_root
@needs_runtimes
class TestPrivateDaemon(RuntimeRunChecks, util.TempDirCase):
    def tearDown(self):
        try:
            for d in os.listdir(self.tmp):
                if os.path.exists(os.path.join(self.tmp, d, "meta.json")):
                    rid = util.run_id(os.path.join(self.tmp, d))
                    self.assertEqual(leftovers(rid), [], d)
        finally:
            super().tearDown()

    def test_every_runtime_transport_verified(self):
        out = self.out()
        p = harness(["--transport", ",".join(RUNTIME), "--size", "100,64K", "--reps", "1",
                     "--verify", "--out", out] + FAST, timeout=600)
        self.assertNotIn("Traceback", p.stderr)
        self.assertEqual(p.returncode, 0, p.stderr + failed(out))
        got = self.check_rows(out, RUNTIME)
        mtu = {r["transport"]: r["mtu"] for r in got}
        self.assertEqual((mtu["docker-bridge"], mtu["slirp4netns"]), ("1500", "1500"))
        meta = self.meta(out)
        rid = meta["run_id"]
        self.assertTrue(meta["settings"]["verify"])
        for name in DOCKER:
            d = meta["paths"][name]["docker"]
            self.assertEqual((d["daemon"], d["netns"]), ("private", f"ipcp-{rid}-dk"))
            self.assertTrue(d["dockerd"] and d["containerd"] and d["runc"], d)
            self.assertEqual((d["userland_proxy"], d["iptables"]), (True, True))
            self.assertEqual(d["netns_sysctls"]["net.ipv4.ip_forward"], "1")
            self.assertIn("--bip", d["argv"])
            self.assertEqual(d["network"]["subnet"], "198.18.24.0/24")
        for name in ROOTLESS:
            path = meta["paths"][name]
            self.assertEqual(path["forwarder"], name)
            self.assertTrue(path["version"] or path["package"], path)

    def test_connect_mode_on_every_runtime_transport(self):
        out = self.out()
        p = harness(["--transport", ",".join(RUNTIME), "--mode", "connect", "--size", "100",
                     "--reps", "1", "--verify", "--out", out] + FAST, timeout=600)
        self.assertNotIn("Traceback", p.stderr)
        self.assertEqual(p.returncode, 0, p.stderr + failed(out))
        got = rows(out)
        self.assertEqual(sorted(r["transport"] for r in got), sorted(RUNTIME))
        for r in got:
            key = r["transport"]
            self.assertEqual(r["status"], "ok", (key, r["note"]))
            self.assertEqual(int(r["bytes"]), 200 * int(r["messages"]), key)
            # both sides counted the same connections; the client's also
            # include the test's own and the one that ends it
            self.assertEqual(r["client_msgs_total"], r["server_msgs_total"], key)
            self.assertEqual(int(r["connections"]), int(r["client_msgs_total"]) + 2, key)
            self.assertEqual(r["conn_close"], "rst", key)
            self.check_forwarder(r, key)
            if key in DOCKER and key != "docker-container":   # in the daemon's namespace
                self.assertGreaterEqual(int(r["conntrack_new"]), 0, key)
            else:           # docker-container: loopback in the holder's namespace
                self.assertEqual(r["conntrack_new"], "", key)
        by = {r["transport"]: r for r in got}
        # Docker's DNAT: one conntrack entry per connection, in the daemon's namespace
        self.assertEqual(by["docker-publish"]["conntrack_new"],
                         by["docker-publish"]["connections"])

    INTERRUPTIBLE = ["--transport", "docker-proxy,docker-container,pasta,slirp4netns",
                     "--size", "100", "--mode", "latency", "--reps", "50",
                     "--duration", "0.3", "--warmup", "0.05", "--no-plots"]

    def start_and_wait(self, out):
        """A run stopped inside its second round, every server up."""
        proc = util.start(self.INTERRUPTIBLE + ["--out", out])
        n = util.wait_rows(proc, out, 5, timeout=120)
        self.assertGreaterEqual(n, 5, "no rows before the deadline")
        return proc, util.run_id(out)

    def test_sigint_inside_a_rep(self):
        out = self.out()
        proc, rid = self.start_and_wait(out)
        self.assertTrue(processes_of(rid))            # forwarders and containers running
        code, err = util.interrupt(proc, timeout=120)
        self.assertEqual(code, 130, err)
        self.assertNotIn("Traceback", err)
        self.assertEqual(leftovers(rid), [])
        self.assertTrue(all(r["status"] == "ok" for r in rows(out)), failed(out))

    def test_kill9_then_the_next_run(self):
        out = self.out("killed")
        proc, rid = self.start_and_wait(out)
        proc.kill()
        proc.communicate(timeout=60)
        time.sleep(0.5)                       # the children's death signals land
        self.assertTrue(os.path.exists(dockerd.private_dir(rid)))
        self.assertTrue(processes_of(rid))    # containerd-shims and containers outlive it
        p = harness(["--transport", "lo", "--size", "100", "--mode", "latency", "--reps", "1",
                     "--out", self.out("next")] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"private dockerd ipcp-{rid}-dk", p.stderr)
        self.assertEqual(leftovers(rid), [])

    def test_two_runs_at_once(self):
        """Private daemons, forwarded ports and names of two runs side by side."""
        args = ["--transport", "docker-publish,docker-bridge,pasta", "--size", "100",
                "--reps", "2"] + FAST
        (rca, ea), (rcb, eb) = util.run_together(args, [self.out("a"), self.out("b")],
                                                 timeout=300)
        self.assertEqual((rca, rcb), (0, 0), ea + eb + failed(self.out("a")))
        ports = []
        for d in ("a", "b"):
            self.assertTrue(all(r["status"] == "ok" for r in rows(self.out(d))), d)
            ports.append(self.meta(self.out(d))["paths"]["pasta"]["forwarded"])
        self.assertNotEqual(ports[0], ports[1])


class UsersDaemon:
    """One dockerd for a test class, made by the harness's own code in a
    network namespace of its own; runs of the harness inside that namespace
    with DOCKER_HOST take it for the user's daemon."""

    def __init__(self):
        self.st = state.RunState.claim()
        self.sockdir = tempfile.mkdtemp(prefix=f"ipcp-{self.st.run_id}-")
        self.topo = topology.Topology(topology.Host())
        ctx = transports.Context(self.st.run_id, self.sockdir, 1500, self.topo, None,
                                 state=self.st)
        try:
            self.daemon = dockerd.start_private(ctx, shutil.which("docker"))
        except Exception:
            self.close()
            raise
        self.prefix = ["ip", "netns", "exec", self.daemon.netns,
                       "env", f"DOCKER_HOST={self.daemon.host}"]

    def argv(self, args):
        return self.prefix + [util.RUN_SH] + list(args)

    def run(self, args, timeout=300):
        return subprocess.run(self.argv(args), capture_output=True, text=True, env=util.env(),
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def start(self, args):
        return subprocess.Popen(self.argv(args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=util.env(),
                                stdin=subprocess.DEVNULL)

    def close(self):
        self.topo.close()
        shutil.rmtree(self.sockdir, ignore_errors=True)
        self.st.release()


@needs_binary
@needs_root
@needs_runtimes
class TestUsersDaemon(RuntimeRunChecks, util.TempDirCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = UsersDaemon()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.close()

    def objects(self, rid):
        return docker_objects(self.daemon.daemon.host, f"ipcp-{rid}-")

    def test_users_daemon_verified(self):
        out = self.out()
        p = self.daemon.run(["--transport", ",".join(DOCKER), "--size", "100,64K",
                             "--reps", "1", "--verify", "--out", out] + FAST)
        self.assertNotIn("Traceback", p.stderr)
        self.assertEqual(p.returncode, 0, p.stderr + failed(out))
        self.check_rows(out, DOCKER)
        meta = self.meta(out)
        rid = meta["run_id"]
        d = meta["paths"]["docker-bridge"]["docker"]
        self.assertEqual((d["daemon"], d["host"]), ("user", self.daemon.daemon.host))
        self.assertRegex(d["network"]["subnet"], r"^198\.18\.(2[4-9]|[3-5]\d|6[0-3])\.0/24$")
        self.assertEqual(meta["paths"]["docker-publish"]["docker"]["image"], f"ipcp-{rid}-img")
        self.assertEqual(self.objects(rid), [])
        self.assertEqual(leftovers(rid), [])

    def test_kill9_then_the_next_run(self):
        out = self.out("killed")
        proc = self.daemon.start(["--transport", "docker-bridge,docker-proxy", "--size", "100",
                                  "--mode", "latency", "--reps", "50", "--duration", "0.3",
                                  "--warmup", "0.05", "--no-plots", "--out", out])
        try:
            self.assertGreaterEqual(util.wait_rows(proc, out, 3, timeout=120), 3)
        finally:
            proc.kill()
            proc.communicate(timeout=60)
        rid = util.run_id(out)
        left = self.objects(rid)
        self.assertIn(f"ipcp-{rid}-dn", left)          # the network, its containers, image
        self.assertIn(f"ipcp-{rid}-img", left)
        p = self.daemon.run(["--transport", "lo", "--size", "100", "--mode", "latency",
                             "--reps", "1", "--out", self.out("next")] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"docker network ipcp-{rid}-dn", p.stderr)
        self.assertEqual(self.objects(rid), [])
        self.assertEqual(leftovers(rid), [])


@needs_binary
class TestWithoutRuntimes(util.TempDirCase):
    """A machine without them (the variables name programs that are not
    there): skipped with the reason, exit 2 when named."""

    def run_without(self, args, **env):
        e = dict(util.env(), **MISSING)
        e.update(env)
        return subprocess.run([util.RUN_SH] + args + FAST, capture_output=True, text=True,
                              timeout=300, env=e, stdin=subprocess.DEVNULL)

    def test_named_exits_2_with_one_line(self):
        for name, program in (("docker-proxy", "docker"), ("pasta", "pasta"),
                              ("slirp4netns", "slirp4netns")):
            p = self.run_without(["--transport", name, "--out", self.out(name)])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(p.stderr.strip().splitlines(), [
                f"run.sh: transport {name} cannot run on this machine: {program} not found "
                f"at {runtimes.ENV[program]}=/nonexistent/{program} (see ./run.sh --help)"])

    def test_a_daemon_that_does_not_answer(self):
        p = self.run_without(["--transport", "docker-host", "--out", self.out()],
                             IPCPERF_DOCKER=shutil.which("docker") or "/bin/true",
                             DOCKER_HOST="unix:///nonexistent/docker.sock")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertRegex(p.stderr, r"transport docker-host cannot run on this machine: "
                                   r"DOCKER_HOST=unix:///nonexistent/docker.sock does not answer")

    def test_all_lists_them_skipped(self):
        out = self.out()
        p = self.run_without(["--transport", "all", "--size", "100", "--mode", "latency",
                              "--reps", "1", "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "meta.json")) as f:
            skipped = json.load(f)["skipped"]
        for name in RUNTIME:
            self.assertRegex(skipped[name], r"^(docker|pasta|slirp4netns) not found at "
                                            r"IPCPERF_\w+=/nonexistent/", name)
            self.assertIn(f"skipped {name}: {skipped[name]}", p.stdout)
        self.assertFalse({r["transport"] for r in rows(out)} & set(RUNTIME))


if __name__ == "__main__":
    unittest.main()
