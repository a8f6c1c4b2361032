"""wording.py - how numbers read in report.md: sizes, ratios with their
intervals, significant digits, Markdown tables. Shared by draw.py and why.py.

    >>> size_label(65536), fx(2.104), sig(0.012345), si(1.5e6)
    ('64 KiB', '2.10', '0.0123', '1.50 M')
"""
import math
import re


def size_label(b):
    for unit, mult in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= mult and b % mult == 0:
            return "%d %s" % (b // mult, unit)
    return "%d B" % b


def sizes_text(sizes):
    return ", ".join(size_label(s) for s in sizes)


def parse_size(s):
    m = re.fullmatch(r"\s*(\d+)\s*([KMG]?)(?:i?B)?\s*", s, re.I)
    if not m:
        raise ValueError(s)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]


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


def ci_text(r):
    return "%d%% CI %s–%s" % (level_pct(r.level), fx(r.low), fx(r.high))


def sig(x, digits=3):
    if x is None:
        return "—"
    if x == 0:
        return "0"
    mag = int(math.floor(math.log10(abs(x))))
    return "%.*f" % (max(0, digits - 1 - mag), x) if mag < digits + 3 else "%.3g" % x


def si(x):
    if x is None:
        return "—"
    for p, m in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= m:
            return "%s %s" % (sig(x / m), p)
    return sig(x)


def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)
