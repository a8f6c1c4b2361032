"""why.py - the "Why" section of report.md: for a headline comparison (veth
vs lo, same core vs split, MTU 65535 vs 1500, ...) the per-message costs of
the two points side by side, from the kernel's counters in results.csv
(schema 3), and one sentence computed from them where an interval supports
it. draw.py chooses the comparisons; this module only reads their reps.

    pair = Pair(Side("veth", veth_reps), Side("lo", lo_reps), "throughput", 65536, "split")
    print(section([("veth vs lo", [pair])], []))
    # ### veth vs lo
    # **throughput, 64 KiB** (per message)
    # | | veth | lo | veth ÷ lo |
    # ...
    # lo carries 64 KiB messages 2.10× faster than veth (95% CI 1.96–2.25); per
    # message veth sends 23.5× more TCP data segments (95% CI 23.1–24.0) and ...

Every ratio is A ÷ B of two sets of reps with the Mann-Whitney interval of
stats.ratio_ci; a ratio counts as a difference only when its interval
reaches MIN_CLAIM_LEVEL and excludes 1, and a cost is named as a reason only
when its interval also clears REASON_MARGIN. A counter that is 0 in some rep
has no ratio (its cell says —); where one side counted some in every rep and
the other none in any, and the reps are enough for the level, that is said
instead ("only veth").
"""
import math
from collections import namedtuple

from harness import forwarders, results, stats
from harness.results import number
from harness.stats import flip
from harness.wording import ci_text, fx, sig, size_label, table

MIN_CLAIM_LEVEL = stats.MIN_CLAIM_LEVEL
# A cost is given as a reason only when its whole interval lies beyond ±5%:
# a counter that differs by 0.3% with confidence explains nothing.
REASON_MARGIN = 0.05
Side = namedtuple("Side", "name reps")          # reps: ok results.csv rows
Pair = namedtuple("Pair", "a b mode size cpus")
# An MTU sweep of one transport: sides per MTU (main first), lo or None.
MtuEffect = namedtuple("MtuEffect", "transport mtus sides lo mode size cpus")
# a, b: medians (None: no value); only: +1 A counted some in every rep and B
# none in any, -1 the other way round, None neither (see only_one)
Row = namedtuple("Row", "cost a b ratio only")

SOFTIRQ_WHERE = {"split": "both CPUs", "same": "the shared CPU", "none": "all CPUs",
                 "mixed": "their CPUs"}


class Cost:
    """One row of a table: how to read it per rep, and how a sentence says it.
    family: rows that tell one story (data segments, all segments and
    delayed ACKs move together), of which a sentence names the first resolved;
    None: a row of the table only (user and sys of one side: their sum,
    cpu_ns_per_msg, is the reason a sentence gives)."""

    def __init__(self, key, label, verb, noun, scale=1.0, count=False, per_msg=True,
                 family=None):
        self.key, self.label, self.verb, self.noun = key, label, verb, noun
        self.scale, self.count, self.per_msg = scale, count, per_msg
        self.family = family

    def value(self, rep):
        if self.key == "vcsw_per_msg":        # derived, so that runs before schema 4 have it
            return results.vcsw_per_msg(rep)
        v = number(rep.get(self.key))
        return None if v is None else v * self.scale


# The primary metrics (harness/results.py PRIMARY) as table rows; PRIMARY by mode.
PRIMARY_COSTS = (Cost("bytes_per_s", "throughput (Gbit/s)", "", "throughput", 8e-9,
                      per_msg=False),
                 Cost("lat_p50_ns", "round trip p50 (µs)", "", "latency", 1e-3, per_msg=False))
PRIMARY = {mode: c for mode, metric in results.PRIMARY.items()       # connect: plots/shapes.py
           for c in PRIMARY_COSTS if c.key == metric}
