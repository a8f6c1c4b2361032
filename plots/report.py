"""report.py - report.md of one run: the findings, the notes, "Why", the
figures (or why they are missing), the summary tables, what was not
measured, the machine and settings, and the method. What the report says
is computed once into an Analysis, which the figures use too.

    a = Analysis(run, "lo", 100, notes, base_comps, axis_comps, mtu_comps, why_md)
    write_report(a, figs, drawn, "results/R/report.md")   # drawn None: no gnuplot
"""
import dataclasses
import os
from collections import OrderedDict

from harness.results import number
from harness.stats import MIN_CLAIM_LEVEL
from harness.wording import si, sig, size_label, sizes_text, table
from canary import drift_note
from findings import (caveat, describe, extremes, headline, interference_note, noisy_note,
                      precision_note)
from rundir import PERCENTILES, measured, series_order
from runtimes import runtimes_md
from titles import machine_line


@dataclasses.dataclass
class Analysis:
    """What report.md says of a run, computed once (plots/draw.py)."""
    run: object                 # rundir.Run
    baseline: str               # the speed-ups' reference; None: no speed-ups
    size: int                   # the size of the headlines, ladder and "Why"
    notes: list                 # lines for the reader about the choices made
    base_comps: list            # comparisons.Comparison against the baseline
    axis_comps: list            # io and cpus values against the first
    mtu_comps: list             # other MTUs against a transport's main one
    why_md: str = None          # the "Why" section; None: nothing to explain
    # sections of their own before "Why", where the run has what they need
    # (plots/wake.py, plots/twins.py, plots/shapes.py)
    sections: list = dataclasses.field(default_factory=list)


def ci_cell(p, metric, scale, digits=3):
    lo, hi = number(p.get(metric + "_ci_low")), number(p.get(metric + "_ci_high"))
    if lo is None or hi is None:
        return "—"
    return "%s–%s" % (sig(lo * scale, digits), sig(hi * scale, digits))


def val(p, metric, scale=1.0):
    v = number(p.get(metric + "_median"))
    return None if v is None or not measured(p) else v * scale


def pct(p, metric):
    v = number(p.get(metric + "_cv"))
    return "—" if v is None else "%s%%" % sig(v * 100, 2)


def summary_tables(run):
    def order(p):
        so = series_order([x["series"] for x in run.summary])
        return (run.ios.index(p["io"]), run.cpus.index(p["cpus"]), so.index(p["series"]), p["size"])
    out = []
    tp = sorted((p for p in run.summary if p["mode"] == "throughput"), key=order)
    if tp:
        rows = []
        for p in tp:
            cpu = val(p, "cpu_ns_per_msg", 1e-3)
            rows.append([p["series"], p["io"], p["cpus"], size_label(p["size"]), status_cell(p),
                         sig(val(p, "bytes_per_s", 8e-9)), ci_cell(p, "bytes_per_s", 8e-9) if measured(p) else "—",
                         si(val(p, "msgs_per_s")), pct(p, "bytes_per_s") if measured(p) else "—",
                         sig(cpu) if cpu is not None else "—"])
        out.append("### Throughput\n\n" + table(
            ["transport", "io", "cpus", "size", "status", "Gbit/s", "CI", "messages/s", "CV",
             "CPU µs/msg (both sides)"], rows))
    lat = sorted((p for p in run.summary if p["mode"] == "latency"), key=order)
    if lat:
        rows = []
        for p in lat:
            rows.append([p["series"], p["io"], p["cpus"], size_label(p["size"]), status_cell(p),
                         sig(val(p, "lat_p50_ns", 1e-3)), ci_cell(p, "lat_p50_ns", 1e-3) if measured(p) else "—"]
                        + [sig(val(p, m, 1e-3)) for _, m in PERCENTILES[1:]]
                        + [pct(p, "lat_p50_ns") if measured(p) else "—"])
        out.append("### Latency (round trip, µs)\n\n" + table(
            ["transport", "io", "cpus", "size", "status", "p50", "CI", "p90", "p99", "p99.9", "max", "CV"],
            rows))
    return "\n\n".join(out)


