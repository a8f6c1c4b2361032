"""figures.py - the data and arguments of every figure: each fig_* writes
RUN_DIR/plotdata/<name>.csv (gaps as empty cells, never 0) and returns the
Figure that says which gnuplot script draws it with which arguments, and
its title and caption for report.md. plots/draw.py runs the scripts.

    figs = all_figures(run, "results/R/plotdata", analysis)
    figs[0].name, figs[0].script, figs[0].args   # 'throughput', 'throughput.gp', [...]
"""
import csv
import os
from collections import OrderedDict, namedtuple

import canary
import why
from harness import forwarders, stats
from harness.results import number
from harness.wording import size_label
from comparisons import METRIC
from rundir import PERCENTILES, TRANSPORT_ORDER, by_series, measured, series_order
from titles import CPUS_WORDS, bars_label, context, level_bars

# The transports in style order, the last argument of every script that
# draws transports: style.gp gives the i-th of them the i-th look.
TNAMES = " ".join(TRANSPORT_ORDER)
# One ratio figure: file name, title, y label, reference (1×), context line.
RatioFigure = namedtuple("RatioFigure", "name title ylabel ref ctx")


def fmtv(x):
    return "" if x is None else format(x, ".10g")


def write_plotdata(path, cols, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, "") if isinstance(r.get(c), str) else fmtv(r.get(c)) for c in cols])


def grid(points_by_series, sizes, value_cols, fill):
    """One row per series and size, in order; a point that is missing or not
    measured has empty values, so that the line has a gap there."""
    rows = []
    for s in series_order(points_by_series):
        for size in sizes:
            row = {"series": s, "size_bytes": size}
            p = points_by_series[s].get(size)
            if p is not None:
                row.update(fill(p) or {})
            for c in value_cols:
                row.setdefault(c, None)
            rows.append(row)
    return rows


def drawn_series(rows, col):
    return series_order(r["series"] for r in rows if r.get(col) is not None)


class Figure:
    def __init__(self, name, script, data, args, title, caption):
        self.name, self.script, self.data, self.args = name, script, data, args
        self.title, self.caption = title, caption


def summary_cols(point, metric, scale=1.0):
    if not measured(point):
        return {}
    out = {}
    for suffix in ("median", "ci_low", "ci_high"):
        v = number(point.get("%s_%s" % (metric, suffix)))
        out["%s_%s" % (metric, suffix)] = None if v is None else v * scale
    return out


def fig_throughput(run, pd):
    pts = run.points("throughput")
    if not any(measured(p) for p in pts):
        return []
    sizes = sorted({p["size"] for p in pts})
    cols = ["series", "size_bytes"] + ["%s_%s" % (m, s) for m in ("bytes_per_s", "msgs_per_s")
                                        for s in ("median", "ci_low", "ci_high")]
    rows = grid(by_series(pts), sizes, cols[2:],
                lambda p: {**summary_cols(p, "bytes_per_s"), **summary_cols(p, "msgs_per_s")})
    data = os.path.join(pd, "throughput.csv")
    write_plotdata(data, cols, rows)
    bars = bars_label(p.get("reps_ok") for p in pts if measured(p))
    ser = " ".join(drawn_series(rows, "bytes_per_s_median"))
    sz = " ".join(map(str, sizes))
    if not ser:
        return []
    return [
        Figure("throughput", "throughput.gp", data, [context(run), ser, sz, "bytes", bars, TNAMES],
               "Throughput vs message size",
               "Payload the receiver got per second, one-way stream; median of the reps (%s)." % bars),
        Figure("msgrate", "throughput.gp", data, [context(run), ser, sz, "msgs", bars, TNAMES],
               "Message rate vs message size",
               "Messages per second of the same runs (%s)." % bars),
    ]


