"""transports - the user's transport names (DESIGN.md "Transports") mapped
to a socket kind, the namespaces each side runs in, and an address. lo,
hostip, netns-lo, veth, bridge, nat, vxlan, macvlan and ipvlan are one
socket kind, tcp; only this table tells them apart.

    ep = setup("veth", ctx)         # makes ipcp-<id>-va/-vb and the pair
    ep.server_prefix                # ['ip', 'netns', 'exec', 'ipcp-k3x9-vb']
    ep.address("split")             # '198.18.0.2'
    with ep.client_target("split", srv.port) as (addr, port):
        ...                         # run the client against addr:port
    ep.set_mtu(65535)               # every link it made, between points of an MTU sweep

ctx (a Context) gives the run id, the private socket directory, the MTU of
made links, the Topology where objects go, a Host for namespaces (the
machine itself as root, else a user namespace, or TopologyError why not),
the run's state (for host sysctls) and the socket kinds the binary has.

Address plan (all inside 198.18.0.0/15, the benchmarking range):
  veth 198.18.0.0/24, bridge 198.18.1.0/24, nat 198.18.2.0/24 (bridge .1,
  container .2; its bridge is in the host namespace, so a concurrent run's
  takes the first free 198.19.N.0/24), vxlan overlay 198.18.3.0/24 over
  underlay 198.18.4.0/24, macvlan 198.18.5.0/24, ipvlan 198.18.6.0/24.
  The real runtimes' transports (harness/docker.py, harness/rootless.py)
  take theirs from 198.18.16.0/20 upward: a private dockerd's namespace
  198.18.16.0/24, its --bip 198.18.17.0/24, pasta's namespace
  198.18.18.0/24, slirp4netns's 198.18.19.0/24, the daemon's address pool
  198.18.20.0/22, the run's Docker network 198.18.24.0/24 (with the user's
  daemon the first free of 198.18.24-63.0/24).
"""

import contextlib
import dataclasses
import importlib
import os
import socket as socketlib

from . import conntrack, names, nft, runner, sysctl, topology

NAMES = ("uds", "uds-dgram", "uds-seqpacket", "pipe", "shm", "lo", "netns-lo",
         "hostip", "tcp6", "udp", "veth", "nat", "bridge", "vxlan", "macvlan", "ipvlan",
         "docker-bridge", "docker-publish", "docker-proxy", "docker-host",
         "docker-container", "pasta", "slirp4netns")
SOCKET = {"uds": "unix-stream", "uds-dgram": "unix-dgram",
          "uds-seqpacket": "unix-seqpacket", "pipe": "pipe", "shm": "shm",
          "lo": "tcp", "netns-lo": "tcp", "hostip": "tcp", "tcp6": "tcp", "udp": "udp",
          "veth": "tcp", "nat": "tcp", "bridge": "tcp", "vxlan": "tcp",
          "macvlan": "tcp", "ipvlan": "tcp", "docker-bridge": "tcp",
          "docker-publish": "tcp", "docker-proxy": "tcp", "docker-host": "tcp",
          "docker-container": "tcp", "pasta": "tcp", "slirp4netns": "tcp"}
# socket kinds addressed by a path in the run's private directory
PATH_SOCKETS = {"unix-stream": ".sock", "unix-dgram": ".sock", "unix-seqpacket": ".sock",
                "pipe": "", "shm": ".sock"}
KERNEL_PATH = {
    "unix-stream": "AF_UNIX SOCK_STREAM: a socket file; data copied through the kernel",
    "unix-dgram": "AF_UNIX SOCK_DGRAM: a socket file; data copied through the kernel",
    "unix-seqpacket": "AF_UNIX SOCK_SEQPACKET: a socket file; data copied through the kernel",
    "pipe": "two named pipes (FIFOs) PATH.c2s and PATH.s2c; data copied through the kernel",
    "shm": "a memfd ring shared by both processes (set up over a Unix socket); "
           "no kernel copy, futex waits",
}
# nat's bridge is in the host namespace, where concurrent runs meet: the
# first takes 198.18.2.0/24, others the first free 198.19.N.0/24 (N >= 2)
NAT_SUBNETS = ["198.18.2"] + [f"198.19.{n}" for n in range(2, 256)]
VXLAN_VNI, VXLAN_PORT = 42, 4789
VXLAN_OVERHEAD = 50      # outer IPv4 + UDP + VXLAN + inner Ethernet headers


