"""launcher - runs `ipcperf server|client ARGS` the way a container runtime's
transport needs, in place of bench/ipcperf. The runner starts it as the
endpoint's program (Endpoint.binary: a two-line script that runs this file
with the endpoint's spec), so the runner's own argv, ready pipe, --verify
and stop by PID stay as they are for every transport.

    python3 -m harness.launcher SPEC.json server --socket tcp --addr 0.0.0.0 \\
        --ready-fd 5 --port 0 --cpu 0
    python3 -m harness.launcher SPEC.json client --socket tcp --addr 127.0.0.1 \\
        --port 30001 --mode latency --size 100 --json

The spec says, per role, how (harness/runtimes.py writes it):
- {"run": "host", "binary": B, "ports": [LO, HI]}: exec B here; with ports,
  the server listens on the first port of LO..HI free here (the ports that
  pasta or slirp4netns forward).
- {"run": "host", "binary": B, "forwarder_pids": [P...]} or
  {"run": "host", "binary": B, "forwarder": "docker-proxy"}: exec the client
  with --forwarder-pid for each forwarder (docker-proxy: the one process
  serving the --addr and --port the client connects to).
- {"run": "docker-run", "docker": [CLI...], "name": N, "options": [...],
  "image": I, "program": "/ipcperf", "port": P, "publish": IP, "fixed_ip": bool}:
  the server as the main process of a new container. Docker cannot pass a
  file descriptor in, so the server writes its ready line to its stdout,
  which `docker run` attaches here, and this relays it to the runner's
  ready fd (with the host port that Docker published, when it published
  one). SIGTERM removes the container (`docker rm -f`), because signals to
  the docker CLI do not reliably reach a server that is PID 1 of its
  container.
- {"run": "docker-exec", "docker": [CLI...], "container": C, "program": P}:
  the client inside a running container (its namespaces, cgroup, seccomp).

Failures are one line on stderr and exit 1.
"""

import json
import os
import signal
import subprocess
import sys

from . import runtimes
from .runner import die_with_parent

DOCKER_TIMEOUT = 30


def fail(msg):
    sys.stderr.write(f"launcher: {msg}\n")
    sys.exit(1)


def option(args, name):
    """The value of the last `name VALUE` in args, or None."""
    value = None
    for i, a in enumerate(args[:-1]):
        if a == name:
            value = args[i + 1]
    return value


def replace_option(args, name, value):
    out = list(args)
    for i, a in enumerate(out[:-1]):
        if a == name:
            out[i + 1] = value
    return out


def free_port(addr, lo, hi):
    """The first port of lo..hi that addr can bind here, or None."""
    return next((p for p in range(lo, hi + 1) if runtimes.bindable(addr, p)), None)


def docker_proxy_pids(host_ip, host_port):
    """PIDs of the docker-proxy processes forwarding host_ip:host_port."""
    return [pid for pid, argv in runtimes.processes({"docker-proxy"})
            if _has_pair(argv, "-host-ip", host_ip)
            and _has_pair(argv, "-host-port", str(host_port))]


def _has_pair(argv, flag, value):
    return any(argv[i] == flag and argv[i + 1] == value for i in range(len(argv) - 1))


def host(spec, role, args):
    args = list(args)
    if role == "server" and spec.get("ports"):
        lo, hi = spec["ports"]
        addr = option(args, "--addr") or "0.0.0.0"
        port = free_port(addr, lo, hi)
        if port is None:
            fail(f"no free port in {lo}..{hi} on {addr} for the server")
        args += ["--port", str(port)]
    if role == "client":
        pids = list(spec.get("forwarder_pids") or [])
        if spec.get("forwarder") == "docker-proxy":
            addr, port = option(args, "--addr"), option(args, "--port")
            pids = docker_proxy_pids(addr, port)
            if not pids:
                fail(f"no docker-proxy process forwards {addr}:{port} (the daemon's "
                     "userland proxy is off?)")
        for pid in pids:
            args += ["--forwarder-pid", str(pid)]
    os.execv(spec["binary"], [spec["binary"], role] + args)


def docker_exec(spec, role, args):
    argv = spec["docker"] + ["exec", spec["container"], spec["program"], role] + list(args)
    os.execvp(argv[0], argv)


def docker(spec, *args, check=False):
    try:
        return subprocess.run(spec["docker"] + list(args), capture_output=True, text=True,
                              timeout=DOCKER_TIMEOUT, stdin=subprocess.DEVNULL,
                              check=check)
    except (OSError, subprocess.SubprocessError) as e:
        fail(f"docker {args[0]}: {e}")


def published_port(spec, name):
    """The host port Docker published for the container's port on spec's IP."""
    p = docker(spec, "port", name, f"{spec['port']}/tcp")
    for line in p.stdout.split():
        ip, _, port = line.rpartition(":")
        if ip == spec["publish"] and port.isdigit():
            return int(port)
    fail(f"docker published no port {spec['publish']}:*->{spec['port']} for {name}: "
         f"{p.stderr.strip() or p.stdout.strip()}")


def container_args(spec, args):
    """(container name, docker run argv) for the server with args."""
    ready = option(args, "--ready-fd")
    args = replace_option(args, "--ready-fd", "1")
    options = list(spec["options"])
    if spec.get("port"):
        args += ["--port", str(spec["port"])]
    if spec.get("fixed_ip"):
        addr = option(args, "--addr")
        options += ["--ip", addr]
        name = f"{spec['name']}-{addr.rsplit('.', 1)[-1]}"
        docker(spec, "rm", "-f", name)      # a server of this address that outlived its stop
    else:
        name = f"{spec['name']}-{os.getpid()}"
    argv = spec["docker"] + ["run", "--rm", "--name", name] + options \
        + [spec["image"], spec["program"], "server"] + args
    return name, argv, int(ready) if ready is not None else None


def docker_run(spec, role, args):
    if role != "server":
        fail("docker-run runs servers only")
    name, argv, ready_fd = container_args(spec, args)

    def remove(signum, frame):
        docker(spec, "rm", "-f", name)
        sys.exit(0)
    signal.signal(signal.SIGTERM, remove)
    signal.signal(signal.SIGINT, remove)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            preexec_fn=die_with_parent)
    line = proc.stdout.readline().decode(errors="replace")
    if line.startswith("ready") and spec.get("publish"):
        line = f"ready port={published_port(spec, name)}\n"
    if ready_fd is not None:
        if line:
            os.write(ready_fd, line.encode())
        os.close(ready_fd)
    for rest in proc.stdout:
        sys.stdout.buffer.write(rest)
    sys.exit(proc.wait())


RUN = {"host": host, "docker-exec": docker_exec, "docker-run": docker_run}


def main(argv):
    if len(argv) < 2 or argv[1] not in ("server", "client"):
        fail("usage: python3 -m harness.launcher SPEC.json server|client ARGS...")
    try:
        with open(argv[0]) as f:
            spec = json.load(f)[argv[1]]
    except (OSError, ValueError, KeyError) as e:
        fail(f"cannot read the spec {argv[0]}: {e}")
    RUN[spec["run"]](spec, argv[1], argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
