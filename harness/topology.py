"""topology - network namespaces, veth pairs and bridges made with `ip`, as
context managers whose clean-up is queued as each object is made, so every
exit path removes exactly what was created, newest first. Queries use `ip -j`.
It knows nothing of benchmarks.

    with Topology(Host()) as t:
        t.add_netns("ipcp-k3x9-va"); t.add_netns("ipcp-k3x9-vb")
        t.add_veth("ipcp-k3x9-v0", "ipcp-k3x9-va", "ipcp-k3x9-v1", "ipcp-k3x9-vb", mtu=1500)
        t.add_addr("ipcp-k3x9-va", "ipcp-k3x9-v0", "198.18.0.1/24")
    # both namespaces (and so the pair) are gone here

A Host says where commands run: the machine itself (as root), or a user
namespace held open by a helper process (UserNamespace) for users without
root, entered with nsenter. sweep_stale() removes objects named
PREFIX<id>-... whose owning run is no longer alive.
"""

import json
import re
import select
import subprocess
import time

CMD_TIMEOUT = 15


class TopologyError(Exception):
    """A topology operation failed; the message is one line."""


def _one_line(text):
    lines = [l.strip() for l in (text or "").strip().splitlines() if l.strip()]
    return lines[-1] if lines else ""


def run(argv, timeout=CMD_TIMEOUT, check=True):
    """Run argv, capture text output; TopologyError on failure or timeout."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TopologyError(f"'{' '.join(argv)}' timed out after {timeout} s") from None
    except OSError as e:
        raise TopologyError(f"cannot run {argv[0]}: {e.strerror}") from None
    if check and p.returncode != 0:
        raise TopologyError(f"'{' '.join(argv)}' failed: "
                            f"{_one_line(p.stderr) or 'exit %d' % p.returncode}")
    return p


class Host:
    """Commands run on the machine itself, in its root network namespace."""

    def __init__(self, prefix=()):
        self.prefix = list(prefix)

    def ns_prefix(self, ns):
        """argv prefix that runs a command in network namespace ns (None: the
        host's own)."""
        return self.prefix + (["ip", "netns", "exec", ns] if ns else [])

    def ip(self, ns, *args, check=True):
        return run(self.prefix + ["ip"] + (["-n", ns] if ns else []) + list(args),
                   check=check)

    def ip_json(self, ns, *args):
        out = self.ip(ns, "-j", *args).stdout.strip()
        try:
            return json.loads(out) if out else []
        except ValueError:
            raise TopologyError(f"ip -j {' '.join(args)}: unreadable output") from None


class UserNamespace:
    """A user + network + mount namespace held open by a helper process, for
    users without root: inside it they are root and may make namespaces and
    links. The helper mounts a private /run so `ip netns` can keep its
    names, and exits when its stdin closes, so it dies with the harness.
    Use as `with UserNamespace() as host:`; TopologyError when the system
    does not allow it."""

    SCRIPT = ("mount -t tmpfs -o mode=0755 ipcperf /run && mkdir /run/netns "
              "&& echo ready && exec cat >/dev/null")

    def __init__(self, preexec_fn=None, timeout=CMD_TIMEOUT):
        self.timeout = timeout
        self.preexec_fn = preexec_fn
        self.proc = None

    def __enter__(self):
        argv = ["unshare", "--user", "--map-root-user", "--net", "--mount",
                "sh", "-c", self.SCRIPT]
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE,
                                         preexec_fn=self.preexec_fn)
        except OSError as e:
            raise TopologyError(f"cannot run unshare: {e.strerror}") from None
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        line = self.proc.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.close()                     # reaps it, so stderr is complete
            err = self.proc.stderr.read() if ready or self.proc.returncode else b""
            reason = _one_line(err.decode(errors="replace")) or \
                ("no answer" if ready else f"no answer in {self.timeout} s")
            raise TopologyError(f"user namespace unavailable: {reason}")
        return Host(["nsenter", "--preserve-credentials", "-t", str(self.proc.pid),
                     "-U", "-m", "-n"])

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def close(self):
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=3)

    def __exit__(self, *exc):
        self.close()


