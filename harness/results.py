"""results - the CSV schema (results/README.md) in one place, the per-rep
writer that appends and flushes each row, and the per-point summary.

    w = RepWriter("results/x/results.csv")
    w.write(row)                    # row: dict with COLUMNS keys
    write_summary("results/x/summary.csv", summarize(rows))

Empty cells are empty strings, never 0, so plots show gaps on purpose.
"""

import collections
import csv
import io
import json
import math
import os

from . import counters, forwarders, interference, outfile, stats

SCHEMA_VERSION = 4          # 2: loss_ratio; 3: kernel counters; 4: A/B arms,
                            # interference, precision, forwarders, context
                            # switches per message (CHANGELOG.md)

# schema 3: per-side user/sys time, the sides' kernel counters combined, and
# per message (harness/counters.py)
COUNTER_COLUMNS = list(counters.COLUMNS)
# schema 4: the arm of an A/B run, and what other tasks took of the pinned
# CPUs (harness/interference.py)
ARM_COLUMNS = ["arm"]
INTERFERENCE_COLUMNS = list(interference.COLUMNS)

# schema 4: request/response shapes, connections and flows: the reply's
# size (latency, connect; the request is size_bytes), the flows of the
# point, how connect mode closed its connections, connect() alone, the
# connections the client opened, each side's count of messages over the
# whole test, the conntrack entries the connections created, and over the
# flows their fairness and how well their windows lined up
CONNECT_COLUMNS = ["connect_mean_ns", "connect_p50_ns", "connect_p90_ns", "connect_p99_ns",
                   "connect_p999_ns", "connect_max_ns"]
WORKLOAD_COLUMNS = ["resp_size_bytes", "flows", "conn_close"] + CONNECT_COLUMNS \
    + ["connections", "client_msgs_total", "server_msgs_total", "conntrack_new",
       "conntrack_per_conn", "fairness", "window_overlap"]

COLUMNS = ["schema_version", "run_id", "transport", "socket", "io", "cpus", "mode",
           "size_bytes", "rep", "status", "elapsed_s", "messages", "bytes",
           "bytes_per_s", "msgs_per_s", "lat_mean_ns", "lat_p50_ns", "lat_p90_ns",
           "lat_p99_ns", "lat_p999_ns", "lat_max_ns", "client_cpu_s", "server_cpu_s",
           "cpu_ns_per_msg", "client_vcsw", "client_ivcsw", "server_vcsw",
           "server_ivcsw", "nodelay", "mtu", "loss_ratio"] + COUNTER_COLUMNS \
    + ARM_COLUMNS + INTERFERENCE_COLUMNS + list(forwarders.COLUMNS) + ["vcsw_per_msg"] \
    + WORKLOAD_COLUMNS + ["note"]

# Columns copied from the client's JSON record when the rep is ok (for a
# point of several flows, their aggregate: harness/flows.py).
MEASURED = ["elapsed_s", "messages", "bytes", "bytes_per_s", "msgs_per_s",
            "lat_mean_ns", "lat_p50_ns", "lat_p90_ns", "lat_p99_ns", "lat_p999_ns",
            "lat_max_ns", "client_cpu_s", "server_cpu_s", "cpu_ns_per_msg",
            "client_vcsw", "client_ivcsw", "server_vcsw", "server_ivcsw", "loss_ratio",
            "conn_close"] + CONNECT_COLUMNS + WORKLOAD_COLUMNS[WORKLOAD_COLUMNS.index("connections"):]

# The sweep axes that make a point (DESIGN.md "Words"): a new axis is added
# here and every reader (summary, progress, compare, plots) groups by it.
POINT_KEY = ["transport", "io", "cpus", "mode", "size_bytes", "mtu", "resp_size_bytes",
             "flows", "arm"]
INTEGER_AXES = {"size_bytes", "mtu", "resp_size_bytes", "flows"}   # matched as numbers
PointKey = collections.namedtuple("PointKey", POINT_KEY)

