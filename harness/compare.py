"""compare - the verdicts behind scripts/compare: two runs loaded and
checked, then point by point each point's primary metric (or the --metric
list) compared on its reps. compare_render.py prints the outcome and
compare_cli.py is the command line; this module renders nothing.

    base, new = load("results/baselines/debian12-2cpu-vm"), load("results/regress-X")
    rows = compare(base, new, ["primary"])        # [Row], each with its verdict
    notes = warnings(base, new, rows, DEFAULT_ALPHA)
    render_text(Outcome(base, new, rows, DEFAULT_THRESHOLD, DEFAULT_ALPHA, notes))
    # lo throughput 64 KiB   bytes_per_s  9.68 Gbit/s  7.74 Gbit/s  -20.0%  0.008  regressed

A change is "regressed" (or "improved") only when it is worse (better) than
the threshold AND a two-sided Mann-Whitney U test on the two runs' ok reps
gives p < alpha; beyond the threshold without significance it is "noisy";
within it, "unchanged". Points in one run only are listed ("only in base",
"only in new"); points whose status is not ok are listed with that status.
The other forms build on this module's loading, Row and judge():
compare_ab.py (an A/B run, paired), compare_runs.py (several base runs) and
compare_history.py (--history); their statistics are in stats.py.

The test is harness/stats.py's mann_whitney_u (exact up to 60 values in
all). With 5 reps a side the smallest two-sided p is 2/252 = 0.008; with 2
(./run.sh --quick) it is 1/3, so a quick run can never prove a regression,
and compare says so.

Reads results.csv (the reps) and summary.csv (the points and their status)
of each run, schema_version 1 to 4 (results/README.md, CHANGELOG.md);
meta.json, when present, only for context lines and for warnings about
settings that differ. Warnings go to stderr (and under the Markdown table).
"""

import collections
import math
import os

from . import results, stats
from .wording import point_label, size_label

DEFAULT_THRESHOLD = 10.0
DEFAULT_ALPHA = 0.05
METRICS = tuple(results.SUMMARY_METRICS)
RESULT_STATUSES = ("ok", "unsupported", "error")
SUMMARY_STATUSES = ("ok", "partial", "unsupported", "error")
# meta.json fields that make two runs incomparable when they differ
SETTINGS_TO_MATCH = ("duration_s", "warmup_s", "mtu", "nodelay")
MACHINE_TO_MATCH = ("cpu_model", "cpus")

VERDICTS = ("regressed", "improved", "noisy", "unchanged")
ARMS = ("A", "B")
# What a comparison of two runs found, for compare_render.
Outcome = collections.namedtuple("Outcome", "base new rows threshold alpha notes")


class InputError(Exception):
    """Bad usage or input: exit 2 with this one-line message."""


# ---------------------------------------------------------------- input

class Point:
    """One point of one run: its summary row and its reps."""

    def __init__(self, key, summary, line):
        self.key = key
        self.summary = summary
        self.line = line
        self.reps = []          # results.csv rows (dicts), all statuses

    @property
    def status(self):
        return self.summary["status"]

    @property
    def primary(self):
        return self.summary["primary_metric"] or results.PRIMARY.get(
            self.summary["mode"], "")

    def values(self, metric):
        """The metric over the ok reps (floats; reps with an empty cell
        left out)."""
        return [r[metric] for r in self.reps
                if r["status"] == "ok" and r[metric] is not None]

    def ok_reps(self):
        return sum(1 for r in self.reps if r["status"] == "ok")

    def by_rep(self, metric):
        """{rep number: rep} of the ok reps that have the metric (an A/B
        run's pairs are matched on it)."""
        return {r["rep"]: r for r in self.reps
                if r["status"] == "ok" and r[metric] is not None}

    def summary_number(self, column):
        """A summary.csv cell as a number (None when empty or absent: older
        schemas)."""
        return results.number(self.summary.get(column))


class Run:
    def __init__(self, name, summary_path, results_path):
        self.name = name                    # as the user gave it
        self.summary_path = summary_path
        self.results_path = results_path
        self.points = {}                    # key -> Point, in file order
        self.schema = None
        self.run_id = None
        self.meta = None
        self.meta_error = None

    @property
    def arms(self):
        """The arms of the run's points: [''] for a plain run, ['A', 'B'] for
        an A/B run (./run.sh --ab)."""
        return sorted({k.arm for k in self.points})

    @property
    def is_ab(self):
        return any(self.arms)


