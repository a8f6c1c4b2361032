"""docker - the five docker-* transports (DESIGN.md "Transports") on a real
Docker daemon (harness/dockerd.py: the user's, or a private one), with what
they share per run (Session): the image, imported with `docker import` from
bench/ipcperf-static (one file, /ipcperf), and one user-defined bridge
network, both named ipcp-<id>-...; every container is attached to that
network, to none, to another container's or to the host's, never to
Docker's default bridge.

    docker-bridge     server: a container on the network, 198.18.24.11 and up
                      (one per --cpus placement); client: another container on
                      it (docker exec)          docker run --network N
    docker-publish    server: a container, -p HOSTIP::5201; client: the host
                      -> HOSTIP:port, Docker's DNAT   docker run -p 8080:80
    docker-proxy      server: a container, -p 127.0.0.1::5201; client: the host
                      -> 127.0.0.1:port, docker-proxy
                                                docker run -p 127.0.0.1:8080:80
    docker-host       server: a container, --network host; client: the host
                      -> 127.0.0.1                docker run --network host
    docker-container  server and client (docker exec): containers with
                      --network container:P, P a holder on --network none
                                                docker run --network container:P

"host" is the daemon's network namespace: the machine's own with the user's
daemon, ipcp-<id>-dk with a private one. Servers run as the container's
main process (docker run, through harness/launcher.py, which relays the
ready line); clients in containers through docker exec, so seccomp, the
cgroup and the namespaces are the container's own. The network's subnet is
198.18.24.0/24 (a private daemon's namespace is the run's own), or with the
user's daemon the first of 198.18.24.0/24..198.18.63.0/24 that nothing on
the machine uses (concurrent runs take different ones).
"""

import dataclasses
import os
import tarfile

from . import dockerd, names, runtimes, topology, transports
from .command import one_line
from .topology import TopologyError

IMAGE_PROGRAM = "/ipcperf"
CONTAINER_PORT = 5201           # where published servers listen in their container
PRIVATE_SUBNET = "198.18.24"
USER_SUBNETS = [f"198.18.{n}" for n in range(24, 64)]
CLIENT_HOST, SERVER_FIRST_HOST = 3, 11     # .3 the client's container, .11+ servers
# what a client's container runs while it waits for `docker exec`: the image
# holds nothing but ipcperf, and an idle server is a process that waits
KEEPER = ["server", "--socket", "unix-stream", "--addr", "/keep.sock"]
BUILD_TIMEOUT = 300
LOOPBACK_MTU = 65536            # a new network namespace's lo (docker-container's)


@dataclasses.dataclass
class TaggedEndpoint(transports.Endpoint):
    """docker-bridge: each server (one per --cpus placement) is a container
    of its own, so each has its own address: SUBNET.11, .12, ..."""
    subnet: str = None
    tags: dict = dataclasses.field(default_factory=dict)

    def address(self, tag):
        if tag not in self.tags:
            self.tags[tag] = f"{self.subnet}.{SERVER_FIRST_HOST + len(self.tags)}"
        return self.tags[tag]


class Session:
    """What the docker-* transports of one run share."""

    def __init__(self, daemon, image, network, subnet, host_ip, mtu):
        self.daemon, self.image, self.network = daemon, image, network
        self.subnet, self.host_ip, self.mtu = subnet, host_ip, mtu
        self.ns = daemon.netns            # where "the host" is (None: the machine's)
        self._facts = None

    def facts(self):
        if self._facts is None:
            self._facts = dict(self.daemon.facts(), image=self.image,
                               network={"name": self.network, "driver": "bridge",
                                        "subnet": f"{self.subnet}.0/24",
                                        "bridge": self.network, "mtu": self.mtu})
        return self._facts

    def server(self, name, options, **kw):
        """The launcher spec of a server run as a container's main process."""
        return dict(run="docker-run", docker=self.daemon.docker, name=name,
                    options=list(options), image=self.image, program=IMAGE_PROGRAM, **kw)

    def exec_in(self, container):
        return {"run": "docker-exec", "docker": self.daemon.docker,
                "container": container, "program": IMAGE_PROGRAM}


def static_binary(ctx):
    """bench/ipcperf-static beside the run's binary, brought up to date with
    `make static` where it is the repository's own."""
    static = os.environ.get("IPCPERF_STATIC_BIN") or runtimes.binary(ctx) + "-static"
    repo = os.path.dirname(os.path.dirname(os.path.abspath(runtimes.binary(ctx))))
    if not os.environ.get("IPCPERF_STATIC_BIN") and os.path.exists(os.path.join(repo, "Makefile")):
        with ctx.host_lock():                # concurrent runs: one link at a time
            p = topology.run(["make", "-C", repo, "-s", "bench/ipcperf-static"],
                             timeout=BUILD_TIMEOUT, check=False)
        if p.returncode != 0:
            why = one_line(p.stderr + "\n" + p.stdout) or "make failed"
            raise TopologyError(f"cannot build {static} for the container image: {why}")
    if not os.access(static, os.X_OK):
        raise TopologyError(f"{static} is missing (make static builds it; "
                            "IPCPERF_STATIC_BIN names another)")
    return static