COSTS = (
    Cost("client_user_ns_per_msg", "client user (µs)", "spends", "client user time", 1e-3),
    Cost("client_sys_ns_per_msg", "client sys (µs)", "spends", "client system time", 1e-3),
    Cost("server_user_ns_per_msg", "server user (µs)", "spends", "server user time", 1e-3),
    Cost("server_sys_ns_per_msg", "server sys (µs)", "spends", "server system time", 1e-3),
    Cost("cpu_ns_per_msg", "CPU, both sides (µs)", "spends", "CPU time in the two processes",
         1e-3, family="cpu"),
    Cost("forwarder_cpu_ns_per_msg", "forwarder CPU (µs)", "spends", "forwarder CPU time",
         1e-3, family="forwarder"),
    Cost("softirq_ns_per_msg", "softirq, %s (µs)", "spends", "softirq time", 1e-3,
         family="softirq"),
    Cost("irq_ns_per_msg", "irq, %s (µs)", "spends", "irq time", 1e-3, family="irq"),
    Cost("vcsw_per_msg", "context switches (voluntary)", "makes", "context switches",
         count=True, family="switches"),
    Cost("tcp_data_segs_per_msg", "TCP data segments", "sends", "TCP data segments",
         count=True, family="segments"),
    Cost("tcp_segs_per_msg", "TCP segments (with ACKs)", "sends", "TCP segments", count=True,
         family="segments"),
    Cost("retrans_per_msg", "retransmitted segments", "retransmits", "segments", count=True,
         family="retransmits"),
    Cost("delayed_acks_per_msg", "delayed ACKs", "delays", "ACKs", count=True,
         family="segments"),
    Cost("instructions_per_msg", "instructions", "executes", "instructions", count=True,
         family="instructions"),
    Cost("cycles_per_msg", "cycles", "takes", "cycles", count=True, family="cycles"),
)
SEGMENTS = next(c for c in COSTS if c.key == "tcp_data_segs_per_msg")
RETRANS = next(c for c in COSTS if c.key == "retrans_per_msg")
SENTENCE_COSTS = 2        # reasons named in one sentence, the largest first


# ------------------------------------------------------------- numbers --

def values(reps, cost):
    return [v for v in (cost.value(r) for r in reps) if v is not None]


def ratio(a, b):
    """Ratio A ÷ B with its interval, or None when either side has no value
    or a value that is not above 0 (a ratio to 0 means nothing)."""
    if not a or not b or min(a) <= 0 or min(b) <= 0:
        return None
    return stats.ratio_ci(a, b)


def verdict(r, margin=0.0):
    """+1: A more than B, -1: less, 0: not resolved (or within the margin),
    None: no ratio."""
    if r is None:
        return None
    if r.level < MIN_CLAIM_LEVEL:
        return 0
    return 1 if r.low > 1 + margin else -1 if r.high < 1 / (1 + margin) else 0


def only_one(a, b):
    """+1 when every rep of A counted some and no rep of B any, -1 the other
    way round, else None. A ratio to 0 has no interval, but so complete a
    separation is as strong as the widest ratio interval: its confidence is
    1 - 2 / C(n+m, n), and it is claimed only where that reaches the level."""
    if not a or not b or 1 - stats.smallest_p(len(a), len(b)) < MIN_CLAIM_LEVEL:
        return None
    if min(a) > 0 and max(b) == 0:
        return 1
    if min(b) > 0 and max(a) == 0:
        return -1
    return None


def median(xs):
    return stats.median_ci(xs).median if xs else None


TCP_FAMILIES = ("segments", "retransmits")


def foreign_traffic(reps, mode):
    """(data segments, the most the test needs) per round trip when a
    latency point's namespace counted more TCP data segments than one
    request and one reply can take (ceil(size / MSS) each way, plus the
    retransmits; twice that where a forwarder relays them over a second
    connection of its own, which the counters see too): the rest was other
    traffic in a namespace shared with the host (lo, uds, hostip). None
    when it looks clean or cannot be told."""
    if mode != "latency" or not reps:
        return None
    try:
        size, mtu = int(reps[0]["size_bytes"]), int(reps[0]["mtu"])
    except (KeyError, TypeError, ValueError):
        return None
    legs = 2 if reps[0].get("transport") in forwarders.BY_TRANSPORT else 1
    need = 2 * legs * math.ceil(size / max(mtu - 80, 1))   # 80: headers, options, IPv6
    segs = median(values(reps, SEGMENTS))
    retrans = median(values(reps, RETRANS)) or 0
    if segs is None or segs <= 1.2 * need + retrans:
        return None
    return segs, need


