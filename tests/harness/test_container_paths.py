"""The container and baseline paths of issue 7 for real: netns-lo, nat,
vxlan, tcp6, udp, uds-seqpacket, pipe, shm (and macvlan/ipvlan where the
kernel has them) at 100 B and 64 KiB in both modes with --verify; the path
each records in meta.json; nothing named ipcp- and no nftables table of the
project left afterwards, also after SIGINT and after kill -9 and the next
run; host sysctls put back. Each test runs in a world of its own
(util.World), but --transport all runs on the machine itself. Root,
iproute2, nft and bench/ipcperf needed for the runs; a socket kind the
binary does not list yet is skipped by name. Timings are never asserted."""

import json
import os
import shutil
import tempfile
import time
import unittest

from harness import meta as meta_mod, nft, results, state, sysctl, topology, transports
from tests.harness import util
from tests.harness.util import harness, leftovers, needs_binary, needs_root, rows

FAST = ["--no-plots", "--duration", "0.1", "--warmup", "0.02"]
NEW = ("netns-lo", "nat", "vxlan", "tcp6", "udp", "uds-seqpacket", "pipe", "shm")
LINK_KINDS = ("macvlan", "ipvlan")
HAVE_NFT = shutil.which("nft") is not None
FORWARD = "net.ipv4.ip_forward"


def binary_sockets():
    return transports.binary_sockets(util.BINARY) or ()


def nft_leftovers(rid=None, where=()):
    """Names of nftables tables named ipcp-<rid>- (any run if rid is None);
    where: an argv prefix that runs nft elsewhere (util.World.prefix())."""
    prefix = f"ipcp-{rid}-" if rid else "ipcp-"
    return [n for _, n in nft.tables(where) if n.startswith(prefix)]


def errors(run_dir):
    """The notes of failed rows, for assertion messages."""
    try:
        return "; ".join(f"{r['transport']} {r['mode']} {r['size_bytes']}: {r['note']}"
                         for r in rows(run_dir) if r["status"] == "error")
    except OSError:
        return ""