def is_tcp(name):
    return SOCKET[name] == "tcp"


def is_ip(name):
    return SOCKET[name] in runner.IP_SOCKETS


def binary_sockets(binary):
    """The socket kinds `binary --list` names, or None without an answer
    (then nothing is skipped for it)."""
    return runner.listed(binary, "sock")


@dataclasses.dataclass
class Endpoint:
    transport: str
    socket: str
    server_prefix: list     # argv prefix that runs a command on the server side
    client_prefix: list
    addr: str               # IP: the address the client connects to; path kinds: a directory
    mtu: int = None         # MTU of the path's link; None for Unix sockets, pipes, shm
    links: dict = dataclasses.field(default_factory=dict)   # ifname -> facts
    namespaces: dict = dataclasses.field(default_factory=dict)  # side -> netns
    path: dict = dataclasses.field(default_factory=dict)    # the kernel's path, for meta
    server_addr: str = None  # where the server listens when not addr (nat)
    # server_port -> context manager yielding (addr, port) for one client;
    # None: addr and the server's own port
    activate: object = None
    # the links made with ctx.mtu, as (netns, ifname, offset from it), each
    # parent before its children; empty: the MTU is not the harness's to set
    mtu_links: list = dataclasses.field(default_factory=list)
    host: object = None      # topology.Host that runs `ip` for mtu_links
    link_mtu: int = None     # the MTU mtu_links were last given
    binary: str = None       # run instead of bench/ipcperf, both roles (harness/launcher.py)
    shared_netns: bool = None  # both sides in one namespace; None: as namespaces says
    # where the path's conntrack entries are counted (harness/conntrack.py):
    # {"prefix": argv into that namespace, "table": name, "match": nft
    # expression}; None: the path has no conntrack by construction
    conntrack: dict = None

    def address(self, tag):
        """Address for one server; tag tells servers of one transport apart
        (path kinds need a path each, IP servers take port 0)."""
        if self.socket in PATH_SOCKETS:
            return os.path.join(self.addr, f"{self.transport}-{tag}"
                                + PATH_SOCKETS[self.socket])
        return self.addr

    def server_address(self, tag):
        """Where the server listens: address(tag), except behind a NAT."""
        return self.server_addr or self.address(tag)

    @contextlib.contextmanager
    def client_target(self, tag, server_port):
        """(addr, port) a client connects to for one rep. nat installs its
        DNAT rule for exactly this span (its conntrack hooks would otherwise
        tax every other transport in the host namespace); TopologyError
        when that fails."""
        if self.activate is None:
            yield self.address(tag), server_port
        else:
            with self.activate(server_port) as target:
                yield target

    def path_mtu(self, link_mtu):
        """The path's MTU once the links have link_mtu (None: as they are)."""
        if not self.mtu_links or link_mtu is None:
            return self.mtu
        return self.mtu + link_mtu - self.link_mtu

    def netns_shared(self):
        """Both sides in one network namespace: each sees the other's packets
        in its counters."""
        if self.shared_netns is not None:
            return self.shared_netns
        return self.namespaces.get("server") == self.namespaces.get("client")

    def set_mtu(self, mtu):
        """Give the links made the MTU mtu (an overlay its offset less) and
        update self.mtu, the path's. A child may not exceed its parent:
        parents first when raising, children first when lowering.
        TopologyError when the kernel refuses."""
        if not self.mtu_links or mtu is None or mtu == self.link_mtu:
            return
        order = self.mtu_links if mtu > self.link_mtu else reversed(self.mtu_links)
        for ns, ifname, offset in order:
            self.host.ip(ns, "link", "set", "dev", ifname, "mtu", str(mtu + offset))
        self.mtu += mtu - self.link_mtu
        self.link_mtu = mtu


