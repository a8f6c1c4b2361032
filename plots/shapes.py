"""shapes.py - report.md's section on the request/response shapes of issue
14: the connection rate per transport with what the counters say it cost
(CPU of both sides and the forwarder, softirq, conntrack entries per
connection), the round trips of replies larger than their requests
(REQ→RESP), and the rate against the number of flows with Jain's fairness.
Computed from summary.csv and the ok reps; a sentence is said only where
its interval supports it.

    md = shapes_section(run)      # None when the run has none of these points
"""
from harness import results, stats
from harness.stats import MIN_CLAIM_LEVEL
from harness.wording import (ci_text, counted, duration_ns, fx, metric_value, rate, row_shape,
                             sig, table)
from report import ci_cell, val
from rundir import series_order

BASELINE = "lo"          # what the connection rates are held against
# per-connection costs of the connect table: (column, header, scale to µs or a count)
COSTS = (("cpu_ns_per_msg", "CPU both sides (µs)", 1e-3),
         ("forwarder_cpu_ns_per_msg", "forwarder CPU (µs)", 1e-3),
         ("softirq_ns_per_msg", "softirq (µs)", 1e-3),
         ("conntrack_per_conn", "conntrack entries", 1))


def _key(p):
    return results.point_key(p)


def _ordered(run, points):
    order = series_order([p["series"] for p in points])
    return sorted(points, key=lambda p: (run.ios.index(p["io"]), run.cpus.index(p["cpus"]),
                                         order.index(p["series"]), p["size"]))


def _connect_points(run):
    return [p for p in run.summary if p["mode"] == "connect" and _key(p).flows == "1"]


def connect_table(run, points):
    header = ["transport", "io", "cpus", "size", "connections/s (k)", "95% CI (k)",
              "transaction p50", "connect() p50"] + [h for _, h, _ in COSTS]
    rows = []
    for p in _ordered(run, points):
        rows.append([p["series"], p["io"], p["cpus"], row_shape(p),
                     sig(val(p, "msgs_per_s", 1e-3)), ci_cell(p, "msgs_per_s", 1e-3),
                     duration_ns(val(p, "lat_p50_ns")), duration_ns(val(p, "connect_p50_ns"))]
                    + [sig(val(p, col, scale)) for col, _, scale in COSTS])
    return table(header, rows)


def _against_baseline(run, p, base):
    """One sentence: p's connection rate and CPU per connection against the
    baseline's, where the intervals support it."""
    base_rates, rates = run.values(base, "msgs_per_s"), run.values(p, "msgs_per_s")
    rate_r = stats.ratio_ci(base_rates, rates) if rates and base_rates else None
    if rate_r is None or rate_r.level < MIN_CLAIM_LEVEL or rate_r.low <= 1 <= rate_r.high:
        return None
    fewer = rate_r.ratio > 1            # the baseline's rate over p's
    shown = rate_r if fewer else stats.flip(rate_r)
    text = "%s makes %s× %s connections per second than %s (%s)" % (
        p["series"], fx(shown.ratio), "fewer" if fewer else "more", BASELINE, ci_text(shown))
    cpu, cpu_base = val(p, "cpu_ns_per_msg"), val(base, "cpu_ns_per_msg")
    fwd = val(p, "forwarder_cpu_ns_per_msg") or 0
    if cpu and cpu_base:
        text += "; each connection costs %s of CPU on the two sides%s, against %s" % (
            duration_ns(cpu), " and %s in its forwarder" % duration_ns(fwd) if fwd else "",
            duration_ns(cpu_base))
    ct = val(p, "conntrack_per_conn")
    if ct:
        text += ", and creates %s conntrack entr%s" % (sig(ct, 2), "y" if ct == 1 else "ies")
    return text + "."


def connect_findings(run, points):
    by = {(p["io"], p["cpus"], p["size"], p["series"]): p for p in points}
    out = []
    for p in _ordered(run, points):
        base = by.get((p["io"], p["cpus"], p["size"], BASELINE))
        if base is None or p["series"] == BASELINE or _key(p).resp_size_bytes != _key(p).size_bytes:
            continue
        s = _against_baseline(run, p, base)
        if s:
            out.append("- " + s)
    return out


def reply_table(run):
    """Latency at each request size that has a REQ→RESP point, beside the
    symmetric point of that request size."""
    lat = [p for p in run.summary if p["mode"] == "latency" and _key(p).flows == "1"]
    asym = {(p["io"], p["cpus"], p["size"]) for p in lat
            if _key(p).resp_size_bytes != _key(p).size_bytes}
    chosen = [p for p in lat if (p["io"], p["cpus"], p["size"]) in asym]
    if not chosen:
        return None
    rows = [[p["series"], p["io"], p["cpus"], row_shape(p), duration_ns(val(p, "lat_p50_ns")),
             duration_ns(val(p, "lat_p99_ns")), duration_ns(val(p, "cpu_ns_per_msg"))]
            for p in sorted(_ordered(run, chosen), key=lambda p: int(_key(p).resp_size_bytes))]
    return table(["transport", "io", "cpus", "request→reply", "round trip p50", "p99",
                  "CPU per round trip"], rows)


def flows_table(run, mode):
    """Rows: transport and size; columns: each flow count: the aggregate
    rate and the flows' fairness (J)."""
    points = [p for p in run.summary if p["mode"] == mode]
    counts = sorted({int(_key(p).flows) for p in points})
    if counts in ([], [1]):
        return None
    metric = "bytes_per_s" if mode == "throughput" else "msgs_per_s"
    cells = {}
    for p in points:
        k = _key(p)
        row = (p["series"], p["io"], p["cpus"], row_shape(dict(p, flows="1")))
        v, j = val(p, metric), val(p, "fairness")
        text = "—" if v is None else metric_value(metric, v, mode)
        cells.setdefault(row, {})[int(k.flows)] = text + ("" if j is None else " (J %.3f)" % j)
    order = series_order([r[0] for r in cells])
    rows = [list(r) + [c.get(n, "") for n in counts]
            for r, c in sorted(cells.items(), key=lambda rc: (order.index(rc[0][0]), rc[0][1:]))]
    return table(["transport", "io", "cpus", "size"] + [counted(n, "flow") for n in counts], rows)


def shapes_section(run):
    """The section, or None when the run has no connect, REQ→RESP or
    several-flow point."""
    parts = []
    conn = _connect_points(run)
    if conn:
        parts.append("### Connection rate per transport\n\nA new connection per transaction "
                     "(connect, request, reply, close; one in flight): its rate, and what each "
                     "connection cost, from the counters (per connection: CPU of both sides, the "
                     "forwarder's, softirq of their CPUs, conntrack entries where the path has "
                     "conntrack; — where it has none).\n\n" + connect_table(run, conn))
        found = connect_findings(run, conn)
        if found:
            parts.append("\n".join(found))
    replies = reply_table(run)
    if replies:
        parts.append("### Replies of another size (REQ→RESP)\n\n" + replies)
    for mode in ("throughput", "latency", "connect"):
        t = flows_table(run, mode)
        if t:
            parts.append("### %s against flows\n\nThe aggregate of N flows measured over one "
                         "window, and Jain's fairness index J of their rates (1: equal shares, "
                         "1/N: one took all).\n\n%s" % ({"throughput": "Throughput",
                                                         "latency": "Round trips",
                                                         "connect": "Connections"}[mode], t))
    if not parts:
        return None
    return "## Connections, reply sizes and flows\n\n" + "\n\n".join(parts)
