"""results - the CSV schema (results/README.md) in one place, the per-rep
writer that appends and flushes each row, and the per-point summary.

    w = RepWriter("results/x/results.csv")
    w.write(row)                    # row: dict with COLUMNS keys
    write_summary("results/x/summary.csv", summarize(rows))

Empty cells are empty strings, never 0, so plots show gaps on purpose.
"""

import csv
import os

from . import counters, forwarders, stats

SCHEMA_VERSION = 4          # 2: loss_ratio; 3: kernel counters; 4: forwarders (CHANGELOG.md)

# schema 3: per-side user/sys time, the sides' kernel counters combined, and
# per message (harness/counters.py)
COUNTER_COLUMNS = list(counters.COLUMNS)

COLUMNS = ["schema_version", "run_id", "transport", "socket", "io", "cpus", "mode",
           "size_bytes", "rep", "status", "elapsed_s", "messages", "bytes",
           "bytes_per_s", "msgs_per_s", "lat_mean_ns", "lat_p50_ns", "lat_p90_ns",
           "lat_p99_ns", "lat_p999_ns", "lat_max_ns", "client_cpu_s", "server_cpu_s",
           "cpu_ns_per_msg", "client_vcsw", "client_ivcsw", "server_vcsw",
           "server_ivcsw", "nodelay", "mtu", "loss_ratio"] + COUNTER_COLUMNS \
    + list(forwarders.COLUMNS) + ["note"]

# Columns copied from the client's JSON record when the rep is ok.
MEASURED = ["elapsed_s", "messages", "bytes", "bytes_per_s", "msgs_per_s",
            "lat_mean_ns", "lat_p50_ns", "lat_p90_ns", "lat_p99_ns", "lat_p999_ns",
            "lat_max_ns", "client_cpu_s", "server_cpu_s", "cpu_ns_per_msg",
            "client_vcsw", "client_ivcsw", "server_vcsw", "server_ivcsw", "loss_ratio"]

POINT_KEY = ["transport", "io", "cpus", "mode", "size_bytes", "mtu"]

SUMMARY_METRICS = ["bytes_per_s", "msgs_per_s", "lat_mean_ns", "lat_p50_ns",
                   "lat_p90_ns", "lat_p99_ns", "lat_p999_ns", "lat_max_ns",
                   "cpu_ns_per_msg", "client_cpu_s", "server_cpu_s", "loss_ratio"] \
    + list(counters.PER_MSG) + list(forwarders.SUMMARY_METRICS)

SUMMARY_COLUMNS = (["schema_version", "run_id", "transport", "socket", "io", "cpus",
                    "mode", "size_bytes", "nodelay", "mtu", "forwarder", "status", "reps",
                    "reps_ok", "primary_metric", "noisy"]
                   + [f"{m}_{s}" for m in SUMMARY_METRICS
                      for s in ("median", "ci_low", "ci_high", "cv")]
                   + ["note"])

PRIMARY = {"throughput": "bytes_per_s", "latency": "lat_p50_ns"}
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


def make_row(run_id, point, rep, status, record, note, nodelay, mtu, netns_shared=True):
    """A results.csv row. point: dict with transport, socket, io, cpus, mode,
    size_bytes; record: the client's JSON object or None; netns_shared: both
    sides ran in one network namespace (how their counters combine)."""
    row = {c: "" for c in COLUMNS}
    row.update(schema_version=SCHEMA_VERSION, run_id=run_id, rep=rep,
               status=status, note=note or "", mtu=mtu, nodelay=nodelay)
    for k in ("transport", "socket", "io", "cpus", "mode", "size_bytes"):
        row[k] = point[k]
    if status == "ok" and record:
        for k in MEASURED:
            row[k] = record.get(k)
        row.update(counters.derive(record, point["socket"], point["cpus"], netns_shared))
        row.update(forwarders.derive(record, point["transport"]))
    if record and record.get("nodelay") in (0, 1):
        row["nodelay"] = record["nodelay"]
    return {k: cell(v) for k, v in row.items()}


class RepWriter:
    """Appends rows to results.csv, header first, flushed after each row."""

    def __init__(self, path):
        self.path = path
        new = not os.path.exists(path) or os.path.getsize(path) == 0
        self.f = open(path, "a", newline="")
        self.w = csv.DictWriter(self.f, fieldnames=COLUMNS, lineterminator="\n")
        if new:
            self.w.writeheader()
            self.f.flush()

    def write(self, row):
        self.w.writerow(row)
        self.f.flush()

    def close(self):
        self.f.close()


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _num(text):
    if text in ("", None):
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v


def point_key(row):
    return tuple(str(row[k]) for k in POINT_KEY)


def summarize(rows):
    """results.csv rows (dicts of strings) -> summary rows (dicts of cells),
    one per point, in first-seen order."""
    points = {}
    for r in rows:
        points.setdefault(point_key(r), []).append(r)
    out = []
    for reps in points.values():
        first = reps[0]
        ok = [r for r in reps if r["status"] == "ok"]
        bad = [r for r in reps if r["status"] != "ok"]
        if ok and not bad:
            status = "ok"
        elif ok:
            status = "partial"
        elif any(r["status"] == "error" for r in reps):
            status = "error"
        else:
            status = "unsupported"
        ref = ok[0] if ok else first
        primary = PRIMARY.get(first["mode"], "")
        s = {c: "" for c in SUMMARY_COLUMNS}
        s.update(schema_version=SCHEMA_VERSION, run_id=first["run_id"],
                 transport=first["transport"], socket=first["socket"], io=first["io"],
                 cpus=first["cpus"], mode=first["mode"], size_bytes=first["size_bytes"],
                 nodelay=ref["nodelay"], mtu=ref["mtu"],
                 forwarder=ref.get("forwarder", ""), status=status,
                 reps=len(reps), reps_ok=len(ok), primary_metric=primary,
                 note=(bad[0]["note"] if bad else ""))
        for m in SUMMARY_METRICS:
            vals = [v for v in (_num(r.get(m)) for r in ok) if v is not None]
            if not vals:
                continue
            lo, hi = stats.ci_median(vals)
            c = stats.cv(vals)
            s[f"{m}_median"] = stats.median(vals)
            s[f"{m}_ci_low"], s[f"{m}_ci_high"] = lo, hi
            s[f"{m}_cv"] = c
            if m == primary and c is not None:
                s["noisy"] = 1 if c > NOISY_CV else 0
        out.append({k: cell(v) for k, v in s.items()})
    return out


def write_summary(path, summary):
    """Write summary.csv whole, atomically (a reader never sees half)."""
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(summary)
    os.replace(tmp, path)
