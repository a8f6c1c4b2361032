"""compare_runs - NEW against several base runs, for what cannot be
interleaved in one A/B run (a new kernel, another machine, another day):
each point's NEW median judged against the spread of the base runs' medians
(stats.spread_ratio), the variation between runs, which the reps of one run
cannot show. compare_render.py prints the rows.

    bases = [compare.load(d) for d in ("b1", "b2", "b3")]
    rows, tests = compare_against(bases, compare.load("new"), ["primary"], 10.0, 0.05)

With MIN_BASE_RUNS or more base runs: the t prediction test of NEW against
the base runs' medians, Holm over the run's tests, and a verdict that needs
the threshold and that evidence. With fewer there is no spread to judge by:
with one base run the reps test of compare.compare (blind to drift between
runs, said in a warning); with two, the same test against both runs' reps
pooled, which sees only the part of the drift that the two runs caught.
"""

from . import stats
from .compare import (InputError, Point, Row, Run, add_note, check_same_sweep,
                      judge, percent, reject_ab, setting_differences, status_note)
from .wording import counted

MIN_BASE_RUNS = 3


def check_runs(bases, new):
    """InputError unless the runs can be compared this way: plain runs; with
    several base runs, those of one sweep (settings and points) and NEW of
    its settings (its points may differ: they are listed). One base run
    keeps the old rule: settings that differ are a warning."""
    reject_ab(bases + [new], "compare BASE... NEW")
    if len(bases) < 2:
        return
    for b in bases[1:]:
        check_same_sweep(bases[0], b)
    check_same_sweep(bases[0], new, points=False)


def pooled(bases):
    """The base runs as one Run whose points hold every base run's reps."""
    first = bases[0]
    run = Run(" + ".join(b.name for b in bases), first.summary_path, first.results_path)
    run.schema, run.meta, run.meta_error = first.schema, first.meta, first.meta_error
    run.run_id = " + ".join(b.run_id for b in bases)
    for key, p in first.points.items():
        q = Point(key, p.summary, p.line)
        q.reps = [r for b in bases for r in b.points[key].reps]
        run.points[key] = q
    return run


def _flag_notes(row, base_points, new_point, metric):
    """Notes on interfered reps and unreached precision behind a row."""
    flagged = sum(1 for r in new_point.by_rep(metric).values() if r["interfered"])
    if flagged:
        reps = counted(len(new_point.values(metric)), "rep")
        add_note(row, f"new: {flagged} of {reps} interfered")
    flagged = sum(1 for p in base_points for r in p.by_rep(metric).values() if r["interfered"])
    if flagged:
        add_note(row, f"base runs: {counted(flagged, 'rep')} interfered")
    if new_point.summary_number("precision_met") == 0:
        add_note(row, "new: precision not reached")


def _spread_row(key, base_points, new_point, metric):
    """One row of a point both sides have; p None when not compared."""
    row = Row(key, metric)
    row.note = status_note(base_points[0], new_point)
    medians = [stats.median(p.values(metric)) for p in base_points if p.values(metric)]
    nv = new_point.values(metric)
    row.n, row.n_new = len(medians), len(nv)
    row.new = stats.median(nv) if nv else None
    if len(medians) < len(base_points) or not nv:
        bad = [p.status for p in [new_point] + base_points if p.status in ("error", "unsupported")]
        row.verdict = bad[0] if bad else "not compared"
        return row
    s = stats.spread_ratio(medians, row.new)
    if s is None:
        row.base, row.verdict = medians[0], "not compared"
        add_note(row, "the base runs' medians are all equal: no spread to judge by")
        return row
    row.base, row.spread, row.p, row.level = s.base, s.sd * 100, s.p, s.level
    row.change, row.low, row.high = percent(s.ratio), percent(s.low), percent(s.high)
    _flag_notes(row, base_points, new_point, metric)
    return row


def _only_row(key, side, metric):
    row = Row(key, metric)
    row.verdict = f"only in {side}"
    return row


def compare_spread(bases, new, metrics, threshold, alpha):
    """-> (rows, tests) for MIN_BASE_RUNS or more base runs."""
    first = bases[0]
    keys = list(first.points) + [k for k in new.points if k not in first.points]
    rows = []
    for key in keys:
        if key not in new.points or key not in first.points:
            p = new.points.get(key) or first.points[key]
            rows.append(_only_row(key, "new" if key in new.points else "base", p.primary))
            continue
        base_points = [b.points[key] for b in bases]
        for metric in metrics:
            metric = base_points[0].primary if metric == "primary" else metric
            if not new.points[key].values(metric) and not base_points[0].values(metric) \
                    and new.points[key].status == "ok":
                continue
            rows.append(_spread_row(key, base_points, new.points[key], metric))
    tested = [r for r in rows if r.p is not None]
    if not tested:
        raise InputError(f"none of the points has {', '.join(metrics)} in every run")
    for r, adj in zip(tested, stats.holm([r.p for r in tested])):
        r.p_adj = adj
        r.verdict, direction = judge(r.metric, r.change, adj < alpha, threshold)
        if r.verdict == "noisy":
            add_note(r, f"{direction} but Holm p >= {alpha:g}: within the base runs' spread")
    return rows, len(tested)


def runs_warnings(bases, new):
    """Notes beside the table: unreadable meta.json, machines that differ."""
    out = [r.meta_error for r in bases + [new] if r.meta_error]
    for field, vb, vn in setting_differences(bases[0], new):
        out.append(f"new differs from the base runs in {field} ({vb} vs {vn}): the "
                   "verdicts are about that difference too")
    return out


def too_few_note(bases):
    """The warning of the forms that cannot see drift between runs."""
    if len(bases) == 1:
        return ("one base run cannot see drift between runs: NEW's reps are tested "
                "against BASE's, each point alone, as if the machine had not changed "
                "between the two runs; give 3 or more base runs, or measure both in "
                "one A/B run (./run.sh --ab)")
    return (f"{len(bases)} base runs are too few to judge by their spread "
            f"({MIN_BASE_RUNS} needed): NEW's reps are tested against the base runs' reps "
            "pooled, each point alone, which sees only the drift those runs caught")