def import_image(ctx, daemon, static):
    """The run's image: one file, /ipcperf, from `docker import`."""
    name = ctx.name("img")
    tar = os.path.join(ctx.sockdir, "image.tar")
    with tarfile.open(tar, "w") as tf:
        info = tf.gettarinfo(static, arcname=IMAGE_PROGRAM.lstrip("/"))
        info.uid = info.gid = 0
        info.mode = 0o755
        with open(static, "rb") as f:
            tf.addfile(info, f)
    ctx.root.defer(lambda: daemon.run("rmi", "-f", name, check=False))
    daemon.run("import", tar, name)
    os.unlink(tar)
    return name


def create_network(ctx, daemon):
    """The run's network (its bridge is named like it); (name, subnet)."""
    name = ctx.name("dn")
    with ctx.host_lock():
        subnet = PRIVATE_SUBNET if daemon.private else \
            transports._free_subnet(ctx.root.host, USER_SUBNETS)
        ctx.root.defer(lambda: daemon.run("network", "rm", name, check=False))
        daemon.run("network", "create", "--driver", "bridge",
                   "--subnet", f"{subnet}.0/24", "--gateway", f"{subnet}.1",
                   "--ip-range", f"{subnet}.128/25",        # .2-.127 for fixed addresses
                   "-o", f"com.docker.network.bridge.name={name}",
                   "-o", f"com.docker.network.driver.mtu={ctx.mtu}", name)
    return name, subnet


def remove_containers(daemon, prefix):
    """Every container whose name starts with prefix (the run's)."""
    p = daemon.run("ps", "-a", "--format", "{{.Names}}", check=False)
    names = [n for n in p.stdout.split() if n.startswith(prefix)]
    if names:
        daemon.run("rm", "-f", *names, check=False)


def _new_session(ctx):
    cli = runtimes.program("docker", "docker.io")
    daemon = dockerd.connect(ctx, cli)
    image = import_image(ctx, daemon, static_binary(ctx))
    network, subnet = create_network(ctx, daemon)
    # after the network: undone before it is removed
    ctx.root.defer(remove_containers, daemon, names.run_prefix(ctx.run_id))
    host_ip = dockerd.HOST_IP if daemon.private else topology.first_global_ipv4(ctx.root.host)
    return Session(daemon, image, network, subnet, host_ip, ctx.mtu)


def session(ctx):
    """The run's Session, made by the first docker-* transport; a failure is
    remembered, so the others skip with the same reason at once."""
    got = ctx.runtimes.get("docker")
    if isinstance(got, TopologyError):
        raise got
    if got is None:
        ctx.root.defer(ctx.runtimes.pop, "docker", None)   # rolled back with it
        try:
            got = ctx.runtimes["docker"] = _new_session(ctx)
        except TopologyError as e:
            ctx.runtimes["docker"] = e
            raise
    return got


def keeper(ctx, s, name, *options):
    """A container that only waits (KEEPER), for docker exec or to hold a
    network namespace for others."""
    s.daemon.run("run", "-d", "--name", name, *options, s.image, IMAGE_PROGRAM, *KEEPER)


def _endpoint(ctx, s, name, server, client, *, cls=transports.Endpoint, route=None,
              crosses_daemon_ns=True, **kw):
    """An Endpoint whose program is the launcher for server and client specs.
    route: the address a client in the host namespace connects to, whose
    path (route, device, nftables, conntrack) goes to meta.json; a
    TopologyError when it has none. crosses_daemon_ns: the connections pass
    the daemon's namespace, where their conntrack entries are counted."""
    facts = ctx.root.path(s.ns, route) if route else {}
    kw["path"] = dict(facts, runtime="docker", docker=s.facts(), **kw.get("path", {}))
    ep = cls(transport=name, socket="tcp", server_prefix=[],
             binary=runtimes.write_launcher(ctx, name, server, client), **kw)
    # the daemon's iptables rules keep conntrack on in its namespace, which
    # these paths cross (bridged with br_netfilter, NATed, or proxied there)
    if crosses_daemon_ns:
        ep.conntrack = transports._conntrack(ctx, ctx.root, topology.Host().ns_prefix(s.ns),
                                             "meta l4proto tcp")
    return ep


def _host_client(ctx, **kw):
    """The client spec of a client in the daemon's "host" namespace."""
    return dict(run="host", binary=runtimes.binary(ctx), **kw)


def _lo_mtu(ctx, s):
    return ctx.root.link(s.ns, "lo").get("mtu")


