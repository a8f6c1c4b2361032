"""meta - meta.json (results/README.md): the machine, the settings that
change results (link MTUs and offloads, net sysctls, CPU governor), the path
the kernel takes per transport (route, egress device, MTU, qdisc, offloads,
nftables/conntrack), the command line, the ipcperf version and git commit,
and the times.

    m = capture(run_id, argv, settings, repo, binary)   # at the start
    add_endpoints(m, {"veth": ep}, mtu_swept=False)     # links, paths, sysctls
    write(path, m)                                      # rewritten as it goes
"""

import datetime
import json
import os
import platform
import socket
import subprocess

from . import outfile

SCHEMA_VERSION = 4          # 2: paths, loss_ratio; 3: counters, mtu list; 4: ab, precision,
#                             interference, canary, runtimes (CHANGELOG.md)

SYSCTLS = ["net.core.rmem_max", "net.core.wmem_max", "net.core.rmem_default",
           "net.core.wmem_default", "net.core.netdev_max_backlog",
           "net.core.somaxconn", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
           "net.ipv4.tcp_mem", "net.ipv4.tcp_congestion_control",
           "net.ipv4.tcp_autocorking", "net.ipv4.tcp_low_latency",
           "net.unix.max_dgram_qlen", "kernel.sched_autogroup_enabled",
           "net.ipv4.ip_forward", "net.core.default_qdisc",
           "net.bridge.bridge-nf-call-iptables", "net.netfilter.nf_conntrack_max",
           "net.core.busy_poll", "net.core.busy_read"]


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def read_sysctls(names=SYSCTLS):
    out = {}
    for name in names:
        v = _read("/proc/sys/" + name.replace(".", "/"))
        if v is not None:
            out[name] = " ".join(v.split())
    return out


def read_sysctls_in(prefix, names=SYSCTLS):
    """The sysctls as seen inside a network namespace (argv prefix): several
    are per namespace and start from kernel defaults, not the host's."""
    paths = ["/proc/sys/" + n.replace(".", "/") for n in names]
    try:
        p = subprocess.run(list(prefix) + ["sh", "-c", 'for f; do printf "%s\\n" '
                                           '"$(cat "$f" 2>/dev/null | tr -s "\\t " "  ")"; done',
                                           "sh"] + paths,
                           capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    vals = p.stdout.split("\n")
    return {n: v.strip() for n, v in zip(names, vals) if v.strip()}


def add_endpoints(m, endpoints, mtu_swept):
    """What meta.json says of each transport set up (transports.Endpoint):
    how its counters combine, its links, the kernel's path, and the sysctls
    inside its namespaces. mtu_swept: --mtu named more than one."""
    m["counters"] = {name: {"netns": "shared" if ep.netns_shared() else "separate",
                            "mtu_swept": bool(ep.mtu_links and mtu_swept)}
                     for name, ep in endpoints.items()}
    for name, ep in endpoints.items():
        if ep.links:
            m["links"][name] = ep.links
        if ep.path:
            m["paths"][name] = ep.path
        nss = {side: ns for side, ns in ep.namespaces.items() if ns}
        if nss:
            m["netns_sysctls"][name] = {
                ns: read_sysctls_in(ep.server_prefix if side == "server"
                                    else ep.client_prefix)
                for side, ns in nss.items()}


def machine():
    cpu_model = None
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem = None
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) * 1024
    return {"hostname": socket.gethostname(), "kernel": platform.release(),
            "kernel_version": platform.version(), "arch": platform.machine(),
            "cpu_model": cpu_model, "cpus": os.cpu_count(),
            "cpus_allowed": sorted(os.sched_getaffinity(0)), "mem_bytes": mem,
            "cpu_governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
            "python": platform.python_version()}


def ipcperf_version(binary):
    try:
        p = subprocess.run([binary, "--version"], capture_output=True, text=True,
                           timeout=5, stdin=subprocess.DEVNULL)
        if p.returncode == 0 and p.stdout.strip():
            return p.stdout.strip().splitlines()[0].split()[-1]
    except (OSError, subprocess.TimeoutExpired):
        pass
    return None


def git_commit(repo):
    try:
        p = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True,
                           text=True, timeout=5, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            return None
        commit = p.stdout.strip()
        d = subprocess.run(["git", "-C", repo, "status", "--porcelain",
                            "--untracked-files=no"], capture_output=True, text=True,
                           timeout=5, stdin=subprocess.DEVNULL)
        return commit + ("-dirty" if d.returncode == 0 and d.stdout.strip() else "")
    except (OSError, subprocess.TimeoutExpired):
        return None


def capture(run_id, argv, settings, repo, binary, out_dir):
    return {"schema_version": SCHEMA_VERSION, "run_id": run_id,
            "ipcperf_version": ipcperf_version(binary), "git_commit": git_commit(repo),
            "command_line": list(argv), "run_dir": os.path.abspath(out_dir),
            "started_utc": utc_now(), "finished_utc": None, "exit_status": None,
            "machine": machine(), "settings": settings, "links": {},
            "sysctls": read_sysctls(), "netns_sysctls": {}, "paths": {}, "skipped": {},
            "io_features": {}}


def write(path, meta):
    """meta.json whole, atomically; outfile.WriteError names the file when
    the disk refuses it."""
    def fill(f):
        json.dump(meta, f, indent=2, sort_keys=False)
        f.write("\n")
    outfile.replace(path, fill)
