"""compare_render - what scripts/compare prints: the terminal table or a
Markdown table for a pull request, of two runs (an Outcome of harness/
compare.py), of an A/B run (ABOutcome, compare_ab.py), of NEW against
several base runs (RunsOutcome, compare_runs.py), and of --history
(HistoryOutcome, compare_history.py); numbers and point labels in
harness/wording.py's words.

    print(render_text(outcome), end="")
    # base: results/b (run bz0i, vm, kernel 6.18.44, git 13da5f4)
    # ...
    # lo throughput 64 KiB   bytes_per_s  9.68 Gbit/s  7.74 Gbit/s  -20.0%  0.008  regressed
"""

import collections
import math

from .compare import VERDICTS
from .compare_ab import arm_text, other
from .compare_history import started
from .stats import CP_MIN_SIZE, runs_per_level_needed
from .wording import NONE, counted, level_pct, md_escape, metric_value, mtu_matters, point_label


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
    return [point_label(r.key, show_mtu), r.metric, metric_value(r.metric, r.base, r.key.mode),
            metric_value(r.metric, r.new, r.key.mode), change, p, r.verdict, r.note]


HEAD = ["point", "metric", "base", "new", "change", "p", "verdict", "note"]


def _show_mtu(rows):
    """mtu only in labels when some transport appears with two MTUs."""
    return mtu_matters(r.key for r in rows)


def text_table(table, right):
    """Rows of cells as aligned lines; columns in right are right-aligned;
    a last column that is empty everywhere (the notes) is left out."""
    if not any(t[-1] for t in table[1:]):
        table = [t[:-1] for t in table]
    widths = [max(len(t[i]) for t in table) for i in range(len(table[0]))]
    lines = []
    for t in table:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(t, widths))]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_text(o):
    """An Outcome as the terminal table."""
    rows = o.rows
    show = _show_mtu(rows)
    lines = [f"base: {_context(o.base)}", f"new:  {_context(o.new)}", ""]
    lines += text_table([HEAD] + [_cells(r, show) for r in rows], {2, 3, 4, 5})
    lines.append("")
    lines.append(f"{_counts(rows)} (threshold {o.threshold:g}%, alpha {o.alpha:g}, "
                 "two-sided Mann-Whitney U on the reps)")
    for r in rows:
        if r.verdict == "regressed":
            lines.append(f"regressed: {point_label(r.key, show)} {r.metric} {r.change:+.1f}% "
                         f"(p = {r.p:.3f})")
    return "\n".join(lines) + "\n"


def render_md(o):
    """An Outcome as a Markdown table, for a pull request."""
    rows = o.rows
    show = _show_mtu(rows)
    regressed = sum(1 for r in rows if r.verdict == "regressed")
    if regressed:
        head = f"{regressed} regression{'s' if regressed > 1 else ''}"
    else:
        head = "no regression"
    lines = [f"### ipcperf: {head}", "",
             f"{_counts(rows)} · threshold {o.threshold:g}%, α {o.alpha:g} "
             "(two-sided Mann-Whitney U on the reps)", "",
             f"- base: {md_escape(_context(o.base))}", f"- new: {md_escape(_context(o.new))}", ""]
    with_note = any(r.note for r in rows)
    head_cells = HEAD if with_note else HEAD[:-1]
    lines.append("| " + " | ".join(head_cells) + " |")
    align = ["---", "---", "---:", "---:", "---:", "---:", "---", "---"]
    lines.append("|" + "|".join(align[:len(head_cells)]) + "|")
    for r in rows:
        cells = _cells(r, show)[:len(head_cells)]
        if r.verdict in ("regressed", "improved"):
            cells[6] = f"**{cells[6]}**"
        lines.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    if o.notes:
        lines.append("")
        lines.extend(f"> {md_escape(n)}" for n in o.notes)
    return "\n".join(lines) + "\n"


# ------------------------------------------- paired and several-run forms --
# An A/B run (compare_ab.py) and NEW against several base runs
# (compare_runs.py): the change with its interval, p and Holm's p.

ABOutcome = collections.namedtuple("ABOutcome", "run base_arm rows tests threshold alpha notes")
RunsOutcome = collections.namedtuple("RunsOutcome", "bases new rows tests threshold alpha notes")