def no_forwarder(cost, reps, vals):
    """A path without a forwarder spends no CPU in one: zeros for its reps
    where the other side of a comparison has a forwarder, so that the row
    reads "only docker-proxy" rather than a gap."""
    if vals or cost.family != "forwarder" or not reps \
            or reps[0].get("transport") in forwarders.BY_TRANSPORT:
        return vals
    return [0.0] * len(reps)


def rows(a_reps, b_reps, mode):
    """The table rows of two points: the primary metric first, then each
    cost that either side has. Segment rows get no ratio when either side's
    namespace carried other traffic (foreign_traffic)."""
    tainted = foreign_traffic(a_reps, mode) or foreign_traffic(b_reps, mode)
    out = []
    for cost in (PRIMARY[mode],) + COSTS:
        va, vb = values(a_reps, cost), values(b_reps, cost)
        if not (va or vb):
            continue
        va, vb = no_forwarder(cost, a_reps, va), no_forwarder(cost, b_reps, vb)
        if tainted and cost.family in TCP_FAMILIES:
            out.append(Row(cost, median(va), median(vb), None, None))
        else:
            out.append(Row(cost, median(va), median(vb), ratio(va, vb), only_one(va, vb)))
    return out


def taint_note(sides, mode):
    """A line under a table whose segment counts hold other traffic."""
    notes = []
    for side in sides:
        t = foreign_traffic(side.reps, mode)
        if t:
            notes.append("the counters of %s show %s TCP data segments per round trip where "
                         "a request and its reply need %d" % (side.name, sig(t[0]), t[1]))
    if not notes:
        return ""
    text = "; ".join(notes)
    return ("\n\n_%s%s: other traffic in the network namespace was counted too "
            "(results/README.md), so no segment ratio is given._" % (text[0].upper(), text[1:]))


# ------------------------------------------------------------- wording --

def unit(mode):
    return "round trip" if mode == "latency" else "message"


def label(cost, cpus):
    return cost.label % SOFTIRQ_WHERE.get(cpus, cpus) if "%s" in cost.label else cost.label


def ratio_cell(row, a, b):
    """A ÷ B with its interval; "only A" where B counted none in any rep."""
    if row.only:
        return "only %s" % (a if row.only > 0 else b)
    return "—" if row.ratio is None else "%s× (%s)" % (fx(row.ratio.ratio), ci_text(row.ratio))


def faster(mode, size, a, b, r):
    """"lo carries 64 KiB messages 2.10× faster than veth (95% CI ...)" for a
    resolved ratio of the primary metric of a over b; the faster is named
    first."""
    if mode == "latency":
        r = flip(r)             # a ratio of times: below 1 is faster
    fast, slow, rr = (a, b, r) if r.ratio > 1 else (b, a, flip(r))
    if mode == "throughput":
        return "%s carries %s messages %s× faster than %s (%s)" % (
            fast, size_label(size), fx(rr.ratio), slow, ci_text(rr))
    return "%s completes a %s round trip %s× faster than %s (%s)" % (
        fast, size_label(size), fx(rr.ratio), slow, ci_text(rr))


def more(cost, r, ci=True):
    """"sends 23.5× more TCP data segments (95% CI ...)", or fewer/less."""
    if r.ratio >= 1:
        words, rr = "%s %s× more %s" % (cost.verb, fx(r.ratio), cost.noun), r
    else:
        rr = flip(r)
        words = "%s %s× %s %s" % (cost.verb, fx(rr.ratio), "fewer" if cost.count else "less",
                                  cost.noun)
    return "%s (%s)" % (words, ci_text(rr)) if ci else words


