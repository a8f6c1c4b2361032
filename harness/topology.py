"""topology - network namespaces, links (veth pairs, bridges, VXLAN,
macvlan/ipvlan) and nftables tables made with `ip` and `nft`, as
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
root, entered with nsenter. sweep_stale() removes the namespaces, host
links and host nftables tables that dead runs made, and leaves
every other name alone. path() describes the way a packet takes from a
namespace to an address, for meta.json.
"""

import json
import os
import select
import subprocess
import time

from . import nft
# TopologyError is re-exported: callers of topology catch it as topology.TopologyError
from .command import CMD_TIMEOUT, TopologyError, one_line, run  # noqa: F401


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
            reason = one_line(err.decode(errors="replace")) or \
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


class NamespaceHost:
    """The Topology new namespaces go in, made on first use: root's own
    (root), else one in a UserNamespace that lives as long as stack (a
    contextlib.ExitStack). Calling it returns that Topology, or raises the
    TopologyError it failed with, every time.

        netns = NamespaceHost(root_topo, stack, on_pid=st.add_pid)
        netns().add_netns("ipcp-k3x9-va")
    """

    def __init__(self, root, stack, preexec_fn=None, on_pid=None, on_close=None):
        self.root, self.stack = root, stack
        self.preexec_fn = preexec_fn
        self.on_pid = on_pid                 # told the helper's PID
        self.on_close = on_close or Topology.close   # called with the Topology at the end
        self._topo = self._error = None

    def __call__(self):
        if self._topo is None:
            if self._error is not None:
                raise self._error
            try:
                self._topo = self._make()
            except TopologyError as e:
                self._error = e
                raise
        return self._topo

    def _make(self):
        if os.geteuid() == 0:
            return self.root
        uns = UserNamespace(preexec_fn=self.preexec_fn)
        host = self.stack.enter_context(uns)
        if self.on_pid:
            self.on_pid(uns.pid)
        t = Topology(host)
        self.stack.callback(self.on_close, t)
        return t


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

    def mark(self):
        """A point to roll back to (see rollback)."""
        return len(self._undo)

    def rollback(self, mark):
        """Undo what was made after mark, newest first; clean-up errors."""
        return self.close(mark)

    def close(self, mark=0):
        """Undo everything; returns the list of clean-up errors (never raises,
        so one failure does not keep the rest in place)."""
        errors = []
        while len(self._undo) > mark:
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

    def add_vxlan(self, ns, name, vni, local, remote, dev, dstport=4789):
        """A point-to-point VXLAN device over dev (the underlay); the kernel
        sets its MTU to dev's minus the 50 bytes of encapsulation."""
        self._link_add(ns, name, "vxlan", "type", "vxlan", "id", str(vni), "local", local,
                       "remote", remote, "dstport", str(dstport), "dev", dev)

    def _link_add(self, ns, name, kind, *args):
        """ip link add name ARGS, queued for removal; a missing link type
        becomes a TopologyError that says so."""
        p = self.host.ip(ns, "link", "add", "name", name, *args, check=False)
        if p.returncode != 0:
            why = one_line(p.stderr) or f"exit {p.returncode}"
            if "unknown device type" in why.lower() or "not supported" in why.lower():
                raise TopologyError(f"this kernel has no {kind} link type "
                                    f"('ip link add type {kind}': {why})")
            raise TopologyError(f"'ip link add {name} type {kind}' failed: {why}")
        self.defer(lambda: self.host.ip(ns, "link", "del", name, check=False))

    def add_child(self, ns, name, parent, kind, mode, target_ns):
        """A macvlan/ipvlan (kind) child of parent in ns, moved to target_ns.
        TopologyError says when this kernel lacks the link type."""
        self._link_add(ns, name, kind, "link", parent, "type", kind, "mode", mode)
        if target_ns != ns:
            self.host.ip(ns, "link", "set", name, "netns", target_ns)
            # it now goes with target_ns (or with its parent, whichever first)
            self.defer(lambda: self.host.ip(target_ns, "link", "del", name, check=False))

    def add_route(self, ns, *args):
        self.host.ip(ns, "route", "add", *args)

    def add_nft(self, ns, family, name, text):
        """Load an nftables table (text holds the whole table, replacing any
        of that name) in ns; removed by exact name with the topology."""
        prefix = self.host.ns_prefix(ns)
        self.defer(nft.delete, prefix, family, name)
        nft.load(prefix, text)

    def del_nft(self, ns, family, name):
        nft.delete(self.host.ns_prefix(ns), family, name)

    def set_master(self, ns, ifname, bridge):
        self.host.ip(ns, "link", "set", ifname, "master", bridge)

    def add_addr(self, ns, ifname, cidr):
        self.host.ip(ns, "addr", "add", cidr, "dev", ifname)

    def link_up(self, ns, ifname):
        self.host.ip(ns, "link", "set", ifname, "up")

    def link(self, ns, ifname):
        info = self.host.ip_json(ns, "-d", "link", "show", "dev", ifname)
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

    def route_get(self, ns, addr, src=None):
        """`ip -j route get addr [from src]` in ns: the route object."""
        args = ["route", "get", addr] + (["from", src] if src else [])
        r = self.host.ip_json(ns, *args)
        if not r:
            raise TopologyError(f"no route to {addr}")
        return r[0]

    def qdisc(self, ns, ifname):
        """The qdiscs of ifname (`tc -j qdisc show dev`): [{kind, handle,
        root, ...}], or None without tc."""
        try:
            p = run(self.host.ns_prefix(ns) + ["tc", "-j", "qdisc", "show", "dev", ifname],
                    check=False)
        except TopologyError:
            return None
        if p.returncode != 0:
            return None
        try:
            return [{k: q.get(k) for k in ("kind", "handle", "root", "parent")
                     if k in q} for q in json.loads(p.stdout or "[]")]
        except ValueError:
            return None

    def path(self, ns, addr, via=None):
        """How a packet from ns reaches addr, for meta.json: the route, the
        egress device, its MTU, qdisc and offloads, and the rules on the
        way (nftables tables, conntrack). via: (addr, src) of a second
        lookup after a DNAT rewrites the destination, whose device is then
        the egress."""
        route = self.route_get(ns, addr)
        out = {"netns": ns, "dst": addr, "route": route}
        dev = route.get("dev")
        if via:
            after = self.route_get(ns, via[0], src=via[1])
            out["route_after_dnat"] = after
            dev = after.get("dev", dev)
        out["dev"] = dev
        info = self.link(ns, dev) if dev else {}
        out["mtu"] = info.get("mtu")
        out["qdisc"] = self.qdisc(ns, dev) if dev else None
        out["offloads"] = self.offloads(ns, dev) if dev else None
        out.update(nft.facts(self.host.ns_prefix(ns)))
        return out

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
    """Network namespaces, host-namespace links and host-namespace nftables
    tables whose names start with prefix: [("netns" | "link", name)] and
    [("nft", "family name")]."""
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
    for family, name in nft.tables(host.prefix):
        if name.startswith(prefix):
            found.append(("nft", f"{family} {name}"))
    return found