def resolve(path):
    """A run directory, its summary.csv or its results.csv -> the paths of
    both files."""
    if os.path.isdir(path):
        d = path
        return os.path.join(d, "summary.csv"), os.path.join(d, "results.csv")
    if os.path.isfile(path):
        d = os.path.dirname(path) or "."
        if os.path.basename(path) == "results.csv":
            return os.path.join(d, "summary.csv"), path
        return path, os.path.join(d, "results.csv")
    raise InputError(f"{path}: no such run directory or file")


def _read(path, columns, what):
    try:
        return results.read_table(path, columns, what)
    except results.ReadError as e:
        raise InputError(str(e)) from None


def _key(path, line, row):
    """The point key (results.point_key) of a row whose key cells are sound."""
    try:
        if int(row["size_bytes"]) < 1:
            raise ValueError
    except ValueError:
        raise InputError(f"{path} line {line}: size_bytes '{row['size_bytes']}' "
                         "is not a positive integer") from None
    mtu = row["mtu"].strip()
    if mtu:
        try:
            int(mtu)
        except ValueError:
            raise InputError(f"{path} line {line}: mtu '{mtu}' is not an "
                             "integer") from None
    for k in ("transport", "io", "cpus", "mode"):
        if not row[k].strip():
            raise InputError(f"{path} line {line}: empty {k}")
    if (row.get("arm") or "").strip() not in ARMS + ("",):
        raise InputError(f"{path} line {line}: arm '{row['arm'].strip()}' (expected "
                         f"{' or '.join(ARMS)}, or empty)")
    return results.point_key(row)


def _number(path, line, row, col):
    v = results.number(row[col])
    if v is None and row[col].strip():
        raise InputError(f"{path} line {line}: {col} '{row[col].strip()}' is not a number")
    return v


def _check_point(path, line, row):
    if row["status"] not in SUMMARY_STATUSES:
        raise InputError(f"{path} line {line}: status '{row['status']}' "
                         f"(expected {', '.join(SUMMARY_STATUSES)})")
    try:
        int(row["reps_ok"])
    except ValueError:
        raise InputError(f"{path} line {line}: reps_ok "
                         f"'{row['reps_ok']}' is not an integer") from None
    if row["primary_metric"] and row["primary_metric"] not in METRICS:
        raise InputError(f"{path} line {line}: primary_metric "
                         f"'{row['primary_metric']}' is not a metric")


def _add_points(run, rows):
    """summary.csv rows -> run.points, each checked."""
    if not rows:
        raise InputError(f"{run.summary_path}: no points")
    for line, row in rows:
        key = _key(run.summary_path, line, row)
        if key in run.points:
            raise InputError(f"{run.summary_path} line {line}: point {point_label(key)} "
                             f"appears twice (first on line {run.points[key].line})")
        _check_point(run.summary_path, line, row)
        run.points[key] = Point(key, row, line)
    run.run_id = sorted({row["run_id"] for _, row in rows})[0]


def _rep_number(path, line, row):
    try:
        return int(row["rep"])
    except ValueError:
        raise InputError(f"{path} line {line}: rep '{row['rep']}' is not an "
                         "integer") from None


def _add_reps(run, rows, run_ids):
    """results.csv rows -> the reps of run.points, each checked."""
    path = run.results_path
    for line, row in rows:
        key = _key(path, line, row)
        if row["status"] not in RESULT_STATUSES:
            raise InputError(f"{path} line {line}: status '{row['status']}' "
                             f"(expected {', '.join(RESULT_STATUSES)})")
        if row["run_id"] not in run_ids:
            raise InputError(f"{path} line {line}: run_id '{row['run_id']}' "
                             f"is not the run_id of {run.summary_path}: files of "
                             "different runs?")
        point = run.points.get(key)
        if point is None:
            raise InputError(f"{path} line {line}: point {point_label(key)} is "
                             f"not in {run.summary_path}: files of different runs?")
        rep = {"status": row["status"], "rep": _rep_number(path, line, row),
               "interfered": (row.get("interfered") or "").strip() == "1"}
        for m in METRICS:
            ok = row["status"] == "ok" and m in row
            rep[m] = _number(path, line, row, m) if ok else None
        point.reps.append(rep)


def _check_reps_ok(run):
    for point in run.points.values():
        want = int(point.summary["reps_ok"])
        if point.ok_reps() != want:
            raise InputError(
                f"{run.summary_path} line {point.line}: {point_label(point.key)} has reps_ok "
                f"{want} but {run.results_path} has {point.ok_reps()} ok reps: files of "
                "different runs, or a run still going?")


