"""compare_render - what scripts/compare prints of an Outcome (harness/
compare.py's verdicts): the terminal table, or a Markdown table for a pull
request; numbers and point labels in harness/wording.py's words.

    print(render_text(outcome), end="")
    # base: results/b (run bz0i, vm, kernel 6.18.44, git 13da5f4)
    # ...
    # lo throughput 64 KiB   bytes_per_s  9.68 Gbit/s  7.74 Gbit/s  -20.0%  0.008  regressed
"""

import math

from .compare import VERDICTS
from .wording import NONE, md_escape, metric_value, point_label


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
    return [point_label(r.key, show_mtu), r.metric, metric_value(r.metric, r.base),
            metric_value(r.metric, r.new), change, p, r.verdict, r.note]


HEAD = ["point", "metric", "base", "new", "change", "p", "verdict", "note"]


def _show_mtu(rows):
    """mtu only in labels when some transport appears with two MTUs."""
    seen = {}
    for r in rows:
        seen.setdefault(r.key.transport, set()).add(r.key.mtu)
    return any(len(v) > 1 for v in seen.values())


def render_text(o):
    """An Outcome as the terminal table."""
    rows = o.rows
    show = _show_mtu(rows)
    table = [HEAD] + [_cells(r, show) for r in rows]
    if not any(r.note for r in rows):
        table = [t[:-1] for t in table]
    widths = [max(len(t[i]) for t in table) for i in range(len(table[0]))]
    right = {2, 3, 4, 5}
    lines = [f"base: {_context(o.base)}", f"new:  {_context(o.new)}", ""]
    for t in table:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(t, widths))]
        lines.append("  ".join(cells).rstrip())
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
