"""wake.py - report.md's "Wake-up and placement" section, for a run with the
epoll or busy I/O modes: how much of a blocking round trip is the wake-up,
(sync − busy) ÷ sync per transport, placement and size, with its interval
(harness/stats.reduction_ci); shm spinning on its ring as the floor; and the
headline comparisons (uds vs lo, veth vs lo, the seed's "UDS ≈ 2× lo") in
every I/O mode and placement of the run, with the context switches that
tell why they turn.

    wake_section(run)       # '## Wake-up and placement\\n\\n...', or None

A run without epoll and busy has no such section: its report stays as it was.
"""
from collections import namedtuple

from harness import results, stats
from harness.results import number
from harness.stats import MIN_CLAIM_LEVEL, flip
from harness.wording import (ci_text, count, duration_ns, fx, level_pct, pct, share_text,
                             size_label, table)
from comparisons import speedup
from rundir import IO_PREF, measured, plain, series_order
from titles import CPUS_WORDS

WAKE_MODES = ("epoll", "busy")          # the modes that make a run's section
CLAIMS = (("uds", "lo"), ("veth", "lo"))
SEED = ("uds", "lo", 2.0)               # the seed's claim: UDS ≈ 2× lo
FLOOR = ("shm", "busy")                 # both sides spin on the ring: the floor
UNIT = {"latency": "round trip", "throughput": "message"}
Cell = namedtuple("Cell", "io cpus")


class Points:
    """The run's summary rows by (series, io, cpus, mode, size), all slices,
    of the plain shape (rundir.plain: one flow, a reply as large as the
    request), which that key tells apart."""

    def __init__(self, run):
        self.run = run
        self.by = {}
        for p in filter(plain, run.summary):
            self.by.setdefault((p["series"], p["io"], p["cpus"], p["mode"], p["size"]), p)

    def get(self, series, io, cpus, mode, size):
        """The point if it was measured, else None."""
        p = self.by.get((series, io, cpus, mode, size))
        return p if p is not None and measured(p) else None

    def switches(self, point):
        """Median voluntary context switches per message of a point's reps."""
        xs = [v for v in map(results.vcsw_per_msg, self.run.ok_reps(point)) if v is not None]
        return stats.median(xs) if xs else None

    def sizes(self, mode):
        return sorted({k[4] for k in self.by if k[3] == mode})


def cell_name(cell):
    return "%s, %s" % (cell.io, CPUS_WORDS.get(cell.cpus, cell.cpus))


# ------------------------------------------------------ the wake-up share --

Share = namedtuple("Share", "series cpus size sync busy share")


def shares(pts):
    """Every transport, placement and size measured in latency mode with both
    sync and busy: the share of the sync round trip that busy does without."""
    out = []
    for cpus in pts.run.cpus:
        for size in pts.sizes("latency"):
            for s in series_order({k[0] for k in pts.by}):
                sync = pts.get(s, "sync", cpus, "latency", size)
                busy = pts.get(s, "busy", cpus, "latency", size)
                if sync and busy:
                    sh = stats.reduction_ci(pts.run.values(sync, "lat_p50_ns"),
                                            pts.run.values(busy, "lat_p50_ns"))
                    if sh:
                        out.append(Share(s, cpus, size, sync, busy, sh))
    return out


def p50_cell(point):
    return duration_ns(number(point.get("lat_p50_ns_median")))


def share_table(pts, rows):
    body = []
    for r in rows:
        sw = [pts.switches(p) for p in (r.sync, r.busy)]
        body.append([r.series, CPUS_WORDS.get(r.cpus, r.cpus), size_label(r.size),
                     p50_cell(r.sync), p50_cell(r.busy), share_text(r.share),
                     " → ".join(count(x) for x in sw)])
    return table(["transport", "cpus", "size", "p50, sync", "p50, busy",
                  "wake-up share, (sync − busy) ÷ sync", "context switches per round trip, "
                  "sync → busy"], body)


def named_share(r):
    """'61% (uds, 90% CI 55% to 68%)'."""
    s = r.share
    return "%s (%s, %d%% CI %s to %s)" % (pct(s.share), r.series, level_pct(s.level),
                                          pct(s.low), pct(s.high))


def share_sentences(rows):
    """Per placement and size: the smallest and the largest share that an
    interval at MIN_CLAIM_LEVEL keeps above 0, each with its interval, and
    the transports whose share is not resolved."""
    out, groups = [], {}
    for r in rows:
        groups.setdefault((r.cpus, r.size), []).append(r)
    for (cpus, size), rs in groups.items():
        ok = [r for r in rs if r.share.level >= MIN_CLAIM_LEVEL and r.share.low > 0]
        rest = [r.series for r in rs if r not in ok]
        where = "At %s, %s" % (size_label(size), CPUS_WORDS.get(cpus, cpus))
        if len(ok) == 1:
            text = "%s, the wake-up is %s of %s's blocking round trip" % (
                where, share_text(ok[0].share), ok[0].series)
        elif ok:
            lo = min(ok, key=lambda r: r.share.share)
            hi = max(ok, key=lambda r: r.share.share)
            text = "%s, the wake-up is from %s to %s of a blocking round trip" % (
                where, named_share(lo), named_share(hi))
        else:
            text = "%s, no wake-up share is resolved" % where
        if ok and rest:
            text += "; it is not resolved for %s" % ", ".join(rest)
        out.append(text + ".")
    return out


