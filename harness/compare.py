"""compare - the regression check behind scripts/compare: two runs, point by
point, each point's primary metric (or the --metric list) compared on its reps.

    scripts/compare results/baselines/debian12-2cpu-vm results/regress-X
    scripts/compare base/summary.csv new/summary.csv --threshold 15 --format md

    base: results/baselines/debian12-2cpu-vm (run bz0i, vm, kernel 6.18.44, git 13da5f4)
    new:  results/regress-20261123T210700Z (run q3xd, vm, kernel 6.18.44)

    point                  metric              base          new  change      p  verdict
    uds throughput 100 B   bytes_per_s   638 Mbit/s   643 Mbit/s   +0.8%  0.690  unchanged
    lo throughput 64 KiB   bytes_per_s  9.68 Gbit/s  7.74 Gbit/s  -20.0%  0.008  regressed
    lo latency 100 B       lat_p50_ns       54.9 µs      55.2 µs   +0.5%  0.841  unchanged

    1 regressed, 2 unchanged (threshold 10%, alpha 0.05, two-sided Mann-Whitney U on the reps)
    regressed: lo throughput 64 KiB bytes_per_s -20.0% (p = 0.008)

A change is "regressed" (or "improved") only when it is worse (better) than
the threshold AND a two-sided Mann-Whitney U test on the two runs' ok reps
gives p < alpha; beyond the threshold without significance it is "noisy";
within it, "unchanged". Points in one run only are listed ("only in base",
"only in new"); points whose status is not ok are listed with that status.
Exit: 0 nothing regressed, 1 something did, 2 bad usage or input (one line).

The test is harness/stats.py's mann_whitney_u (exact up to 60 values in
all). With 5 reps a side the smallest two-sided p is 2/252 = 0.008; with 2
(./run.sh --quick) it is 1/3, so a quick run can never prove a regression,
and compare says so.

Reads results.csv (the reps) and summary.csv (the points and their status)
of each run, schema_version 1 to 3 (results/README.md, CHANGELOG.md);
meta.json, when present, only for context lines and for warnings about
settings that differ. Warnings go to stderr (and under the Markdown table).
"""

import argparse
import math
import os
import sys

from . import results, stats
from .wording import NONE, metric_value, size_label

EXIT_OK, EXIT_REGRESSED, EXIT_USAGE, EXIT_INT = 0, 1, 2, 130
DEFAULT_THRESHOLD = 10.0
DEFAULT_ALPHA = 0.05
METRICS = tuple(results.SUMMARY_METRICS)
RESULT_STATUSES = ("ok", "unsupported", "error")
SUMMARY_STATUSES = ("ok", "partial", "unsupported", "error")
# meta.json fields that make two runs incomparable when they differ
SETTINGS_TO_MATCH = ("duration_s", "warmup_s", "mtu", "nodelay")
MACHINE_TO_MATCH = ("cpu_model", "cpus")

VERDICTS = ("regressed", "improved", "noisy", "unchanged")


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
            raise InputError(f"{run.summary_path} line {line}: point {label(key)} "
                             f"appears twice (first on line {run.points[key].line})")
        _check_point(run.summary_path, line, row)
        run.points[key] = Point(key, row, line)
    run.run_id = sorted({row["run_id"] for _, row in rows})[0]


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
            raise InputError(f"{path} line {line}: point {label(key)} is "
                             f"not in {run.summary_path}: files of different runs?")
        rep = {"status": row["status"]}
        for m in METRICS:
            ok = row["status"] == "ok" and m in row
            rep[m] = _number(path, line, row, m) if ok else None
        point.reps.append(rep)