def fig_latency(run, pd):
    pts = run.points("latency")
    if not any(measured(p) for p in pts):
        return []
    sizes = sorted({p["size"] for p in pts})
    cols = ["series", "size_bytes", "lat_p50_ns_median", "lat_p50_ns_ci_low", "lat_p50_ns_ci_high",
            "lat_p99_ns_median"]
    rows = grid(by_series(pts), sizes, cols[2:],
                lambda p: {**summary_cols(p, "lat_p50_ns"),
                           "lat_p99_ns_median": number(p.get("lat_p99_ns_median")) if measured(p) else None})
    data = os.path.join(pd, "latency.csv")
    write_plotdata(data, cols, rows)
    if not drawn_series(rows, "lat_p50_ns_median"):
        return []
    return [Figure("latency", "latency.gp", data,
                   [context(run), " ".join(drawn_series(rows, "lat_p50_ns_median")), " ".join(map(str, sizes)),
                    TNAMES],
                   "Round-trip latency vs message size",
                   "Request and reply of the same size, one in flight: the point is the median "
                   "(over reps) of each rep's p50, the whisker reaches the median p99.")]


def fig_ladder(run, pd, size):
    pts = [p for p in run.points("latency") if p["size"] == size and measured(p)]
    if not pts:
        return []
    rows = []
    bys = by_series(pts)
    for s in series_order(bys):
        p = bys[s][size]
        for rank, (label, metric) in enumerate(PERCENTILES, 1):
            c = summary_cols(p, metric)
            rows.append({"series": s, "percentile": label, "rank": rank,
                         "lat_ns_median": c.get(metric + "_median"),
                         "lat_ns_ci_low": c.get(metric + "_ci_low"),
                         "lat_ns_ci_high": c.get(metric + "_ci_high")})
    cols = ["series", "percentile", "rank", "lat_ns_median", "lat_ns_ci_low", "lat_ns_ci_high"]
    data = os.path.join(pd, "ladder.csv")
    write_plotdata(data, cols, rows)
    if not drawn_series(rows, "lat_ns_median"):
        return []
    bars = bars_label(p.get("reps_ok") for p in pts)
    return [Figure("ladder", "ladder.gp", data,
                   [context(run), " ".join(drawn_series(rows, "lat_ns_median")), str(size), bars, TNAMES],
                   "Latency percentiles at %s" % size_label(size),
                   "Round-trip time percentiles at %s: the median over reps of each rep's "
                   "percentile (%s); a tail that only a few reps show moves the CI, not the median."
                   % (size_label(size), bars))]


def cpu_per_msg(run, point):
    """Per-rep CPU ns per message for each side, with their median CIs."""
    out = {}
    reps = run.ok_reps(point)
    for side in ("client", "server"):
        xs = []
        for r in reps:
            cpu, msgs = number(r.get(side + "_cpu_s")), number(r.get("messages"))
            if cpu is not None and msgs:
                xs.append(cpu * 1e9 / msgs)
        out[side] = stats.median_ci(xs) if xs else None
    return out


def fig_cpu(run, pd):
    figs = []
    for mode, unit in (("throughput", "message"), ("latency", "round trip")):
        pts = run.points(mode)
        if not any(measured(p) for p in pts):
            continue
        sizes = sorted({p["size"] for p in pts})
        ns = []

        def fill(p):
            row = {}
            for side, ci in cpu_per_msg(run, p).items():
                if ci is None:
                    continue
                ns.append(ci.n)
                row.update({side + "_cpu_ns_per_msg_median": ci.median,
                            side + "_cpu_ns_per_msg_ci_low": ci.low,
                            side + "_cpu_ns_per_msg_ci_high": ci.high})
            return row
        cols = ["series", "size_bytes"] + ["%s_cpu_ns_per_msg_%s" % (side, s) for side in ("client", "server")
                                            for s in ("median", "ci_low", "ci_high")]
        rows = grid(by_series(pts), sizes, cols[2:], fill)
        ser = series_order(set(drawn_series(rows, "client_cpu_ns_per_msg_median"))
                           | set(drawn_series(rows, "server_cpu_ns_per_msg_median")))
        if not ser:
            continue
        data = os.path.join(pd, "cpu-%s.csv" % mode)
        write_plotdata(data, cols, rows)
        bars = bars_label(ns)
        figs.append(Figure("cpu-" + mode, "cpu.gp", data,
                           [context(run, extra=mode), " ".join(ser), " ".join(map(str, sizes)), unit, bars,
                            TNAMES],
                           "CPU time per %s (%s)" % (unit, mode),
                           "User + system CPU time of each side over the measured window, divided by "
                           "the %ss in it (per rep, then the median; %s)." % (unit, bars)))
    return figs