def docker_bridge(ctx):
    s = session(ctx)
    client = ctx.name("dbc")
    keeper(ctx, s, client, "--network", s.network, "--ip", f"{s.subnet}.{CLIENT_HOST}")
    server = s.server(ctx.name("db"), ["--network", s.network], fixed_ip=True)
    return _endpoint(ctx, s, "docker-bridge", server, s.exec_in(client), cls=TaggedEndpoint,
                     subnet=s.subnet, client_prefix=[], addr=f"{s.subnet}.{SERVER_FIRST_HOST}",
                     mtu=s.mtu, shared_netns=False,
                     path={"server": f"a container on {s.network} per --cpus placement, "
                                     f"{s.subnet}.{SERVER_FIRST_HOST} up",
                           "client": f"container {client} on {s.network}, "
                                     f"{s.subnet}.{CLIENT_HOST} (docker exec)",
                           "equivalent": f"docker run --network {s.network}"})


def _published(ctx, name, code, publish_ip, **kw):
    """docker-publish and docker-proxy: a container with a published port,
    a client in the host namespace connecting to publish_ip:that port."""
    s = session(ctx)
    options = ["--network", s.network, "-p", f"{publish_ip}::{CONTAINER_PORT}"]
    server = s.server(ctx.name(code), options, port=CONTAINER_PORT, publish=publish_ip)
    client = _host_client(ctx, **kw)
    return _endpoint(ctx, s, name, server, client, route=publish_ip,
                     client_prefix=topology.Host().ns_prefix(s.ns), addr=publish_ip,
                     server_addr="0.0.0.0", mtu=s.mtu, shared_netns=False,
                     path={"server": f"a container on {s.network} per --cpus placement, "
                                     f"-p {publish_ip}::{CONTAINER_PORT}",
                           "client": f"the host namespace ({s.ns or 'the machine'})",
                           "forwarder": kw.get("forwarder"),
                           "equivalent": f"docker run -p {publish_ip}::{CONTAINER_PORT}"})


def docker_publish(ctx):
    s = session(ctx)
    if s.host_ip is None:
        raise TopologyError("this machine has no global IPv4 address to publish on")
    return _published(ctx, "docker-publish", "dp", s.host_ip)


def docker_proxy(ctx):
    s = session(ctx)
    if s.facts().get("userland_proxy") is False:
        raise TopologyError("the Docker daemon runs with userland-proxy off: "
                            "no docker-proxy carries 127.0.0.1")
    return _published(ctx, "docker-proxy", "dx", "127.0.0.1", forwarder="docker-proxy")


def docker_host(ctx):
    s = session(ctx)
    server = s.server(ctx.name("dh"), ["--network", "host"])
    return _endpoint(ctx, s, "docker-host", server, _host_client(ctx), route="127.0.0.1",
                     client_prefix=topology.Host().ns_prefix(s.ns), addr="127.0.0.1",
                     mtu=_lo_mtu(ctx, s), shared_netns=True,
                     path={"server": "a container with --network host per --cpus placement",
                           "client": f"the host namespace ({s.ns or 'the machine'})",
                           "equivalent": "docker run --network host"})


def docker_container(ctx):
    s = session(ctx)
    holder, client = ctx.name("dcp"), ctx.name("dcc")
    keeper(ctx, s, holder, "--network", "none")
    keeper(ctx, s, client, "--network", f"container:{holder}")
    server = s.server(ctx.name("dc"), ["--network", f"container:{holder}"])
    # loopback inside the holder's namespace: the daemon's never sees it
    return _endpoint(ctx, s, "docker-container", server, s.exec_in(client),
                     crosses_daemon_ns=False, client_prefix=[], addr="127.0.0.1", mtu=LOOPBACK_MTU, shared_netns=True,
                     path={"server": f"a container with --network container:{holder} "
                                     "per --cpus placement",
                           "client": f"container {client}, --network container:{holder} "
                                     "(docker exec)",
                           "netns": f"{holder}'s, --network none: loopback only",
                           "equivalent": f"docker run --network container:{holder}"})


def sweep_stale(is_alive):
    """Containers, networks and images named ipcp-<id>-... in the user's
    daemon whose run is no longer alive (a private daemon's go with it)."""
    try:
        cli = runtimes.program("docker", "docker.io")
    except TopologyError:
        return []
    host = os.environ.get("DOCKER_HOST") or dockerd.DEFAULT_HOST
    if host.startswith("unix://") and not os.path.exists(host[len("unix://"):]):
        return []
    if dockerd._answers(cli, host) is not None:
        return []
    daemon = dockerd.Daemon(cli, host, private=False)
    removed = []
    for kind, listing, remove in (
            ("container", ["ps", "-a", "--format", "{{.Names}}"], ["rm", "-f"]),
            ("network", ["network", "ls", "--format", "{{.Name}}"], ["network", "rm"]),
            ("image", ["images", "--format", "{{.Repository}}"], ["rmi", "-f"])):
        for name in daemon.run(*listing, check=False).stdout.split():
            rid = names.owner(name, instances=True)
            if rid and not is_alive(rid) and \
                    daemon.run(*remove, name, check=False).returncode == 0:
                removed.append(f"docker {kind} {name}")
    return removed