def label(kind, name):
    """How a list_named entry is named in messages: 'netns ipcp-k3x9-va',
    'link ipcp-k3x9-nb', 'nft table ip ipcp-k3x9-nat'."""
    return f"nft table {name}" if kind == "nft" else f"{kind} {name}"


def remove_named(kind, name, host=None):
    """Remove one object list_named found; True when this removed it."""
    host = host or Host()
    if kind == "nft":
        family, table = name.split()
        try:
            nft.delete(host.prefix, family, table)
        except TopologyError:
            return False
        return True
    what = "netns" if kind == "netns" else "link"
    return host.ip(None, what, "del", name, check=False).returncode == 0


def sweep_stale(prefix, is_alive, host=None, *, run_of, recorded):
    """Remove the namespaces, host links and host nftables tables with
    names starting with prefix that dead runs made. run_of(name) -> the run
    id a name carries, None for a name without one; is_alive(rid);
    recorded(rid, name) -> True when name is one the caller makes and dead
    run rid made it. Returns (removed, left) as labels: what was removed,
    and what was left alone. Objects of live runs are in neither."""
    host = host or Host()
    removed, left = [], []
    for kind, name in list_named(prefix, host):
        bare = name.split()[-1]
        rid = run_of(bare)
        if rid is not None and is_alive(rid):
            continue
        if rid is None or not recorded(rid, bare):
            left.append(label(kind, name))
        elif remove_named(kind, name, host):
            removed.append(label(kind, name))
    return removed, left