def fig_ratio(run, pd, comps, spec):
    """One ratio figure (spec: a RatioFigure) of comps, one line per series."""
    if not comps:
        return []
    sizes = sorted({size for c in comps for size in c.ratios} |
                   {p["size"] for c in comps for p in run.points(c.mode)})
    rows, levels = [], []
    for c in comps:
        s = getattr(c, "series", c.a)
        for size in sizes:
            r = c.ratios.get(size)
            rows.append({"series": s, "size_bytes": size,
                         "ratio": r.ratio if r else None, "ratio_ci_low": r.low if r else None,
                         "ratio_ci_high": r.high if r else None, "ci_level": r.level if r else None})
            if r:
                levels.append(r.level)
    ser = drawn_series(rows, "ratio")
    if not ser:
        return []
    rows.sort(key=lambda r: (ser.index(r["series"]) if r["series"] in ser else len(ser), r["size_bytes"]))
    cols = ["series", "size_bytes", "ratio", "ratio_ci_low", "ratio_ci_high", "ci_level"]
    data = os.path.join(pd, spec.name + ".csv")
    write_plotdata(data, cols, rows)
    bars = level_bars(levels)
    return [Figure(spec.name, "ratio.gp", data,
                   [spec.ctx, " ".join(ser), " ".join(map(str, sizes)), "%s (%s)" % (spec.title, bars),
                    spec.ylabel, spec.ref, TNAMES],
                   spec.title,
                   "Ratio of the medians; %s from the pairwise ratios of the reps (Mann–Whitney "
                   "order statistics, see Method)." % bars)]


def fig_speedups(run, pd, comps, baseline):
    figs = []
    for mode in run.modes():
        mc = [c for c in comps if c.mode == mode]
        what = METRIC[mode][2]
        ylabel = ("speed-up over %s (×, log scale)" % baseline if mode == "throughput" else
                  "speed-up over %s: %s p50 ÷ p50 (×, log scale)" % (baseline, baseline))
        figs += fig_ratio(run, pd, mc, RatioFigure(
            "speedup-" + mode, "Speed-up over %s: %s" % (baseline, what), ylabel, baseline,
            context(run)))
    return figs


def fig_axis_ratios(run, pd, comps):
    figs = []
    groups = OrderedDict()
    for c in comps:
        groups.setdefault((c.axis, c.value, c.ref, c.mode), []).append(c)
    for (axis, v, ref, mode), cs in groups.items():
        what = METRIC[mode][2]
        if axis == "io":
            title = "%s vs %s I/O: speed-up in %s" % (v, ref, what)
            ctx = context(run, io=False)
        else:
            title = "%s vs %s: speed-up in %s" % (CPUS_WORDS.get(v, v), CPUS_WORDS.get(ref, ref), what)
            ctx = context(run, cpus=False)
        ylabel = ("%s ÷ %s throughput (×, log scale)" % (v, ref) if mode == "throughput" else
                  "%s p50 ÷ %s p50 (×, log scale)" % (ref, v))
        figs += fig_ratio(run, pd, cs, RatioFigure("ratio-%s-%s-vs-%s-%s" % (axis, v, ref, mode),
                                                   title, ylabel, ref, ctx))
    return figs


STACK = (("client_user_ns_per_msg", "client user"), ("client_sys_ns_per_msg", "client sys"),
         ("server_user_ns_per_msg", "server user"), ("server_sys_ns_per_msg", "server sys"),
         ("softirq_ns_per_msg", "softirq"))
# the forwarder's CPU (docker-proxy, pasta, slirp4netns), a part of the stack
# in a run that has one
FORWARDER_PART = ("forwarder_cpu_ns_per_msg", "forwarder")


def part_value(rep, key):
    """A part of a rep's cost; a path without a forwarder spends none on one."""
    v = number(rep.get(key))
    if v is None and key == FORWARDER_PART[0] and rep.get("transport") not in forwarders.BY_TRANSPORT:
        return 0.0
    return v