def _read_meta(run):
    """meta.json beside summary.csv: context only, so a bad one is a warning."""
    path = os.path.join(os.path.dirname(run.summary_path) or ".", "meta.json")
    try:
        run.meta = results.read_meta(path)
    except results.ReadError as e:
        run.meta, run.meta_error = None, str(e)


def load(name):
    """The run named by a path -> Run; InputError on anything malformed."""
    summary_path, results_path = resolve(name)
    run = Run(name, summary_path, results_path)
    summary = _read(summary_path, results.SUMMARY_COLUMNS, "summary.csv")
    reps = _read(results_path, results.COLUMNS, "results.csv")
    if summary.rows and reps.rows and summary.version != reps.version:
        raise InputError(f"{summary_path} is schema_version {summary.version} but "
                         f"{results_path} is {reps.version}: files of different runs?")
    run.schema = summary.version
    _add_points(run, summary.rows)
    _add_reps(run, reps.rows, {row["run_id"] for _, row in summary.rows})
    _check_reps_ok(run)
    _read_meta(run)
    return run


# ---------------------------------------------------------------- comparison

class Row:
    """One line of the table: a point and a metric."""

    def __init__(self, key, metric):
        self.key = key
        self.metric = metric
        self.base = self.new = None         # medians
        self.n_base = self.n_new = 0
        self.change = None                  # percent, new vs base
        self.p = None
        self.verdict = ""
        self.note = ""
        # the paired and several-run forms (compare_ab.py, compare_runs.py)
        self.low = self.high = None     # the change's interval, percent
        self.level = None               # the confidence that interval attains
        self.p_adj = None               # p after Holm over the run's tests
        self.n = 0                      # pairs, or base runs
        self.spread = None              # the base runs' spread, percent


def status_note(b, n, sides=("base", "new")):
    """'new partial (4/5 reps ok); ...' of the points that are not ok."""
    def one(side, p):
        if p.status == "ok":
            return None
        text = f"{side} {p.status}"
        if p.status == "partial":
            text += f" ({p.ok_reps()}/{len(p.reps)} reps ok)"
        if p.summary.get("note"):
            text += f": {p.summary['note']}"
        return text
    return "; ".join(t for t in (one(sides[0], b), one(sides[1], n)) if t)


def compare_point(key, b, n, metric, threshold, alpha):
    """-> Row, or None when the metric does not apply to the point (neither
    run has a value for it)."""
    row = Row(key, metric)
    bv, nv = b.values(metric), n.values(metric)
    row.n_base, row.n_new = len(bv), len(nv)
    row.base = stats.median(bv) if bv else None
    row.new = stats.median(nv) if nv else None
    row.note = status_note(b, n)
    if not bv or not nv:
        bad = [p for p in (n, b) if p.status in ("error", "unsupported")]
        if bad:
            row.verdict = bad[0].status
            return row
        if not bv and not nv:
            return None
        row.verdict = "not compared"
        add_note(row, f"no {metric} in {'base' if not bv else 'new'}")
        return row
    if row.base == 0:
        row.change = 0.0 if row.new == 0 else math.copysign(math.inf, row.new)
    else:
        row.change = (row.new - row.base) / abs(row.base) * 100
    _, row.p = stats.mann_whitney_u(bv, nv)
    row.verdict, direction = judge(metric, row.change, row.p < alpha, threshold)
    if row.verdict == "noisy":
        extra = f"{direction} but p >= {alpha:g}"
        if stats.smallest_p(len(bv), len(nv)) >= alpha:
            extra += f" ({len(bv)} vs {len(nv)} reps can never reach it)"
        add_note(row, extra)
    return row


def judge(metric, change, significant, threshold):
    """The verdict of a change in percent (new against base) -> (verdict,
    'worse' | 'better' | None): regressed or improved only beyond the
    threshold AND with the evidence; beyond it without, noisy."""
    higher = metric in results.HIGHER_IS_BETTER
    worse = change < -threshold if higher else change > threshold
    better = change > threshold if higher else change < -threshold
    if worse:
        return ("regressed" if significant else "noisy"), "worse"
    if better:
        return ("improved" if significant else "noisy"), "better"
    return "unchanged", None


def add_note(row, text):
    row.note = (row.note + "; " if row.note else "") + text


def percent(ratio):
    """A ratio new/base as a change in percent."""
    return (ratio - 1) * 100