# ------------------------------------------------------------- the floor --

FLOOR_LEAD = ("shm with busy I/O is the floor: both sides spin on the ring, with no system "
              "call and no wake-up.")


def floor_sentences(pts):
    """One line per placement and size where shm was measured spinning: its
    p50, and each socket's spinning round trip as a multiple of it."""
    out = []
    for cpus in pts.run.cpus:
        for size in pts.sizes("latency"):
            floor = pts.get(FLOOR[0], FLOOR[1], cpus, "latency", size)
            if not floor:
                continue
            others = []
            for s in series_order({k[0] for k in pts.by} - {FLOOR[0]}):
                p = pts.get(s, "busy", cpus, "latency", size)
                r = p and stats.ratio_ci(pts.run.values(p, "lat_p50_ns"),
                                         pts.run.values(floor, "lat_p50_ns"))
                if r:
                    others.append("%s %s× (%s)" % (s, fx(r.ratio), ci_text(r)))
            text = "%s, %s: %s per round trip (p50)" % (
                size_label(size), CPUS_WORDS.get(cpus, cpus), p50_cell(floor))
            if others:
                text += "; the sockets, spinning too, take %s as long" % ", ".join(others)
            out.append(text + ".")
    return out


# ---------------------------------------------------- the headline claims --

def cells(pts):
    """The (io, cpus) cells of the run: its I/O modes, then its placements."""
    return [Cell(io, cpus) for io in pts.run.ios for cpus in pts.run.cpus]


def way(r, a, b):
    """'uds 1.23× (90% CI 1.10–1.31)': which side is faster and by how much,
    or that the interval does not say."""
    if r is None:
        return "—"
    if r.level < MIN_CLAIM_LEVEL:
        return "too few reps (%s)" % ci_text(r)
    if r.low > 1:
        return "%s %s× (%s)" % (a, fx(r.ratio), ci_text(r))
    if r.high < 1:
        rr = flip(r)
        return "%s %s× (%s)" % (b, fx(rr.ratio), ci_text(rr))
    return "not resolved (%s)" % ci_text(r)


def seed_verdict(r, a, b, k):
    """Whether a is about k× as fast as b, as far as the interval says."""
    if r is None:
        return None
    if r.level < MIN_CLAIM_LEVEL:
        return "too few reps"
    if r.low <= k <= r.high:
        return "holds (%g× inside the CI)" % k
    if r.low > k:
        return "no: %s faster by more than %g×" % (a, k)
    if r.low > 1:
        return "no: %s faster, by less than %g×" % (a, k)
    if r.high < 1:
        return "no: %s is faster" % b
    return "no: less than %g×, no difference resolved" % k


Measured = namedtuple("Measured", "cell mode size ratio a b")    # a, b: the two points


def measure_claims(pts):
    """{(a, b): [Measured]} of each claim, over every mode, size and cell
    where both transports were measured."""
    out = {}
    for a, b in CLAIMS:
        for mode in pts.run.modes():
            for size in pts.sizes(mode):
                for c in cells(pts):
                    pa, pb = (pts.get(t, c.io, c.cpus, mode, size) for t in (a, b))
                    if pa and pb:
                        out.setdefault((a, b), []).append(
                            Measured(c, mode, size, speedup(pts.run, pa, pb, mode), pa, pb))
    return out


def claims_table(pts, found, shown):
    """One row per claim, mode and size (with the seed's verdict and the
    context switches of both sides) and one column per cell of shown."""
    body = []
    for mode in pts.run.modes():
        for size in pts.sizes(mode):
            for (a, b), ms in found.items():
                at = {m.cell: m for m in ms if (m.mode, m.size) == (mode, size)}
                if not at:
                    continue
                head = [mode, size_label(size)]
                body.append(["%s vs %s" % (a, b)] + head + [
                    way(at[c].ratio, a, b) if c in at else "—" for c in shown])
                if (a, b) == SEED[:2]:
                    body.append(["%s ≈ %g× %s (the seed's claim)" % (a, SEED[2], b)] + head + [
                        (seed_verdict(at[c].ratio, a, b, SEED[2]) or "—") if c in at else "—"
                        for c in shown])
                body.append(["context switches per %s, %s / %s" % (UNIT[mode], a, b)] + head + [
                    "%s / %s" % (count(pts.switches(at[c].a)), count(pts.switches(at[c].b)))
                    if c in at else "—" for c in shown])
    return table(["claim", "mode", "size"] + [cell_name(c) for c in shown], body)


