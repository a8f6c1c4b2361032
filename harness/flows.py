"""flows - the N client/server pairs of one point (--flows N): where each
flow's two sides run, the common start that gives them one window, and the
one record that stands for all of them in results.csv (each flow's own
figures go to flows.csv).

    placement("split", 3)        # [(0, 1), (0, 1), (0, 1)] on 2 CPUs: see PATTERN
    specs = flow_specs(spec, "split", 3)     # ClientSpecs with --flows/--start-at/--cpu
    agg = aggregate(records)     # a record as one client would print it, for all flows

How one server serves N flows: bench/ipcperf's server forks a process per
flow (session_server.c); the harness starts one server per point as for
one flow, and N clients, each with the same CLOCK_MONOTONIC start time
(START_LEAD_S ahead), so that their warm-ups and windows begin together.
"""

import os
import statistics
import time

from . import stats
from .counters import record_number

# Placement of flow i (0-based) over the allowed CPUs A (the harness's
# affinity mask, sorted), recorded in meta.json and per flow in flows.csv.
PATTERN = {"split": "flow i: server on A[2i mod n], client on A[2i+1 mod n]",
           "same": "flow i: server and client on A[i mod n]",
           "none": "flow i: server and client unpinned"}
# The start every client of a point is given, this far ahead of the first
# start: room for N clients to start (through `ip netns exec`, `docker exec`
# or a launcher) and shake hands before the warm-up begins.
START_LEAD_S = 1.0
# a record's fields that add up over the flows; the others are flow 0's:
# the settings, and what is read namespace-wide or of a forwarder process
# (every flow's client sees all flows there)
SUMMED = ("messages", "bytes", "bytes_per_s", "msgs_per_s", "client_cpu_s", "server_cpu_s",
          "client_user_s", "client_sys_s", "server_user_s", "server_sys_s", "client_vcsw",
          "client_ivcsw", "server_vcsw", "server_ivcsw", "connections", "client_msgs_total",
          "server_msgs_total", "client_instructions", "server_instructions",
          "client_cycles", "server_cycles")
CPU_WIDE = ("softirq_ns", "irq_ns")          # per CPU (/proc/stat): once per CPU used
PERCENTILES = ("p50", "p90", "p99", "p999")


def placement(cpus, n):
    """[(server_cpu, client_cpu)] of n flows for a --cpus word (None:
    unpinned), or the reason this machine cannot place them."""
    allowed = sorted(os.sched_getaffinity(0))
    k = len(allowed)
    if cpus == "none":
        return [(None, None)] * n
    if cpus == "same":
        return [(allowed[i % k], allowed[i % k]) for i in range(n)]
    if k < 2:
        return "split needs 2 CPUs in the affinity mask, have %d" % k
    return [(allowed[2 * i % k], allowed[(2 * i + 1) % k]) for i in range(n)]


def meta():
    """What meta.json records of the flows' placement."""
    return {"pattern": PATTERN, "allowed_cpus": sorted(os.sched_getaffinity(0)),
            "start_lead_s": START_LEAD_S,
            "server": "one bench/ipcperf server per point; a process per flow"}


def start_time():
    """The CLOCK_MONOTONIC ns every flow of a rep starts its warm-up at."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) + int(START_LEAD_S * 1e9)


def _sum(records, key):
    vals = [record_number(r, key) for r in records]
    return None if any(v is None for v in vals) else sum(vals)


def _cpu_wide(records, cpus, name):
    """A per-CPU counter over the CPUs the flows used, each CPU read once
    (by a side pinned to it); unpinned sides all read the machine: once."""
    if cpus == "none":
        return (record_number(records[0], "client_" + name),
                record_number(records[0], "server_" + name))
    seen = {}
    for r in records:
        for side in ("client", "server"):
            cpu = r.get(side + "_cpu")
            if cpu is not None and cpu not in seen:
                seen[cpu] = record_number(r, f"{side}_{name}")
    if any(v is None for v in seen.values()):
        return None, None
    # all of it on the client side, none on the server's: counters.combine adds them
    return sum(seen.values()), 0


def _percentiles(records, prefix):
    """A histogram's figures over the flows: the mean weighted by messages
    and the max exact; each percentile the median of the flows' own (the
    flows' histograms are not merged; flows.csv has each)."""
    out = {f"{prefix}_{p}_ns": None for p in PERCENTILES + ("mean", "max")}
    if any(record_number(r, f"{prefix}_p50_ns") is None for r in records):
        return out
    msgs = [record_number(r, "messages") or 0 for r in records]
    if sum(msgs):
        out[f"{prefix}_mean_ns"] = sum(record_number(r, f"{prefix}_mean_ns") * m
                                       for r, m in zip(records, msgs)) / sum(msgs)
    out[f"{prefix}_max_ns"] = max(record_number(r, f"{prefix}_max_ns") for r in records)
    for p in PERCENTILES:
        out[f"{prefix}_{p}_ns"] = statistics.median(record_number(r, f"{prefix}_{p}_ns")
                                                    for r in records)
    return out


def window_overlap(records):
    """The share of the longest window that every flow's window covered
    (1: they lined up exactly), or None without their start times."""
    spans = []
    for r in records:
        start, length = record_number(r, "window_start_ns"), record_number(r, "elapsed_s")
        if start is None or not length:
            return None
        spans.append((start, start + length * 1e9))
    longest = max(b - a for a, b in spans)
    shared = min(b for _, b in spans) - max(a for a, _ in spans)
    return max(0.0, shared) / longest if longest > 0 else None


def aggregate(records, cpus):
    """The flows' ok records -> one record as a client prints it: sums of
    what adds up (bytes, rates, CPU time, counts), each per-CPU counter once
    per CPU, the namespace counters and the forwarders' CPU as flow 0 read
    them (they see every flow), and the fairness of the flows' rates."""
    out = dict(records[0])
    for key in SUMMED:
        out[key] = _sum(records, key)
    for name in CPU_WIDE:
        out["client_" + name], out["server_" + name] = _cpu_wide(records, cpus, name)
    out.update(_percentiles(records, "lat"))
    out.update(_percentiles(records, "connect"))
    out["elapsed_s"] = statistics.mean(record_number(r, "elapsed_s") for r in records)
    cpu_s = (out["client_cpu_s"] or 0) + (out["server_cpu_s"] or 0)
    out["cpu_ns_per_msg"] = cpu_s * 1e9 / out["messages"] if out["messages"] else None
    out["verify_errors"] = _sum(records, "verify_errors")
    out["fairness"] = stats.jain(record_number(r, "bytes_per_s") for r in records)
    out["window_overlap"] = window_overlap(records)
    return out


def outcome(results):
    """(status, note) of a point from its flows' ClientResults: ok when all
    are, else the first that is not, named."""
    for i, r in enumerate(results):
        if r.status != "ok":
            return r.status, f"flow {i}: {r.note}"
    return "ok", ""
