#!/usr/bin/env python3
"""draw.py - figures and report.md for one ipcperf run directory.

Reads RUN_DIR/summary.csv, results.csv and meta.json (results/README.md),
writes the data each figure needs to RUN_DIR/plotdata/*.csv, runs the static
gnuplot script of each figure kind (plots/*.gp) on it, once per format, and
writes RUN_DIR/report.md: findings with confidence intervals, "Why" (the
per-message costs behind the headline comparisons, plots/why.py), figures,
the summary table, the machine and settings.

    python3 plots/draw.py results/20240301T120000Z-host
    python3 plots/draw.py results/R --baseline uds --size 1K

    $ python3 plots/draw.py tests/fixtures/run-small
    run-small: 10 figures (svg, png), report.md

Exit: 0 ok; 1 a figure failed (the others and report.md are written);
2 bad RUN_DIR or options; 4 gnuplot not found (report.md is still written,
without figures).
"""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
from collections import OrderedDict

# the sibling modules, and the repository root for the harness's analysis modules
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import results, stats, transports  # noqa: E402
from harness.results import number  # noqa: E402
from harness.stats import flip  # noqa: E402
import why  # noqa: E402
from harness.wording import (ci_text, fx, level_pct, md_escape, parse_size, series_names, si, sig,  # noqa: E402,F401
                     size_label, sizes_text, table)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNSUPPORTED = 0, 1, 2, 4
PLOTS = os.path.dirname(os.path.abspath(__file__))
FORMATS = ("svg", "png")
GNUPLOT_TIMEOUT_S = 120
# Legend and table order, and the order in which style.gp gives each
# transport its fixed look (passed to the scripts as TNAMES).
TRANSPORT_ORDER = transports.NAMES
TNAMES = " ".join(TRANSPORT_ORDER)
IO_PREF = ("sync", "uring", "epoll", "busy")
CPUS_PREF = ("split", "same", "none")
CPUS_WORDS = {"split": "split cores", "same": "same core", "none": "unpinned"}
PERCENTILES = (("p50", "lat_p50_ns"), ("p90", "lat_p90_ns"), ("p99", "lat_p99_ns"),
               ("p99.9", "lat_p999_ns"), ("max", "lat_max_ns"))
MIN_CLAIM_LEVEL = stats.MIN_CLAIM_LEVEL
EQUIV_MARGINS = (0.01, 0.02, 0.05)
NOISY_CV = 0.05
SUMMARY_NEEDS = ("transport io cpus mode size_bytes status reps_ok "
                 "bytes_per_s_median bytes_per_s_ci_low bytes_per_s_ci_high "
                 "lat_p50_ns_median lat_p99_ns_median").split()
RESULTS_NEEDS = ("transport io cpus mode size_bytes status bytes_per_s lat_p50_ns "
                 "messages client_cpu_s server_cpu_s").split()


class InputError(Exception):
    """Bad RUN_DIR or options: exit 2 with this one line."""


# ---------------------------------------------------------------- loading --

def size_int(s):
    """A size or MTU cell as an int; None for a gap."""
    v = number(s)
    return None if v is None else int(v)


def read_csv(path, needs, what):
    try:
        return [row for _, row in results.read_table(path, needs, what).rows]
    except results.ReadError as e:
        raise InputError(str(e)) from None


class Run:
    """One run directory: summary rows (one per point), ok reps, metadata."""

    def __init__(self, run_dir):
        if not os.path.isdir(run_dir):
            raise InputError("%s: not a directory" % run_dir)
        for f in ("summary.csv", "results.csv"):
            if not os.path.isfile(os.path.join(run_dir, f)):
                raise InputError("%s: no %s (not an ipcperf run directory?)" % (run_dir, f))
        self.dir = run_dir
        self.warnings = []
        self.summary = []
        for row in read_csv(os.path.join(run_dir, "summary.csv"), SUMMARY_NEEDS, "summary.csv"):
            row["size"] = size_int(row["size_bytes"])
            if row["size"] is not None:
                self.summary.append(row)
        if not self.summary:
            raise InputError("%s: summary.csv has no points" % run_dir)
        try:
            self.meta = results.read_meta(os.path.join(run_dir, "meta.json"))
        except results.ReadError as e:
            raise InputError(str(e)) from None
        if self.meta is None:
            self.meta = {}
            self.warnings.append("no meta.json: figures are titled without the machine")
        # ok reps by point; failed reps carry no measurements
        self.reps = {}
        for row in read_csv(os.path.join(run_dir, "results.csv"), RESULTS_NEEDS, "results.csv"):
            if row["status"] != "ok":
                continue
            row["size"] = size_int(row["size_bytes"])
            self.reps.setdefault(self.key(row), []).append(row)
        self._name_series()
        self.ios = self._values("io", IO_PREF)
        self.cpus = self._values("cpus", CPUS_PREF)
        self.io, self.cpu = self.ios[0], self.cpus[0]   # the slice most figures show

    @staticmethod
    def key(row):
        return results.point_key(row)

    def _values(self, col, pref):
        vals = {r[col] for r in self.summary}
        return [v for v in pref if v in vals] + sorted(vals - set(pref))

    def _name_series(self):
        """Series = transport, or "transport:mtuN" for a second MTU of it."""
        for r, name in zip(self.summary, series_names(self.summary)):
            mtu = size_int(r.get("mtu"))
            r["mtu_n"] = "" if mtu is None else str(mtu)
            r["series"] = name

    def points(self, mode, io=None, cpus=None):
        io = self.io if io is None else io
        cpus = self.cpu if cpus is None else cpus
        return [r for r in self.summary if r["mode"] == mode and r["io"] == io and r["cpus"] == cpus]

    def ok_reps(self, point):
        return self.reps.get(self.key(point), [])

    def modes(self):
        return [m for m in ("throughput", "latency") if any(r["mode"] == m for r in self.summary)]