def where(ms, limit=4):
    """' (latency 100 B, sync, same core; ...)' naming up to limit cells."""
    if not ms or len(ms) > limit:
        return ""
    return " (%s)" % "; ".join("%s %s, %s" % (m.mode, size_label(m.size), cell_name(m.cell))
                               for m in ms)


def claim_sentences(found):
    """Which way each claim goes over the cells: in how many each side is
    faster, in how many the interval leaves it open; and where the seed's 2×
    holds."""
    out = []
    for (a, b), ms in found.items():
        judged = [m for m in ms if m.ratio and m.ratio.level >= MIN_CLAIM_LEVEL]
        wins = {a: [m for m in judged if m.ratio.low > 1], b: [m for m in judged if m.ratio.high < 1]}
        open_ = [m for m in judged if m not in wins[a] + wins[b]]
        parts = []
        for s in (a, b):
            if len(wins[s]) == len(ms):
                parts.append("%s is faster in every one" % s)
            elif wins[s]:
                parts.append("%s is faster in %d%s" % (s, len(wins[s]), where(wins[s])))
        if open_:
            parts.append("no difference is resolved in %d%s" % (len(open_), where(open_)))
        if len(judged) < len(ms):
            parts.append("%d have too few reps" % (len(ms) - len(judged)))
        out.append("**%s vs %s**, over the %d cells measured: %s." % (
            a, b, len(ms), "; ".join(parts)))
        if (a, b) == SEED[:2] and judged:
            holds = [m for m in judged if m.ratio.low <= SEED[2] <= m.ratio.high]
            out.append("The seed's \"%s ≈ %g× %s\" holds (%g× inside the interval) in %d of "
                       "those %d%s." % (a, SEED[2], b, SEED[2], len(holds), len(judged),
                                        where(holds)))
    return out


def unmeasured_cells(pts, shown):
    """'busy, same core: unsupported — io busy never sleeps: ...' for each
    cell of the run where no claim could be measured, with the reason its
    points give."""
    out = []
    for c in cells(pts):
        if c in shown:
            continue
        ours = {t for claim in CLAIMS for t in claim}
        notes = [p for p in pts.run.summary if (p["io"], p["cpus"]) == tuple(c)
                 and p["transport"] in ours and p.get("note")]
        why = "%s — %s" % (notes[0]["status"], notes[0]["note"]) if notes else "not measured"
        out.append("%s: %s" % (cell_name(c), why))
    return out


CLAIMS_INTRO = """\
Each claim in every I/O mode and placement of the run: which transport is
faster and by how much, the ratio of the medians of the primary metric
(bytes/s in throughput; the other's p50 over this one's in latency), with
its interval (Method). The seed's claim holds in a cell only where 2× lies
inside the interval. The context switches are both sides' voluntary ones
per message (results.csv vcsw_per_msg): each is a side going to sleep and
being woken, so a blocking round trip makes about 2 and a spinning one 0."""


def claims_block(pts):
    found = measure_claims(pts)
    if not found:
        return None
    shown = [c for c in cells(pts) if any(m.cell == c for ms in found.values() for m in ms)]
    parts = [CLAIMS_INTRO, claims_table(pts, found, shown)]
    missing = unmeasured_cells(pts, shown)
    if missing:
        parts.append("Not in the table: " + "; ".join(missing) + ".")
    parts.append("\n".join("- " + t for t in claim_sentences(found)))
    return "### The headline claims, by wake mode and placement\n\n" + "\n\n".join(parts)


INTRO = """\
How the two sides wait (`--io`): `sync` blocks in the call and sleeps until
the peer's bytes wake it, `epoll` sleeps in `epoll_wait` on non-blocking
sockets, `busy` never sleeps (non-blocking calls in a loop; shm spins on its
ring). What a blocking round trip costs beyond a spinning one is the
wake-up: a side going to sleep and the scheduler waking it when the other
side's bytes arrive."""

SHARE_INTRO = """\
The share of the blocking (sync) round trip that the spinning (busy) one does
without, (sync − busy) ÷ sync of the p50s, for every transport measured both
ways at the same placement and size. It is 1 − busy ÷ sync, so its interval
is the ratio's (Method) mapped through that."""


def wake_section(run):
    """The section's Markdown, or None for a run without epoll and busy."""
    if not set(WAKE_MODES) & set(run.ios):
        return None
    pts = Points(run)
    parts = []
    rows = shares(pts)
    if rows:
        parts.append("### The wake-up share of the round trip\n\n%s\n\n%s\n\n%s" % (
            SHARE_INTRO, share_table(pts, rows),
            "\n".join("- " + t for t in share_sentences(rows))))
    floor = floor_sentences(pts)
    if floor:
        parts.append("### The floor\n\n%s\n\n%s" % (FLOOR_LEAD, "\n".join("- " + t for t in floor)))
    claims = claims_block(pts)
    if claims:
        parts.append(claims)
    if not parts:
        return None
    return "## Wake-up and placement\n\n" + INTRO + "\n\n" + "\n\n".join(parts)