def status_cell(p):
    st = p["status"]
    if st == "partial":
        return "partial (%s/%s reps)" % (p.get("reps_ok", "?"), p.get("reps", "?"))
    return st


def not_measured(run):
    out = []
    groups = OrderedDict()
    for p in run.summary:
        if p["status"] in ("ok",):
            continue
        groups.setdefault((p["series"], p["mode"], p["io"], p["cpus"], p["status"]), []).append(p)
    for (s, mode, io, cpus, st), ps in groups.items():
        ps.sort(key=lambda p: p["size"])
        what = "%s of %s reps ok" % (ps[0].get("reps_ok", "?"), ps[0].get("reps", "?")) if st == "partial" else st
        note = next((p["note"] for p in ps if p.get("note")), "")
        out.append("- %s, %s (%s, %s) at %s: %s%s" % (s, mode, io, cpus, sizes_text(p["size"] for p in ps),
                                                      what, " — " + note if note else ""))
    for t, why in (run.meta.get("skipped") or {}).items():
        out.append("- %s: skipped — %s" % (t, why))
    return out


def machine_section(run):
    m = run.meta
    mach = m.get("machine") or {}
    rows = [("CPU", mach.get("cpu_model")), ("CPUs", mach.get("cpus")), ("kernel", mach.get("kernel")),
            ("memory", "%.1f GiB" % (mach["mem_bytes"] / 2 ** 30) if mach.get("mem_bytes") else None),
            ("CPU governor", mach.get("cpu_governor")), ("host", mach.get("hostname")),
            ("ipcperf", " ".join(str(x) for x in (m.get("ipcperf_version"), m.get("git_commit")) if x)),
            ("run", m.get("run_id")), ("started (UTC)", m.get("started_utc")),
            ("finished (UTC)", m.get("finished_utc"))]
    out = [table(["", ""], [(k, v if v not in (None, "") else "—") for k, v in rows])]
    if m.get("command_line"):
        out.append("Command line:\n\n```\n%s\n```" % " ".join(m["command_line"]))
    if m.get("settings"):
        out.append("Settings: " + "; ".join("%s %s" % (k, ",".join(map(str, v)) if isinstance(v, list) else v)
                                            for k, v in m["settings"].items()) + ".")
    links = m.get("links") or {}
    if links:
        rows = []
        for t, ifs in links.items():
            for ifn, info in (ifs or {}).items():
                off = (info or {}).get("offloads") or {}
                rows.append((t, ifn, (info or {}).get("mtu", "—"),
                             " ".join("%s %s" % (k, "on" if v else "off") for k, v in off.items()) or "—"))
        out.append("Links:\n\n" + table(["transport", "interface", "MTU", "offloads"], rows))
    if m.get("sysctls"):
        out.append("Sysctls:\n\n" + table(["sysctl", "value"],
                                          [(k, str(v).replace("\t", " ")) for k, v in m["sysctls"].items()]))
    out += [md for md in (runtimes_md(m),) if md]
    return "\n\n".join(out)


METHOD = """\
- Each point was measured in several reps; figures and tables show the median
  of the reps. The interval of a single point is summary.csv's: a
  distribution-free 95% confidence interval of the median from order
  statistics, which needs 6 reps — with fewer it is the range of the reps
  (min–max).
- A speed-up is the ratio of two medians (for latency, the baseline's p50 over
  the other's, so that more than 1× is faster). Its interval is a
  distribution-free confidence interval for the scale factor between the two
  sets of reps: order statistics of all pairwise ratios of their reps, chosen
  by the exact Mann–Whitney distribution (Bauer 1972; R's
  `wilcox.test(conf.int = TRUE)`). It states the confidence it attains: with 3
  reps against 3 the widest interval (min–max of the pairwise ratios) is the
  best there is, at 90%; from 5 against 5 on it is at least 95%. A bootstrap
  was not used: with 3 to 5 reps its nominal 95% is not attained.
- A finding is written only when its interval has at least 90% confidence
  and excludes 1 (faster or slower), or lies within ±1%, 2% or 5% of 1
  ("within"); sizes where neither holds are said to be unresolved.
- Unsupported and failed points are gaps in the figures (never zeros) and are
  listed under "Not measured".
"""


