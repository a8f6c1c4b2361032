"""compare - the regression check behind scripts/compare: two runs, point by
point, each point's primary metric (or the --metric list) compared on its reps.

    scripts/compare results/baselines/debian12-2cpu-vm results/regress-X
    scripts/compare base/summary.csv new/summary.csv --threshold 15 --format md

    base: results/baselines/debian12-2cpu-vm (run bz0i, vm, kernel 6.18.44, git 13da5f4)
    new:  results/regress-20261123T210700Z (run q3xd, vm, kernel 6.18.44)

    point               metric            base        new  change      p  verdict
    uds throughput 100  bytes_per_s  79.8 MB/s  80.4 MB/s   +0.8%  0.690  unchanged
    lo throughput 64K   bytes_per_s  1.21 GB/s   968 MB/s  -20.0%  0.008  regressed
    lo latency 100      lat_p50_ns     54.9 us    55.2 us   +0.5%  0.841  unchanged

    1 regressed, 2 unchanged (threshold 10%, alpha 0.05, two-sided Mann-Whitney U on the reps)
    regressed: lo throughput 64K bytes_per_s -20.0% (p = 0.008)

A change is "regressed" (or "improved") only when it is worse (better) than
the threshold AND a two-sided Mann-Whitney U test on the two runs' ok reps
gives p < alpha; beyond the threshold without significance it is "noisy";
within it, "unchanged". Points in one run only are listed ("only in base",
"only in new"); points whose status is not ok are listed with that status.
Exit: 0 nothing regressed, 1 something did, 2 bad usage or input (one line).

The test is exact (the permutation distribution of the rank sum, ties as
midranks) up to EXACT_MAX_N values in all, which covers every sane --reps;
beyond that the normal approximation with tie correction. With 5 reps a side
the smallest two-sided p is 2/252 = 0.008; with 2 (./run.sh --quick) it is
1/3, so a quick run can never prove a regression, and compare says so.

Reads results.csv (the reps) and summary.csv (the points and their status)
of each run, schema_version 1 to 4 (results/README.md, CHANGELOG.md);
meta.json, when present, only for context lines and for warnings about
settings that differ. Warnings go to stderr (and under the Markdown table).
"""

import argparse
import csv
import json
import math
import os
import sys

from . import forwarders, results, stats

EXIT_OK, EXIT_REGRESSED, EXIT_USAGE, EXIT_INT = 0, 1, 2, 130
DEFAULT_THRESHOLD = 10.0
DEFAULT_ALPHA = 0.05
# The columns each schema_version added (CHANGELOG.md); a file of version v
# has those of every version up to v, and columns are never removed. Two runs
# of different known versions compare on the metrics both have.
ADDED_IN = {2: ("loss_ratio",), 3: tuple(results.COUNTER_COLUMNS),
            4: tuple(forwarders.COLUMNS)}
SUPPORTED_SCHEMAS = tuple(range(1, max(ADDED_IN) + 1))
HIGHER_IS_BETTER = frozenset({"bytes_per_s", "msgs_per_s"})
METRICS = tuple(results.SUMMARY_METRICS)


def _since(column):
    """The schema_version that added a results.csv column, or the metric of
    a summary.csv column (m_median, m_ci_low, m_ci_high, m_cv)."""
    names = {column}
    for suffix in ("_median", "_ci_low", "_ci_high", "_cv"):
        if column.endswith(suffix):
            names.add(column[:-len(suffix)])
    for version, added in sorted(ADDED_IN.items()):
        if names & set(added):
            return version
    return 1


def columns_of(version, columns):
    """The columns of results.py's list that a file of this version has."""
    return [c for c in columns if _since(c) <= version]
RESULT_STATUSES = ("ok", "unsupported", "error")
SUMMARY_STATUSES = ("ok", "partial", "unsupported", "error")
EXACT_MAX_N = 60
# meta.json fields that make two runs incomparable when they differ
SETTINGS_TO_MATCH = ("duration_s", "warmup_s", "mtu", "nodelay")
MACHINE_TO_MATCH = ("cpu_model", "cpus")

VERDICTS = ("regressed", "improved", "noisy", "unchanged")


class InputError(Exception):
    """Bad usage or input: exit 2 with this one-line message."""


# ---------------------------------------------------------------- statistics