class Topology:
    """Objects made on one Host, removed newest first by close() / on exit."""

    def __init__(self, host):
        self.host = host
        self._undo = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def defer(self, fn, *args):
        self._undo.append((fn, args))

    def close(self):
        """Undo everything; returns the list of clean-up errors (never raises,
        so one failure does not keep the rest in place)."""
        errors = []
        while self._undo:
            fn, args = self._undo.pop()
            try:
                fn(*args)
            except TopologyError as e:
                errors.append(str(e))
        return errors

    def _del_netns(self, name):
        self.host.ip(None, "netns", "del", name)

    def add_netns(self, name):
        self.host.ip(None, "netns", "add", name)
        self.defer(self._del_netns, name)
        self.host.ip(name, "link", "set", "lo", "up")

    def add_veth(self, name, ns, peer, peer_ns, mtu=None):
        """A veth pair made directly inside ns and peer_ns (never in the host
        namespace); removed with either namespace."""
        args = ["link", "add", "name", name]
        if mtu:
            args += ["mtu", str(mtu)]
        args += ["type", "veth", "peer", "name", peer]
        if mtu:
            args += ["mtu", str(mtu)]
        if peer_ns and peer_ns != ns:
            args += ["netns", peer_ns]
        self.host.ip(ns, *args)
        self.defer(lambda: self.host.ip(ns, "link", "del", name, check=False))

    def add_bridge(self, name, ns, mtu=None):
        self.host.ip(ns, "link", "add", "name", name, "type", "bridge",
                     "stp_state", "0")
        self.defer(lambda: self.host.ip(ns, "link", "del", name, check=False))
        if mtu:
            self.host.ip(ns, "link", "set", name, "mtu", str(mtu))

    def set_master(self, ns, ifname, bridge):
        self.host.ip(ns, "link", "set", ifname, "master", bridge)

    def add_addr(self, ns, ifname, cidr):
        self.host.ip(ns, "addr", "add", cidr, "dev", ifname)

    def link_up(self, ns, ifname):
        self.host.ip(ns, "link", "set", ifname, "up")

    def link(self, ns, ifname):
        info = self.host.ip_json(ns, "link", "show", "dev", ifname)
        if not info:
            raise TopologyError(f"no link {ifname}")
        return info[0]

    def wait_oper_up(self, ns, ifname, timeout=5.0):
        """Poll until the link reports carrier (veth: both ends up)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.link(ns, ifname).get("operstate")
            if state in ("UP", "UNKNOWN"):
                return
            if time.monotonic() > deadline:
                raise TopologyError(f"{ifname} still {state} after {timeout} s")
            time.sleep(0.02)

    def route_dev(self, ns, addr):
        """The device that carries traffic to addr from ns (`ip route get`)."""
        r = self.host.ip_json(ns, "route", "get", addr)
        if not r or "dev" not in r[0]:
            raise TopologyError(f"no route to {addr}")
        return r[0]["dev"]

    def offloads(self, ns, ifname):
        """{gro, gso, tso: bool} from `ethtool -k`, or None without ethtool."""
        try:
            p = run(self.host.ns_prefix(ns) + ["ethtool", "-k", ifname], check=False)
        except TopologyError:
            return None
        if p.returncode != 0:
            return None
        names = {"generic-receive-offload": "gro",
                 "generic-segmentation-offload": "gso",
                 "tcp-segmentation-offload": "tso"}
        out = {}
        for line in p.stdout.splitlines():
            key, _, val = line.strip().partition(":")
            if key in names:
                out[names[key]] = val.strip().startswith("on")
        return out


def first_global_ipv4(host=None):
    """The first global-scope IPv4 address of the host namespace, or None."""
    host = host or Host()
    for link in host.ip_json(None, "-4", "addr", "show"):
        for a in link.get("addr_info", []):
            if a.get("family") == "inet" and a.get("scope") == "global" and a.get("local"):
                return a["local"]
    return None


def list_named(prefix, host=None):
    """Network namespaces and host-namespace links whose names start with
    prefix: [("netns" | "link", name)]."""
    host = host or Host()
    found = []
    p = host.ip(None, "netns", "list", check=False)
    for line in p.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(prefix):
            found.append(("netns", name))
    for link in host.ip_json(None, "link", "show"):
        name = link.get("ifname", "")
        if name.startswith(prefix):
            found.append(("link", name))
    return found


def sweep_stale(prefix, is_alive, host=None):
    """Remove namespaces and host links named PREFIX<id>-... whose run id is
    not alive (is_alive(id) is False). Returns the names removed; objects of
    live runs and names of another shape are left alone."""
    host = host or Host()
    removed = []
    pat = re.compile(re.escape(prefix) + r"([a-z0-9]+)-")
    alive = {}
    for kind, name in list_named(prefix, host):
        m = pat.match(name)
        if not m:
            continue
        rid = m.group(1)
        if rid not in alive:
            alive[rid] = is_alive(rid)
        if alive[rid]:
            continue
        if kind == "netns":
            ok = host.ip(None, "netns", "del", name, check=False).returncode == 0
        else:
            ok = host.ip(None, "link", "del", name, check=False).returncode == 0
        if ok:
            removed.append(name)
    return removed