class Context:
    """What setup() needs from the run; owns the namespaces host lazily."""

    def __init__(self, run_id, sockdir, mtu, root, netns_host, state=None, sockets=None,
                 binary=None):
        self.run_id = run_id
        self.binary = binary          # bench/ipcperf, for the runtimes' launchers and image
        self.runtimes = {}            # what the container runtimes' transports share
        self.sockdir = sockdir
        self.mtu = mtu
        self.root = root              # Topology on the machine itself
        self._netns_host = netns_host  # callable -> Topology for namespaces
        self._netns = None
        self.state = state            # state.RunState: records host sysctls and object names
        self.sockets = sockets        # socket kinds of the binary (None: unknown)
        self._sysctls = None

    def name(self, suffix):
        """The name of one object of this run (suffix: names.SUFFIXES),
        recorded in the run's state before the object is made, so that
        after a kill -9 the next run removes it and nothing else."""
        name = names.make(self.run_id, suffix)
        if self.state is not None:
            self.state.add_name(name)
        return name

    def netns_topology(self):
        self._netns = self._netns_host()
        return self._netns

    def sysctls(self):
        if self.state is None:
            raise topology.TopologyError("no run state to record host sysctls in")
        if self._sysctls is None:
            self._sysctls = sysctl.Sysctls(self.state)
        return self._sysctls

    def host_lock(self):
        """Held while choosing what must be unique in the host namespace
        among concurrent runs (the nat subnet)."""
        directory = os.path.dirname(self.state.path) if self.state else None
        if directory is None:
            return contextlib.nullcontext()
        return sysctl.locked(directory)

    def _marks(self):
        return [(t, t.mark()) for t in {id(t): t for t in (self.root, self._netns)
                                        if t is not None}.values()]

    def _rollback(self, marks, before_netns):
        done = set()
        for t, m in marks:
            t.rollback(m)
            done.add(id(t))
        if self._netns is not None and before_netns is None and id(self._netns) not in done:
            self._netns.rollback(0)


def _link_facts(topo, ns, ifname):
    info = topo.link(ns, ifname)
    facts = {"netns": ns, "mtu": info.get("mtu"), "offloads": topo.offloads(ns, ifname)}
    kind = (info.get("linkinfo") or {}).get("info_kind")
    if kind:
        facts["kind"] = kind
    return facts


def _ip_endpoint(name, topo, server_ns, client_ns, addr, links, **kw):
    path = topo.path(client_ns, addr, via=kw.pop("via", None))
    dev = path["dev"]
    facts = dict(links)
    if dev not in facts:
        facts[dev] = _link_facts(topo, client_ns, dev)
    return Endpoint(transport=name, socket=SOCKET[name],
                    server_prefix=topo.host.ns_prefix(server_ns),
                    client_prefix=topo.host.ns_prefix(client_ns),
                    addr=addr, mtu=facts[dev]["mtu"], links=facts, path=path,
                    namespaces={"server": server_ns, "client": client_ns},
                    host=topo.host, **kw)


def _joined_pair(t, ctx, end_a, end_b):
    """Two new namespaces joined by one veth pair, each end (netns, ifname,
    cidr) addressed and up: veth's path, and vxlan's underlay."""
    (a, ia, cidr_a), (b, ib, cidr_b) = end_a, end_b
    t.add_netns(a)
    t.add_netns(b)
    t.add_veth(ia, a, ib, b, mtu=ctx.mtu)
    t.add_addr(a, ia, cidr_a)
    t.add_addr(b, ib, cidr_b)
    t.link_up(a, ia)
    t.link_up(b, ib)


def _veth(ctx):
    t = ctx.netns_topology()
    a, b = ctx.name("va"), ctx.name("vb")
    ia, ib = ctx.name("v0"), ctx.name("v1")
    _joined_pair(t, ctx, (a, ia, "198.18.0.1/24"), (b, ib, "198.18.0.2/24"))
    t.wait_oper_up(a, ia)
    t.wait_oper_up(b, ib)
    links = {ia: _link_facts(t, a, ia), ib: _link_facts(t, b, ib)}
    return _ip_endpoint("veth", t, b, a, "198.18.0.2", links,
                        mtu_links=[(a, ia, 0), (b, ib, 0)])


def _bridge(ctx):
    t = ctx.netns_topology()
    a, b, n = ctx.name("ba"), ctx.name("bb"), ctx.name("bn")
    br = ctx.name("br")
    a0, a1, b0, b1 = ctx.name("a0"), ctx.name("a1"), ctx.name("b0"), ctx.name("b1")
    for ns in (a, b, n):
        t.add_netns(ns)
    t.add_bridge(br, n)
    t.add_veth(a0, a, a1, n, mtu=ctx.mtu)
    t.add_veth(b0, b, b1, n, mtu=ctx.mtu)
    for port in (a1, b1):
        t.set_master(n, port, br)
        t.link_up(n, port)
    # after the ports: a bridge's MTU otherwise follows its smallest port
    t.host.ip(n, "link", "set", br, "mtu", str(ctx.mtu))
    t.link_up(n, br)
    t.add_addr(a, a0, "198.18.1.1/24")
    t.add_addr(b, b0, "198.18.1.2/24")
    t.link_up(a, a0)
    t.link_up(b, b0)
    for ns, ifname in ((a, a0), (b, b0), (n, a1), (n, b1), (n, br)):
        t.wait_oper_up(ns, ifname)
    links = {i: _link_facts(t, ns, i)
             for ns, i in ((a, a0), (n, a1), (n, br), (n, b1), (b, b0))}
    # the bridge's MTU was set by hand, so it no longer follows its ports
    return _ip_endpoint("bridge", t, b, a, "198.18.1.2", links,
                        mtu_links=[(a, a0, 0), (n, a1, 0), (n, b1, 0), (b, b0, 0),
                                   (n, br, 0)])