def series_order(names):
    def k(s):
        base = s.split(":")[0]
        return (TRANSPORT_ORDER.index(base) if base in TRANSPORT_ORDER else len(TRANSPORT_ORDER), s)
    return sorted(set(names), key=k)


def measured(point):
    """A point with measurements (ok or partial); others are gaps."""
    return point["status"] in ("ok", "partial") and number(point.get("reps_ok")) != 0


# --------------------------------------------------------------- wording --

def cpu_model(meta):
    m = (meta.get("machine") or {}).get("cpu_model") or "unknown CPU"
    m = re.sub(r"\((R|TM|tm|r)\)", "", m)
    m = re.sub(r"\bCPU\b", "", m)
    return re.sub(r"\s+", " ", m).strip()


def machine_line(meta):
    mach = meta.get("machine") or {}
    if not mach:
        return "machine unknown (no meta.json)"
    parts = [cpu_model(meta)]
    if mach.get("cpus"):
        parts.append("%s CPUs" % mach["cpus"])
    k = mach.get("kernel")
    if k:
        parts.append(k if k.lower().startswith("linux") else "Linux " + k)
    return " · ".join(parts)


def context(run, io=True, cpus=True, extra=None):
    """Title line(s) under a figure's title: the machine, then the slice shown;
    wrapped before 84 characters, which is about the width of a figure."""
    parts = [machine_line(run.meta)]
    slice_ = [extra] if extra else []
    if io:
        slice_.append("%s I/O" % run.io)
    if cpus:
        slice_.append(CPUS_WORDS.get(run.cpu, run.cpu))
    if slice_:
        parts.append(", ".join(slice_))
    lines = [parts[0]]
    for p in parts[1:]:
        if len(lines[-1]) + 3 + len(p) <= 84:
            lines[-1] += " · " + p
        else:
            lines.append(p)
    return "\n".join(lines)


def bars_label(ns):
    """What summary.csv's interval is for points with these rep counts."""
    ns = sorted({int(n) for n in ns if n})
    if not ns:
        return "bars: CI of the median"
    if ns[0] >= 6:
        return "bars: 95% CI of the median"
    if ns[-1] < 6:
        return "bars: min–max of %s reps" % "/".join(str(n) for n in ns) if len(ns) <= 2 \
            else "bars: min–max of the reps"
    return "bars: 95% CI of the median, min–max under 6 reps"


def level_bars(levels):
    if not levels:
        return "bars: CI"
    lo, hi = level_pct(min(levels)), level_pct(max(levels))
    return "bars: %d%% CI" % lo if lo == hi else "bars: %d–%d%% CI" % (lo, hi)


# ------------------------------------------------------------- plot data --

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


def by_series(points):
    out = OrderedDict()
    for p in points:
        out.setdefault(p["series"], {})
        if p["size"] in out[p["series"]]:
            continue        # a second row for the same point: the first one wins
        out[p["series"]][p["size"]] = p
    return out


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


# ------------------------------------------------------------ comparisons --

METRIC = {"throughput": ("bytes_per_s", True, "throughput"),
          "latency": ("lat_p50_ns", False, "p50 latency")}


def speedup(run, a, b, mode):
    """Speed-up of point a over point b from their ok reps (>1: a is faster)."""
    metric, higher_better, _ = METRIC[mode]
    va = [number(r.get(metric)) for r in run.ok_reps(a)]
    vb = [number(r.get(metric)) for r in run.ok_reps(b)]
    va, vb = [x for x in va if x], [x for x in vb if x]
    if not va or not vb:
        return None
    return stats.ratio_ci(va, vb) if higher_better else stats.ratio_ci(vb, va)


class Comparison:
    """a vs b in one mode, per size: heading, the two names, ratios by size."""

    def __init__(self, label, a_name, b_name, mode, ratios, sizes):
        self.label, self.a, self.b, self.mode = label, a_name, b_name, mode
        self.ratios = ratios            # OrderedDict size -> Ratio
        self.sizes = sizes              # every size of the mode, measured or not


def compare_points(run, mode, pair_points, label, a_name, b_name):
    ratios = OrderedDict()
    for size in sorted(pair_points):
        pa, pb = pair_points[size]
        if pa is not None and pb is not None and measured(pa) and measured(pb):
            r = speedup(run, pa, pb, mode)
            if r is not None:
                ratios[size] = r
    return Comparison(label, a_name, b_name, mode, ratios, sorted(pair_points))


def baseline_comparisons(run, baseline):
    out = []
    for mode in run.modes():
        bys = by_series(run.points(mode))
        if baseline not in bys:
            continue
        for s in series_order(bys):
            if s == baseline:
                continue
            sizes = {p["size"] for p in run.points(mode)}
            pairs = {size: (bys[s].get(size), bys[baseline].get(size)) for size in sizes}
            out.append(compare_points(run, mode, pairs, "%s vs %s" % (s, baseline), s, baseline))
    return out


