"""forwarders - the processes that carry the bytes between the two sides of a
container runtime's path (DESIGN.md "forwarder"), and their CPU time as
results.csv columns (schema 4).

    derive({"forwarder_user_s": 0.02, "forwarder_sys_s": 0.19, "messages": 1000},
           "docker-proxy")
    # {'forwarder': 'docker-proxy', 'forwarder_user_s': 0.02, 'forwarder_sys_s': 0.19,
    #  'forwarder_cpu_s': 0.21, 'forwarder_cpu_ns_per_msg': 210000.0}

The client reads the forwarders' /proc/PID/stat at the same marks as its own
rusage (bench/ipcperf client --forwarder-pid), so the window is the
client's. A transport without a forwarder has empty cells, never 0.
"""

from .counters import record_number

# transport -> the forwarder on its path (the others have none)
BY_TRANSPORT = {"docker-proxy": "docker-proxy", "pasta": "pasta",
                "slirp4netns": "slirp4netns"}

COLUMNS = ("forwarder", "forwarder_user_s", "forwarder_sys_s", "forwarder_cpu_s",
           "forwarder_cpu_ns_per_msg")
# the numeric ones, summarised per point
SUMMARY_METRICS = ("forwarder_cpu_s", "forwarder_cpu_ns_per_msg")


def derive(record, transport):
    """The COLUMNS of one rep from the client's record; empty (None) where
    the path has no forwarder or the record does not carry its figures."""
    out = dict.fromkeys(COLUMNS)
    user = record_number(record, "forwarder_user_s")
    sys_ = record_number(record, "forwarder_sys_s")
    if transport not in BY_TRANSPORT or user is None or sys_ is None:
        return out
    messages = record_number(record, "messages")
    out.update(forwarder=BY_TRANSPORT[transport], forwarder_user_s=user,
               forwarder_sys_s=sys_, forwarder_cpu_s=user + sys_)
    if messages:
        out["forwarder_cpu_ns_per_msg"] = (user + sys_) * 1e9 / messages
    return out
