"""runtimes.py - the container runtimes a run used, for report.md's machine
section: Docker's versions and the daemon settings that shape its paths
(userland-proxy, iptables, ip-forward, br_netfilter and the sysctls where
its bridges are), and pasta's and slirp4netns's versions; from meta.json's
paths.<transport> (harness/docker.py, dockerd.py, rootless.py;
results/README.md).

    runtimes_md(meta)       # 'Container runtimes (docker-bridge, pasta):\\n\\n| ...', or None
"""
from harness.wording import NONE, table

ROOTLESS = ("pasta", "slirp4netns")
VERSIONS = (("dockerd", "dockerd"), ("containerd", "containerd"), ("runc", "runc"),
            ("docker-init", "docker_init"), ("docker CLI", "cli_version"),
            ("storage driver", "storage_driver"))
# the daemon's options that decide which path a published port takes
OPTIONS = (("userland-proxy", "userland_proxy"), ("iptables", "iptables"),
           ("ip-forward", "ip_forward"))


def on_off(v):
    return {True: "on", False: "off"}.get(v, "unknown (not readable)")


def daemon_words(d):
    if d.get("daemon") == "private":
        return "private, started for the run in network namespace %s" % (d.get("netns") or NONE)
    return "the user's own (%s)" % (d.get("host") or NONE)


def sysctls_words(values):
    return ", ".join("%s %s" % (k, v) for k, v in (values or {}).items()) or "none"


def docker_rows(d):
    rows = [("Docker daemon", daemon_words(d))]
    rows += [(label, d.get(key) or NONE) for label, key in VERSIONS]
    rows += [("daemon option %s" % label, on_off(d.get(key))) for label, key in OPTIONS]
    rows.append(("br_netfilter", "loaded" if d.get("br_netfilter_loaded") else "not loaded"))
    rows.append(("sysctls where its bridges are", sysctls_words(d.get("netns_sysctls"))))
    rows.append(("host sysctls it changed (put back)", sysctls_words(d.get("host_sysctls_changed"))))
    return rows


def rootless_row(name, path):
    words = [path.get("version"), path.get("package") and "Debian %s" % path["package"]]
    return (name, "; ".join(w for w in words if w) or NONE)


def runtimes_md(meta):
    """The table, or None when the run used no container runtime."""
    paths = {t: p for t, p in (meta.get("paths") or {}).items() if isinstance(p, dict)}
    dockers = [t for t, p in paths.items() if isinstance(p.get("docker"), dict)]
    rootless = [t for t in ROOTLESS if t in paths]
    if not dockers and not rootless:
        return None
    rows = docker_rows(paths[dockers[0]]["docker"]) if dockers else []
    rows += [rootless_row(t, paths[t]) for t in rootless]
    return "Container runtimes (%s):\n\n%s" % (", ".join(dockers + rootless),
                                               table(["", ""], rows))
