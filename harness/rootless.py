"""rootless - the pasta and slirp4netns transports: the networks of rootless
containers (Podman 5's default, and rootless Docker's and Podman 4's), on
the real programs. The server runs in a new user + network namespace, as a
rootless container does; the client, on the host, connects to 127.0.0.1
and a forwarded port, and the forwarder carries the bytes into the
namespace:

    pasta        pasta --config-net -a 198.18.18.2 -n 24 -g 198.18.18.1
                 -t 127.0.0.1/P-P+3 -u none -T none -U none [--runas 0] PID
                 (podman run --network pasta -p 127.0.0.1:P:P). A connection
                 from the host's loopback is spliced by pasta onto one to the
                 namespace's loopback: two sockets and pasta in between.
    slirp4netns  slirp4netns --configure --cidr 198.18.19.0/24
                 --disable-host-loopback --enable-sandbox --enable-seccomp
                 --api-socket S PID tap0, then add_hostfwd 127.0.0.1:P for
                 each port (podman run --network slirp4netns:port_handler=
                 slirp4netns -p 127.0.0.1:P:P): libslirp's own TCP/IP stack
                 on the host side, a tap device in the namespace.

Four ports P..P+3, chosen free on the host, are forwarded to the same
numbers in the namespace, one per server (one per --cpus placement; the
launcher gives each server the first free one). The forwarder's PID goes to
the client (--forwarder-pid), which reads its CPU time over the window. Both
run as the invoking user (as root, pasta needs --runas 0 to keep access to
the namespaces); they need /dev/net/tun, and user namespaces.
"""

import json
import os
import select
import socket
import subprocess

from . import runtimes, topology, transports
from .runner import die_with_parent, stop_process
from .topology import TopologyError

PASTA_NET = ("198.18.18.2", "24", "198.18.18.1")
SLIRP_CIDR, SLIRP_GUEST = "198.18.19.0/24", "198.18.19.100"
PORTS = 4                   # forwarded ports: one per --cpus placement, and a spare
READY_TIMEOUT = 10
FORWARDERS = ("pasta", "pasta.avx2", "passt", "passt.avx2", "slirp4netns")
# As root the forwarders sandbox themselves in a mount namespace of the same
# owner as the machine's, where shared mounts stay shared: slirp4netns
# 1.2.0's --enable-sandbox then detaches the machine's own /run/netns/*
# mounts (every `ip netns` namespace) through propagation. A private mount
# namespace of their own first keeps that from reaching the machine. (Run by
# a user, they make a user namespace first, where shared mounts turn slave.)
PRIVATE_MOUNTS = ["unshare", "--mount", "--propagation", "private"]


def _namespace(ctx):
    """A user + network namespace held open for the run (lo up), or
    TopologyError when the system does not allow one; -> (pid, Host)."""
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        raise TopologyError("no access to /dev/net/tun (the forwarder's tap device); "
                            "it needs read and write permission for this user")
    uns = topology.UserNamespace(preexec_fn=die_with_parent)
    host = uns.__enter__()
    ctx.root.defer(uns.close)
    ctx.state.add_pid(uns.pid)
    ctx.root.defer(ctx.state.remove_pid, uns.pid)
    host.ip(None, "link", "set", "lo", "up")
    return uns.pid, host


def _start_pasta(ctx, pasta, pid, base):
    """pasta for the namespace of pid, forwarding base..base+PORTS-1; it
    returns once it is set up and has gone to the background."""
    pidfile = os.path.join(ctx.sockdir, "pasta.pid")
    root = os.geteuid() == 0
    argv = (PRIVATE_MOUNTS if root else []) + [pasta] + (["--runas", "0"] if root else []) + \
        ["-q", "--config-net", "-a", PASTA_NET[0], "-n", PASTA_NET[1], "-g", PASTA_NET[2],
         "--mtu", str(ctx.mtu), "-t", f"127.0.0.1/{base}-{base + PORTS - 1}",
         "-u", "none", "-T", "none", "-U", "none", "-P", pidfile, str(pid)]
    p = topology.run(argv, check=False)
    try:
        with open(pidfile) as f:
            fwd = int(f.read().strip())
    except (OSError, ValueError):
        fwd = None
    if p.returncode != 0 or fwd is None:
        lines = [l for l in (p.stderr + p.stdout).splitlines()
                 if l.strip() and "syslog" not in l]
        raise TopologyError(f"pasta failed: {lines[-1] if lines else 'exit %d' % p.returncode}")
    ctx.state.add_pid(fwd)
    ctx.root.defer(_stop_forwarder, ctx, fwd)
    return argv, fwd


def _stop_forwarder(ctx, pid):
    runtimes.stop_pid(pid)
    ctx.state.remove_pid(pid)


def _endpoint(ctx, name, host, fwd, base, mtu, path):
    server = {"run": "host", "binary": runtimes.binary(ctx), "ports": [base, base + PORTS - 1]}
    client = {"run": "host", "binary": runtimes.binary(ctx), "forwarder_pids": [fwd]}
    path = dict(ctx.root.path(None, "127.0.0.1"), runtime=name,
                forwarded=f"127.0.0.1:{base}-{base + PORTS - 1} -> the same ports in the "
                          "namespace", forwarder=name, forwarder_pid=fwd, **path)
    return transports.Endpoint(
        transport=name, socket="tcp", server_prefix=host.ns_prefix(None), client_prefix=[],
        addr="127.0.0.1", server_addr="0.0.0.0", mtu=mtu, shared_netns=False, path=path,
        binary=runtimes.write_launcher(ctx, name, server, client))


