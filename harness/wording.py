"""wording - how ipcperf says a number, once for the terminal (progress),
scripts/compare and report.md (plots/): sizes in binary units ("64 KiB"),
rates in bits per second ("9.68 Gbit/s"), times with their unit ("55.2 µs"),
three significant digits, ratios with their intervals, series names, and
Markdown tables.

    >>> size_label(65536), parse_size("64K"), rate(1.21e9), duration_ns(55200)
    ('64 KiB', 65536, '9.68 Gbit/s', '55.2 µs')
    >>> fx(2.104), sig(0.012345), si(1.5e6), metric_value("msgs_per_s", 2e5)
    ('2.10', '0.0123', '1.50 M', '200 k messages/s')

A value that is missing is NONE, never 0.
"""

import math
import re

NONE = "—"
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30}


# ------------------------------------------------------------------- sizes --

def size_label(b):
    """65536 -> '64 KiB', 100 -> '100 B' (parse_size reads it back)."""
    for unit, mult in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= mult and b % mult == 0:
            return "%d %s" % (b // mult, unit)
    return "%d B" % b


def shape_label(size, resp=None, flows=1):
    """A point's shape: '100 B', '100 B→64 KiB' (a reply of another size
    than the request), '64 KiB ×4 flows'."""
    text = size_label(size)
    if resp and int(resp) != int(size):
        text += "→" + size_label(int(resp))
    if flows and int(flows) > 1:
        text += " ×%d flows" % int(flows)
    return text


def row_shape(row):
    """shape_label of a results/summary row or PointKey (its cells as text)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k, None)
    return shape_label(int(float(get("size_bytes"))), get("resp_size_bytes") or None,
                       get("flows") or 1)


def sizes_text(sizes):
    return ", ".join(size_label(s) for s in sizes)


def parse_size(text):
    """'64KiB', '64K', '64 KiB' -> 65536; K/M/G are binary. ValueError, with
    the message a user reads, for anything else or below 1 byte."""
    m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"bad size '{text}' (use e.g. 100, 4K, 64KiB, 1M)")
    value = int(m.group(1)) * _UNITS[m.group(2).lower()]
    if value < 1:
        raise ValueError(f"bad size '{text}': must be at least 1 byte")
    return value


# ----------------------------------------------------------------- numbers --

def sig(x, digits=3):
    """x to `digits` significant digits, trailing zeros kept ('1.50')."""
    if x is None:
        return NONE
    if x == 0:
        return "0"
    mag = int(math.floor(math.log10(abs(x))))
    return "%.*f" % (max(0, digits - 1 - mag), x) if mag < digits + 3 else "%.3g" % x


def si(x, unit=""):
    """1.5e6 -> '1.50 M' ('1.50 Mbit/s' with a unit); below 1000 no prefix."""
    if x is None:
        return NONE
    for p, m in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= m:
            return "%s %s%s" % (sig(x / m), p, unit)
    return "%s %s" % (sig(x), unit) if unit else sig(x)


def rate(bytes_per_s):
    """Throughput in bits per second, as the report's tables give it."""
    return NONE if bytes_per_s is None else si(bytes_per_s * 8, "bit/s")


def duration_ns(ns):
    """A time in ns with the unit that suits it: '850 ns', '55.2 µs', '1.20 ms'."""
    if ns is None:
        return NONE
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= div:
            return "%s %s" % (sig(ns / div), unit)
    return "%s ns" % sig(ns)


def metric_value(metric, v, mode=None):
    """A results.csv/summary.csv metric with its unit (in connect mode a
    message is a connection)."""
    if v is None:
        return NONE
    if metric == "bytes_per_s":
        return rate(v)
    if metric == "msgs_per_s":
        return "%s %s/s" % (si(v), "connections" if mode == "connect" else "messages")
    if metric.endswith("_ns") or "_ns_per_msg" in metric:
        return duration_ns(v)
    if metric.endswith("_s"):
        return duration_ns(v * 1e9)
    return sig(v)


# ------------------------------------------------------------------ ratios --

def fx(r):
    """A ratio for prose: 2 decimals below 10; 2 significant digits below
    0.1, where 2 decimals would say little ("0.04")."""
    if r < 0.095:
        return sig(r, 2)
    return "%.2f" % r if r < 10 else "%.1f" % r


def level_pct(level):
    """The confidence an interval claims: 95% if it attains it, else what it
    attains, rounded down."""
    return 95 if level >= 0.95 else int(math.floor(round(level * 100, 6)))


def ci_text(r, decimals=None):
    """'90% CI 1.10–1.31'; with decimals, the bounds to that many places
    ('90% CI 0.987–1.000'), where a ratio near 1 must show how near."""
    f = fx if decimals is None else (lambda x: "%.*f" % (decimals, x))
    return "%d%% CI %s–%s" % (level_pct(r.level), f(r.low), f(r.high))


def counted(n, noun):
    """'1 pair', '3 pairs': a count with its noun (regular plurals only)."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def count(x):
    """A count per message: 3 significant digits, '< 0.001' for the few
    stray ones of a rep of millions ('0' only for none)."""
    if x is None:
        return NONE
    return "< 0.001" if 0 < x < 0.001 else sig(x)


def pct(x):
    """A fraction as a percentage, 2 significant digits: 0.7231 -> '72%'."""
    return NONE if x is None else "%s%%" % sig(x * 100, 2)


def share_text(s):
    """A stats.Share with its interval: '72% (90% CI 65% to 80%)' ("to", as
    a bound can be negative)."""
    return "%s (%d%% CI %s to %s)" % (pct(s.share), level_pct(s.level), pct(s.low), pct(s.high))


# ------------------------------------------------------------------ series --

def _mtu_text(row):
    text = str(row.get("mtu") or "").strip()
    try:
        return str(int(float(text))) if text else ""
    except ValueError:
        return text


def series_names(rows):
    """The series of each summary row, in order: its transport, or
    "transport:mtuN" for every MTU of a transport but its main one (the MTU
    with the most points, the smallest of a tie: the default 1500)."""
    counts = {}
    for r in rows:
        mtus = counts.setdefault(r["transport"], {})
        mtus[_mtu_text(r)] = mtus.get(_mtu_text(r), 0) + 1
    main = {t: max(sorted(mtus, key=lambda m: int(m) if m.isdigit() else 0),
                   key=lambda m: mtus[m]) for t, mtus in counts.items()}
    return [r["transport"] if _mtu_text(r) == main[r["transport"]]
            else "%s:mtu%s" % (r["transport"], _mtu_text(r)) for r in rows]


def mtu_matters(keys):
    """Whether labels need the mtu: some transport appears with two MTUs."""
    seen = {}
    for k in keys:
        seen.setdefault(k.transport, set()).add(k.mtu)
    return any(len(v) > 1 for v in seen.values())


def point_label(key, show_mtu=True):
    """A results.PointKey (compare's rows) -> 'lo throughput 64 KiB'; io and cpus only when not
    the defaults, mtu when show_mtu (some transport appears with two MTUs)."""
    text = f"{key.transport} {key.mode} {row_shape(key)}"
    extra = []
    if key.io != "sync":
        extra.append(f"io={key.io}")
    if key.cpus != "split":
        extra.append(f"cpus={key.cpus}")
    if key.mtu and show_mtu:
        extra.append(f"mtu={key.mtu}")
    return text + (" " + " ".join(extra) if extra else "")


# ---------------------------------------------------------------- markdown --

def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)