def reasons(table_rows, limit=SENTENCE_COSTS):
    """The resolved per-message costs, one per family: the forwarder's first
    (the process that only a container runtime's path has, which sets those
    paths apart), then the largest ratios, then what only one side counted."""
    first = {}              # a family speaks through its first resolved row
    for row in table_rows:
        if row.cost.family and (row.only or verdict(row.ratio, REASON_MARGIN)):
            first.setdefault(row.cost.family, row)
    out = sorted(first.values(), key=lambda row: (
        -1, 0) if row.cost.family == "forwarder" else (1, 0) if row.only else (
        0, -abs(math.log(row.ratio.ratio))))
    return out[:limit]


def only_words(row, other):
    """"retransmits 0.209 segments where lo retransmits none", "spends 3.10 µs
    of softirq time where ..."."""
    c = row.cost
    amount = lambda v: "%s %s" % (sig(v), c.noun) if c.count else "%s µs of %s" % (sig(v), c.noun)
    if row.only > 0:
        return "%s %s where %s %s none" % (c.verb, amount(row.a), other, c.verb)
    return "%s no %s where %s %s %s" % (c.verb, c.noun, other, c.verb, amount(row.b))


CPU_PARTS = ("client_user_ns_per_msg", "client_sys_ns_per_msg", "server_user_ns_per_msg",
             "server_sys_ns_per_msg")


def cpu_detail(row, table_rows):
    """", most of it server system time (0.736 vs 0.0235 µs)": the part of the
    two processes' CPU time that carries more than half of the difference
    between the medians, when its own interval agrees; else ""."""
    if row.cost.key != "cpu_ns_per_msg" or row.a is None or row.b is None or row.a == row.b:
        return ""
    way = 1 if row.a > row.b else -1
    parts = [r for r in table_rows
             if r.cost.key in CPU_PARTS and r.a is not None and r.b is not None]
    if not parts:
        return ""
    top = max(parts, key=lambda r: (r.a - r.b) * way)
    agrees = top.only == way or verdict(top.ratio, REASON_MARGIN) == way
    if (top.a - top.b) / (row.a - row.b) <= 0.5 or not agrees:
        return ""
    return ", most of it %s (%s vs %s µs)" % (top.cost.noun, sig(top.a), sig(top.b))


def because(subject, other, why, table_rows=()):
    """"veth sends 23.5× more TCP data segments (CI) and spends 3.10× more
    softirq time (CI)": a verb said once when two reasons share it."""
    words, verb = [], None
    for row in why:
        text = only_words(row, other) if row.only else more(row.cost, row.ratio)
        text += cpu_detail(row, table_rows)
        if row.cost.verb == verb:
            text = text[len(verb) + 1:]
        words.append(text)
        verb = row.cost.verb
    return "%s %s" % (subject, " and ".join(words))


def sentence(pair, table_rows):
    """One sentence from the rows, or None when no interval supports one."""
    head = table_rows[0] if table_rows and not table_rows[0].cost.per_msg else None
    why = reasons(table_rows)
    clauses = []
    if head and verdict(head.ratio):
        clauses.append(faster(pair.mode, pair.size, pair.a.name, pair.b.name, head.ratio))
    if why:
        lead = "" if clauses else "against %s, " % pair.b.name
        clauses.append("%sper %s %s" % (lead, unit(pair.mode),
                                        because(pair.a.name, pair.b.name, why, table_rows)))
    return finish(clauses)


def finish(clauses):
    """Clauses as one sentence, or None without any."""
    if not clauses:
        return None
    text = "; ".join(clauses) + "."
    # transport names stay lower case, as everywhere; words of ours do not
    return text[0].upper() + text[1:] if text.startswith(("per ", "at ", "against ")) else text