def axis_comparisons(run, axis):
    """uring vs sync (at the main cpus), same vs split (at the main io), ..."""
    values = run.ios if axis == "io" else run.cpus
    out = []
    if len(values) < 2:
        return out
    ref = values[0]
    for v in values[1:]:
        for mode in run.modes():
            if axis == "io":
                pa, pb = run.points(mode, io=v), run.points(mode, io=ref)
            else:
                pa, pb = run.points(mode, cpus=v), run.points(mode, cpus=ref)
            ba, bb = by_series(pa), by_series(pb)
            for s in series_order(set(ba) & set(bb)):
                sizes = {p["size"] for p in pa + pb}
                pairs = {size: (ba[s].get(size), bb[s].get(size)) for size in sizes}
                va, vr = (v, ref) if axis == "io" else (CPUS_WORDS.get(v, v), CPUS_WORDS.get(ref, ref))
                c = compare_points(run, mode, pairs, "%s, %s vs %s" % (s, va, vr), va, vr)
                c.series, c.axis, c.value, c.ref = s, axis, v, ref
                out.append(c)
    return out


def fig_ratio(run, pd, comps, name, title, ylabel, ref, ctx):
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
    data = os.path.join(pd, name + ".csv")
    write_plotdata(data, cols, rows)
    bars = level_bars(levels)
    return [Figure(name, "ratio.gp", data,
                   [ctx, " ".join(ser), " ".join(map(str, sizes)), "%s (%s)" % (title, bars), ylabel, ref,
                    TNAMES],
                   title,
                   "Ratio of the medians; %s from the pairwise ratios of the reps (Mann–Whitney "
                   "order statistics, see Method)." % bars)]


def fig_speedups(run, pd, comps, baseline):
    figs = []
    for mode in run.modes():
        mc = [c for c in comps if c.mode == mode]
        what = METRIC[mode][2]
        ylabel = ("speed-up over %s (×, log scale)" % baseline if mode == "throughput" else
                  "speed-up over %s: %s p50 ÷ p50 (×, log scale)" % (baseline, baseline))
        figs += fig_ratio(run, pd, mc, "speedup-" + mode, "Speed-up over %s: %s" % (baseline, what),
                          ylabel, baseline, context(run))
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
        figs += fig_ratio(run, pd, cs, "ratio-%s-%s-vs-%s-%s" % (axis, v, ref, mode), title, ylabel,
                          ref, ctx)
    return figs


STACK = (("client_user_ns_per_msg", "client user"), ("client_sys_ns_per_msg", "client sys"),
         ("server_user_ns_per_msg", "server user"), ("server_sys_ns_per_msg", "server sys"),
         ("softirq_ns_per_msg", "softirq"))


def stack_row(run, point):
    """Medians of a point's per-rep cost components, and the median of their
    per-rep sums with its CI; None when a component is missing (schema < 3)."""
    reps = [r for r in run.ok_reps(point) if all(number(r.get(k)) is not None for k, _ in STACK)]
    if not reps:
        return None
    row = {k: stats.median_ci([number(r[k]) for r in reps]).median for k, _ in STACK}
    total = stats.median_ci([sum(number(r[k]) for k, _ in STACK) for r in reps])
    row.update(total_ns_per_msg_median=total.median, total_ns_per_msg_ci_low=total.low,
               total_ns_per_msg_ci_high=total.high, reps=total.n)
    return row


def fig_cpustack(run, pd, size):
    """CPU time per message at one size, stacked by where it went."""
    figs = []
    for mode, unit in (("throughput", "message"), ("latency", "round trip")):
        pts = by_series([p for p in run.points(mode) if p["size"] == size and measured(p)])
        rows = []
        for s in series_order(pts):
            row = stack_row(run, pts[s][size])
            if row:
                rows.append(dict(row, series=s))
        if not rows:
            continue
        cols = ["series"] + [k for k, _ in STACK] + [
            "total_ns_per_msg_" + x for x in ("median", "ci_low", "ci_high")]
        data = os.path.join(pd, "cpustack-%s.csv" % mode)
        write_plotdata(data, cols, rows)
        bars = bars_label(r["reps"] for r in rows)
        where = softirq_where(run.cpu)
        figs.append(Figure(
            "cpustack-" + mode, "cpustack.gp", data,
            [context(run, extra=mode), unit, size_label(size), bars, where],
            "Where the CPU time per %s goes, at %s (%s)" % (unit, size_label(size), mode),
            "Median over the reps of each part: user and system time of the client and of the "
            "server, and softirq time on %s (the network stack's work that no process is "
            "billed for); the whisker is the median of the per-rep totals (%s)." % (where, bars)))
    return figs


def softirq_where(cpus):
    return why.SOFTIRQ_WHERE.get(cpus, cpus)


def mtu_comparisons(run):
    """Each other MTU of a transport against its main one, size by size."""
    out = []
    for mode in run.modes():
        for t, mtus in mtu_variants(run.points(mode)).items():
            main = mtus[0][1]
            for mtu, ps in mtus[1:]:
                sizes = set(ps) | set(main)
                pairs = {size: (ps.get(size), main.get(size)) for size in sizes}
                a, b = "MTU %s" % mtu, "MTU %s" % mtus[0][0]
                out.append(compare_points(run, mode, pairs, "%s, %s vs %s" % (t, a, b), a, b))
    return out