def stack_row(run, point, parts=STACK):
    """Medians of a point's per-rep cost components, and the median of their
    per-rep sums with its CI; None when a component is missing (schema < 3).
    The forwarder's median is left empty for a path without one (no slice,
    not a slice of 0)."""
    reps = [r for r in run.ok_reps(point) if all(part_value(r, k) is not None for k, _ in parts)]
    if not reps:
        return None
    row = {k: stats.median_ci([part_value(r, k) for r in reps]).median for k, _ in parts}
    if FORWARDER_PART in parts and point["transport"] not in forwarders.BY_TRANSPORT:
        row[FORWARDER_PART[0]] = None
    total = stats.median_ci([sum(part_value(r, k) for k, _ in parts) for r in reps])
    row.update(total_ns_per_msg_median=total.median, total_ns_per_msg_ci_low=total.low,
               total_ns_per_msg_ci_high=total.high, reps=total.n)
    return row


def stack_parts(run, points):
    """STACK, and the forwarder's part when one of the points has a forwarder."""
    fwd = any(number(r.get(FORWARDER_PART[0])) is not None for p in points for r in run.ok_reps(p))
    return STACK + (FORWARDER_PART,) if fwd else STACK


def fig_cpustack(run, pd, size):
    """CPU time per message at one size, stacked by where it went."""
    figs = []
    for mode, unit in (("throughput", "message"), ("latency", "round trip")):
        pts = by_series([p for p in run.points(mode) if p["size"] == size and measured(p)])
        parts = stack_parts(run, [ps[size] for ps in pts.values()])
        rows = []
        for s in series_order(pts):
            row = stack_row(run, pts[s][size], parts)
            if row:
                rows.append(dict(row, series=s))
        if not rows:
            continue
        cols = ["series"] + [k for k, _ in parts] + [
            "total_ns_per_msg_" + x for x in ("median", "ci_low", "ci_high")]
        data = os.path.join(pd, "cpustack-%s.csv" % mode)
        write_plotdata(data, cols, rows)
        bars = bars_label(r["reps"] for r in rows)
        where = softirq_where(run.cpu)
        fwd = FORWARDER_PART in parts
        figs.append(Figure(
            "cpustack-" + mode, "cpustack.gp", data,
            [context(run, extra=mode), unit, size_label(size), bars, where]
            + ([FORWARDER_PART[1]] if fwd else []),
            "Where the CPU time per %s goes, at %s (%s)" % (unit, size_label(size), mode),
            "Median over the reps of each part: user and system time of the client and of the "
            "server, %ssoftirq time on %s (the network stack's work that no process is "
            "billed for)%s; the whisker is the median of the per-rep totals (%s)." % (
                "" if fwd else "and ", where, FORWARDER_WORDS if fwd else "", bars)))
    return figs


FORWARDER_WORDS = (", and the CPU time of the forwarder that carries the bytes between "
                   "them (docker-proxy, pasta, slirp4netns; none on the other paths)")


def softirq_where(cpus):
    return why.SOFTIRQ_WHERE.get(cpus, cpus)


def fig_canary(run, pd):
    """The drift canary over the run (canary.csv; none without it)."""
    series = canary.speeds(run)
    rows = [{"series": name, "t_s": t, "speed": sp, "value": v, "status": st}
            for name, pts in series.items() for t, v, sp, st in pts]
    drawn = [name for name in series if any(p[2] is not None for p in series[name])]
    if not drawn:
        return []
    data = os.path.join(pd, "canary.csv")
    # status last: a row whose last cells are empty would be skipped, not a gap
    write_plotdata(data, ["series", "t_s", "speed", "value", "status"], rows)
    first = next(r for r in run.canary if canary.series_name(r) == drawn[0])
    title = "Drift canary: %s over the run" % (canary.label(first) if len(drawn) == 1
                                               else "the machine's speed")
    return [Figure("canary", "canary.gp", data, [context(run, io=False, cpus=False),
                                                 " ".join(drawn), title, TNAMES],
                   title,
                   "One fixed point re-measured through the run, each time as its speed "
                   "relative to its median over the run (above 1×: faster): what the "
                   "machine itself did meanwhile, which every point measured at that "
                   "time shares.")]


def all_figures(run, pd, a):
    """Every figure of the run, in report order; a: the report.Analysis."""
    return (fig_throughput(run, pd) + fig_latency(run, pd)
            + (fig_speedups(run, pd, a.base_comps, a.baseline) if a.baseline else [])
            + fig_cpu(run, pd) + fig_cpustack(run, pd, a.size) + fig_ladder(run, pd, a.size)
            + fig_axis_ratios(run, pd, a.axis_comps) + fig_canary(run, pd))
