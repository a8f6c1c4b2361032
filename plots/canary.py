"""canary.py - the drift canary of a run (canary.csv, schema 4): one fixed
reference point re-measured at intervals through the run, as the machine's
speed over time. Each value becomes a speed relative to the canary's median
over the run (above 1: faster than usual), so that throughput and latency
canaries read alike; figures.fig_canary draws it, drift_note says it.

    speeds(run)         # {'uds:throughput:100B': [(t_s, value, speed, status), ...]}
    drift_note(run)     # 'The drift canary (uds throughput 100 B, 12 times over 340 s) ...'
"""
from collections import OrderedDict

from harness import results, stats
from harness.results import number
from harness.wording import fx, size_label


def series_name(row):
    """'uds:throughput:100B': the transport first (its colour in style.gp)."""
    return "%s:%s:%dB" % (row["transport"], row["mode"], row["size"] or 0)


def label(row):
    return "%s %s %s" % (row["transport"], row["mode"], size_label(row["size"] or 0))


def speeds(run):
    """{series: [(t_s, value or None, speed or None, status)]} in time
    order; a failed measurement is a gap."""
    groups = OrderedDict()
    for r in run.canary:
        groups.setdefault(series_name(r), []).append(r)
    out = OrderedDict()
    for name, rows in groups.items():
        rows.sort(key=lambda r: number(r["t_s"]) or 0)
        ok = [number(r["value"]) for r in rows if r["status"] == "ok"]
        ok = [v for v in ok if v]
        mid = stats.median(ok) if ok else None
        higher = rows[0]["primary_metric"] in results.HIGHER_IS_BETTER
        pts = []
        for r in rows:
            v = number(r["value"]) if r["status"] == "ok" else None
            speed = None if not v or not mid else (v / mid if higher else mid / v)
            pts.append((number(r["t_s"]), v, speed, r["status"]))
        out[name] = pts
    return out


def drift_note(run):
    """One sentence per canary series on how far the machine's speed moved."""
    notes = []
    rows = {series_name(r): r for r in run.canary}
    for name, pts in speeds(run).items():
        s = [p[2] for p in pts if p[2] is not None]
        if len(s) < 2:
            continue
        span = max(p[0] for p in pts if p[0] is not None)
        notes.append("The drift canary (%s, measured %d times over %.0f s) ran between "
                     "%s× and %s× of its median speed: the machine's own drift over the "
                     "run, which falls on every point measured at that time (see the "
                     "canary figure)." % (label(rows[name]), len(s), span, fx(min(s)), fx(max(s))))
    return notes