def mtu_variants(points):
    """{transport: [(mtu, {size: point}), ...]} for transports measured at
    more than one MTU, the main one (its series is the bare name) first."""
    by_t = OrderedDict()
    for p in points:
        by_t.setdefault(p["transport"], OrderedDict()).setdefault(p["mtu_n"], {})[p["size"]] = p
    out = OrderedDict()
    for t in series_order(by_t):
        if len(by_t[t]) < 2:
            continue
        main = [m for m, ps in by_t[t].items() if any(p["series"] == t for p in ps.values())]
        rest = sorted((m for m in by_t[t] if m not in main), key=int)
        out[t] = [(m, by_t[t][m]) for m in main + rest]
    return out


# --------------------------------------------------------------- findings --

def judge(r):
    if r.level < MIN_CLAIM_LEVEL:
        return "few reps"
    if r.low > 1:
        return "faster"
    if r.high < 1:
        return "slower"
    return "unresolved"


def span(items, inverse=False):
    """"by 1.51× at 1 MiB (CI) to 1.81× at 100 B (CI)": the smallest and the
    largest speed-up of (size, Ratio) items, or each of them when two or one."""
    items = [(s, flip(r) if inverse else r) for s, r in items]
    one = lambda i: "%s× at %s (%s)" % (fx(i[1].ratio), size_label(i[0]), ci_text(i[1]))
    if len(items) <= 2:
        return "by " + " and ".join(one(i) for i in items)
    lo = min(items, key=lambda i: i[1].ratio)
    hi = max(items, key=lambda i: i[1].ratio)
    return "by %s to %s" % (one(lo), one(hi))


def describe(c):
    """One sentence about a comparison, or None when the data supports none.
    Claims "at every size" only when both sides were measured at every size
    of the mode and every one of those intervals agrees."""
    if not c.ratios:
        return None
    verdict = OrderedDict((s, judge(r)) for s, r in c.ratios.items())
    head = "**%s**, %s:" % (c.label, METRIC[c.mode][2])
    if len(c.ratios) == len(c.sizes) and len(c.sizes) > 1:
        where = "at every size"
    elif len(c.ratios) == 1:
        where = "at %s%s" % (size_label(next(iter(c.ratios))),
                             "" if len(c.sizes) == 1 else " (the only size both have)")
    else:
        where = "at every size both have (%s)" % sizes_text(c.ratios)
    judged = [r for s, r in c.ratios.items() if verdict[s] != "few reps"]
    if len(judged) == len(c.ratios):
        for m in EQUIV_MARGINS:
            if all(r.low >= 1 - m and r.high <= 1 + m for r in judged):
                return "%s %s is within %g%% of %s %s (every %d%% CI inside %.2f–%.2f)." % (
                    head, c.a, m * 100, c.b, where, level_pct(min(r.level for r in judged)), 1 - m, 1 + m)
    faster = [(s, c.ratios[s]) for s, v in verdict.items() if v == "faster"]
    slower = [(s, c.ratios[s]) for s, v in verdict.items() if v == "slower"]
    unres = [s for s, v in verdict.items() if v == "unresolved"]
    few = [s for s, v in verdict.items() if v == "few reps"]
    if len(faster) == len(c.ratios):
        return "%s %s is faster than %s %s, %s." % (head, c.a, c.b, where, span(faster))
    if len(slower) == len(c.ratios):
        return "%s %s is slower than %s %s: %s is faster %s." % (head, c.a, c.b, where, c.b,
                                                                 span(slower, True))
    if not faster and not slower:
        return None
    parts = []
    if faster:
        parts.append("%s is faster %s" % (c.a, span(faster)))
    if slower:
        parts.append("%s is faster %s" % (c.b, span(slower, True)))
    if unres:
        parts.append("no difference resolved at %s" % sizes_text(unres))
    if few:
        parts.append("too few ok reps for a %d%% interval at %s" % (MIN_CLAIM_LEVEL * 100, sizes_text(few)))
    return "%s %s." % (head, "; ".join(parts))


def headline(run, c, size):
    """At the report size: how much faster, in the units a reader wants."""
    r = c.ratios.get(size)
    if r is None or judge(r) not in ("faster", "slower"):
        return None
    fast, slow, rr = (c.a, c.b, r) if judge(r) == "faster" else (c.b, c.a, flip(r))
    pts = {p["series"]: p for p in run.points(c.mode) if p["size"] == size}
    if c.mode == "throughput":
        v = {s: number(pts[s].get("msgs_per_s_median")) for s in (fast, slow) if s in pts}
        return ("%s carries %s messages %s× faster than %s (%s): %s vs %s messages/s." % (
            fast, size_label(size), fx(rr.ratio), slow, ci_text(rr), si(v.get(fast)), si(v.get(slow))))
    v = {s: number(pts[s].get("lat_p50_ns_median")) for s in (fast, slow) if s in pts}
    us = lambda x: "—" if x is None else "%s µs" % sig(x / 1e3)
    return ("%s completes a %s round trip %s× faster than %s (%s): p50 %s vs %s." % (
        fast, size_label(size), fx(rr.ratio), slow, ci_text(rr), us(v.get(fast)), us(v.get(slow))))


