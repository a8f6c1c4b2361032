"""comparisons.py - the comparisons the report and the ratio figures make,
each a Comparison of two sets of points, size by size, with the ratio of
their primary metric and its interval (harness/stats.ratio_ci): every
transport against the baseline, each I/O mode and CPU placement against
the first, and each other MTU of a transport against its main one.

    comps = baseline_comparisons(run, "lo")     # [Comparison "uds vs lo", ...]
    comps[0].ratios[100]                        # Ratio(ratio=1.81, low=..., level=0.9, ...)
"""
from collections import OrderedDict

from harness import results, stats
from rundir import by_series, measured, series_order
from titles import CPUS_WORDS

# How the findings name each mode's primary metric (results.PRIMARY).
METRIC_WORDS = {"bytes_per_s": "throughput", "lat_p50_ns": "p50 latency",
                "msgs_per_s": "connection rate"}
# per mode: (primary metric, more is better, its words)
METRIC = {mode: (m, m in results.HIGHER_IS_BETTER, METRIC_WORDS[m])
          for mode, m in results.PRIMARY.items()}


def speedup(run, a, b, mode):
    """Speed-up of point a over point b from their ok reps (>1: a is faster)."""
    metric, higher_better, _ = METRIC[mode]
    va, vb = run.values(a, metric), run.values(b, metric)
    if not va or not vb:
        return None
    return stats.ratio_ci(va, vb) if higher_better else stats.ratio_ci(vb, va)


class Comparison:
    """a vs b in one mode, per size: heading, the two names, ratios by size."""

    def __init__(self, label, a_name, b_name, mode, ratios, sizes, points=None):
        self.label, self.a, self.b, self.mode = label, a_name, b_name, mode
        self.ratios = ratios            # OrderedDict size -> Ratio
        self.sizes = sizes              # every size of the mode, measured or not
        self.points = points or {}      # size -> (point a, point b): what a ratio rests on


def compare_points(run, mode, pair_points, label, a_name, b_name):
    ratios = OrderedDict()
    for size in sorted(pair_points):
        pa, pb = pair_points[size]
        if pa is not None and pb is not None and measured(pa) and measured(pb):
            r = speedup(run, pa, pb, mode)
            if r is not None:
                ratios[size] = r
    return Comparison(label, a_name, b_name, mode, ratios, sorted(pair_points), pair_points)


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