def render_table(names, columns, ratios, cpus):
    """names: column heads; columns: {cost key: [median per name]}; ratios:
    [(head, {cost key: cell text})]."""
    header = [""] + names + [h for h, _ in ratios]
    body = []
    for cost in PRIMARY_COSTS + COSTS:
        if cost.key not in columns:
            continue
        body.append([label(cost, cpus)] + [sig(v) for v in columns[cost.key]]
                    + [rs.get(cost.key, "—") for _, rs in ratios])
    return table(header, body)


def pair_block(pair):
    table_rows = rows(pair.a.reps, pair.b.reps, pair.mode)
    if not table_rows:
        return None
    cols = {row.cost.key: [row.a, row.b] for row in table_rows}
    rats = [("%s ÷ %s" % (pair.a.name, pair.b.name),
             {row.cost.key: ratio_cell(row, pair.a.name, pair.b.name) for row in table_rows})]
    text = sentence(pair, table_rows) or \
        "No difference here is resolved at %d%% confidence with these reps." % (
            MIN_CLAIM_LEVEL * 100)
    return "**%s, %s** (per %s)\n\n%s\n\n%s%s" % (
        pair.mode, size_label(pair.size), unit(pair.mode),
        render_table([pair.a.name, pair.b.name], cols, rats, pair.cpus), text,
        taint_note((pair.a, pair.b), pair.mode))


# ------------------------------------------------------------ MTU effect --

def _find(table_rows, cost):
    return next((row.ratio for row in table_rows if row.cost is cost), None)


def segments_clause(e, seg, mtus):
    """"at MTU 1500 veth sends 45.5× more TCP data segments per 64 KiB message
    than lo (CI), at MTU 65535 1.01× as many (CI)"; seg: the ratios to lo at
    the two MTUs. None unless the first is resolved."""
    (r1, r2), (m1, m2) = seg, mtus
    if not verdict(r1, REASON_MARGIN):
        return None
    text = "at MTU %s %s %s per %s %s than lo (%s)" % (
        m1, e.transport, more(SEGMENTS, r1, ci=False), size_label(e.size), unit(e.mode),
        ci_text(r1 if r1.ratio >= 1 else flip(r1)))
    if r2 is not None:
        text += ", at MTU %s %s× as many (%s)" % (m2, fx(r2.ratio), ci_text(r2))
    return text


def gap_clause(e, prim, mtus, better):
    """"lo's lead in throughput over veth falls from 2.10× (CI) to 1.10× (CI)";
    prim: the primary ratios of the transport to lo at the two MTUs; falls or
    rises only when the MTU's own effect (better: +1, -1) is resolved."""
    if prim[0] is None or prim[1] is None:
        return None
    # lo's lead: lo's rate over the transport's, or the transport's time over lo's
    g1, g2 = (flip(prim[0]), flip(prim[1])) if e.mode == "throughput" else prim
    what = "throughput" if e.mode == "throughput" else "round-trip time"
    move = {1: "falls", -1: "rises"}.get(better)
    if move:
        return "lo's lead in %s over %s %s from %s× (%s) to %s× (%s)" % (
            what, e.transport, move, fx(g1.ratio), ci_text(g1), fx(g2.ratio), ci_text(g2))
    # the same ratios as lo's lead, said without claiming one
    whose = ("lo's throughput over %s's" % e.transport if e.mode == "throughput"
             else "%s's round-trip time over lo's" % e.transport)
    return "%s is %s× (%s) at MTU %s and %s× (%s) at MTU %s" % (
        whose, fx(g1.ratio), ci_text(g1), mtus[0], fx(g2.ratio), ci_text(g2), mtus[1])