# The columns each schema_version added (CHANGELOG.md); a file of version v
# has those of every version up to v, and columns are never removed. A bump
# of SCHEMA_VERSION adds its entry here, or its files are refused.
# schema 4: per point, its reps flagged as interfered, and the precision its
# primary metric reached (against --precision's target, when given)
PRECISION_COLUMNS = ["precision_pct", "precision_target_pct", "precision_met"]
ADDED_IN = {2: ("loss_ratio",), 3: tuple(COUNTER_COLUMNS),
            4: tuple(ARM_COLUMNS + INTERFERENCE_COLUMNS) + ("reps_interfered",)
            + tuple(PRECISION_COLUMNS) + tuple(forwarders.COLUMNS) + ("vcsw_per_msg",)
            + tuple(WORKLOAD_COLUMNS)}
SUPPORTED_SCHEMAS = tuple(range(1, max(ADDED_IN) + 1))

SUMMARY_METRICS = ["bytes_per_s", "msgs_per_s", "lat_mean_ns", "lat_p50_ns",
                   "lat_p90_ns", "lat_p99_ns", "lat_p999_ns", "lat_max_ns",
                   "cpu_ns_per_msg", "client_cpu_s", "server_cpu_s", "loss_ratio"] \
    + list(counters.PER_MSG) + list(forwarders.SUMMARY_METRICS) + ["vcsw_per_msg"] \
    + ["connect_mean_ns", "connect_p50_ns", "connect_p99_ns", "conntrack_per_conn",
       "fairness", "window_overlap"]

SUMMARY_COLUMNS = (["schema_version", "run_id", "transport", "socket", "io", "cpus",
                    "mode", "size_bytes", "nodelay", "mtu", "forwarder", "status", "reps",
                    "reps_ok", "primary_metric", "noisy"]
                   + [f"{m}_{s}" for m in SUMMARY_METRICS
                      for s in ("median", "ci_low", "ci_high", "cv")]
                   + ARM_COLUMNS + ["reps_interfered"] + PRECISION_COLUMNS
                   + ["resp_size_bytes", "flows", "conn_close", "note"])

# The metric each mode is judged by (summary.csv's primary_metric), and the
# metrics where more is better (for the others, times and costs, less is).
PRIMARY = {"throughput": "bytes_per_s", "latency": "lat_p50_ns", "connect": "msgs_per_s"}
HIGHER_IS_BETTER = frozenset({"bytes_per_s", "msgs_per_s", "fairness", "window_overlap"})
# A point is noisy (summary.csv's noisy) when its primary metric's CV is above this.
NOISY_CV = 0.05