def compare(base, new, metrics, threshold=DEFAULT_THRESHOLD, alpha=DEFAULT_ALPHA):
    """-> rows of the table, in base's order, then the points only in new.
    metrics: names, or 'primary' for each point's own."""
    common = [k for k in base.points if k in new.points]
    if not common:
        raise InputError(f"{base.name} and {new.name} have no point in common "
                         f"(base: {_axes(base)}; new: {_axes(new)})")
    keys = list(base.points) + [k for k in new.points if k not in base.points]
    rows = []
    for key in keys:
        b, n = base.points.get(key), new.points.get(key)
        only = b or n
        wanted = [only.primary if m == "primary" else m for m in metrics]
        wanted = list(dict.fromkeys(m for m in wanted if m))
        if b is None or n is None:
            for m in wanted:
                vals = only.values(m)
                if not vals and only.status == "ok":
                    continue
                row = Row(key, m)
                med = stats.median(vals) if vals else None
                if b is None:
                    row.new, row.n_new, row.verdict = med, len(vals), "only in new"
                else:
                    row.base, row.n_base, row.verdict = med, len(vals), "only in base"
                if only.status != "ok":
                    row.note = f"{'new' if b is None else 'base'} {only.status}"
                rows.append(row)
                if not vals:
                    break
            continue
        for m in wanted:
            row = compare_point(key, b, n, m, threshold, alpha)
            if row is not None:
                rows.append(row)
    if not any(r.key in base.points and r.key in new.points for r in rows):
        raise InputError(f"none of the {len(common)} common points has "
                         f"{', '.join(metrics)} in both runs")
    return rows


def _axes(run):
    t = sorted({k.transport for k in run.points})
    m = sorted({k.mode for k in run.points})
    s = sorted({int(k.size_bytes) for k in run.points})
    return f"{','.join(t)} x {','.join(m)} x {','.join(size_label(x) for x in s)}"


def setting_differences(a, b):
    """[(section.field, a's value, b's value)] of the meta.json settings and
    machine fields that make two runs incomparable when they differ."""
    out = []
    if not a.meta or not b.meta:
        return out
    def one(v):     # a swept setting is a list; [x] is x
        return v[0] if isinstance(v, list) and len(v) == 1 else v
    for section, fields in (("settings", SETTINGS_TO_MATCH), ("machine", MACHINE_TO_MATCH)):
        sa, sb = a.meta.get(section) or {}, b.meta.get(section) or {}
        if not isinstance(sa, dict) or not isinstance(sb, dict):
            continue
        for f in fields:
            if f in sa and f in sb and one(sa[f]) != one(sb[f]):
                out.append((f"{section}.{f}", sa[f], sb[f]))
    return out


def check_same_sweep(first, other, points=True):
    """InputError unless other is of first's sweep: the same settings that
    change results and, with points, the same points."""
    for field, va, vb in setting_differences(first, other):
        if field.startswith("settings."):
            raise InputError(f"{other.name} is of another sweep than {first.name}: "
                             f"{field} {vb} vs {va}")
    if points and set(first.points) != set(other.points):
        key = sorted(set(first.points) ^ set(other.points))[0]
        where = first.name if key in first.points else other.name
        raise InputError(f"{other.name} is of another sweep than {first.name}: "
                         f"{point_label(key)} is only in {where}")


def reject_duplicates(runs):
    """InputError when one run is given twice (its spread would be none)."""
    seen = {}
    for run in runs:
        if run.run_id in seen:
            raise InputError(f"{run.name} and {seen[run.run_id]} are the same run "
                             f"(run_id {run.run_id})")
        seen[run.run_id] = run.name


def reject_ab(runs, form):
    """InputError for an A/B run given where plain runs are compared."""
    for run in runs:
        if run.is_ab:
            raise InputError(f"{run.name} is an A/B run: {form} takes plain runs "
                             f"(compare an A/B run alone: compare {run.name})")


def warnings(base, new, rows, alpha):
    """Notes the reader needs beside the table: settings that differ, and
    rep counts too small for the test to ever reach alpha."""
    out = []
    if base.schema != new.schema:
        out.append(f"base is schema_version {base.schema}, new {new.schema}: compared "
                   "on the columns both have")
    for run in (base, new):
        if run.meta_error:
            out.append(run.meta_error)
    for field, vb, vn in setting_differences(base, new):
        out.append(f"base and new differ in {field} ({vb} vs {vn}): the runs may not "
                   "be comparable")
    short = sorted({(r.n_base, r.n_new) for r in rows
                    if r.n_base and r.n_new and stats.smallest_p(r.n_base, r.n_new) >= alpha})
    for nb, nn in short:
        out.append(f"with {nb} vs {nn} reps no change can reach p < {alpha:g} (the "
                   f"smallest p is {stats.smallest_p(nb, nn):.3g}): those points can only be "
                   "'noisy' or 'unchanged'; use 5 reps a side (4 at least)")
    return out