def mtu_sentence(e, i):
    """One sentence on MTU e.mtus[i] against the first, e.mtus[0], or None."""
    main, other = e.sides[0], e.sides[i]
    own = rows(other.reps, main.reps, e.mode)           # MTU i over the first
    prim = _find(own, PRIMARY[e.mode])
    clauses = []
    better = verdict(prim) and verdict(prim) * (1 if e.mode == "throughput" else -1)
    if better:
        clauses.append(faster(e.mode, e.size, other.name, main.name, prim))
    if e.lo is None:
        why = reasons(own)
        if why:
            lead = "" if clauses else "against %s, " % main.name
            clauses.append("%sper %s %s" % (lead, unit(e.mode),
                                            because(other.name, main.name, why, own)))
    else:
        vs_lo = [rows(s.reps, e.lo.reps, e.mode) for s in (main, other)]
        mtus = (e.mtus[0], e.mtus[i])
        seg = segments_clause(e, [_find(rs, SEGMENTS) for rs in vs_lo], mtus)
        gap = gap_clause(e, [_find(rs, PRIMARY[e.mode]) for rs in vs_lo], mtus, better)
        clauses += [c for c in (seg, gap if better or seg else None) if c]
    return finish(clauses)


def mtu_block(e):
    sides = ([e.lo] if e.lo is not None else []) + list(e.sides)
    names = [s.name for s in sides]
    cols = {}
    for cost in (PRIMARY[e.mode],) + COSTS:
        meds = [median(values(s.reps, cost)) for s in sides]
        if any(m is not None for m in meds):
            cols[cost.key] = meds
    rats = []
    for i in range(1, len(e.sides)):
        a, b = "MTU %s" % e.mtus[i], "MTU %s" % e.mtus[0]
        rats.append(("%s ÷ %s" % (a, e.mtus[0]),
                     {r.cost.key: ratio_cell(r, a, b)
                      for r in rows(e.sides[i].reps, e.sides[0].reps, e.mode)}))
    texts = [mtu_sentence(e, i) for i in range(1, len(e.sides))]
    texts = [t for t in texts if t] or [
        "No effect of the MTU is resolved at %d%% confidence with these reps." % (
            MIN_CLAIM_LEVEL * 100)]
    return "**%s, %s** (per %s)\n\n%s\n\n%s" % (
        e.mode, size_label(e.size), unit(e.mode), render_table(names, cols, rats, e.cpus),
        " ".join(texts) + taint_note(sides, e.mode))


# ---------------------------------------------------------------- section --

INTRO = """\
Where each message's cost goes, from the kernel's counters over each rep's
measured window (results/README.md): CPU time of each side, softirq and irq
time on the CPUs they ran on, voluntary context switches, and the TCP
segments counted in their network namespaces, each divided by the messages
of the rep (round trips in latency mode); medians of the reps. A ratio is the
first column over the other, with its interval as in Method. A sentence
states only what an interval at %d%% confidence or more supports, and names a
cost as a reason only when its interval lies beyond ±%d%%.""" % (
    MIN_CLAIM_LEVEL * 100, REASON_MARGIN * 100)


FORWARDER_INTRO = """\
On a container runtime's path the process that carries the bytes between
the two sides (docker-proxy, pasta, slirp4netns) has a row of its own,
forwarder CPU: its user and system time per message over the client's
window, on top of the two processes' (none on a path without one)."""


def section(groups, mtu_effects):
    """groups: [(heading, [Pair, ...])]; mtu_effects: [MtuEffect]. The
    Markdown of the section, or None when there is nothing to explain."""
    parts = []
    for heading, pairs in groups:
        blocks = [b for b in (pair_block(p) for p in pairs) if b]
        if blocks:
            parts.append("### %s\n\n%s" % (heading, "\n\n".join(blocks)))
    fwd = any(r.get("forwarder") for _, pairs in groups for p in pairs
              for r in p.a.reps + p.b.reps)
    by_t = {}
    for e in mtu_effects:
        by_t.setdefault(e.transport, []).append(mtu_block(e))
    for t, blocks in by_t.items():
        parts.append("### MTU: %s\n\n%s" % (t, "\n\n".join(blocks)))
    if not parts:
        return None
    return "## Why\n\n" + INTRO + ("\n\n" + FORWARDER_INTRO if fwd else "") + "\n\n" \
        + "\n\n".join(parts)