def extremes(run):
    out = []
    tp = [p for p in run.points("throughput") if measured(p) and number(p.get("bytes_per_s_median"))]
    if tp:
        best = OrderedDict()
        for p in sorted(tp, key=lambda p: series_order([x["series"] for x in tp]).index(p["series"])):
            if p["series"] not in best or number(p["bytes_per_s_median"]) > number(best[p["series"]]["bytes_per_s_median"]):
                best[p["series"]] = p
        out.append("Highest throughput: " + ", ".join(
            "%s %s Gbit/s at %s" % (s, sig(number(p["bytes_per_s_median"]) * 8e-9), size_label(p["size"]))
            for s, p in best.items()) + " (medians).")
    lat = [p for p in run.points("latency") if measured(p) and number(p.get("lat_p50_ns_median"))]
    if lat:
        best = OrderedDict()
        for p in sorted(lat, key=lambda p: series_order([x["series"] for x in lat]).index(p["series"])):
            if p["series"] not in best or number(p["lat_p50_ns_median"]) < number(best[p["series"]]["lat_p50_ns_median"]):
                best[p["series"]] = p
        out.append("Shortest median round trip: " + ", ".join(
            "%s %s µs at %s" % (s, sig(number(p["lat_p50_ns_median"]) / 1e3), size_label(p["size"]))
            for s, p in best.items()) + ".")
    return out


def noisy_note(run, show=5):
    """One line on the points whose primary metric has CV > 5%: all of them
    when few, else how many and the worst few."""
    noisy, total = [], 0
    for p in run.summary:
        if not measured(p):
            continue
        total += 1
        metric = p.get("primary_metric") or METRIC[p["mode"]][0]
        cv = number(p.get(metric + "_cv"))
        if p.get("noisy") == "1" or (cv is not None and cv > NOISY_CV):
            where = "" if (len(run.ios), len(run.cpus)) == (1, 1) else " (%s, %s)" % (p["io"], p["cpus"])
            noisy.append((cv or 0, "%s %s %s%s: CV %s%%" % (
                p["series"], p["mode"], size_label(p["size"]), where, sig((cv or 0) * 100, 2))))
    if not noisy:
        return None
    noisy.sort(key=lambda x: -x[0])
    listed = "; ".join(t for _, t in noisy[:show])
    return ("%d of %d measured points are noisy (CV of the primary metric above %d%%)%s %s. More reps, "
            "or a quieter machine, narrow their intervals." % (
                len(noisy), total, NOISY_CV * 100, ":" if len(noisy) <= show else "; the worst:", listed))


# -------------------------------------------------------------------- why --

# The headline comparisons of "Why", first against second, where both are in the run.
WHY_PAIRS = (("uds", "lo"), ("veth", "lo"), ("bridge", "veth"), ("nat", "veth"),
             ("vxlan", "veth"), ("macvlan", "bridge"), ("ipvlan", "bridge"),
             ("netns-lo", "lo"))
# MTU effects at the report's size and at 64 KiB (or the largest size below
# it): a message that spans many segments at MTU 1500 and one at 64 KiB. On
# a 2-core VM the small size is where the MTU mattered (it caps how many
# small writes one segment carries), not the large one (GSO carries 64 KiB
# as one packet whatever the MTU).
MTU_SIZE = 65536


def at_size(run, mode, size, cpus=None):
    """Measured points of a slice at one size, by series."""
    return {p["series"]: p for p in run.points(mode, cpus=cpus)
            if p["size"] == size and measured(p)}


def side(run, point, name=None):
    return why.Side(name or point["series"], run.ok_reps(point))


def why_groups(run, size):
    """[(heading, [why.Pair])]: WHY_PAIRS, then same vs split core."""
    groups = []
    for a, b in WHY_PAIRS:
        pairs = []
        for mode in run.modes():
            pts = at_size(run, mode, size)
            if a in pts and b in pts:
                pairs.append(why.Pair(side(run, pts[a]), side(run, pts[b]), mode, size, run.cpu))
        if pairs:
            groups.append(("%s vs %s" % (a, b), pairs))
    return groups + cpus_group(run, size)


def cpus_group(run, size):
    """Same core vs split cores for lo (or the first transport both have)."""
    if not {"same", "split"} <= set(run.cpus):
        return []
    pairs, shown = [], None
    for mode in run.modes():
        same, split = at_size(run, mode, size, "same"), at_size(run, mode, size, "split")
        both = series_order(set(same) & set(split))
        if not both:
            continue
        shown = shown if shown in both else ("lo" if "lo" in both else both[0])
        pairs.append(why.Pair(side(run, same[shown], "%s, same core" % shown),
                              side(run, split[shown], "%s, split cores" % shown), mode, size,
                              "mixed"))
    return [("same core vs split cores: %s" % shown, pairs)] if pairs else []


def mtu_sizes(common, size):
    """The report's size and MTU_SIZE (or the largest size below it), those
    that every MTU of a transport has."""
    below = [s for s in common if s <= MTU_SIZE]
    big = max(below) if below else min(common)
    return [s for s in dict.fromkeys((size, big)) if s in common]