def _doubled_midranks(xs, ys):
    """-> (scores, in_x): twice the midrank of every pooled value (integers,
    so that sums stay exact) and whether it came from xs."""
    pooled = sorted([(v, True) for v in xs] + [(v, False) for v in ys],
                    key=lambda t: t[0])
    n = len(pooled)
    scores = [0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):       # ranks i+1 .. j+1 share (i+j+2)/2
            scores[k] = i + j + 2
        i = j + 1
    return scores, [p[1] for p in pooled]


def _rank_sum_counts(scores, k):
    """{sum: ways} of choosing k of the scores: the permutation distribution
    of a rank sum, ties included."""
    ways = [dict() for _ in range(k + 1)]
    ways[0][0] = 1
    for used, sc in enumerate(scores, 1):
        for j in range(min(k, used), 0, -1):
            dst = ways[j]
            for s, c in ways[j - 1].items():
                dst[s + sc] = dst.get(s + sc, 0) + c
    return ways[k]


def mann_whitney_u(xs, ys):
    """Two-sided Mann-Whitney U test of xs against ys -> (u, p).

    u is the U statistic of xs (pairs x > y, plus half the ties), p the
    probability under "same distribution" of a rank sum at least as far from
    its mean as the one observed. Exact up to EXACT_MAX_N values in all
    (ties as midranks, conditional on the ties seen), otherwise normal with
    tie and continuity corrections.

        >>> mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
        (0.0, 0.007936507936507936)
    """
    n1, n2 = len(xs), len(ys)
    if n1 == 0 or n2 == 0:
        raise ValueError("Mann-Whitney U needs values on both sides")
    n = n1 + n2
    scores, in_x = _doubled_midranks(xs, ys)
    w2 = sum(sc for sc, x in zip(scores, in_x) if x)     # 2 x rank sum of xs
    u = w2 / 2 - n1 * (n1 + 1) / 2
    mean2 = n1 * (n + 1)                                  # 2 x its mean
    dev2 = abs(w2 - mean2)
    if dev2 == 0:
        return u, 1.0
    if n <= EXACT_MAX_N:
        k = min(n1, n2)     # the distribution of the smaller side is cheaper
        if k != n1:
            w2k = sum(sc for sc, x in zip(scores, in_x) if not x)
            dev2 = abs(w2k - k * (n + 1))
        counts = _rank_sum_counts(scores, k)
        mean2k = k * (n + 1)
        extreme = sum(c for s, c in counts.items() if abs(s - mean2k) >= dev2)
        return u, min(1.0, extreme / math.comb(n, k))
    # normal approximation; the tie correction uses the tie group sizes
    groups = {}
    for sc in scores:
        groups[sc] = groups.get(sc, 0) + 1
    tie = sum(t ** 3 - t for t in groups.values())
    var = n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1)))
    if var <= 0:
        return u, 1.0
    z = max(0.0, abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return u, min(1.0, math.erfc(z / math.sqrt(2)))


def smallest_p(n1, n2):
    """The smallest two-sided p the exact test can give n1 vs n2 distinct
    values: both orders of complete separation, 2 / C(n1+n2, n1)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2 / math.comb(n1 + n2, n1))


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


def _read_csv(path, columns, what):
    """-> (header, [(line number, row dict)], schema_version); InputError when
    the file is missing, unreadable, not CSV, of a schema_version this
    compare does not read, of mixed versions, or lacks a column of its
    version."""
    if not os.path.exists(path):
        raise InputError(f"{path}: missing (a run directory holds {what})")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f, restkey=None, restval=None)
            header = reader.fieldnames
            if not header:
                raise InputError(f"{path}: empty, no header (not an ipcperf {what})")
            if "schema_version" not in header:
                raise InputError(f"{path}: not an ipcperf {what}: no column "
                                 "schema_version")
            rows = list(reader)
            version = None
            for i, row in enumerate(rows):
                v = _schema(path, i + 2, row.get("schema_version"))
                if v not in SUPPORTED_SCHEMAS:
                    raise InputError(
                        f"{path} line {i + 2}: schema_version {v}, but this compare "
                        f"reads schema_version {', '.join(map(str, SUPPORTED_SCHEMAS))}")
                if version is not None and v != version:
                    raise InputError(f"{path} line {i + 2}: schema_version {v} after "
                                     f"{version}: rows of different versions")
                version = v
            if version is None:
                version = SUPPORTED_SCHEMAS[0]
            missing = [c for c in columns_of(version, columns) if c not in header]
            if missing:
                shown = ", ".join(missing[:4]) + (", ..." if len(missing) > 4 else "")
                raise InputError(f"{path}: not an ipcperf {what}: no column "
                                 f"{shown}")
            numbered = []
            for i, row in enumerate(rows):
                if None in row or any(v is None for v in row.values()):
                    got = len([v for k, v in row.items() if k is not None and v is not None])
                    got += len(row.get(None) or [])
                    raise InputError(f"{path} line {i + 2}: {got} fields, "
                                     f"the header has {len(header)}")
                numbered.append((i + 2, row))
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (not an ipcperf {what})") from None
    except csv.Error as e:
        raise InputError(f"{path}: malformed CSV: {e}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    return header, numbered, version


def _schema(path, line, text):
    try:
        return int(text)
    except (TypeError, ValueError):
        raise InputError(f"{path} line {line}: schema_version '{text}' is not a "
                         "number") from None


def _key(path, line, row):
    """The point key, normalised (size and mtu as integers) so that two runs
    match whatever their number formatting."""
    try:
        size = int(row["size_bytes"])
        if size < 1:
            raise ValueError
    except ValueError:
        raise InputError(f"{path} line {line}: size_bytes '{row['size_bytes']}' "
                         "is not a positive integer") from None
    mtu = row["mtu"].strip()
    if mtu:
        try:
            mtu = str(int(mtu))
        except ValueError:
            raise InputError(f"{path} line {line}: mtu '{mtu}' is not an "
                             "integer") from None
    for k in ("transport", "io", "cpus", "mode"):
        if not row[k].strip():
            raise InputError(f"{path} line {line}: empty {k}")
    return (row["transport"], row["io"], row["cpus"], row["mode"], str(size), mtu)


def _number(path, line, row, col):
    text = row[col].strip()
    if text == "":
        return None
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise InputError(f"{path} line {line}: {col} '{text}' is not a number")
    return v


def load(name):
    """The run named by a path -> Run; InputError on anything malformed."""
    summary_path, results_path = resolve(name)
    run = Run(name, summary_path, results_path)
    _, s_rows, s_version = _read_csv(summary_path, results.SUMMARY_COLUMNS, "summary.csv")
    r_header, r_rows, r_version = _read_csv(results_path, results.COLUMNS, "results.csv")
    if s_rows and r_rows and s_version != r_version:
        raise InputError(f"{summary_path} is schema_version {s_version} but "
                         f"{results_path} is {r_version}: files of different runs?")
    run.schema = s_version
    if not s_rows:
        raise InputError(f"{summary_path}: no points")
    for line, row in s_rows:
        key = _key(summary_path, line, row)
        if key in run.points:
            raise InputError(f"{summary_path} line {line}: point {label(key)} "
                             f"appears twice (first on line {run.points[key].line})")
        if row["status"] not in SUMMARY_STATUSES:
            raise InputError(f"{summary_path} line {line}: status '{row['status']}' "
                             f"(expected {', '.join(SUMMARY_STATUSES)})")
        try:
            int(row["reps_ok"])
        except ValueError:
            raise InputError(f"{summary_path} line {line}: reps_ok "
                             f"'{row['reps_ok']}' is not an integer") from None
        if row["primary_metric"] and row["primary_metric"] not in METRICS:
            raise InputError(f"{summary_path} line {line}: primary_metric "
                             f"'{row['primary_metric']}' is not a metric")
        run.points[key] = Point(key, row, line)
    run_ids = {row["run_id"] for _, row in s_rows}
    for line, row in r_rows:
        key = _key(results_path, line, row)
        if row["status"] not in RESULT_STATUSES:
            raise InputError(f"{results_path} line {line}: status '{row['status']}' "
                             f"(expected {', '.join(RESULT_STATUSES)})")
        if row["run_id"] not in run_ids:
            raise InputError(f"{results_path} line {line}: run_id '{row['run_id']}' "
                             f"is not the run_id of {summary_path}: files of "
                             "different runs?")
        point = run.points.get(key)
        if point is None:
            raise InputError(f"{results_path} line {line}: point {label(key)} is "
                             f"not in {summary_path}: files of different runs?")
        rep = {"status": row["status"]}
        for m in METRICS:
            ok = row["status"] == "ok" and m in row
            rep[m] = _number(results_path, line, row, m) if ok else None
        point.reps.append(rep)
    for point in run.points.values():
        want = int(point.summary["reps_ok"])
        if point.ok_reps() != want:
            raise InputError(
                f"{summary_path} line {point.line}: {label(point.key)} has reps_ok "
                f"{want} but {results_path} has {point.ok_reps()} ok reps: files of "
                "different runs, or a run still going?")
    run.run_id = sorted(run_ids)[0]
    meta_path = os.path.join(os.path.dirname(summary_path) or ".", "meta.json")
    if os.path.exists(meta_path):
        try:
            with open(meta_path, encoding="utf-8") as f:
                run.meta = json.load(f)
            if not isinstance(run.meta, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as e:
            run.meta, run.meta_error = None, f"{meta_path}: unreadable ({e})"
    return run


# ---------------------------------------------------------------- comparison

def format_size(n):
    for unit, mult in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= mult and n % mult == 0:
            return f"{n // mult}{unit}"
    return str(n)


def label(key, show_mtu=True):
    """('lo', 'sync', 'split', 'throughput', '65536', '65536') ->
    'lo throughput 64K'; io and cpus only when not the defaults, mtu when
    show_mtu (some transport appears with two MTUs)."""
    transport, io, cpus, mode, size, mtu = key
    text = f"{transport} {mode} {format_size(int(size))}"
    extra = []
    if io != "sync":
        extra.append(f"io={io}")
    if cpus != "split":
        extra.append(f"cpus={cpus}")
    if mtu and show_mtu:
        extra.append(f"mtu={mtu}")
    return text + (" " + " ".join(extra) if extra else "")


def _si(v, units):
    for unit, div in units:
        if abs(v) >= div:
            return f"{v / div:.3g} {unit}"
    return f"{v:.3g} {units[-1][0]}"


def format_value(metric, v):
    if v is None:
        return "-"
    if metric == "bytes_per_s":
        return _si(v, (("GB/s", 1e9), ("MB/s", 1e6), ("KB/s", 1e3), ("B/s", 1)))
    if metric == "msgs_per_s":
        return _si(v, (("M/s", 1e6), ("k/s", 1e3), ("/s", 1)))
    if metric.endswith("_ns") or "_ns_per_msg" in metric:
        return _si(v, (("s", 1e9), ("ms", 1e6), ("us", 1e3), ("ns", 1)))
    if metric.endswith("_s"):
        return _si(v, (("s", 1), ("ms", 1e-3), ("us", 1e-6)))
    return f"{v:.4g}"


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
    _, row.p = mann_whitney_u(bv, nv)
    higher = metric in HIGHER_IS_BETTER
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
        if smallest_p(len(bv), len(nv)) >= alpha:
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
    t = sorted({k[0] for k in run.points})
    m = sorted({k[3] for k in run.points})
    s = sorted({int(k[4]) for k in run.points})
    return f"{','.join(t)} x {','.join(m)} x {','.join(format_size(x) for x in s)}"


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
                    if r.n_base and r.n_new and smallest_p(r.n_base, r.n_new) >= alpha})
    for nb, nn in short:
        out.append(f"with {nb} vs {nn} reps no change can reach p < {alpha:g} (the "
                   f"smallest p is {smallest_p(nb, nn):.3g}): those points can only be "
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
    change = "-" if r.change is None else (
        f"{r.change:+.1f}%" if math.isfinite(r.change) else f"{r.change:+}%")
    p = "-" if r.p is None else f"{r.p:.3f}"
    return [label(r.key, show_mtu), r.metric, format_value(r.metric, r.base),
            format_value(r.metric, r.new), change, p, r.verdict, r.note]


HEAD = ["point", "metric", "base", "new", "change", "p", "verdict", "note"]


def _show_mtu(rows):
    """mtu only in labels when some transport appears with two MTUs."""
    seen = {}
    for r in rows:
        seen.setdefault(r.key[0], set()).add(r.key[5])
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
