"""compare_history - each point's series over runs in time order (meta.json
started_utc), with its change points marked: where the level of the run
medians shifts, found by E-divisive means with a permutation test
(stats.change_points), as MongoDB's and Hunter's performance CI do.
compare_render.py prints the series.

    runs = [compare.load(d) for d in sys.argv[1:]]
    series, alpha = history(runs, ["primary"], 10.0, 0.05)
    series[0].changes       # [Change(index=6, p=0.0025, change=-20.0, verdict='regressed')]

Each series is tested at alpha / (the number of series long enough to
test): Bonferroni over the series, so that a sweep of 50 points does not
mark a change somewhere by chance alone. A new level must last
stats.CP_MIN_SIZE runs, so one run caught in a slow regime of the machine
is not a change point; a shift that shows in the last runs only is the
work of compare BASE... NEW.
"""

import collections

from . import stats
from .compare import InputError, check_same_sweep, judge, percent, reject_ab

Change = collections.namedtuple("Change", "index p change verdict")


class Series:
    """One point and metric over the runs: entries [(run, MedianCI or None)]
    in time order, and the changes found (index into entries)."""

    def __init__(self, key, metric):
        self.key, self.metric = key, metric
        self.entries = []
        self.changes = []

    def values(self):
        """[(entry index, median)] of the runs that measured the point."""
        return [(i, ci.median) for i, (_, ci) in enumerate(self.entries) if ci is not None]


def started(run):
    """The run's start time (meta.json started_utc), as sortable text."""
    t = (run.meta or {}).get("started_utc") or (run.meta or {}).get("finished_utc")
    if not t:
        raise InputError(f"{run.name}: no started_utc in meta.json: cannot place it in time")
    return str(t)


def check_history(runs):
    """InputError unless the runs make a history: two or more plain runs of
    one sweep's settings (their points may come and go)."""
    if len(runs) < 2:
        raise InputError("--history needs two runs at least")
    reject_ab(runs, "--history")
    for r in runs[1:]:
        check_same_sweep(runs[0], r, points=False)


def _changes(series, alpha, threshold):
    """Mark series' change points, each with the shift of the median level
    from the segment before to the segment after."""
    values = series.values()
    xs = [v for _, v in values]
    cps = stats.change_points(xs, alpha)
    bounds = [0] + [c.index for c in cps] + [len(xs)]
    for j, c in enumerate(cps):
        before = stats.median(xs[bounds[j]:bounds[j + 1]])
        after = stats.median(xs[bounds[j + 1]:bounds[j + 2]])
        change = percent(after / before) if before else 0.0
        verdict, _ = judge(series.metric, change, True, threshold)
        series.changes.append(Change(values[c.index][0], c.p, change,
                                     "shift" if verdict == "unchanged" else verdict))


def _series(runs, metrics):
    """Every point and metric of the runs -> [Series], first-seen order."""
    out = collections.OrderedDict()
    for i, run in enumerate(runs):
        for key, p in run.points.items():
            for metric in metrics:
                metric = p.primary if metric == "primary" else metric
                if not p.values(metric) and p.status == "ok":
                    continue
                s = out.setdefault((key, metric), Series(key, metric))
                s.entries += [(r, None) for r in runs[len(s.entries):i]]
                s.entries.append((run, stats.median_ci(p.values(metric))))
    for s in out.values():
        s.entries += [(r, None) for r in runs[len(s.entries):]]
    return list(out.values())


def history(runs, metrics, threshold, alpha):
    """-> (series in time order, the alpha each series was tested at)."""
    check_history(runs)
    runs = sorted(runs, key=started)
    series = _series(runs, metrics)
    testable = [s for s in series if len(s.values()) >= 2 * stats.CP_MIN_SIZE]
    per_series = alpha / max(1, len(testable))
    for s in testable:
        _changes(s, per_series, threshold)
    return series, per_series