def mtu_effects(run, size):
    """why.MtuEffect per transport swept over MTUs, mode and size (see
    mtu_sizes), with lo when present."""
    out = []
    for mode in run.modes():
        variants = mtu_variants([p for p in run.points(mode) if measured(p)])
        for t, mtus in variants.items():
            common = set.intersection(*(set(ps) for _, ps in mtus))
            for s in mtu_sizes(common, size) if common else []:
                lo = at_size(run, mode, s).get("lo")
                out.append(why.MtuEffect(
                    t, [m for m, _ in mtus],
                    [side(run, ps[s], "%s at MTU %s" % (t, m)) for m, ps in mtus],
                    side(run, lo) if lo else None, mode, s, run.cpu))
    return out


def why_section(run, size):
    """None for runs before schema 3: without the kernel's counters there is
    no "why" to tell, only the CPU time the other sections show."""
    if not any("softirq_ns_per_msg" in r for reps in run.reps.values() for r in reps):
        return None
    return why.section(why_groups(run, size), mtu_effects(run, size))


# ----------------------------------------------------------------- report --

def ci_cell(p, metric, scale, digits=3):
    lo, hi = number(p.get(metric + "_ci_low")), number(p.get(metric + "_ci_high"))
    if lo is None or hi is None:
        return "—"
    return "%s–%s" % (sig(lo * scale, digits), sig(hi * scale, digits))


def val(p, metric, scale=1.0):
    v = number(p.get(metric + "_median"))
    return None if v is None or not measured(p) else v * scale


def pct(p, metric):
    v = number(p.get(metric + "_cv"))
    return "—" if v is None else "%s%%" % sig(v * 100, 2)


def summary_tables(run):
    def order(p):
        so = series_order([x["series"] for x in run.summary])
        return (run.ios.index(p["io"]), run.cpus.index(p["cpus"]), so.index(p["series"]), p["size"])
    out = []
    tp = sorted((p for p in run.summary if p["mode"] == "throughput"), key=order)
    if tp:
        rows = []
        for p in tp:
            cpu = val(p, "cpu_ns_per_msg", 1e-3)
            rows.append([p["series"], p["io"], p["cpus"], size_label(p["size"]), status_cell(p),
                         sig(val(p, "bytes_per_s", 8e-9)), ci_cell(p, "bytes_per_s", 8e-9) if measured(p) else "—",
                         si(val(p, "msgs_per_s")), pct(p, "bytes_per_s") if measured(p) else "—",
                         sig(cpu) if cpu is not None else "—"])
        out.append("### Throughput\n\n" + table(
            ["transport", "io", "cpus", "size", "status", "Gbit/s", "CI", "messages/s", "CV",
             "CPU µs/msg (both sides)"], rows))
    lat = sorted((p for p in run.summary if p["mode"] == "latency"), key=order)
    if lat:
        rows = []
        for p in lat:
            rows.append([p["series"], p["io"], p["cpus"], size_label(p["size"]), status_cell(p),
                         sig(val(p, "lat_p50_ns", 1e-3)), ci_cell(p, "lat_p50_ns", 1e-3) if measured(p) else "—"]
                        + [sig(val(p, m, 1e-3)) for _, m in PERCENTILES[1:]]
                        + [pct(p, "lat_p50_ns") if measured(p) else "—"])
        out.append("### Latency (round trip, µs)\n\n" + table(
            ["transport", "io", "cpus", "size", "status", "p50", "CI", "p90", "p99", "p99.9", "max", "CV"],
            rows))
    return "\n\n".join(out)


def status_cell(p):
    st = p["status"]
    if st == "partial":
        return "partial (%s/%s reps)" % (p.get("reps_ok", "?"), p.get("reps", "?"))
    return st


def not_measured(run):
    out = []
    groups = OrderedDict()
    for p in run.summary:
        if p["status"] in ("ok",):
            continue
        groups.setdefault((p["series"], p["mode"], p["io"], p["cpus"], p["status"]), []).append(p)
    for (s, mode, io, cpus, st), ps in groups.items():
        ps.sort(key=lambda p: p["size"])
        what = "%s of %s reps ok" % (ps[0].get("reps_ok", "?"), ps[0].get("reps", "?")) if st == "partial" else st
        note = next((p["note"] for p in ps if p.get("note")), "")
        out.append("- %s, %s (%s, %s) at %s: %s%s" % (s, mode, io, cpus, sizes_text(p["size"] for p in ps),
                                                      what, " — " + note if note else ""))
    for t, why in (run.meta.get("skipped") or {}).items():
        out.append("- %s: skipped — %s" % (t, why))
    return out