def _p(p):
    return NONE if p is None else (f"{p:.3f}" if p >= 0.001 else f"{p:.1e}")


def _pct(x):
    return f"{x:+.1f}%"


def _ci(r):
    if r.low is None:
        return NONE
    level = "" if r.level >= 0.95 else f" ({level_pct(r.level)}%)"
    return f"{_pct(r.low)}…{_pct(r.high)}{level}"


def _interval_cells(r, show, middle):
    """point, metric, base, [middle cells], new, change, CI, then the p's."""
    change = NONE if r.change is None else _pct(r.change)
    return ([point_label(r.key, show), r.metric, metric_value(r.metric, r.base, r.key.mode)] + middle
            + [metric_value(r.metric, r.new, r.key.mode), change, _ci(r)])


def _ab_head(o):
    new_arm = other(o.base_arm)
    return ["point", "metric", f"base ({o.base_arm})", f"new ({new_arm})",
            f"change {new_arm} vs {o.base_arm}", "95% CI", "pairs", "p", "Holm p",
            "verdict", "note"]


def _ab_cells(r, show):
    cells = _interval_cells(r, show, [])
    return cells + [str(r.n) if r.n else NONE, _p(r.p), _p(r.p_adj), r.verdict, r.note]


def _runs_head(o):
    return ["point", "metric", f"base ({len(o.bases)} runs)", "spread", "new", "change",
            "95% CI", "p", "Holm p", "verdict", "note"]


def _runs_cells(r, show):
    spread = NONE if r.spread is None else f"±{r.spread:.1f}%"
    return _interval_cells(r, show, [spread]) + [_p(r.p), _p(r.p_adj), r.verdict, r.note]


def _regressed_lines(o, show, what):
    out = []
    for r in o.rows:
        if r.verdict == "regressed":
            out.append(f"regressed: {point_label(r.key, show)} {r.metric} {_pct(r.change)} "
                       f"(95% CI {_ci(r)}, {what(r)}Holm p = {_p(r.p_adj)})")
    return out


def _ab_text_head(o):
    new_arm = other(o.base_arm)
    return [f"run:  {_context(o.run)}",
            f"base: arm {o.base_arm}, {arm_text(o.run, o.base_arm)}",
            f"new:  arm {new_arm}, {arm_text(o.run, new_arm)}", ""]


def _ab_method(o):
    return (f"threshold {o.threshold:g}%, alpha {o.alpha:g} after Holm over {o.tests} "
            f"tests; Wilcoxon signed-rank on the pairs' log ratios, Hodges-Lehmann change "
            f"of {other(o.base_arm)} against {o.base_arm}")


def _runs_method(o):
    return (f"threshold {o.threshold:g}%, alpha {o.alpha:g} after Holm over {o.tests} "
            f"tests; t prediction test of new's median against the spread of the "
            f"{len(o.bases)} base runs' medians")


def render_ab_text(o):
    show = _show_mtu(o.rows)
    lines = _ab_text_head(o)
    lines += text_table([_ab_head(o)] + [_ab_cells(r, show) for r in o.rows],
                        {2, 3, 4, 5, 6, 7, 8})
    lines += ["", f"{_counts(o.rows)} ({_ab_method(o)})"]
    lines += _regressed_lines(o, show, lambda r: f"{r.n} pairs, ")
    return "\n".join(lines) + "\n"


def render_runs_text(o):
    show = _show_mtu(o.rows)
    lines = [f"base: {_context(o.bases[0])}"] + [f"      {_context(b)}" for b in o.bases[1:]]
    lines += [f"new:  {_context(o.new)}", ""]
    lines += text_table([_runs_head(o)] + [_runs_cells(r, show) for r in o.rows],
                        {2, 3, 4, 5, 6, 7, 8})
    lines += ["", f"{_counts(o.rows)} ({_runs_method(o)})"]
    lines += _regressed_lines(o, show, lambda r: "")
    return "\n".join(lines) + "\n"


def md_table(head, align, rows, bold=None):
    """A Markdown table; cells of column bold are in bold when regressed or
    improved."""
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align[:len(head)]) + "|"]
    for cells in rows:
        cells = list(cells)
        if bold is not None and cells[bold] in ("regressed", "improved"):
            cells[bold] = f"**{cells[bold]}**"
        lines.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    return lines