def cell(value):
    """One CSV cell: '' for None, ints as ints, floats to 10 significant
    digits (integral floats without a fraction)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".10g")
    return str(value).replace("\n", " ").replace("\r", " ")


def vcsw_per_msg(row):
    """Voluntary context switches of both sides per message (round trip in
    latency mode): each is a sleep and the wake-up after it, so a blocking
    round trip makes one per side and a spinning one none. From a client
    record or a results.csv row (numbers or text); None when a part is
    missing or there are no messages."""
    c, s, m = (number(row.get(k)) for k in ("client_vcsw", "server_vcsw", "messages"))
    return None if c is None or s is None or not m else (c + s) / m


def make_row(run_id, point, rep, status, record, note, nodelay, mtu, netns_shared=True):
    """A results.csv row. point: dict with transport, socket, io, cpus, mode,
    size_bytes and arm (optional: '' when the run has one); record: the
    client's JSON object or None; netns_shared: both sides ran in one
    network namespace (how their counters combine)."""
    row = {c: "" for c in COLUMNS}
    row.update(schema_version=SCHEMA_VERSION, run_id=run_id, rep=rep,
               status=status, note=note or "", mtu=mtu, nodelay=nodelay,
               arm=point.get("arm", ""))
    for k in ("transport", "socket", "io", "cpus", "mode", "size_bytes"):
        row[k] = point[k]
    row["resp_size_bytes"] = point.get("resp_size_bytes")
    row["flows"] = point.get("flows", 1)
    if status == "ok" and record:
        for k in MEASURED:
            row[k] = record.get(k)
        row.update(counters.derive(record, point["socket"], point["cpus"], netns_shared))
        row.update(forwarders.derive(record, point["transport"]))
        row.update(interference.derive(record, point["cpus"]))
        row["vcsw_per_msg"] = vcsw_per_msg(record)
    if record and record.get("nodelay") in (0, 1):
        row["nodelay"] = record["nodelay"]
    return {k: cell(v) for k, v in row.items()}


# flows.csv (schema 4): one row per flow per rep of a point of several
# flows (--flows N > 1); results.csv has their aggregate. window_offset_s:
# how long after the rep's first flow this flow's window opened.
FLOW_COLUMNS = ["schema_version", "run_id", "transport", "socket", "io", "cpus", "mode",
                "size_bytes", "resp_size_bytes", "mtu", "flows", "rep", "flow", "server_cpu",
                "client_cpu", "status", "window_offset_s", "elapsed_s", "messages", "bytes",
                "bytes_per_s", "msgs_per_s", "lat_p50_ns", "lat_p99_ns", "connect_p50_ns",
                "client_cpu_s", "server_cpu_s", "note"]


def flow_row(run_id, point, rep, flow, place, status, record, note, first_start_ns):
    """A flows.csv row: point as make_row takes it, the flow's placement
    (server_cpu, client_cpu), its client's record (None without one)."""
    row = {c: "" for c in FLOW_COLUMNS}
    row.update({k: point.get(k) for k in FLOW_COLUMNS if k in point})
    row.update(schema_version=SCHEMA_VERSION, run_id=run_id, rep=rep, flow=flow,
               server_cpu=place[0], client_cpu=place[1], status=status, note=note or "")
    if status == "ok" and record:
        for k in FLOW_COLUMNS[FLOW_COLUMNS.index("elapsed_s"):-1]:
            row[k] = record.get(k)
        start = record.get("window_start_ns")
        if start and first_start_ns:
            row["window_offset_s"] = (start - first_start_ns) / 1e9
    return {k: cell(v) for k, v in row.items()}


# canary.csv (schema 4): the drift canary, one fixed point re-measured at
# intervals through the run (harness/canary.py); t_s is the time since the
# run started, value the point's primary metric.
CANARY_COLUMNS = ["schema_version", "run_id", "seq", "t_s", "transport", "socket", "io",
                  "cpus", "mode", "size_bytes", "status", "primary_metric", "value",
                  "others_cpu_share", "interfered", "note"]


def canary_row(run_id, seq, t_s, socket, point, status, record, note):
    """A canary.csv row; point: the canary's sweep.Point; record: the
    client's JSON object or None."""
    primary = PRIMARY[point.mode]
    row = {c: "" for c in CANARY_COLUMNS}
    row.update(schema_version=SCHEMA_VERSION, run_id=run_id, seq=seq, t_s=round(t_s, 3),
               transport=point.transport, socket=socket, io=point.io, cpus=point.cpus,
               mode=point.mode, size_bytes=point.size, status=status,
               primary_metric=primary, note=note or "")
    if status == "ok" and record:
        row["value"] = record.get(primary)
        flags = interference.derive(record, point.cpus)
        row["others_cpu_share"] = flags["others_cpu_share"]
        row["interfered"] = flags["interfered"]
    return {k: cell(v) for k, v in row.items()}


class RepWriter:
    """Appends rows to results.csv (or another file of columns: canary.csv,
    flows.csv), header first, each row in one write as it ends; a row the
    disk refuses is cut off again, so the file always ends after a complete
    row (outfile.Appender). WriteError names the file."""

    def __init__(self, path, columns=COLUMNS):
        self.path = path
        self.columns = columns
        self.out = outfile.Appender(path)
        if self.out.size == 0:
            self._append(lambda w: w.writeheader())

    def _append(self, put):
        buf = io.StringIO()
        put(csv.DictWriter(buf, fieldnames=self.columns, lineterminator="\n"))
        self.out.append(buf.getvalue().encode())

    def write(self, row):
        self._append(lambda w: w.writerow(row))

    def close(self):
        self.out.close()