def _netns_lo(ctx):
    """Both processes in one new namespace over its own loopback (Docker's
    --network container:)."""
    t = ctx.netns_topology()
    ns = ctx.name("nl")
    t.add_netns(ns)
    return _ip_endpoint("netns-lo", t, ns, ns, "127.0.0.1", {})


def _free_subnet(host, candidates=NAT_SUBNETS):
    """The first /24 of candidates (NAT_SUBNETS) that no address or route of
    the host namespace touches."""
    used = set()
    for link in host.ip_json(None, "-4", "addr", "show"):
        for a in link.get("addr_info", []):
            used.add(".".join(a.get("local", "").split(".")[:3]))
    for r in host.ip_json(None, "-4", "route", "show", "table", "all"):
        used.add(".".join(r.get("dst", "").split("/")[0].split(".")[:3]))
    for net in candidates:
        if net not in used:
            return net
    raise topology.TopologyError(f"no free /24 among {candidates[0]}.0/24.."
                                 f"{candidates[-1]}.0/24 in the host namespace")


def _nat_host_ip(ctx):
    """The host address nat publishes on; TopologyError why nat cannot run."""
    if os.geteuid() != 0:
        raise topology.TopologyError("needs root: the published port's DNAT rule and "
                                     "IP forwarding live in the host's own namespace")
    host_ip = topology.first_global_ipv4(ctx.root.host)
    if host_ip is None:
        raise topology.TopologyError("this machine has no global IPv4 address to publish on")
    why = nft.available()
    if why:
        raise topology.TopologyError(f"needs nftables (nft): {why}")
    return host_ip


def _nat_links(ctx, t, c, br, hv, cv):
    """The "container" namespace c behind bridge br in the host namespace,
    joined by the veth pair hv/cv, on the first free /24 -> (container ip,
    subnet)."""
    t.add_netns(c)
    t.add_bridge(br, None)
    t.add_veth(hv, None, cv, c, mtu=ctx.mtu)
    t.set_master(None, hv, br)
    t.link_up(None, hv)
    t.host.ip(None, "link", "set", br, "mtu", str(ctx.mtu))
    with ctx.host_lock():
        net = _free_subnet(t.host)
        gw, cip, subnet = f"{net}.1", f"{net}.2", f"{net}.0/24"
        t.add_addr(None, br, gw + "/24")
    t.link_up(None, br)
    t.add_addr(c, cv, cip + "/24")
    t.link_up(c, cv)
    t.add_route(c, "default", "via", gw)
    for ns, ifname in ((None, hv), (c, cv), (None, br)):
        t.wait_oper_up(ns, ifname)
    return cip, subnet


def _publish_port(ctx, t, host_ip):
    """What a runtime does to publish a port: forwarding on for its bridges
    (restored after), and the port reserved on the host as Docker does, so
    no host process takes it while the rule sends it elsewhere."""
    s = ctx.sysctls()
    s.hold("net.ipv4.ip_forward", "1")
    t.defer(s.release, "net.ipv4.ip_forward")
    reserve = socketlib.socket(socketlib.AF_INET, socketlib.SOCK_STREAM)
    t.defer(reserve.close)
    try:
        reserve.bind((host_ip, 0))
    except OSError as e:
        raise topology.TopologyError(f"cannot reserve a published port on {host_ip}: "
                                     f"{e.strerror}") from None
    return reserve.getsockname()[1]


def _nat_activator(table, host_ip, published, cip, br, subnet):
    """activate(server_port): the DNAT table loaded for one rep's span."""
    @contextlib.contextmanager
    def activate(server_port):
        nft.load([], nft.nat_table(table, host_ip, published, cip, server_port, br, subnet))
        try:
            yield host_ip, published
        finally:
            nft.delete([], nft.NAT_FAMILY, table)
    return activate