def _md_form(title_rows, method, context, head, cells, notes):
    regressed = sum(1 for r in title_rows if r.verdict == "regressed")
    head_line = (f"{regressed} regression{'s' if regressed > 1 else ''}" if regressed
                 else "no regression")
    lines = [f"### ipcperf: {head_line}", "", f"{_counts(title_rows)} · {method}", ""]
    lines += [f"- {md_escape(c)}" for c in context] + [""]
    if not any(c[-1] for c in cells):
        head, cells = head[:-1], [c[:-1] for c in cells]
    align = ["---", "---"] + ["---:"] * (len(head) - 4) + ["---", "---"]
    lines += md_table(head, align, cells, bold=head.index("verdict"))
    if notes:
        lines += [""] + [f"> {md_escape(n)}" for n in notes]
    return "\n".join(lines) + "\n"


def render_ab_md(o):
    show = _show_mtu(o.rows)
    context = [line for line in _ab_text_head(o) if line]
    return _md_form(o.rows, _ab_method(o), context, _ab_head(o),
                    [_ab_cells(r, show) for r in o.rows], o.notes)


def render_runs_md(o):
    show = _show_mtu(o.rows)
    context = [f"base: {_context(b)}" for b in o.bases] + [f"new: {_context(o.new)}"]
    return _md_form(o.rows, _runs_method(o), context, _runs_head(o),
                    [_runs_cells(r, show) for r in o.rows], o.notes)


# ------------------------------------------------------------------ history --

HistoryOutcome = collections.namedtuple("HistoryOutcome", "series alpha_series threshold "
                                                          "alpha notes")


def _history_method(o):
    tested = sum(1 for s in o.series if len(s.values()) >= 2 * CP_MIN_SIZE)
    if not tested:
        return (f"no series has the {2 * CP_MIN_SIZE} runs a change point needs: a "
                f"level must last {CP_MIN_SIZE} runs")
    return (f"E-divisive means, permutation test at {o.alpha:g} over {tested} series "
            f"({o.alpha_series:.3g} each); a level must last {CP_MIN_SIZE} runs, and a "
            f"step shows with about {runs_per_level_needed(o.alpha_series)} runs each side")


def _change_text(c):
    return f"◀ change point: {_pct(c.change)} (p = {_p(c.p)}): {c.verdict}"


def _series_lines(s, show):
    changes = {c.index: c for c in s.changes}
    table = []
    for i, (run, ci) in enumerate(s.entries):
        value = NONE if ci is None else metric_value(s.metric, ci.median)
        mark = _change_text(changes[i]) if i in changes else ""
        table.append([started(run), run.name, value, mark])
    return [f"{point_label(s.key, show)}  {s.metric}"] + [
        "  " + line for line in text_table([["", "", "", "x"]] + table, {2})[1:]]


def _history_counts(o):
    changes = [c for s in o.series for c in s.changes]
    verdicts = collections.Counter(c.verdict for c in changes)
    n = len(changes)
    text = f"{counted(n, 'change point')} in {len(o.series)} series"
    if verdicts:
        text += ": " + ", ".join(f"{c} {v}" for v, c in sorted(verdicts.items()))
    return text


def render_history_text(o):
    show = _show_mtu(o.series)
    lines = []
    for s in o.series:
        lines += _series_lines(s, show) + [""]
    lines.append(f"{_history_counts(o)} ({_history_method(o)})")
    return "\n".join(lines) + "\n"


def render_history_md(o):
    show = _show_mtu(o.series)
    rows = [[point_label(s.key, show), s.metric, s.entries[c.index][0].name, _pct(c.change),
             _p(c.p), c.verdict] for s in o.series for c in s.changes]
    lines = [f"### ipcperf history: {_history_counts(o)}", "", _history_method(o), ""]
    if rows:
        lines += md_table(["point", "metric", "from run", "change", "p", "verdict"],
                          ["---", "---", "---", "---:", "---:", "---"], rows, bold=5)
    if o.notes:
        lines += [""] + [f"> {md_escape(n)}" for n in o.notes]
    return "\n".join(lines) + "\n"
