"""twins.py - report.md's "Model against reality": each path the suite
rebuilds by hand beside the real container runtime's path it models
(netns-lo and docker-container, bridge and docker-bridge, nat and
docker-publish, lo and docker-host), per mode and size: both medians, real ÷
model with its interval (harness/stats.ratio_ci), what that interval
supports, and one sentence per twin on how close the model is.

    twins_section(run)      # '## Model against reality\\n\\n...', or None

A run without both sides of a twin has no such section.
"""
from collections import namedtuple

from harness import results, stats
from harness.results import number
from harness.stats import MIN_CLAIM_LEVEL, flip
from harness.wording import ci_text, level_pct, metric_value, size_label, table
from findings import EQUIV_MARGINS, judge
from rundir import by_series, measured
from titles import CPUS_WORDS

# (model, real): the rebuilt path first
TWINS = (("netns-lo", "docker-container"), ("bridge", "docker-bridge"),
         ("nat", "docker-publish"), ("lo", "docker-host"))
# how close "close" may be: the findings' margins, and 10% for a model
MARGINS = EQUIV_MARGINS + (0.10,)
WORDS = {"throughput": "throughput", "latency": "p50 round trip"}
DECIMALS = 3                # of a ratio and its bounds: 0.993 is not 1.00
# ratio: real ÷ model of the primary metric; speed: real's speed over the
# model's (above 1: the real path is faster); margin: the smallest of MARGINS
# that the ratio's interval lies within, or None
Cell = namedtuple("Cell", "mode size model real ratio speed margin")


def cell(run, mode, size, model, real):
    metric = results.PRIMARY[mode]
    r = stats.ratio_ci(run.values(real, metric), run.values(model, metric))
    if r is None:
        return None
    speed = r if metric in results.HIGHER_IS_BETTER else flip(r)
    margin = next((m for m in MARGINS if r.low >= 1 - m and r.high <= 1 + m), None)
    return Cell(mode, size, model, real, r, speed, margin)


def twin_cells(run, model, real):
    """The Cells of a twin over the modes and sizes where both were measured
    (the run's main I/O mode and placement)."""
    out = []
    for mode in run.modes():
        bys = by_series(p for p in run.points(mode) if measured(p))
        for size in sorted(set(bys.get(model, {})) & set(bys.get(real, {}))):
            c = cell(run, mode, size, bys[model][size], bys[real][size])
            if c:
                out.append(c)
    return out


def judged(c):
    return c.ratio.level >= MIN_CLAIM_LEVEL


def verdict(c):
    """What the interval of one cell supports, in a table cell's words."""
    if not judged(c):
        return "too few reps"
    within = "within ±%g%%" % (c.margin * 100) if c.margin else ""
    way = {"faster": "real faster", "slower": "real slower"}.get(judge(c.speed), "")
    return ", ".join(w for w in (way, within) if w) or "not resolved"


def where(c):
    return "%s %s" % (WORDS[c.mode], size_label(c.size))


def ratio_text(r):
    """'0.870× (90% CI 0.851–0.934)': three decimals, as closeness to 1 is the point."""
    return "%.*f× (%s)" % (DECIMALS, r.ratio, ci_text(r, DECIMALS))


def amounts(cs):
    """'throughput at 100 B (0.867× the model's, 90% CI ...) and at 64 KiB
    (0.929×, 90% CI ...), p50 round trip at 100 B (1.14×, ...)': the
    table's real ÷ model, said per mode."""
    said = []
    for mode in dict.fromkeys(c.mode for c in cs):
        items = []
        for c in (c for c in cs if c.mode == mode):
            ratio = "%.*f×%s, %s" % (DECIMALS, c.ratio.ratio, "" if said or items else
                                     " the model's", ci_text(c.ratio, DECIMALS))
            items.append("%sat %s (%s)" % ("" if items else WORDS[mode] + " ",
                                           size_label(c.size), ratio))
        said.append(" and ".join(items))
    return ", ".join(said)


def sentence(model, real, cs):
    """How close the model is, from the intervals alone."""
    head = "**%s** against its model **%s**: " % (real, model)
    ok = [c for c in cs if judged(c)]
    if not ok:
        return head + "too few reps for a %d%% interval." % (MIN_CLAIM_LEVEL * 100)
    few = "" if len(ok) == len(cs) else "; too few reps at %s" % ", ".join(
        where(c) for c in cs if not judged(c))
    common = next((m for m in MARGINS if all(c.margin and c.margin <= m for c in ok)), None)
    if common is not None:
        return head + ("the model is within ±%g%% of the real path at every mode and size "
                       "measured (every %d%% CI of real ÷ model inside %.2f–%.2f)%s." % (
                           common * 100, level_pct(min(c.ratio.level for c in ok)),
                           1 - common, 1 + common, few))
    parts = []
    for words, group in (("slower", [c for c in ok if c.speed.high < 1]),
                         ("faster", [c for c in ok if c.speed.low > 1])):
        if len(group) == len(ok):
            parts.append("%s is %s than the model at every mode and size measured: %s" % (
                real, words, amounts(group)))
        elif group:
            parts.append("%s is %s in %s" % (real, words, amounts(group)))
    rest = [c for c in ok if c.speed.low <= 1 <= c.speed.high]
    close = [c for c in rest if c.margin]
    if close:
        parts.append("within %s" % ", ".join("±%g%% at %s (%s)" % (
            c.margin * 100, where(c), ci_text(c.ratio, DECIMALS)) for c in close))
    wide = [c for c in rest if not c.margin]
    if wide and len(wide) == len(ok):
        parts.append("no difference is resolved at any mode and size measured, and together "
                     "the intervals of real ÷ model span %.3f–%.3f" % (
                         min(c.ratio.low for c in wide), max(c.ratio.high for c in wide)))
    elif wide:
        parts.append("no difference is resolved at %s" % ", ".join(
            "%s (%s)" % (where(c), ci_text(c.ratio, DECIMALS)) for c in wide))
    return head + "; ".join(parts) + few + "."


def twin_table(run, rows):
    body = []
    for model, real, cs in rows:
        for c in cs:
            metric = results.PRIMARY[c.mode]
            body.append([model, real, c.mode, size_label(c.size),
                         metric_value(metric, number(c.model.get(metric + "_median"))),
                         metric_value(metric, number(c.real.get(metric + "_median"))),
                         ratio_text(c.ratio), verdict(c)])
    return table(["model", "real", "mode", "size", "model", "real", "real ÷ model",
                  "the interval supports"], body)


INTRO = """\
Each path this suite rebuilds by hand beside the container runtime's own
path that it models, measured in the same run: the medians of the primary
metric (throughput; p50 round trip in latency), real ÷ model with its
interval (Method; for latency above 1× the real path is slower), and what
that interval supports: faster or slower where it excludes 1, within ±1, 2, 5
or 10%% where it lies inside that band. %s I/O, %s."""


def twins_section(run):
    """The section's Markdown, or None when no twin has both sides."""
    rows = [(m, r, twin_cells(run, m, r)) for m, r in TWINS]
    rows = [row for row in rows if row[2]]
    if not rows:
        return None
    intro = INTRO % (run.io.capitalize(), CPUS_WORDS.get(run.cpu, run.cpu))
    sentences = "\n".join("- " + sentence(m, r, cs) for m, r, cs in rows)
    return "## Model against reality\n\n%s\n\n%s\n\n%s" % (intro, twin_table(run, rows), sentences)
