"""titles.py - the words around a figure: the machine line under its title,
the slice it shows (I/O mode, CPU placement), and what its error bars are.

    context(run)                    # 'Xeon E5-2690 v4 @ 2.60GHz · 2 CPUs · Linux 6.1 · sync I/O, split cores'
    bars_label([3, 3])              # 'bars: min–max of 3 reps'
"""
import re

from harness.wording import level_pct

CPUS_WORDS = {"split": "split cores", "same": "same core", "none": "unpinned"}


def cpu_model(meta):
    m = (meta.get("machine") or {}).get("cpu_model") or "unknown CPU"
    m = re.sub(r"\((R|TM|tm|r)\)", "", m)
    m = re.sub(r"\bCPU\b", "", m)
    return re.sub(r"\s+", " ", m).strip()


def machine_line(meta):
    mach = meta.get("machine") or {}
    if not mach:
        return "machine unknown (no meta.json)"
    parts = [cpu_model(meta)]
    if mach.get("cpus"):
        parts.append("%s CPUs" % mach["cpus"])
    k = mach.get("kernel")
    if k:
        parts.append(k if k.lower().startswith("linux") else "Linux " + k)
    return " · ".join(parts)


def context(run, io=True, cpus=True, extra=None):
    """Title line(s) under a figure's title: the machine, then the slice shown;
    wrapped before 84 characters, which is about the width of a figure."""
    parts = [machine_line(run.meta)]
    slice_ = [extra] if extra else []
    if io:
        slice_.append("%s I/O" % run.io)
    if cpus:
        slice_.append(CPUS_WORDS.get(run.cpu, run.cpu))
    if slice_:
        parts.append(", ".join(slice_))
    lines = [parts[0]]
    for p in parts[1:]:
        if len(lines[-1]) + 3 + len(p) <= 84:
            lines[-1] += " · " + p
        else:
            lines.append(p)
    return "\n".join(lines)


def bars_label(ns):
    """What summary.csv's interval is for points with these rep counts."""
    ns = sorted({int(n) for n in ns if n})
    if not ns:
        return "bars: CI of the median"
    if ns[0] >= 6:
        return "bars: 95% CI of the median"
    if ns[-1] < 6:
        return "bars: min–max of %s reps" % "/".join(str(n) for n in ns) if len(ns) <= 2 \
            else "bars: min–max of the reps"
    return "bars: 95% CI of the median, min–max under 6 reps"


def level_bars(levels):
    if not levels:
        return "bars: CI"
    lo, hi = level_pct(min(levels)), level_pct(max(levels))
    return "bars: %d%% CI" % lo if lo == hi else "bars: %d–%d%% CI" % (lo, hi)