def _finding_groups(a):
    """{heading: [sentence, ...]} of the Findings, in order."""
    groups = OrderedDict()
    for c in a.base_comps:
        h = headline(a.run, c, a.size)
        if h:
            groups.setdefault("At %s" % size_label(a.size), []).append(h + caveat(c, [a.size]))
    for c in a.base_comps:
        d = describe(c)
        if d:
            groups.setdefault("Against %s, size by size" % a.baseline, []).append(d + caveat(c))
    for c in a.axis_comps:
        d = describe(c)
        if d:
            title = ("%s vs %s I/O" % (c.a, c.b) if c.axis == "io" else "%s vs %s" % (c.a, c.b))
            groups.setdefault(title, []).append(d + caveat(c))
    for c in a.mtu_comps:
        d = describe(c)
        if d:
            groups.setdefault("MTU", []).append(d + caveat(c))
    all_r = [r for c in list(a.base_comps) + list(a.axis_comps) + list(a.mtu_comps)
             for r in c.ratios.values()]
    if all_r and all(r.level < MIN_CLAIM_LEVEL for r in all_r):
        groups["Comparisons"] = [
            "No comparison reaches %d%% confidence with this few reps per point (%s); "
            "3 reps against 3 reach 90%%, 5 against 5 reach 95%%." % (
                MIN_CLAIM_LEVEL * 100, "/".join(sorted({str(r.n_a) for r in all_r})))]
    groups["Extremes"] = extremes(a.run)
    for title, note in (("Noise", noisy_note(a.run)), ("Precision", precision_note(a.run)),
                        ("Interference", interference_note(a.run))):
        if note:
            groups[title] = [note]
    if a.run.canary:
        groups["Drift"] = drift_note(a.run)
    return groups


def findings_section(a):
    f = ["Computed from the reps (see Method); a statement is made only where its interval supports it."]
    for title, items in _finding_groups(a).items():
        if items:
            f.append("### %s\n\n%s" % (title, "\n".join("- " + i for i in items)))
    return "## Findings\n\n" + "\n\n".join(f)


def figures_section(figs, drawn):
    """drawn: the names of the figures drawn; None when gnuplot was not found."""
    if drawn is None:
        fig_md = ["Figures were not drawn: gnuplot was not found (`make deps` installs gnuplot-nox). "
                  "Their data is in `plotdata/`."]
    else:
        fig_md = []
        for fg in figs:
            if fg.name in drawn:
                fig_md.append("### %s\n\n![%s](%s.png)\n\n%s [SVG](%s.svg) · data: `plotdata/%s`" % (
                    fg.title, fg.title, fg.name, fg.caption, fg.name, os.path.basename(fg.data)))
            else:
                fig_md.append("### %s\n\nNot drawn: gnuplot failed (see its message on stderr)." % fg.title)
    return "## Figures\n\n" + ("\n\n".join(fig_md) if fig_md else "No measured points to draw.")


def write_report(a, figs, drawn, path):
    """report.md of the Analysis a, written whole (a reader never sees half)."""
    run, m = a.run, a.run.meta
    title = "# ipcperf run %s\n\n%s" % (m.get("run_id") or os.path.basename(os.path.abspath(run.dir)),
                                        machine_line(m))
    parts = [title, findings_section(a)]
    if a.notes:
        parts.append("\n".join("> " + n for n in a.notes))
    parts += a.sections
    if a.why_md:
        parts.append(a.why_md)
    parts.append(figures_section(figs, drawn))
    parts.append("## Summary\n\nMedians of the ok reps; CI as in Method; CV of the reps "
                 "(sample standard deviation ÷ mean).\n\n" + summary_tables(run))
    nm = not_measured(run)
    if nm:
        parts.append("## Not measured\n\n" + "\n".join(nm))
    parts.append("## Machine\n\n" + machine_section(run))
    parts.append("## Method\n\n" + METHOD)
    with open(path + ".tmp", "w") as fh:
        fh.write("\n\n".join(parts).rstrip() + "\n")
    os.replace(path + ".tmp", path)
