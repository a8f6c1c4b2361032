"""findings.py - the sentences of report.md's Findings: what each
Comparison supports (faster, slower, within a margin, or unresolved, size
by size), the headline at the report's size, the extremes, and the noisy
points. A claim is made only from an interval of MIN_CLAIM_LEVEL or more.
A claim that rests on reps with interference flagged, or on a point that
did not reach the --precision asked for (schema 4), says so beside it; the
points concerned are named once more under Precision and Interference.

    describe(c)     # '**uds vs lo**, throughput: uds is faster than lo at every size, by ...'
    caveat(c)       # ' Caveat: uds throughput 100 B: interference in 2 of 5 reps.'
"""
from collections import OrderedDict

from harness import results
from harness.results import number
from harness.stats import MIN_CLAIM_LEVEL, flip
from harness.wording import (ci_text, counted, fx, level_pct, point_label, si, sig, size_label,
                             sizes_text)
from comparisons import METRIC
from rundir import measured, series_order

EQUIV_MARGINS = (0.01, 0.02, 0.05)


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


def _best_by_series(points, metric, better):
    """Each series' best point by metric (better(x, y): x beats y), in series order."""
    order = series_order([p["series"] for p in points])
    best = OrderedDict()
    for p in sorted(points, key=lambda p: order.index(p["series"])):
        if p["series"] not in best or better(number(p[metric]), number(best[p["series"]][metric])):
            best[p["series"]] = p
    return best


def extremes(run):
    out = []
    tp = [p for p in run.points("throughput") if measured(p) and number(p.get("bytes_per_s_median"))]
    if tp:
        best = _best_by_series(tp, "bytes_per_s_median", lambda x, y: x > y)
        out.append("Highest throughput: " + ", ".join(
            "%s %s Gbit/s at %s" % (s, sig(number(p["bytes_per_s_median"]) * 8e-9), size_label(p["size"]))
            for s, p in best.items()) + " (medians).")
    lat = [p for p in run.points("latency") if measured(p) and number(p.get("lat_p50_ns_median"))]
    if lat:
        best = _best_by_series(lat, "lat_p50_ns_median", lambda x, y: x < y)
        out.append("Shortest median round trip: " + ", ".join(
            "%s %s µs at %s" % (s, sig(number(p["lat_p50_ns_median"]) / 1e3), size_label(p["size"]))
            for s, p in best.items()) + ".")
    return out


def noisy_note(run, show=5):
    """One line on the points whose primary metric has CV > NOISY_CV: all of them
    when few, else how many and the worst few."""
    noisy, total = [], 0
    for p in run.summary:
        if not measured(p):
            continue
        total += 1
        metric = p.get("primary_metric") or results.PRIMARY[p["mode"]]
        cv = number(p.get(metric + "_cv"))
        if p.get("noisy") == "1" or (cv is not None and cv > results.NOISY_CV):
            where = "" if (len(run.ios), len(run.cpus)) == (1, 1) else " (%s, %s)" % (p["io"], p["cpus"])
            noisy.append((cv or 0, "%s %s %s%s: CV %s%%" % (
                p["series"], p["mode"], size_label(p["size"]), where, sig((cv or 0) * 100, 2))))
    if not noisy:
        return None
    noisy.sort(key=lambda x: -x[0])
    listed = "; ".join(t for _, t in noisy[:show])
    return ("%d of %d measured points are noisy (CV of the primary metric above %d%%)%s %s. More reps, "
            "or a quieter machine, narrow their intervals." % (
                len(noisy), total, results.NOISY_CV * 100, ":" if len(noisy) <= show else "; the worst:", listed))


def flags(p):
    """What a point's summary row says against its numbers (schema 4): reps
    with interference flagged, a precision not reached. [] for older runs."""
    out = []
    n = number(p.get("reps_interfered"))
    if n:
        out.append("interference in %d of %s reps" % (n, p.get("reps_ok") or "?"))
    if p.get("precision_met") == "0":
        got, want = number(p.get("precision_pct")), number(p.get("precision_target_pct"))
        out.append("precision ±%s%% not reached (target ±%s%%)" % (
            sig(got, 2) if got is not None else "?", "%g" % want if want is not None else "?"))
    return out


def point_name(p):
    return point_label(results.point_key(p), show_mtu=p["series"] != p["transport"])


def caveat(c, sizes=None):
    """' Caveat: ...' naming the flagged points a comparison's sentence rests
    on (at sizes, or every size it compares); '' when none is flagged."""
    items = []
    for size in sizes or c.ratios:
        for p in c.points.get(size) or ():
            if p is not None and flags(p):
                item = "%s: %s" % (point_name(p), ", ".join(flags(p)))
                if item not in items:
                    items.append(item)
    return " Caveat: %s." % "; ".join(items) if items else ""


def _point_list(points, what, show):
    listed = "; ".join("%s (%s)" % (point_name(p), what(p)) for p in points[:show])
    return listed + ("; and %d more" % (len(points) - show) if len(points) > show else "")


def precision_note(run, show=8):
    """The points that did not reach the --precision asked for, or None."""
    missed = [p for p in run.summary if measured(p) and p.get("precision_met") == "0"]
    if not missed:
        return None
    asked = [p for p in run.summary if p.get("precision_met") in ("0", "1")]
    target = number(missed[0].get("precision_target_pct"))
    return ("%d of %d points did not reach the precision asked for (±%s%% of the median, "
            "95%% CI) within the budget: %s. Their intervals are wider than the others'." % (
                len(missed), len(asked), "%g" % target if target is not None else "?",
                _point_list(missed, lambda p: "±%s%%" % sig(number(p.get("precision_pct")), 2),
                            show)))


def interference_note(run, show=8):
    """The points with reps where other tasks took a material share of a
    pinned CPU (summary.csv reps_interfered), or None."""
    hit = [p for p in run.summary if measured(p) and number(p.get("reps_interfered"))]
    if not hit:
        return None
    reps = sum(int(number(p["reps_interfered"])) for p in hit)
    return ("Other tasks took a material share of a pinned CPU in %s of %s: %s. "
            "Those reps may be slow for reasons outside the path measured "
            "(results.csv: interfered, others_cpu_share)." % (
                counted(reps, "rep"), counted(len(hit), "point"),
                _point_list(hit, lambda p: "%s of %s reps" % (
                    int(number(p["reps_interfered"])), p.get("reps_ok") or "?"), show)))