# ------------------------------------------------------------------ reader --
# One reader of the run files for every consumer: summary (here), app's
# progress, scripts/compare and plots/.

class ReadError(Exception):
    """A run file that cannot be read as one; the message is one line."""


Table = collections.namedtuple("Table", "header rows version")


def number(text):
    """A CSV cell as a float: None for an empty cell (a gap), text that is no
    number, and nan or inf (never a measurement)."""
    if text is None:
        return None
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _key_cell(column, text):
    text = "" if text is None else str(text).strip()
    if column in INTEGER_AXES and text:
        v = number(text)
        if v is not None and v.is_integer():
            return str(int(v))
    return text


def point_key(row):
    """The point a row belongs to: a PointKey of its POINT_KEY cells, sizes
    and MTUs as integer text so that files formatted otherwise match; a
    column the row lacks (a file of an older schema) is '', but for the
    axes that had one value before they were axes: the reply as large as
    the request, one flow."""
    cells = {k: _key_cell(k, row.get(k)) for k in POINT_KEY}
    cells["resp_size_bytes"] = cells["resp_size_bytes"] or cells["size_bytes"]
    cells["flows"] = cells["flows"] or "1"
    return PointKey(**cells)


def since(column):
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
    """The columns of this module's lists that a file of this version has."""
    return [c for c in columns if since(c) <= version]


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _schema(path, line, text):
    try:
        return int(text)
    except (TypeError, ValueError):
        raise ReadError(f"{path} line {line}: schema_version '{text}' is not a "
                        "number") from None


def _version(path, rows):
    """The one schema_version of all rows (the oldest known when none)."""
    version = None
    for i, row in enumerate(rows):
        v = _schema(path, i + 2, row.get("schema_version"))
        if v not in SUPPORTED_SCHEMAS:
            raise ReadError(
                f"{path} line {i + 2}: schema_version {v}, but this ipcperf "
                f"reads schema_version {', '.join(map(str, SUPPORTED_SCHEMAS))}")
        if version is not None and v != version:
            raise ReadError(f"{path} line {i + 2}: schema_version {v} after "
                            f"{version}: rows of different versions")
        version = v
    return SUPPORTED_SCHEMAS[0] if version is None else version


def _numbered(path, header, rows):
    """[(line number, row)]; ReadError for a row of another width."""
    numbered = []
    for i, row in enumerate(rows):
        if None in row or any(v is None for v in row.values()):
            got = len([v for k, v in row.items() if k is not None and v is not None])
            got += len(row.get(None) or [])
            raise ReadError(f"{path} line {i + 2}: {got} fields, "
                            f"the header has {len(header)}")
        numbered.append((i + 2, row))
    return numbered


def _parse_table(path, f, columns, what):
    reader = csv.DictReader(f, restkey=None, restval=None)
    header = reader.fieldnames
    if not header:
        raise ReadError(f"{path}: empty, no header (not an ipcperf {what})")
    if "schema_version" not in header:
        raise ReadError(f"{path}: not an ipcperf {what}: no column schema_version")
    rows = list(reader)
    version = _version(path, rows)
    missing = [c for c in columns_of(version, columns) if c not in header]
    if missing:
        shown = ", ".join(missing[:4]) + (", ..." if len(missing) > 4 else "")
        raise ReadError(f"{path}: not an ipcperf {what}: no column {shown}")
    return Table(header, _numbered(path, header, rows), version)