def _nat(ctx):
    """Docker's default bridge with a published port, userland proxy off:
    the server in a "container" namespace behind a bridge in the host
    namespace; the client, in the host namespace, connects to the host's
    own address and a published port that DNAT sends to the container."""
    host_ip = _nat_host_ip(ctx)
    t = ctx.root
    c, br = ctx.name("nc"), ctx.name("nb")
    hv, cv = ctx.name("n1"), ctx.name("n0")
    table = ctx.name("nat")
    cip, subnet = _nat_links(ctx, t, c, br, hv, cv)
    published = _publish_port(ctx, t, host_ip)
    t.defer(nft.delete, [], nft.NAT_FAMILY, table)     # however the run ends
    activate = _nat_activator(table, host_ip, published, cip, br, subnet)
    links = {i: _link_facts(t, ns, i) for ns, i in ((None, br), (None, hv), (c, cv))}
    with activate(published):      # the rules as they stand during a rep
        ep = _ip_endpoint("nat", t, c, None, host_ip, links, via=(cip, host_ip),
                          server_addr=cip, activate=activate,
                          mtu_links=[(None, hv, 0), (c, cv, 0), (None, br, 0)])
        ep.path["nat"] = {"table": f"{nft.NAT_FAMILY} {table}",
                          "published": f"{host_ip}:{published}",
                          "container": cip, "subnet": subnet, "bridge": br,
                          "ruleset": nft.show([], nft.NAT_FAMILY, table).replace(
                              f":{published}", ":<server port>"),
                          "installed": "during each rep of nat only",
                          "host_sysctls": {"net.ipv4.ip_forward": "1"}}
    ep.namespaces = {"server": c, "client": None}
    ep.conntrack = _conntrack(ctx, t, [], f"ip daddr {cip}")
    return ep


def _conntrack(ctx, t, prefix, match):
    """Endpoint.conntrack for a path whose entries are created in the
    namespace prefix runs in; its counting table goes however the run ends."""
    table = ctx.name("ct")
    t.defer(nft.delete, prefix, conntrack.FAMILY, table)
    return {"prefix": prefix, "table": table, "match": match}


def _vxlan(ctx):
    """Two namespaces joined by a veth underlay (198.18.4.0/24), each with a
    VXLAN device on it carrying the overlay (198.18.3.0/24), as Docker's
    overlay driver and flannel build it."""
    t = ctx.netns_topology()
    a, b = ctx.name("xa"), ctx.name("xb")
    ua, ub, va, vb = ctx.name("x0"), ctx.name("x1"), ctx.name("xv0"), ctx.name("xv1")
    _joined_pair(t, ctx, (a, ua, "198.18.4.1/24"), (b, ub, "198.18.4.2/24"))
    t.add_vxlan(a, va, VXLAN_VNI, "198.18.4.1", "198.18.4.2", ua, VXLAN_PORT)
    t.add_vxlan(b, vb, VXLAN_VNI, "198.18.4.2", "198.18.4.1", ub, VXLAN_PORT)
    t.add_addr(a, va, "198.18.3.1/24")
    t.add_addr(b, vb, "198.18.3.2/24")
    t.link_up(a, va)
    t.link_up(b, vb)
    for ns, ifname in ((a, ua), (b, ub), (a, va), (b, vb)):
        t.wait_oper_up(ns, ifname)
    links = {i: _link_facts(t, ns, i) for ns, i in ((a, va), (a, ua), (b, ub), (b, vb))}
    for i in (va, vb):
        links[i].update(vni=VXLAN_VNI, dstport=VXLAN_PORT)
    links[va]["underlay"], links[vb]["underlay"] = ua, ub
    ep = _ip_endpoint("vxlan", t, b, a, "198.18.3.2", links,
                      mtu_links=[(a, ua, 0), (b, ub, 0), (a, va, -VXLAN_OVERHEAD),
                                 (b, vb, -VXLAN_OVERHEAD)])
    ep.path["underlay"] = t.path(a, "198.18.4.2")
    return ep