def pasta(ctx):
    prog = runtimes.program("pasta", "passt")
    ctx.root.route_get(None, "127.0.0.1")          # the client's way in
    pid, host = _namespace(ctx)
    with ctx.host_lock():
        base = runtimes.free_host_ports(PORTS)
        argv, fwd = _start_pasta(ctx, prog, pid, base)
    # a loopback connection is spliced: loopback on both sides of pasta
    lo = ctx.root.link(None, "lo").get("mtu")
    return _endpoint(ctx, "pasta", host, fwd, base, lo, {
        "argv": argv, **runtimes.version([prog, "--version"], "passt"),
        "namespace": f"{PASTA_NET[0]}/{PASTA_NET[1]} (tap MTU {ctx.mtu}); the host's "
                     "127.0.0.1 is spliced onto the namespace's loopback",
        "equivalent": f"podman run --network pasta -p 127.0.0.1:{base}:{base}"})


def _slirp_ready(proc, fd):
    """Until slirp4netns writes "1" on its ready fd; TopologyError if not."""
    ready, _, _ = select.select([fd], [], [], READY_TIMEOUT)
    got = os.read(fd, 16) if ready else b""
    if got.strip() != b"1":
        why = "exited" if proc.poll() is not None else f"not ready in {READY_TIMEOUT} s"
        raise TopologyError(f"slirp4netns {why}")


def _slirp_forward(api, port):
    """add_hostfwd 127.0.0.1:port -> the guest's port, over the API socket."""
    req = {"execute": "add_hostfwd", "arguments": {
        "proto": "tcp", "host_addr": "127.0.0.1", "host_port": port,
        "guest_addr": SLIRP_GUEST, "guest_port": port}}
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(READY_TIMEOUT)
        try:
            s.connect(api)
            s.sendall(json.dumps(req).encode())
            s.shutdown(socket.SHUT_WR)
            reply = json.loads(s.recv(4096) or b"{}")
        except (OSError, ValueError) as e:
            raise TopologyError(f"slirp4netns add_hostfwd {port}: {e}") from None
    if "error" in reply or "return" not in reply:
        raise TopologyError(f"slirp4netns add_hostfwd {port}: {reply.get('error', reply)}")


def _start_slirp(ctx, prog, pid):
    """slirp4netns for the namespace of pid, a child of the harness (dies
    with it); -> (argv, Popen, api socket path)."""
    api = os.path.join(ctx.sockdir, "slirp4netns.sock")
    r, w = os.pipe()
    argv = (PRIVATE_MOUNTS if os.geteuid() == 0 else []) + \
        [prog, "--configure", "--mtu", str(ctx.mtu), "--cidr", SLIRP_CIDR,
            "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp",
            "--api-socket", api, "--ready-fd", str(w),
            f"--userns-path=/proc/{pid}/ns/user", str(pid), "tap0"]
    try:
        with open(os.path.join(ctx.sockdir, "slirp4netns.log"), "ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    pass_fds=(w,), preexec_fn=die_with_parent)
    except OSError as e:
        raise TopologyError(f"cannot run slirp4netns: {e.strerror}") from None
    finally:
        os.close(w)
    ctx.state.add_pid(proc.pid)
    ctx.root.defer(ctx.state.remove_pid, proc.pid)
    ctx.root.defer(stop_process, proc)
    try:
        _slirp_ready(proc, r)
    finally:
        os.close(r)
    return argv, proc, api


def slirp4netns(ctx):
    prog = runtimes.program("slirp4netns", "slirp4netns")
    if ctx.mtu > 65521:
        raise TopologyError(f"slirp4netns takes an MTU up to 65521 (--mtu {ctx.mtu})")
    ctx.root.route_get(None, "127.0.0.1")          # the client's way in
    pid, host = _namespace(ctx)
    argv, proc, api = _start_slirp(ctx, prog, pid)
    with ctx.host_lock():
        base = runtimes.free_host_ports(PORTS)
        for port in range(base, base + PORTS):
            _slirp_forward(api, port)
    return _endpoint(ctx, "slirp4netns", host, proc.pid, base, ctx.mtu, {
        "argv": argv, **runtimes.version([prog, "--version"], "slirp4netns"),
        "namespace": f"{SLIRP_GUEST} on tap0 in {SLIRP_CIDR}, MTU {ctx.mtu}",
        "equivalent": "podman run --network slirp4netns:port_handler=slirp4netns "
                      f"-p 127.0.0.1:{base}:{base}"})


def sweep_stale(is_dead):
    """pasta and slirp4netns of dead runs (found by the run's private
    directory in their argv: pasta's pidfile, slirp4netns's API socket),
    beside the PIDs their state files recorded: a kill -9 between the start
    and the record leaves one unrecorded."""
    return [f"forwarder {k}" for k in runtimes.kill_of_dead_runs(FORWARDERS, is_dead)]
