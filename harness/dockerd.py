"""dockerd - the Docker daemon behind the docker-* transports: the user's own
when one answers (DOCKER_HOST, else /var/run/docker.sock), used as it is and
never reconfigured; otherwise, as root, a private one for the run:

    ipcp-<id>-dk               a network namespace of its own, the daemon's
                               "host": 198.18.16.1/24 on a veth pair stands
                               for the machine's address. dockerd's bridges,
                               iptables chains, conntrack, ip_forward,
                               br_netfilter sysctls, docker-proxy and the
                               --network host containers all live there, so
                               the machine's own namespace (and every other
                               transport measured in it) is untouched, and
                               concurrent runs' daemons never meet
    STATE_DIR/ipcp-<id>-dk/    data-root, exec-root, pidfile, socket, log
    --bip 198.18.17.1/24 --default-address-pool base=198.18.20.0/22,size=24
    --cgroup-parent /ipcp-<id>-dk, cgroupfs, an empty --config-file (the
    system's daemon.json belongs to the user's daemon)

It starts in a private mount namespace (its mounts vanish with it), is
waited for by sd_notify (NOTIFY_SOCKET receives READY=1) and stopped with
SIGTERM at the end. After a kill -9, sweep_stale() kills what outlived it
(containerd-shims and their containers do) by the run's paths and cgroup,
and removes the directory and the namespace.

    d = connect(ctx, cli)            # Daemon, or TopologyError why not
    d.run("network", "ls")           # the docker CLI against it
    d.facts()                        # versions and settings, for meta.json
"""

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import time

from . import meta, names, runtimes, state, sysctl, topology
from .command import one_line
from .runner import die_with_parent, stop_process
from .topology import TopologyError

DEFAULT_HOST = "unix:///var/run/docker.sock"
ANSWER_TIMEOUT = 10
START_TIMEOUT = 60
STOP_TIMEOUT = 20
HOST_CIDR, HOST_IP = "198.18.16.1/24", "198.18.16.1"
BIP = "198.18.17.1/24"
ADDRESS_POOL = "base=198.18.20.0/22,size=24"
CGROUP_ROOT = "/sys/fs/cgroup"
# what a daemon changes that matters to the paths (read in its namespace)
NET_SYSCTLS = ["net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables",
               "net.bridge.bridge-nf-call-ip6tables", "net.bridge.bridge-nf-call-arptables"]
# the programs of a private daemon's process tree
PROGRAMS = ("dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2",
            "docker-proxy", "runc")


def private_dir(run_id):
    return os.path.join(state.state_dir(), names.make(run_id, "dk"))


class Daemon:
    """One daemon and the docker CLI argv that talks to it."""

    def __init__(self, cli, host, private, netns=None, argv=None):
        self.cli, self.host, self.private, self.netns = cli, host, private, netns
        self.docker = [cli, "-H", host]
        self.argv = argv                  # the private daemon's command line
        self.proc = None
        self.sysctls_changed = {}         # host sysctls the daemon changed, put back

    def run(self, *args, input=None, timeout=60, check=True):
        return topology.run(self.docker + list(args), timeout=timeout, check=check,
                            input=input)

    def json(self, *args):
        try:
            return json.loads(self.run(*args, "--format", "{{json .}}").stdout or "{}")
        except (ValueError, TopologyError):
            return {}

    def facts(self):
        """Versions and the settings that shape the paths, for meta.json."""
        v, info = self.json("version"), self.json("info")
        server = v.get("Server") or {}
        parts = {c.get("Name"): c.get("Version") for c in server.get("Components") or []}
        config = _private_config() if self.private else _user_config()
        return {"daemon": "private" if self.private else "user", "host": self.host,
                "netns": self.netns, "cli_version": (v.get("Client") or {}).get("Version"),
                "dockerd": server.get("Version"), "api_version": server.get("ApiVersion"),
                "containerd": parts.get("containerd"), "runc": parts.get("runc"),
                "docker_init": parts.get("docker-init"),
                "storage_driver": info.get("Driver"), "cgroup_driver": info.get("CgroupDriver"),
                "security_options": info.get("SecurityOptions"), **config,
                "argv": self.argv or config.get("argv"),
                "netns_sysctls": self.netns_sysctls(),
                "br_netfilter_loaded": os.path.isdir("/proc/sys/net/bridge"),
                "host_sysctls_changed": dict(self.sysctls_changed)}

    def netns_sysctls(self):
        """ip_forward and br_netfilter's sysctls where the daemon's bridges are."""
        if self.netns:
            return meta.read_sysctls_in(topology.Host().ns_prefix(self.netns), NET_SYSCTLS)
        return meta.read_sysctls(NET_SYSCTLS)


def _private_config():
    return {"userland_proxy": True, "iptables": True, "ip_forward": True}