def kernel_has(kind):
    """Probe a link type the way a user would: in a scratch namespace of a
    run id we hold, so no sweeper touches it meanwhile."""
    st = state.RunState.claim()
    ns = f"ipcp-{st.run_id}-pr"
    host = topology.Host()
    try:
        host.ip(None, "netns", "add", ns)
        host.ip(ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1")
        return host.ip(ns, "link", "add", "c0", "link", "p0", "type", kind,
                       check=False).returncode == 0
    finally:
        host.ip(None, "netns", "del", ns, check=False)
        st.release()


class TestSysctlRecords(unittest.TestCase):
    """Holders of a host sysctl, on a fake /proc/sys and a fake state dir."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ipcperf-test-")
        self.proc = os.path.join(self.tmp, "proc")
        self.sdir = os.path.join(self.tmp, "state")
        os.makedirs(os.path.join(self.proc, "net", "ipv4"))
        self.set_value("0")
        self.old = sysctl.PROC_SYS
        sysctl.PROC_SYS = self.proc

    def tearDown(self):
        sysctl.PROC_SYS = self.old
        shutil.rmtree(self.tmp, ignore_errors=True)

    def set_value(self, v):
        with open(os.path.join(self.proc, "net", "ipv4", "ip_forward"), "w") as f:
            f.write(v + "\n")

    def value(self):
        return sysctl.read(FORWARD)

    def test_hold_release_and_sharing(self):
        a = state.RunState.claim(self.sdir)
        b = state.RunState.claim(self.sdir)
        sa, sb = sysctl.Sysctls(a), sysctl.Sysctls(b)
        self.assertEqual(sa.hold(FORWARD, "1"), "0")
        with open(a.path) as f:                       # recorded in the state file
            self.assertEqual(json.load(f)["sysctls"][FORWARD], {"orig": "0", "set": "1"})
        self.assertEqual(self.value(), "1")
        self.assertEqual(sb.hold(FORWARD, "1"), "0")  # inherits a's original
        sa.release(FORWARD)
        self.assertEqual(self.value(), "1")           # b still holds it
        sb.release(FORWARD)
        self.assertEqual(self.value(), "0")
        a.release()
        b.release()

    def test_value_changed_by_someone_else_is_left(self):
        a = state.RunState.claim(self.sdir)
        s = sysctl.Sysctls(a)
        s.hold(FORWARD, "1")
        self.set_value("2")
        s.release(FORWARD)
        self.assertEqual(self.value(), "2")
        a.release()

    def test_dead_run_restored(self):
        a = state.RunState.claim(self.sdir)
        sysctl.Sysctls(a).hold(FORWARD, "1")
        util.pretend_dead(a)                          # its owner is gone
        dead = state.dead_runs(self.sdir)
        self.assertEqual([r for r, _, _ in dead], [a.run_id])
        self.assertEqual(sysctl.restore_dead(dead[0][2], self.sdir), [f"{FORWARD}=0"])
        self.assertEqual(self.value(), "0")
        a.release()


class PathsCase(util.TempDirCase):
    """After every test, whatever it asserted: nothing of its runs left (no
    namespace, link or nftables table) and ip_forward as it was. On the
    machine itself; a subclass sets where (an argv prefix, as for
    util.named) and read_sysctl to look elsewhere."""

    where = ()

    def setUp(self):
        super().setUp()
        self.forward = self.read_sysctl(FORWARD)

    def read_sysctl(self, name):
        return sysctl.read(name)

    def tearDown(self):
        try:
            for d in os.listdir(self.tmp):
                if os.path.exists(os.path.join(self.tmp, d, "meta.json")):
                    rid = util.run_id(os.path.join(self.tmp, d))
                    self.assertEqual(leftovers(rid, self.where)
                                     + nft_leftovers(rid, self.where), [], d)
            self.assertEqual(self.read_sysctl(FORWARD), self.forward, "ip_forward not restored")
        finally:
            super().tearDown()


@needs_binary
@needs_root
@unittest.skipUnless(HAVE_NFT, "needs nft (nftables)")
class TestContainerPaths(PathsCase):
    """Each test in a world of its own (util.World, with a global address
    for nat to publish on): its ip_forward, nftables tables and namespaces
    are the test's alone, so another run on this machine can neither change
    what a test reads nor sweep what a killed run left for the next."""

    def setUp(self):
        self.world = util.World(global_address=True).__enter__()
        self.addCleanup(self.world.close)       # after tearDown's checks
        self.where = self.world.prefix()
        super().setUp()

    def read_sysctl(self, name):
        return self.world.sysctl(name)

    def runnable(self):
        have = binary_sockets()
        names, missing = [], {}
        for n in NEW:
            if transports.SOCKET[n] in have:
                names.append(n)
            else:
                missing[n] = transports.SOCKET[n]
        return names, missing

    def test_every_new_transport_verified(self):
        names, missing = self.runnable()
        out = self.out()
        p = self.world.harness(["--transport", ",".join(names), "--size", "100,64K",
                                "--reps", "1", "--verify", "--out", out] + FAST, timeout=180)
        self.assertNotIn("Traceback", p.stderr)
        got = rows(out)
        self.assertEqual(p.returncode, 0, p.stderr + errors(out))
        self.assertEqual(len(got), len(names) * 2 * 2)
        for r in got:
            key = (r["transport"], r["mode"], r["size_bytes"])
            self.assertEqual(r["schema_version"], str(results.SCHEMA_VERSION))
            self.assertEqual(r["socket"], transports.SOCKET[r["transport"]])
            if r["transport"] == "udp" and r["size_bytes"] == "65536":
                # above the 65507-byte IPv4 datagram limit
                self.assertEqual(r["status"], "unsupported", key)
                self.assertTrue(r["note"], key)
                continue
            self.assertEqual(r["status"], "ok", (key, r["note"]))
            self.assertGreater(int(r["bytes"]), 0, key)
            if r["transport"] == "udp":
                if r["mode"] == "throughput":
                    self.assertTrue(0 <= float(r["loss_ratio"]) <= 1, key)
            else:
                self.assertEqual(r["loss_ratio"], "", key)
            if transports.is_ip(r["transport"]):
                self.assertTrue(r["mtu"], key)
            else:
                self.assertEqual((r["mtu"], r["nodelay"]), ("", ""), key)
        mtu = {r["transport"]: r["mtu"] for r in got}
        for name, want in (("vxlan", "1450"), ("nat", "1500"), ("netns-lo", "65536"),
                           ("tcp6", "65536")):
            self.assertEqual(mtu[name], want, name)
        with open(os.path.join(out, "meta.json")) as f:
            meta = json.load(f)
        rid = meta["run_id"]
        self.assertEqual(meta["schema_version"], meta_mod.SCHEMA_VERSION)
        self.assertTrue(meta["settings"]["verify"])
        paths = meta["paths"]
        self.assertEqual(set(paths), set(names))
        nat = paths["nat"]
        self.assertEqual(nat["route"]["type"], "local")            # the host's own address
        self.assertEqual(nat["dev"], f"ipcp-{rid}-nb")              # the bridge, after DNAT
        self.assertEqual(nat["route_after_dnat"]["dst"], nat["nat"]["container"])
        self.assertRegex(nat["nat"]["container"], r"^198\.1[89]\.\d+\.2$")
        self.assertTrue(nat["conntrack"])
        self.assertIn(f"ip ipcp-{rid}-nat", nat["nft_tables"])
        self.assertIn("dnat to 198.18.2.2", nat["nat"]["ruleset"])
        self.assertIn("masquerade", nat["nat"]["ruleset"])
        vx = paths["vxlan"]
        self.assertEqual((vx["dev"], vx["mtu"]), (f"ipcp-{rid}-xv0", 1450))
        self.assertEqual(vx["underlay"]["mtu"], 1500)
        self.assertFalse(vx["conntrack"])
        self.assertEqual(meta["links"]["vxlan"][f"ipcp-{rid}-xv0"]["vni"], 42)
        self.assertEqual(paths["netns-lo"]["netns"], f"ipcp-{rid}-nl")
        self.assertEqual(paths["netns-lo"]["dev"], "lo")
        self.assertEqual(paths["tcp6"]["route"]["dst"], "::1")
        for n in ("udp", "uds-seqpacket", "pipe", "shm"):
            if n in paths:
                self.assertTrue(paths[n].get("kernel_path") or paths[n].get("dev"), n)
        self.assertEqual(meta["sysctls"][FORWARD], "1")              # during the run
        for n, kind in missing.items():
            with self.subTest(transport=n):
                self.skipTest(f"bench/ipcperf --list has no socket kind {kind} yet")

    def test_link_types_detected(self):
        for kind in LINK_KINDS:
            out = self.out(kind)
            p = self.world.harness(["--transport", kind, "--size", "100", "--mode",
                                    "latency", "--reps", "1", "--verify", "--out", out] + FAST)
            self.assertNotIn("Traceback", p.stderr)
            if kernel_has(kind):
                self.assertEqual(p.returncode, 0, p.stderr)
                got = rows(out)
                self.assertEqual([r["status"] for r in got], ["ok"], got)
                with open(os.path.join(out, "meta.json")) as f:
                    links = json.load(f)["links"][kind]
                self.assertEqual({l.get("kind") for l in links.values()}, {kind, "veth"})
            else:
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(f"transport {kind} cannot run on this machine: this kernel "
                              f"has no {kind} link type", p.stderr)

    def test_two_nat_runs_at_once(self):
        """nat's bridge is in the host namespace: concurrent runs must not
        share its subnet, table, published port or the ip_forward record."""
        args = ["--transport", "nat,lo", "--size", "100", "--reps", "2"] + FAST
        (rca, ea), (rcb, eb) = util.run_together(args, [self.out("a"), self.out("b")],
                                                  launch=self.world.start_harness)
        self.assertEqual((rca, rcb), (0, 0),
                         ea + eb + errors(self.out("a")) + errors(self.out("b")))
        nets = []
        for d in ("a", "b"):
            self.assertTrue(all(r["status"] == "ok" for r in rows(self.out(d))), d)
            with open(os.path.join(self.out(d), "meta.json")) as f:
                nets.append(json.load(f)["paths"]["nat"]["nat"]["subnet"])
        self.assertNotEqual(nets[0], nets[1])

    INTERRUPTIBLE = ["--transport", "nat", "--size", "100", "--mode", "latency",
                     "--reps", "50", "--duration", "0.4", "--warmup", "0.05", "--no-plots"]

    def start_nat_run(self, out):
        """A nat run stopped inside a rep, when its DNAT table is in place."""
        proc = self.world.start_harness(self.INTERRUPTIBLE + ["--out", out])
        n = util.wait_rows(proc, out, 2)
        self.assertGreaterEqual(n, 2, "no rows before the deadline")
        rid = util.run_id(out)
        deadline = time.monotonic() + 5
        table = f"ipcp-{rid}-nat"
        while table not in nft_leftovers(rid, self.where) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertIn(table, nft_leftovers(rid, self.where))
        return proc, rid

    def test_sigint_inside_a_nat_rep(self):
        out = self.out()
        proc, rid = self.start_nat_run(out)
        code, err = util.interrupt(proc)
        self.assertEqual(code, 130, err)
        self.assertNotIn("Traceback", err)
        self.assertEqual(leftovers(rid, self.where), [])
        self.assertTrue(all(r["status"] == "ok" for r in rows(out)))

    def test_kill9_then_next_run_cleans(self):
        out = self.out("killed")
        proc, rid = self.start_nat_run(out)
        try:
            proc.kill()
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertTrue(leftovers(rid, self.where))
        self.assertIn(f"ipcp-{rid}-nat", nft_leftovers(rid, self.where))
        self.assertEqual(self.read_sysctl(FORWARD), "1")
        p = self.world.harness(["--transport", "uds", "--size", "100", "--reps", "1",
                                "--mode", "latency", "--out", self.out("next")] + FAST)
        self.assertEqual(p.returncode, 0, p.stderr + errors(self.out("next")))
        self.assertIn(f"nft table ip ipcp-{rid}-nat", p.stderr)    # said what it removed
        if self.forward != "1":
            self.assertIn(f"{FORWARD}={self.forward}", p.stderr)
        self.assertEqual(leftovers(rid, self.where), [])
        self.assertFalse(os.path.exists(self.world.state_file(rid)))


@needs_binary
@needs_root
@unittest.skipUnless(HAVE_NFT, "needs nft (nftables)")
class TestAllOnTheHost(PathsCase):
    """--transport all on the machine itself, the docker paths with the
    user's daemon included. It reads the host's ip_forward, so it assumes no
    other ipcperf run holds it meanwhile (CI runs alone)."""

    def test_all_runs_what_it_can_and_lists_the_rest(self):
        out = self.out()
        p = harness(["--transport", "all", "--size", "100", "--mode", "latency",
                     "--reps", "1", "--out", out, "--duration", "0.05", "--warmup", "0.01",
                     "--no-plots"], timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "meta.json")) as f:
            skipped = json.load(f)["skipped"]
        ran = {r["transport"] for r in rows(out)}
        self.assertEqual(ran | set(skipped), set(transports.NAMES))
        self.assertFalse(ran & set(skipped))
        self.assertTrue(all(r["status"] == "ok" for r in rows(out)))
        for name, why in skipped.items():
            self.assertIn(f"skipped {name}: {why}", p.stdout)
            if transports.SOCKET[name] not in binary_sockets():
                self.assertIn("has no socket kind", why)
            elif name in LINK_KINDS:
                self.assertIn(f"has no {name} link type", why)
                self.assertFalse(kernel_has(name))
            elif name.startswith("docker-") or name in ("pasta", "slirp4netns"):
                # a runtime this machine lacks (tests/harness/test_runtimes.py)
                self.assertRegex(why, r"not found|does not answer|no access|needs root|"
                                      r"/dev/net/tun|user namespace")
            else:
                self.fail(f"{name} skipped: {why}")


if __name__ == "__main__":
    unittest.main()
