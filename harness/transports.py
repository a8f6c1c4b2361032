"""transports - the user's transport names (DESIGN.md "Transports") mapped
to a socket kind, the namespaces each side runs in, and an address. lo,
hostip, veth and bridge are one socket kind, tcp; only this table tells them
apart.

    ep = setup("veth", ctx)         # makes ipcp-<id>-va/-vb and the pair
    ep.server_prefix                # ['ip', 'netns', 'exec', 'ipcp-k3x9-vb']
    ep.address("split")             # '198.18.0.2'

ctx (a Context) gives the run id, the private socket directory, the MTU of
made links, the Topology where objects go, and a Host for namespaces: the
machine itself as root, else a user namespace (or TopologyError why not).
"""

import dataclasses
import os

from . import topology

NAMES = ("uds", "uds-dgram", "lo", "hostip", "veth", "bridge")
SOCKET = {"uds": "unix-stream", "uds-dgram": "unix-dgram", "lo": "tcp",
          "hostip": "tcp", "veth": "tcp", "bridge": "tcp"}
PREFIX = "ipcp-"


def is_tcp(name):
    return SOCKET[name] == "tcp"


@dataclasses.dataclass
class Endpoint:
    transport: str
    socket: str
    server_prefix: list     # argv prefix that runs a command on the server side
    client_prefix: list
    addr: str               # tcp: the server's IP; unix: a directory for sockets
    mtu: int = None         # MTU of the path's link; None for Unix sockets
    links: dict = dataclasses.field(default_factory=dict)   # ifname -> facts
    namespaces: dict = dataclasses.field(default_factory=dict)  # side -> netns

    def address(self, tag):
        """Address for one server; tag tells servers of one transport apart
        (Unix sockets need a path each, TCP servers take port 0)."""
        if self.socket.startswith("unix"):
            return os.path.join(self.addr, f"{self.transport}-{tag}.sock")
        return self.addr


class Context:
    """What setup() needs from the run; owns the namespaces host lazily."""

    def __init__(self, run_id, sockdir, mtu, root, netns_host):
        self.run_id = run_id
        self.sockdir = sockdir
        self.mtu = mtu
        self.root = root              # Topology on the machine itself
        self._netns_host = netns_host  # callable -> Topology for namespaces

    def name(self, suffix):
        return f"{PREFIX}{self.run_id}-{suffix}"

    def netns_topology(self):
        return self._netns_host()


def _link_facts(topo, ns, ifname):
    info = topo.link(ns, ifname)
    return {"netns": ns, "mtu": info.get("mtu"), "offloads": topo.offloads(ns, ifname)}


def _tcp_endpoint(name, topo, server_ns, client_ns, addr, links):
    dev = topo.route_dev(client_ns, addr)
    facts = dict(links)
    if dev not in facts:
        facts[dev] = _link_facts(topo, client_ns, dev)
    return Endpoint(transport=name, socket="tcp",
                    server_prefix=topo.host.ns_prefix(server_ns),
                    client_prefix=topo.host.ns_prefix(client_ns),
                    addr=addr, mtu=facts[dev]["mtu"], links=facts,
                    namespaces={"server": server_ns, "client": client_ns})


def _veth(ctx):
    t = ctx.netns_topology()
    a, b = ctx.name("va"), ctx.name("vb")
    ia, ib = ctx.name("v0"), ctx.name("v1")
    t.add_netns(a)
    t.add_netns(b)
    t.add_veth(ia, a, ib, b, mtu=ctx.mtu)
    t.add_addr(a, ia, "198.18.0.1/24")
    t.add_addr(b, ib, "198.18.0.2/24")
    t.link_up(a, ia)
    t.link_up(b, ib)
    t.wait_oper_up(a, ia)
    t.wait_oper_up(b, ib)
    links = {ia: _link_facts(t, a, ia), ib: _link_facts(t, b, ib)}
    return _tcp_endpoint("veth", t, b, a, "198.18.0.2", links)


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
    return _tcp_endpoint("bridge", t, b, a, "198.18.1.2", links)


def _unix(name):
    def setup(ctx):
        return Endpoint(transport=name, socket=SOCKET[name], server_prefix=[],
                        client_prefix=[], addr=ctx.sockdir,
                        namespaces={"server": None, "client": None})
    return setup


def _lo(ctx):
    return _tcp_endpoint("lo", ctx.root, None, None, "127.0.0.1", {})


def _hostip(ctx):
    addr = topology.first_global_ipv4(ctx.root.host)
    if addr is None:
        raise topology.TopologyError("this machine has no global IPv4 address")
    return _tcp_endpoint("hostip", ctx.root, None, None, addr, {})


_SETUP = {"uds": _unix("uds"), "uds-dgram": _unix("uds-dgram"), "lo": _lo,
          "hostip": _hostip, "veth": _veth, "bridge": _bridge}


def setup(name, ctx):
    """Make what transport name needs; Endpoint, or TopologyError why not.
    Objects made before a failure stay queued in ctx's topologies and go
    with them."""
    return _SETUP[name](ctx)