def _check_reps_ok(run):
    for point in run.points.values():
        want = int(point.summary["reps_ok"])
        if point.ok_reps() != want:
            raise InputError(
                f"{run.summary_path} line {point.line}: {label(point.key)} has reps_ok "
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

def label(key, show_mtu=True):
    """A results.PointKey -> 'lo throughput 64 KiB'; io and cpus only when not
    the defaults, mtu when show_mtu (some transport appears with two MTUs)."""
    text = f"{key.transport} {key.mode} {size_label(int(key.size_bytes))}"
    extra = []
    if key.io != "sync":
        extra.append(f"io={key.io}")
    if key.cpus != "split":
        extra.append(f"cpus={key.cpus}")
    if key.mtu and show_mtu:
        extra.append(f"mtu={key.mtu}")
    return text + (" " + " ".join(extra) if extra else "")


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


def _status_note(b, n):
    def one(side, p):
        if p.status == "ok":
            return None
        text = f"{side} {p.status}"
        if p.status == "partial":
            text += f" ({p.ok_reps()}/{len(p.reps)} reps ok)"
        if p.summary.get("note"):
            text += f": {p.summary['note']}"
        return text
    return "; ".join(t for t in (one("base", b), one("new", n)) if t)


def compare_point(key, b, n, metric, threshold, alpha):
    """-> Row, or None when the metric does not apply to the point (neither
    run has a value for it)."""
    row = Row(key, metric)
    bv, nv = b.values(metric), n.values(metric)
    row.n_base, row.n_new = len(bv), len(nv)
    row.base = stats.median(bv) if bv else None
    row.new = stats.median(nv) if nv else None
    row.note = _status_note(b, n)
    if not bv or not nv:
        bad = [p for p in (n, b) if p.status in ("error", "unsupported")]
        if bad:
            row.verdict = bad[0].status
            return row
        if not bv and not nv:
            return None
        row.verdict = "not compared"
        side = "base" if not bv else "new"
        row.note = (row.note + "; " if row.note else "") + f"no {metric} in {side}"
        return row
    if row.base == 0:
        row.change = 0.0 if row.new == 0 else math.copysign(math.inf, row.new)
    else:
        row.change = (row.new - row.base) / abs(row.base) * 100
    _, row.p = stats.mann_whitney_u(bv, nv)
    higher = metric in results.HIGHER_IS_BETTER
    worse = row.change < -threshold if higher else row.change > threshold
    better = row.change > threshold if higher else row.change < -threshold
    significant = row.p < alpha
    if worse:
        row.verdict = "regressed" if significant else "noisy"
    elif better:
        row.verdict = "improved" if significant else "noisy"
    else:
        row.verdict = "unchanged"
    if row.verdict == "noisy":
        extra = f"{'worse' if worse else 'better'} but p >= {alpha:g}"
        if stats.smallest_p(len(bv), len(nv)) >= alpha:
            extra += f" ({len(bv)} vs {len(nv)} reps can never reach it)"
        row.note = (row.note + "; " if row.note else "") + extra
    return row


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
    if base.meta and new.meta:
        for section, fields in (("settings", SETTINGS_TO_MATCH),
                                ("machine", MACHINE_TO_MATCH)):
            bs, ns = base.meta.get(section) or {}, new.meta.get(section) or {}
            if not isinstance(bs, dict) or not isinstance(ns, dict):
                continue
            def one(v):     # a swept setting is a list; [x] is x
                return v[0] if isinstance(v, list) and len(v) == 1 else v
            for f in fields:
                if f in bs and f in ns and one(bs[f]) != one(ns[f]):
                    out.append(f"base and new differ in {section}.{f} ({bs[f]} vs "
                               f"{ns[f]}): the runs may not be comparable")
    short = sorted({(r.n_base, r.n_new) for r in rows
                    if r.n_base and r.n_new and stats.smallest_p(r.n_base, r.n_new) >= alpha})
    for nb, nn in short:
        out.append(f"with {nb} vs {nn} reps no change can reach p < {alpha:g} (the "
                   f"smallest p is {stats.smallest_p(nb, nn):.3g}): those points can only be "
                   "'noisy' or 'unchanged'; use 5 reps a side (4 at least)")
    return out


def _context(run):
    """'results/x (run 2024..., host, kernel 6.1.0, git abc123)'."""
    bits = [f"run {run.run_id}"]
    m = run.meta or {}
    mach = m.get("machine") if isinstance(m.get("machine"), dict) else {}
    if mach.get("hostname"):
        bits.append(str(mach["hostname"]))
    if mach.get("kernel"):
        bits.append(f"kernel {mach['kernel']}")
    if m.get("git_commit"):
        commit = str(m["git_commit"])
        head, dash, rest = commit.partition("-")
        if len(head) == 40:
            commit = head[:12] + dash + rest
        bits.append(f"git {commit}")
    return f"{run.name} ({', '.join(bits)})"


def _counts(rows):
    order = list(VERDICTS) + sorted({r.verdict for r in rows} - set(VERDICTS))
    counts = {v: sum(1 for r in rows if r.verdict == v) for v in order}
    return ", ".join(f"{c} {v}" for v, c in counts.items() if c)


def _cells(r, show_mtu):
    change = NONE if r.change is None else (
        f"{r.change:+.1f}%" if math.isfinite(r.change) else f"{r.change:+}%")
    p = NONE if r.p is None else f"{r.p:.3f}"
    return [label(r.key, show_mtu), r.metric, metric_value(r.metric, r.base),
            metric_value(r.metric, r.new), change, p, r.verdict, r.note]


HEAD = ["point", "metric", "base", "new", "change", "p", "verdict", "note"]


def _show_mtu(rows):
    """mtu only in labels when some transport appears with two MTUs."""
    seen = {}
    for r in rows:
        seen.setdefault(r.key.transport, set()).add(r.key.mtu)
    return any(len(v) > 1 for v in seen.values())


def render_text(base, new, rows, threshold, alpha, notes):
    show = _show_mtu(rows)
    table = [HEAD] + [_cells(r, show) for r in rows]
    if not any(r.note for r in rows):
        table = [t[:-1] for t in table]
    widths = [max(len(t[i]) for t in table) for i in range(len(table[0]))]
    right = {2, 3, 4, 5}
    lines = [f"base: {_context(base)}", f"new:  {_context(new)}", ""]
    for t in table:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(t, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append(f"{_counts(rows)} (threshold {threshold:g}%, alpha {alpha:g}, "
                 "two-sided Mann-Whitney U on the reps)")
    for r in rows:
        if r.verdict == "regressed":
            lines.append(f"regressed: {label(r.key, show)} {r.metric} {r.change:+.1f}% "
                         f"(p = {r.p:.3f})")
    return "\n".join(lines) + "\n"


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_md(base, new, rows, threshold, alpha, notes):
    show = _show_mtu(rows)
    regressed = sum(1 for r in rows if r.verdict == "regressed")
    if regressed:
        head = f"{regressed} regression{'s' if regressed > 1 else ''}"
    else:
        head = "no regression"
    lines = [f"### ipcperf: {head}", "",
             f"{_counts(rows)} · threshold {threshold:g}%, α {alpha:g} "
             "(two-sided Mann-Whitney U on the reps)", "",
             f"- base: {_md(_context(base))}", f"- new: {_md(_context(new))}", ""]
    with_note = any(r.note for r in rows)
    head_cells = HEAD if with_note else HEAD[:-1]
    lines.append("| " + " | ".join(head_cells) + " |")
    align = ["---", "---", "---:", "---:", "---:", "---:", "---", "---"]
    lines.append("|" + "|".join(align[:len(head_cells)]) + "|")
    for r in rows:
        cells = _cells(r, show)[:len(head_cells)]
        if r.verdict in ("regressed", "improved"):
            cells[6] = f"**{cells[6]}**"
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if notes:
        lines.append("")
        lines.extend(f"> {_md(n)}" for n in notes)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- CLI

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise InputError(message)


def build_parser(prog="compare"):
    p = _Parser(
        prog=prog,
        description="Compare two ipcperf runs point by point and say what "
                    "regressed, with confidence. BASE and NEW are run "
                    "directories, or their summary.csv (results.csv beside it "
                    "holds the reps).",
        epilog="A change is 'regressed' or 'improved' when it is beyond the "
               "threshold and the two-sided Mann-Whitney U test on the reps gives "
               "p < alpha; beyond the threshold but not significant it is 'noisy'. "
               "Use 5 reps a side: with 2 (--quick) the smallest p is 1/3. "
               "Exit: 0 nothing regressed, 1 something regressed, 2 bad usage or input.")
    p.add_argument("base", metavar="BASE", help="the reference run")
    p.add_argument("new", metavar="NEW", help="the run to check")
    p.add_argument("--threshold", metavar="PCT", default=str(DEFAULT_THRESHOLD),
                   help=f"smallest change that counts, in percent (default "
                        f"{DEFAULT_THRESHOLD:g})")
    p.add_argument("--alpha", metavar="A", default=str(DEFAULT_ALPHA),
                   help=f"significance level of the test (default {DEFAULT_ALPHA:g})")
    p.add_argument("--metric", metavar="LIST", default="primary",
                   help="comma list of primary (each point's own: bytes_per_s for "
                        "throughput, lat_p50_ns for latency) and of "
                        + ", ".join(METRICS) + " (default primary)")
    p.add_argument("--format", choices=("text", "md"), default="text",
                   help="text (default) or md, a Markdown table for a pull request")
    return p


def _number_arg(text, what, lo, hi, bounds):
    """A finite float strictly above lo and at most hi (threshold: from lo)."""
    t = text.strip()
    if what == "--threshold" and t.endswith("%"):
        t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        v = math.nan
    low_ok = v >= lo if what == "--threshold" else v > lo
    if not math.isfinite(v) or not low_ok or v > hi:
        raise InputError(f"bad {what} '{text}' ({bounds})")
    return v


def parse_args(argv, prog="compare"):
    a = build_parser(prog).parse_args(argv)
    a.threshold = _number_arg(a.threshold, "--threshold", 0, 1000,
                              "a percentage from 0 to 1000, e.g. 10")
    a.alpha = _number_arg(a.alpha, "--alpha", 0, 0.5, "above 0 and at most 0.5, e.g. 0.05")
    metrics = [m.strip() for m in a.metric.split(",") if m.strip()]
    if not metrics:
        raise InputError("bad --metric '': name at least one metric")
    for m in metrics:
        if m != "primary" and m not in METRICS:
            raise InputError(f"unknown metric '{m}' (valid: primary, {', '.join(METRICS)})")
    a.metrics = list(dict.fromkeys(metrics))
    return a


def main(argv=None, prog="compare", out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        a = parse_args(argv, prog)
        base, new = load(a.base), load(a.new)
        rows = compare(base, new, a.metrics, a.threshold, a.alpha)
        notes = warnings(base, new, rows, a.alpha)
        render = render_md if a.format == "md" else render_text
        text = render(base, new, rows, a.threshold, a.alpha, notes)
    except InputError as e:
        err.write(f"{prog}: {e} (see {prog} --help)\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write(f"{prog}: interrupted\n")
        return EXIT_INT
    except Exception as e:          # never a traceback on odd input
        if os.environ.get("IPCPERF_DEBUG"):
            raise
        err.write(f"{prog}: cannot compare: {type(e).__name__}: {e} "
                  f"(see {prog} --help)\n")
        return EXIT_USAGE
    for n in notes:
        err.write(f"{prog}: warning: {n}\n")
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        pass
    return EXIT_REGRESSED if any(r.verdict == "regressed" for r in rows) else EXIT_OK
