"""runtimes - what the real container runtimes' transports (harness/docker.py:
docker-*, harness/rootless.py: pasta, slirp4netns) share: the programs they
need, the launcher each endpoint runs in place of bench/ipcperf
(harness/launcher.py), host ports to forward, processes found by name and
stopped by PID, and the sweep of what a killed run left.

    cli = program("docker", "docker.io")          # or TopologyError why not
    ep.binary = write_launcher(ctx, "pasta", server_spec, client_spec)
    base = free_host_ports(4)                      # 4 consecutive free ports
    sweep_stale(is_alive)                          # app, before a run makes anything

Programs are looked up in PATH (and /usr/sbin, /sbin, where dockerd lives)
or taken from IPCPERF_DOCKER, IPCPERF_DOCKERD, IPCPERF_PASTA and
IPCPERF_SLIRP4NETNS; a variable naming a missing file makes its transports
skip with that reason (what the tests use to stand for a machine without
them).
"""

import json
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

from . import names
from .topology import TopologyError

ENV = {"docker": "IPCPERF_DOCKER", "dockerd": "IPCPERF_DOCKERD", "pasta": "IPCPERF_PASTA",
       "slirp4netns": "IPCPERF_SLIRP4NETNS"}
SBIN = "/usr/local/sbin:/usr/sbin:/sbin"
INSTALL = "scripts/deps.sh install containers"
STOP_TIMEOUT = 3.0
# forwarded host ports: below the ephemeral range, so that no outgoing
# connection takes one between the choice and the forwarder's bind
PORT_LO, PORT_HI = 20000, 32000
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def program(name, package):
    """The path of program name, or TopologyError saying how to get it."""
    env = ENV[name]
    given = os.environ.get(env)
    if given is not None:
        if given and os.access(given, os.X_OK):
            return given
        raise TopologyError(f"{name} not found at {env}={given or '(empty)'}")
    path = shutil.which(name) or shutil.which(name, path=SBIN)
    if path is None:
        raise TopologyError(f"{name} not found (install {package}: {INSTALL})")
    return path


def version(argv, package=None):
    """The first line a program prints for argv (its --version), and the
    Debian package's version where the program does not know its own."""
    out = {}
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL)
        lines = [l for l in (p.stdout + p.stderr).splitlines()
                 if l.strip() and "syslog" not in l]
        out["version"] = lines[0].strip() if lines else None
    except (OSError, subprocess.SubprocessError):
        out["version"] = None
    if package and shutil.which("dpkg-query"):
        p = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                           capture_output=True, text=True, timeout=10)
        out["package"] = f"{package} {p.stdout.strip()}" if p.returncode == 0 else None
    return out


def binary(ctx):
    """The run's bench/ipcperf, which the launchers run on the host side."""
    if not ctx.binary:
        raise TopologyError("the run names no bench/ipcperf for the runtimes' launchers")
    return ctx.binary


def write_launcher(ctx, name, server, client):
    """A program for Endpoint.binary that runs harness/launcher.py with this
    endpoint's spec (how each role runs); in the run's private directory."""
    spec = os.path.join(ctx.sockdir, f"{name}.json")
    with open(spec, "w") as f:
        json.dump({"server": server, "client": client}, f, indent=1)
    script = os.path.join(ctx.sockdir, f"{name}.ipcperf")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n# bench/ipcperf for the %s transport (harness/launcher.py)\n"
                'PYTHONPATH=%s exec %s -m harness.launcher %s "$@"\n'
                % (name, shlex.quote(REPO), shlex.quote(sys.executable), shlex.quote(spec)))
    os.chmod(script, 0o700)
    return script


def bindable(addr, port):
    """True when addr:port can be bound for TCP now (as servers bind: with
    SO_REUSEADDR, so a port in TIME_WAIT counts as free)."""
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((addr, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_host_ports(count, addr="127.0.0.1", tries=50):
    """The first of count consecutive ports that addr can bind now. Run
    under ctx.host_lock() together with what binds them."""
    for _ in range(tries):
        base = random.randrange(PORT_LO, PORT_HI - count)
        if all(bindable(addr, p) for p in range(base, base + count)):
            return base
    raise TopologyError(f"no {count} consecutive free ports on {addr} in "
                        f"{PORT_LO}..{PORT_HI}")


def processes(programs):
    """[(pid, argv)] of the processes whose program (argv[0]'s base name or
    comm) is one of programs."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")[:-1]
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if argv and (os.path.basename(argv[0]) in programs or comm in programs):
            out.append((int(entry), argv))
    return out


def gone(pid, timeout):
    """Wait until pid has exited (or is a zombie); True if it did in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except (OSError, IndexError):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def stop_pid(pid, timeout=STOP_TIMEOUT):
    """SIGTERM a process that is not our child, SIGKILL after timeout."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if gone(pid, timeout):
            return


def kill_of_dead_runs(programs, is_dead):
    """SIGKILL the processes called one of programs whose argv names a path of
    a dead run (its private directory ipcp-<id>-...); is_dead(rid) is True
    only for a run known to be dead here (its state file is in this state
    directory), because processes are seen across mount and network
    namespaces where liveness is not. Returns ["name pid"] killed."""
    killed = []
    for pid, argv in processes(programs):
        ids = {m.group(1) for a in argv for m in names.IN_PATH.finditer(a)}
        if ids and all(is_dead(rid) for rid in ids):
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(f"{os.path.basename(argv[0])} {pid}")
            except OSError:
                pass
    return killed


def sweep_stale(is_alive, recorded):
    """Everything a run that is no longer alive left of the container
    runtimes: its private dockerd and what that ran, its Docker objects in
    the user's daemon, its pasta and slirp4netns (only of runs in recorded,
    the dead runs whose state files are here). Returns what it removed."""
    from . import docker, dockerd, rootless      # they build on this module
    removed = []
    sweeps = [dockerd.sweep_stale, docker.sweep_stale]
    if recorded:        # rootless's scan of every process can only match these
        sweeps.append(lambda alive: rootless.sweep_stale(
            lambda rid: rid in recorded and not alive(rid)))
    for sweep in sweeps:
        try:
            removed += sweep(is_alive)
        except (OSError, TopologyError):
            pass
    return removed