def machine_section(run):
    m = run.meta
    mach = m.get("machine") or {}
    rows = [("CPU", mach.get("cpu_model")), ("CPUs", mach.get("cpus")), ("kernel", mach.get("kernel")),
            ("memory", "%.1f GiB" % (mach["mem_bytes"] / 2 ** 30) if mach.get("mem_bytes") else None),
            ("CPU governor", mach.get("cpu_governor")), ("host", mach.get("hostname")),
            ("ipcperf", " ".join(str(x) for x in (m.get("ipcperf_version"), m.get("git_commit")) if x)),
            ("run", m.get("run_id")), ("started (UTC)", m.get("started_utc")),
            ("finished (UTC)", m.get("finished_utc"))]
    out = [table(["", ""], [(k, v if v not in (None, "") else "—") for k, v in rows])]
    if m.get("command_line"):
        out.append("Command line:\n\n```\n%s\n```" % " ".join(m["command_line"]))
    if m.get("settings"):
        out.append("Settings: " + "; ".join("%s %s" % (k, ",".join(map(str, v)) if isinstance(v, list) else v)
                                            for k, v in m["settings"].items()) + ".")
    links = m.get("links") or {}
    if links:
        rows = []
        for t, ifs in links.items():
            for ifn, info in (ifs or {}).items():
                off = (info or {}).get("offloads") or {}
                rows.append((t, ifn, (info or {}).get("mtu", "—"),
                             " ".join("%s %s" % (k, "on" if v else "off") for k, v in off.items()) or "—"))
        out.append("Links:\n\n" + table(["transport", "interface", "MTU", "offloads"], rows))
    if m.get("sysctls"):
        out.append("Sysctls:\n\n" + table(["sysctl", "value"],
                                          [(k, str(v).replace("\t", " ")) for k, v in m["sysctls"].items()]))
    return "\n\n".join(out)


METHOD = """\
- Each point was measured in several reps; figures and tables show the median
  of the reps. The interval of a single point is summary.csv's: a
  distribution-free 95% confidence interval of the median from order
  statistics, which needs 6 reps — with fewer it is the range of the reps
  (min–max).
- A speed-up is the ratio of two medians (for latency, the baseline's p50 over
  the other's, so that more than 1× is faster). Its interval is a
  distribution-free confidence interval for the scale factor between the two
  sets of reps: order statistics of all pairwise ratios of their reps, chosen
  by the exact Mann–Whitney distribution (Bauer 1972; R's
  `wilcox.test(conf.int = TRUE)`). It states the confidence it attains: with 3
  reps against 3 the widest interval (min–max of the pairwise ratios) is the
  best there is, at 90%; from 5 against 5 on it is at least 95%. A bootstrap
  was not used: with 3 to 5 reps its nominal 95% is not attained.
- A finding is written only when its interval has at least 90% confidence
  and excludes 1 (faster or slower), or lies within ±1%, 2% or 5% of 1
  ("within"); sizes where neither holds are said to be unresolved.
- Unsupported and failed points are gaps in the figures (never zeros) and are
  listed under "Not measured".
"""


def write_report(run, path, figs, drawn, baseline, base_comps, axis_comps, size, notes,
                 mtu_comps=(), why_md=None):
    m = run.meta
    title = "# ipcperf run %s\n\n%s" % (m.get("run_id") or os.path.basename(os.path.abspath(run.dir)),
                                        machine_line(m))
    parts = [title]
    # findings, grouped
    groups = OrderedDict()
    for c in base_comps:
        h = headline(run, c, size)
        if h:
            groups.setdefault("At %s" % size_label(size), []).append(h)
    for c in base_comps:
        d = describe(c)
        if d:
            groups.setdefault("Against %s, size by size" % baseline, []).append(d)
    for c in axis_comps:
        d = describe(c)
        if d:
            title = ("%s vs %s I/O" % (c.a, c.b) if c.axis == "io" else "%s vs %s" % (c.a, c.b))
            groups.setdefault(title, []).append(d)
    for c in mtu_comps:
        d = describe(c)
        if d:
            groups.setdefault("MTU", []).append(d)
    all_r = [r for c in list(base_comps) + list(axis_comps) + list(mtu_comps)
             for r in c.ratios.values()]
    if all_r and all(r.level < MIN_CLAIM_LEVEL for r in all_r):
        groups["Comparisons"] = [
            "No comparison reaches %d%% confidence with this few reps per point (%s); "
            "3 reps against 3 reach 90%%, 5 against 5 reach 95%%." % (
                MIN_CLAIM_LEVEL * 100, "/".join(sorted({str(r.n_a) for r in all_r})))]
    groups["Extremes"] = extremes(run)
    nn = noisy_note(run)
    if nn:
        groups["Noise"] = [nn]
    f = ["Computed from the reps (see Method); a statement is made only where its interval supports it."]
    for title, items in groups.items():
        if items:
            f.append("### %s\n\n%s" % (title, "\n".join("- " + i for i in items)))
    parts.append("## Findings\n\n" + "\n\n".join(f))
    if notes:
        parts.append("\n".join("> " + n for n in notes))
    if why_md:
        parts.append(why_md)
    # figures
    if drawn is None:
        fig_md = ["Figures were not drawn: gnuplot was not found (`make deps` installs gnuplot-nox). "
                  "Their data is in `plotdata/`."]
    else:
        fig_md = []
        for fg in figs:
            if fg.name in drawn:
                fig_md.append("### %s\n\n![%s](%s.png)\n\n%s [SVG](%s.svg) · data: `plotdata/%s`" % (
                    fg.title, fg.title, fg.name, fg.caption, fg.name, os.path.basename(fg.data)))
            else:
                fig_md.append("### %s\n\nNot drawn: gnuplot failed (see its message on stderr)." % fg.title)
    parts.append("## Figures\n\n" + ("\n\n".join(fig_md) if fig_md else "No measured points to draw."))
    parts.append("## Summary\n\nMedians of the ok reps; CI as in Method; CV of the reps "
                 "(sample standard deviation ÷ mean).\n\n" + summary_tables(run))
    nm = not_measured(run)
    if nm:
        parts.append("## Not measured\n\n" + "\n".join(nm))
    parts.append("## Machine\n\n" + machine_section(run))
    parts.append("## Method\n\n" + METHOD)
    with open(path + ".tmp", "w") as fh:
        fh.write("\n\n".join(parts).rstrip() + "\n")
    os.replace(path + ".tmp", path)