def _bool_flag(argv, name):
    """A Go boolean flag in argv: True (--name, --name=true), False
    (--name=false), None (absent)."""
    for a in argv:
        if a == f"--{name}" or a.startswith(f"--{name}="):
            return a.partition("=")[2] in ("", "true", "1")
    return None


def _string_flag(argv, name):
    """The value of --name V or --name=V in argv, or None."""
    for i, a in enumerate(argv):
        if a == f"--{name}" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return None


def _user_config():
    """The user's daemon's userland-proxy and iptables settings, from its
    command line and daemon.json (None each where they cannot be read)."""
    found = [argv for _, argv in runtimes.processes({"dockerd"})]
    out = {"userland_proxy": None, "iptables": None, "ip_forward": None, "argv": None}
    if len(found) != 1:
        return out
    argv = found[0]
    out["argv"] = argv
    try:
        with open(_string_flag(argv, "config-file") or "/etc/docker/daemon.json") as f:
            conf = json.load(f)
    except (OSError, ValueError):
        conf = {}
    for key, name in (("userland_proxy", "userland-proxy"), ("iptables", "iptables"),
                      ("ip_forward", "ip-forward")):
        flag = _bool_flag(argv, name)
        out[key] = bool(conf.get(name, True)) if flag is None else flag
    return out


def _answers(cli, host):
    """None when the daemon at host answers, else why not (one line)."""
    try:
        p = subprocess.run([cli, "-H", host, "version", "--format", "{{.Server.Version}}"],
                           capture_output=True, text=True, timeout=ANSWER_TIMEOUT,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"no answer in {ANSWER_TIMEOUT} s"
    except OSError as e:
        return f"cannot run {cli}: {e.strerror}"
    if p.returncode == 0 and p.stdout.strip():
        return None
    return one_line(p.stderr) or f"exit {p.returncode}"


def connect(ctx, cli):
    """The user's daemon if one answers, else a private one (root only)."""
    host = os.environ.get("DOCKER_HOST")
    if host:
        why = _answers(cli, host)
        if why:
            raise TopologyError(f"DOCKER_HOST={host} does not answer: {why}")
        return Daemon(cli, host, private=False)
    if os.path.exists(DEFAULT_HOST[len("unix://"):]):
        why = _answers(cli, DEFAULT_HOST)
        if why is None:
            return Daemon(cli, DEFAULT_HOST, private=False)
        if os.geteuid() != 0 and "permission denied" in why.lower():
            raise TopologyError(f"no access to the Docker daemon's socket ({why}); join "
                                "the docker group or run as root")
    if os.geteuid() != 0:
        raise TopologyError("no Docker daemon answers, and starting a private one needs root")
    return start_private(ctx, cli)


def _daemon_netns(t, ctx):
    """The private daemon's namespace, with the "host" address on a veth."""
    ns, h0, h1 = ctx.name("dk"), ctx.name("d0"), ctx.name("d1")
    t.add_netns(ns)
    t.add_veth(h0, ns, h1, ns)
    t.add_addr(ns, h0, HOST_CIDR)
    t.link_up(ns, h0)
    t.link_up(ns, h1)
    t.wait_oper_up(ns, h0)
    return ns


def _dockerd_argv(dockerd, d, ns, cgroup):
    conf = os.path.join(d, "daemon.json")
    with open(conf, "w") as f:
        f.write("{}\n")
    return ["unshare", "--mount", "--propagation", "private",
            "nsenter", f"--net=/run/netns/{ns}",
            dockerd, "--data-root", os.path.join(d, "data"),
            "--exec-root", os.path.join(d, "exec"), "--pidfile", os.path.join(d, "dockerd.pid"),
            "-H", f"unix://{d}/docker.sock", "--config-file", conf,
            "--bip", BIP, "--default-address-pool", ADDRESS_POOL,
            "--cgroup-parent", f"/{cgroup}", "--exec-opt", "native.cgroupdriver=cgroupfs"]


def start_private(ctx, cli):
    """A private dockerd for the run; its stop is queued on ctx.root."""
    dockerd = runtimes.program("dockerd", "docker.io")
    t, d = ctx.root, private_dir(ctx.run_id)
    if os.path.exists(d):              # a dead run's of this id that no sweep removed
        kill_leftovers(d, ctx.name("dk"))
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, mode=0o700)
    t.defer(shutil.rmtree, d, True)
    ns = _daemon_netns(t, ctx)
    argv = _dockerd_argv(dockerd, d, ns, ctx.name("dk"))
    daemon = Daemon(cli, f"unix://{d}/docker.sock", private=True, netns=ns, argv=argv)
    before = {n: _host_sysctl(n) for n in NET_SYSCTLS if n.startswith("net.bridge.")}
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        notify.bind(os.path.join(d, "notify.sock"))
        with open(os.path.join(d, "dockerd.log"), "ab") as log:
            daemon.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=dict(os.environ, NOTIFY_SOCKET=os.path.join(d, "notify.sock")),
                preexec_fn=die_with_parent)
        ctx.state.add_pid(daemon.proc.pid)
        t.defer(stop_private, ctx, daemon)
        _wait_ready(daemon.proc, notify, d)
    except OSError as e:
        raise TopologyError(f"cannot start dockerd: {e.strerror or e}") from None
    finally:
        notify.close()
    _adopt_sysctls(ctx, daemon, before)
    return daemon