def _child_links(kind, mode, sub, p, x):
    """Server and client namespaces each with a kind (macvlan/ipvlan) child
    of one parent link: a veth pair inside a namespace made for it (never a
    real NIC). Fails early, saying so, where the kernel lacks the type."""
    def setup(ctx):
        t = ctx.netns_topology()
        pn, a, b = ctx.name(p), ctx.name(x + "a"), ctx.name(x + "b")
        parent, peer = ctx.name(p + "0"), ctx.name(p + "1")
        ca, cb = ctx.name(x + "0"), ctx.name(x + "1")
        t.add_netns(pn)
        t.add_veth(parent, pn, peer, pn, mtu=ctx.mtu)
        t.link_up(pn, parent)
        t.link_up(pn, peer)
        t.add_netns(a)
        t.add_netns(b)
        t.add_child(pn, ca, parent, kind, mode, a)
        t.add_child(pn, cb, parent, kind, mode, b)
        t.add_addr(a, ca, f"{sub}.1/24")
        t.add_addr(b, cb, f"{sub}.2/24")
        t.link_up(a, ca)
        t.link_up(b, cb)
        t.wait_oper_up(pn, parent)
        t.wait_oper_up(a, ca)
        t.wait_oper_up(b, cb)
        links = {ca: _link_facts(t, a, ca), parent: _link_facts(t, pn, parent),
                 cb: _link_facts(t, b, cb)}
        for i in (ca, cb):
            links[i].update(parent=parent, mode=mode)
        return _ip_endpoint(kind, t, b, a, f"{sub}.2", links,
                            mtu_links=[(pn, parent, 0), (pn, peer, 0), (a, ca, 0),
                                       (b, cb, 0)])
    return setup


def _runtime(module, name):
    """A transport that a container runtime's module sets up; imported when
    first used (they build on this module)."""
    def setup(ctx):
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)(ctx)
    return setup


def _path_kind(name):
    def setup(ctx):
        kind = SOCKET[name]
        return Endpoint(transport=name, socket=kind, server_prefix=[],
                        client_prefix=[], addr=ctx.sockdir,
                        path={"netns": None, "kernel_path": KERNEL_PATH[kind],
                              "dir": ctx.sockdir},
                        namespaces={"server": None, "client": None})
    return setup


def _root_ip(name, addr):
    def setup(ctx):
        return _ip_endpoint(name, ctx.root, None, None, addr, {})
    return setup


def _hostip(ctx):
    addr = topology.first_global_ipv4(ctx.root.host)
    if addr is None:
        raise topology.TopologyError("this machine has no global IPv4 address")
    return _ip_endpoint("hostip", ctx.root, None, None, addr, {})


_SETUP = {"uds": _path_kind("uds"), "uds-dgram": _path_kind("uds-dgram"),
          "uds-seqpacket": _path_kind("uds-seqpacket"), "pipe": _path_kind("pipe"),
          "shm": _path_kind("shm"), "lo": _root_ip("lo", "127.0.0.1"),
          "tcp6": _root_ip("tcp6", "::1"), "udp": _root_ip("udp", "127.0.0.1"),
          "hostip": _hostip, "netns-lo": _netns_lo, "veth": _veth, "bridge": _bridge,
          "nat": _nat, "vxlan": _vxlan,
          "macvlan": _child_links("macvlan", "bridge", "198.18.5", "mp", "m"),
          "ipvlan": _child_links("ipvlan", "l2", "198.18.6", "ip", "i"),
          "docker-bridge": _runtime("docker", "docker_bridge"),
          "docker-publish": _runtime("docker", "docker_publish"),
          "docker-proxy": _runtime("docker", "docker_proxy"),
          "docker-host": _runtime("docker", "docker_host"),
          "docker-container": _runtime("docker", "docker_container"),
          "pasta": _runtime("rootless", "pasta"),
          "slirp4netns": _runtime("rootless", "slirp4netns")}


def setup(name, ctx):
    """Make what transport name needs; Endpoint, or TopologyError why not.
    A transport that fails half-way is rolled back at once, so what it made
    does not sit beside the others' measurements."""
    kind = SOCKET[name]
    if ctx.sockets is not None and kind not in ctx.sockets:
        raise topology.TopologyError(
            f"bench/ipcperf has no socket kind {kind} (its --list: "
            f"{' '.join(ctx.sockets) or 'none'}; the binary is older than this "
            "harness, rebuild it with make)")
    before_netns = ctx._netns
    marks = ctx._marks()
    try:
        ep = _SETUP[name](ctx)
    except topology.TopologyError:
        ctx._rollback(marks, before_netns)
        raise
    if ep.mtu_links:
        ep.link_mtu = ctx.mtu
    return ep
