"""rundir.py - one ipcperf run directory as the plot driver reads it:
summary.csv's points (each with its size as an int and its series name),
the ok reps of results.csv by point, and meta.json; the series order
(harness/transports.NAMES) and the slices (io, cpus) the figures show.

    run = Run("results/R")
    run.points("latency")           # summary rows of the main io and cpus
    run.ok_reps(point)              # its ok results.csv rows
    run.values(point, metric)       # a metric over them, as numbers
    series_order(["veth", "lo"])    # ['lo', 'veth']: transports.NAMES's order

Files are read with harness/results.py's reader; InputError is one line.
"""
import os
from collections import OrderedDict

from harness import results, transports
from harness.results import number
from harness.wording import series_names

# Legend and table order, and the order in which style.gp gives each
# transport its fixed look (passed to the scripts as TNAMES).
TRANSPORT_ORDER = transports.NAMES
IO_PREF = ("sync", "uring", "epoll", "busy")
CPUS_PREF = ("split", "same", "none")
PERCENTILES = (("p50", "lat_p50_ns"), ("p90", "lat_p90_ns"), ("p99", "lat_p99_ns"),
               ("p99.9", "lat_p999_ns"), ("max", "lat_max_ns"))
# the columns the driver cannot do without (schema 1 has them all)
SUMMARY_NEEDS = ("transport io cpus mode size_bytes status reps_ok "
                 "bytes_per_s_median bytes_per_s_ci_low bytes_per_s_ci_high "
                 "lat_p50_ns_median lat_p99_ns_median").split()
RESULTS_NEEDS = ("transport io cpus mode size_bytes status bytes_per_s lat_p50_ns "
                 "messages client_cpu_s server_cpu_s").split()


class InputError(Exception):
    """Bad RUN_DIR or options: exit 2 with this one line."""


def size_int(s):
    """A size or MTU cell as an int; None for a gap."""
    v = number(s)
    return None if v is None else int(v)


def read_csv(path, needs, what):
    try:
        return [row for _, row in results.read_table(path, needs, what).rows]
    except results.ReadError as e:
        raise InputError(str(e)) from None


class Run:
    """One run directory: summary rows (one per point), ok reps, metadata."""

    def __init__(self, run_dir):
        if not os.path.isdir(run_dir):
            raise InputError("%s: not a directory" % run_dir)
        for f in ("summary.csv", "results.csv"):
            if not os.path.isfile(os.path.join(run_dir, f)):
                raise InputError("%s: no %s (not an ipcperf run directory?)" % (run_dir, f))
        self.dir = run_dir
        self.warnings = []
        self.summary = []
        for row in read_csv(os.path.join(run_dir, "summary.csv"), SUMMARY_NEEDS, "summary.csv"):
            row["size"] = size_int(row["size_bytes"])
            if row["size"] is not None:
                self.summary.append(row)
        if not self.summary:
            raise InputError("%s: summary.csv has no points" % run_dir)
        try:
            self.meta = results.read_meta(os.path.join(run_dir, "meta.json"))
        except results.ReadError as e:
            raise InputError(str(e)) from None
        if self.meta is None:
            self.meta = {}
            self.warnings.append("no meta.json: figures are titled without the machine")
        # ok reps by point; failed reps carry no measurements
        self.reps = {}
        for row in read_csv(os.path.join(run_dir, "results.csv"), RESULTS_NEEDS, "results.csv"):
            if row["status"] != "ok":
                continue
            row["size"] = size_int(row["size_bytes"])
            self.reps.setdefault(self.key(row), []).append(row)
        self.ab_arms = sorted({r.get("arm") for r in self.summary} - {None, ""})
        if self.ab_arms:        # an A/B run: the report shows arm A
            self.summary = [r for r in self.summary if r.get("arm") == "A"]
        self.canary = self._read_canary()
        self._name_series()
        self.ios = self._values("io", IO_PREF)
        self.cpus = self._values("cpus", CPUS_PREF)
        self.io, self.cpu = self.ios[0], self.cpus[0]   # the slice most figures show

    def _read_canary(self):
        """canary.csv's rows (the drift canary, schema 4), [] when there is none."""
        path = os.path.join(self.dir, "canary.csv")
        if not os.path.isfile(path):
            return []
        rows = read_csv(path, results.CANARY_COLUMNS, "canary.csv")
        for r in rows:
            r["size"] = size_int(r["size_bytes"])
        return rows

    @staticmethod
    def key(row):
        return results.point_key(row)

    def _values(self, col, pref):
        vals = {r[col] for r in self.summary}
        return [v for v in pref if v in vals] + sorted(vals - set(pref))

    def _name_series(self):
        """Series = transport, or "transport:mtuN" for a second MTU of it."""
        for r, name in zip(self.summary, series_names(self.summary)):
            mtu = size_int(r.get("mtu"))
            r["mtu_n"] = "" if mtu is None else str(mtu)
            r["series"] = name

    def points(self, mode, io=None, cpus=None):
        """The summary rows of mode in one io and cpus slice, of one flow
        with a reply as large as the request: the shape every figure by
        size compares (plots/shapes.py has the others)."""
        io = self.io if io is None else io
        cpus = self.cpu if cpus is None else cpus
        return [r for r in self.summary if r["mode"] == mode and r["io"] == io
                and r["cpus"] == cpus and plain(r)]

    def ok_reps(self, point):
        return self.reps.get(self.key(point), [])

    def values(self, point, metric):
        """metric over a point's ok reps, as numbers; empty cells and zeros
        (no rate or time is 0) left out."""
        return [v for v in (number(r.get(metric)) for r in self.ok_reps(point)) if v]

    def modes(self):
        return [m for m in ("throughput", "latency") if any(r["mode"] == m for r in self.summary)]


def plain(point):
    """A point of one flow whose reply (if any) is as large as its request;
    an older run's points all are."""
    key = results.point_key(point)
    return key.flows == "1" and key.resp_size_bytes == key.size_bytes


def series_order(names):
    def k(s):
        base = s.split(":")[0]
        return (TRANSPORT_ORDER.index(base) if base in TRANSPORT_ORDER else len(TRANSPORT_ORDER), s)
    return sorted(set(names), key=k)


def measured(point):
    """A point with measurements (ok or partial); others are gaps."""
    return point["status"] in ("ok", "partial") and number(point.get("reps_ok")) != 0


def by_series(points):
    out = OrderedDict()
    for p in points:
        out.setdefault(p["series"], {})
        if p["size"] in out[p["series"]]:
            continue        # a second row for the same point: the first one wins
        out[p["series"]][p["size"]] = p
    return out