def _wait_ready(proc, notify, d):
    """Until dockerd says READY=1 over sd_notify; TopologyError if it exits
    or says nothing within START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([notify], [], [], 0.2)
        if ready and b"READY=1" in notify.recv(4096):
            return
        if proc.poll() is not None:
            break
    detail = _log_tail(os.path.join(d, "dockerd.log"))
    why = "exited" if proc.poll() is not None else f"not ready in {START_TIMEOUT} s"
    raise TopologyError(f"private dockerd {why}" + (f": {detail}" if detail else ""))


def _log_tail(path):
    """The last line of a daemon's log that says something."""
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f.read()[-8192:].splitlines() if l.strip()]
    except OSError:
        return ""
    for line in reversed(lines):
        m = re.search(r'msg="([^"]*)"', line)
        if "level=error" in line or "level=fatal" in line or not m:
            return m.group(1) if m else line
    return lines[-1] if lines else ""


def _host_sysctl(name):
    try:
        return sysctl.read(name)
    except TopologyError:
        return None          # absent: for br_netfilter, the module was not loaded


def _adopt_sysctls(ctx, daemon, before):
    """The one change a daemon in its own namespace can make to the host's:
    loading br_netfilter, whose bridge-nf-call-* then appear at 1 in every
    namespace. Recorded as 0 (what no module meant) to be put back when it
    stops, or by the next run after a kill -9. (Values that existed before
    are per namespace: the daemon's are its own.)"""
    for name, old in before.items():
        now = _host_sysctl(name)
        if old is None and now is not None and name.startswith("net.bridge."):
            ctx.sysctls().adopt(name, "0")
            daemon.sysctls_changed[name] = {"before": None, "after": now}


def stop_private(ctx, daemon):
    """SIGTERM dockerd (it stops its containers and containerd), SIGKILL
    after STOP_TIMEOUT; then whatever outlived it; then the host sysctls."""
    stop_process(daemon.proc, STOP_TIMEOUT)
    ctx.state.remove_pid(daemon.proc.pid)
    kill_leftovers(private_dir(ctx.run_id), ctx.name("dk"))
    for name in daemon.sysctls_changed:
        ctx.sysctls().release(name)


def _cgroups(name):
    """The cgroup directories called name under every hierarchy (v1 and v2)."""
    out = []
    roots = [CGROUP_ROOT] + [os.path.join(CGROUP_ROOT, e) for e in
                             (os.listdir(CGROUP_ROOT) if os.path.isdir(CGROUP_ROOT) else [])]
    for root in roots:
        path = os.path.join(root, name)
        if os.path.isdir(path) and not os.path.islink(root):
            out.append(path)
    return out


def _kill_cgroup(path):
    """SIGKILL every process in a cgroup tree, then remove its directories."""
    pids = set()
    for sub, _, _ in os.walk(path):
        try:
            with open(os.path.join(sub, "cgroup.procs")) as f:
                pids.update(int(p) for p in f.read().split())
        except (OSError, ValueError):
            pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in pids:
        runtimes.gone(pid, runtimes.STOP_TIMEOUT)
    for sub, _, _ in sorted(os.walk(path), key=lambda w: -len(w[0])):
        try:
            os.rmdir(sub)
        except OSError:
            pass


def kill_leftovers(d, cgroup):
    """The processes of a private daemon that are still there (by its
    directory in their argv) and its containers (by cgroup)."""
    killed = []
    for pid, argv in runtimes.processes(PROGRAMS):
        if any(d in a for a in argv):
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except OSError:
                pass
    for pid in killed:
        runtimes.gone(pid, runtimes.STOP_TIMEOUT)
    for path in _cgroups(cgroup):
        _kill_cgroup(path)
    return killed


def sweep_stale(is_alive):
    """Private daemons of runs that are no longer alive: what they left
    running, their namespace and directory."""
    removed = []
    base = state.state_dir()
    try:
        entries = os.listdir(base)
    except OSError:
        return removed
    for entry in entries:
        rid = names.run_of(entry)
        if rid is None or entry != names.make(rid, "dk") or is_alive(rid):
            continue
        kill_leftovers(os.path.join(base, entry), entry)
        topology.Host().ip(None, "netns", "del", entry, check=False)
        shutil.rmtree(os.path.join(base, entry), ignore_errors=True)
        removed.append(f"private dockerd {entry}")
    return removed