def read_table(path, columns, what):
    """results.csv or summary.csv (what: its name, for messages) -> Table:
    header, [(line number, row dict)], schema_version. ReadError when the
    file is missing, unreadable, not CSV, of a schema_version this reader
    does not know, of mixed versions, short of a column of columns that its
    version has, or has a row of another width."""
    if not os.path.exists(path):
        raise ReadError(f"{path}: missing (a run directory holds {what})")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return _parse_table(path, f, columns, what)
    except UnicodeDecodeError:
        raise ReadError(f"{path}: not UTF-8 text (not an ipcperf {what})") from None
    except csv.Error as e:
        raise ReadError(f"{path}: malformed CSV: {e}") from None
    except OSError as e:
        raise ReadError(f"{path}: cannot read: {e.strerror or e}") from None


def read_meta(path):
    """meta.json as a dict; None when there is none; ReadError when it cannot
    be read or is not a JSON object."""
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise ReadError(f"{path}: unreadable ({e})") from None
    if not isinstance(meta, dict):
        raise ReadError(f"{path}: unreadable (not a JSON object)")
    return meta


# ----------------------------------------------------------------- summary --

def _point_status(ok, bad):
    if ok and not bad:
        return "ok"
    if ok:
        return "partial"
    if any(r["status"] == "error" for r in bad):
        return "error"
    return "unsupported"


def _precision(s, ci, target):
    """The precision columns of a summary row: how far the primary metric's
    95% interval of the median reaches from it (%), and whether that meets
    --precision's target: within it, at a confidence the reps can give
    (at least 6 ok reps; with fewer the interval is the range, below 95%);
    ci: the metric's stats.MedianCI, None without values."""
    pct = stats.half_width_pct(ci) if ci is not None and ci.n > 1 else None
    s["precision_pct"] = pct
    if target is not None:
        s["precision_target_pct"] = target
        s["precision_met"] = int(pct is not None and pct <= target
                                 and ci.level >= stats.CONFIDENCE)


def _summary_row(reps, target=None):
    """One point's summary row (dicts of values) from its reps; target: the
    --precision percentage, or None."""
    first = reps[0]
    ok = [r for r in reps if r["status"] == "ok"]
    bad = [r for r in reps if r["status"] != "ok"]
    ref = ok[0] if ok else first
    primary = PRIMARY.get(first["mode"], "")
    s = {c: "" for c in SUMMARY_COLUMNS}
    s.update({k: first.get(k, "") for k in POINT_KEY})     # every axis of the point
    s.update(schema_version=SCHEMA_VERSION, run_id=first["run_id"], socket=first["socket"],
             nodelay=ref["nodelay"], forwarder=ref.get("forwarder", ""),
             conn_close=ref.get("conn_close", ""),
             status=_point_status(ok, bad),
             reps=len(reps), reps_ok=len(ok), primary_metric=primary,
             reps_interfered=sum(1 for r in ok if r.get("interfered") == "1"),
             note=(bad[0]["note"] if bad else ""))
    for m in SUMMARY_METRICS:
        vals = [v for v in (number(r.get(m)) for r in ok) if v is not None]
        ci = stats.median_ci(vals)
        if m == primary:
            _precision(s, ci, target)
        if ci is None:
            continue
        c = stats.cv(vals)
        s[f"{m}_median"] = ci.median
        s[f"{m}_ci_low"], s[f"{m}_ci_high"] = ci.low, ci.high
        s[f"{m}_cv"] = c
        if m == primary and c is not None:
            s["noisy"] = 1 if c > NOISY_CV else 0
    return s


def summary_row(reps, precision_target=None):
    """One point's summary.csv row (dict of cells) from its results rows."""
    return {k: cell(v) for k, v in _summary_row(reps, precision_target).items()}


def summarize(rows, precision_target=None):
    """results.csv rows (dicts of strings) -> summary rows (dicts of cells),
    one per point (POINT_KEY), in first-seen order; precision_target: the
    --precision percentage the points are held to, or None."""
    points = {}
    for r in rows:
        points.setdefault(point_key(r), []).append(r)
    return [summary_row(reps, precision_target) for reps in points.values()]


def write_summary(path, summary):
    """Write summary.csv whole, atomically (a reader never sees half);
    outfile.WriteError names the file when the disk refuses it."""
    def fill(f):
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(summary)
    outfile.replace(path, fill)