# ------------------------------------------------------------------- main --

def run_gnuplot(gnuplot, fig, out):
    cmd = [gnuplot, "-c", os.path.join(PLOTS, fig.script), fig.data, out] + fig.args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=GNUPLOT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "timed out after %d s" % GNUPLOT_TIMEOUT_S
    except OSError as e:
        return str(e)
    err = p.stderr.strip()
    if p.returncode != 0:
        return err.splitlines()[-1] if err else "exit %d" % p.returncode
    if err:
        for line in err.splitlines():
            print("draw.py: gnuplot %s: %s" % (os.path.basename(out), line), file=sys.stderr)
    if not os.path.isfile(out) or os.path.getsize(out) == 0:
        return "wrote no %s" % out
    return None


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="draw.py", description="Draw the figures and report.md of one ipcperf run directory.",
        epilog="Exit: 0 ok, 1 a figure failed, 2 bad input, 4 gnuplot not found.")
    ap.add_argument("run_dir", metavar="RUN_DIR", help="a results directory (summary.csv, results.csv, meta.json)")
    ap.add_argument("--baseline", metavar="TRANSPORT",
                    help="reference of the speed-up figures and findings (default lo)")
    ap.add_argument("--size", metavar="SIZE",
                    help="message size of the percentile ladder, the headline findings, the "
                         "\"Why\" section and the CPU-stack figures, e.g. 100, 1K (default 100)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        run = Run(args.run_dir)
        notes = []
        series = series_order(p["series"] for p in run.summary)
        baseline = args.baseline or "lo"
        if baseline not in series:
            if args.baseline:
                raise InputError("--baseline %s: not in this run (it has %s)" % (baseline, ", ".join(series)))
            notes.append("No speed-up figures: the default baseline lo is not in this run "
                         "(choose one with --baseline).")
            baseline = None
        lat_sizes = sorted({p["size"] for p in run.points("latency") if measured(p)}) or \
            sorted({p["size"] for p in run.summary})
        try:
            size = parse_size(args.size) if args.size else 100
        except ValueError:
            raise InputError("--size %s: not a size (100, 1K, 64KiB, 1M)" % args.size)
        if size not in lat_sizes:
            if args.size:
                raise InputError("--size %s: no latency point at that size (sizes: %s)" % (
                    args.size, sizes_text(lat_sizes)))
            notes.append("No 100 B latency point: the ladder and headlines use %s." % size_label(lat_sizes[0]))
            size = lat_sizes[0]
    except InputError as e:
        print("draw.py: %s (see --help)" % e, file=sys.stderr)
        return EXIT_USAGE
    for w in run.warnings:
        print("draw.py: %s" % w, file=sys.stderr)

    pd = os.path.join(run.dir, "plotdata")
    os.makedirs(pd, exist_ok=True)
    for f in os.listdir(pd):
        if f.endswith(".csv"):
            os.remove(os.path.join(pd, f))
    base_comps = baseline_comparisons(run, baseline) if baseline else []
    axis_comps = axis_comparisons(run, "io") + axis_comparisons(run, "cpus")
    mtu_comps = mtu_comparisons(run)
    why_md = why_section(run, size)
    figs = (fig_throughput(run, pd) + fig_latency(run, pd)
            + (fig_speedups(run, pd, base_comps, baseline) if baseline else [])
            + fig_cpu(run, pd) + fig_cpustack(run, pd, size) + fig_ladder(run, pd, size)
            + fig_axis_ratios(run, pd, axis_comps))

    gnuplot = shutil.which("gnuplot")
    report = os.path.join(run.dir, "report.md")
    name = os.path.basename(os.path.abspath(run.dir))
    if gnuplot is None:
        write_report(run, report, figs, None, baseline, base_comps, axis_comps, size, notes,
                     mtu_comps, why_md)
        print("draw.py: gnuplot not found (install gnuplot-nox, or run make deps); "
              "wrote %s without figures" % report, file=sys.stderr)
        return EXIT_UNSUPPORTED
    drawn, failed = set(), 0
    for fg in figs:
        ok = True
        for fmt in FORMATS:
            out = os.path.join(run.dir, "%s.%s" % (fg.name, fmt))
            err = run_gnuplot(gnuplot, fg, out)
            if err:
                print("draw.py: %s.%s: gnuplot: %s" % (fg.name, fmt, err), file=sys.stderr)
                ok = False
        if ok:
            drawn.add(fg.name)
        else:
            failed += 1
    write_report(run, report, figs, drawn, baseline, base_comps, axis_comps, size, notes,
                 mtu_comps, why_md)
    print("%s: %d figures (%s), report.md%s" % (name, len(drawn), ", ".join(FORMATS),
                                                 ", %d failed" % failed if failed else ""))
    return EXIT_FAIL if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
