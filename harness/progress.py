"""progress - what the user sees while a run goes and when it ends. On a
terminal: one updating line with the point, its rep and the time left.
Otherwise: one plain line per finished point. At the end: a table of the
medians (rows: sizes, columns: transports) and the run directory.

    p = Progress(total=450, per_task=0.65)
    p.rep_started(point, rep, reps); p.rep_done(wall_s, row)
    p.point_done(summary_row)
    p.final(summary_rows, run_dir)

Reps where other tasks took more than a few percent of a pinned CPU
(harness/interference.py) are counted on the point's line and at the end.
"""

import os
import shutil
import sys

from . import results
from .interference import INTERFERED_SHARE
from .results import NOISY_CV, number
from .wording import NONE, metric_value, row_shape, series_names, shape_label

NOISY_TEXT = f"cv > {NOISY_CV:.0%}"
# the headline of each mode's table at the end of a run
FINAL_TITLES = {"throughput": "throughput, median", "latency": "round-trip latency, median p50",
                "connect": "connections per second, median"}
INTERFERED_TEXT = f"others took > {INTERFERED_SHARE:.0%} of a pinned CPU"


def fmt_secs(s):
    s = int(round(s))
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def fmt_primary(row):
    """The point's headline number, or why there is none."""
    if row["status"] in ("unsupported", "error"):
        return row["status"]
    m = row["primary_metric"]
    v = number(row.get(f"{m}_median"))
    if v is None:
        return NONE
    return metric_value(m, v, row.get("mode")) + ("*" if row.get("noisy") == "1" else "") \
        + ("?" if row["status"] == "partial" else "")


class _SafeOut:
    """stdout that survives its reader going away (`./run.sh | head`): the
    run goes on and still writes its files."""

    def __init__(self, f):
        self.f = f

    def isatty(self):
        return self.f.isatty()

    def _guard(self, fn, *args):
        try:
            fn(*args)
        except (BrokenPipeError, ValueError):
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.f.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass

    def write(self, text):
        self._guard(self.f.write, text)

    def flush(self):
        self._guard(self.f.flush)


class Progress:
    def __init__(self, total, per_task, out=None):
        self.out = _SafeOut(out or sys.stdout)
        self.tty = self.out.isatty()
        self.total, self.done = total, 0
        self.per_task = per_task
        self.walls = []
        self.interfered = 0         # reps flagged so far
        self._line = False

    def _est_left(self):
        avg = sum(self.walls) / len(self.walls) if self.walls else self.per_task
        return (self.total - self.done) * avg

    def say(self, text):
        """A line of its own (above the updating line on a terminal)."""
        if self.tty and self._line:
            self.out.write("\r\x1b[K")
            self._line = False
        self.out.write(text + "\n")
        self.out.flush()

    def rep_started(self, point, rep, reps):
        if not self.tty:
            return
        mtu = f" mtu={point.mtu}" if point.mtu else ""
        arm = f" arm={point.arm}" if point.arm else ""
        flagged = f" ({self.interfered} interfered)" if self.interfered else ""
        text = (f"[{self.done + 1}/{self.total}] {point.transport} {point.mode} "
                f"{shape_label(point.size, point.resp, point.flows)} io={point.io} "
                f"cpus={point.cpus}{mtu}{arm} "
                f"rep {rep}/{reps}{flagged} - {fmt_secs(self._est_left())} left")
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.out.write("\r\x1b[K" + text[:width])
        self.out.flush()
        self._line = True

    def rep_done(self, wall_s, row=None):
        self.done += 1
        self.walls.append(wall_s)
        if row is not None and row.get("interfered") == "1":
            self.interfered += 1

    def point_done(self, row):
        cv = number(row.get(f"{row['primary_metric']}_cv"))
        noisy = row.get("noisy") == "1"
        interfered = int(row.get("reps_interfered") or 0)
        if not (noisy or interfered or not self.tty):
            return
        arm = f" arm={row['arm']}" if row.get("arm") else ""
        text = (f"{row['transport']:<9} {row['mode']:<10} "
                f"{row_shape(row):>7} io={row['io']} "
                f"cpus={row['cpus']:<5}{arm} {row['status']:<11} "
                f"{row['reps_ok']}/{row['reps']} {fmt_primary(row):>13}")
        if cv is not None:
            text += f"  cv {cv * 100:.1f}%"
        reached = number(row.get("precision_pct"))
        if reached is not None:
            text += f"  +-{reached:.1f}%"
        if noisy:
            text += f"  NOISY ({NOISY_TEXT})"
        if interfered:
            text += f"  INTERFERED {interfered}/{row['reps_ok']} ({INTERFERED_TEXT})"
        if row["status"] not in ("ok",) and row.get("note"):
            text += f"  ({row['note']})"
        self.say(text)

    def clear(self):
        if self.tty and self._line:
            self.out.write("\r\x1b[K")
            self.out.flush()
            self._line = False

    def final(self, summary, run_dir, elapsed):
        self.clear()
        groups = {}
        for r, name in zip(summary, series_names(summary)):
            key = (r["io"], r["cpus"], r["mode"], r.get("arm", ""))
            groups.setdefault(key, []).append((name, r))
        for (io, cpus, mode, arm), named in groups.items():
            arm = f", arm {arm}" if arm else ""
            self.out.write(f"\n{FINAL_TITLES.get(mode, mode)} (io={io}, cpus={cpus}{arm})\n")
            self._table(named)
        noisy = sum(1 for r in summary if r.get("noisy") == "1")
        partial = sum(1 for r in summary if r["status"] == "partial")
        self.out.write(f"\n* noisy ({NOISY_TEXT}): {noisy} of {len(summary)} points"
                       + (f"; ? some reps failed: {partial} points" if partial else "")
                       + "\n")
        for line in self._flags(summary):
            self.out.write(line + "\n")
        self.out.write(f"run directory: {run_dir}  ({fmt_secs(elapsed)})\n")
        self.out.flush()

    def _flags(self, summary):
        """The run's interference and precision, a line each where they apply."""
        flagged = [int(r.get("reps_interfered") or 0) for r in summary]
        if sum(flagged):
            yield (f"! interfered ({INTERFERED_TEXT}): {sum(flagged)} of {self.done} reps, "
                   f"in {sum(1 for f in flagged if f)} of {len(summary)} points")
        targets = [r for r in summary if r.get("precision_target_pct")]
        if targets:
            met = sum(1 for r in targets if r.get("precision_met") == "1")
            yield (f"precision +-{float(targets[0]['precision_target_pct']):g}%: reached by "
                   f"{met} of {len(targets)} points")

    def _table(self, named):
        """Rows: sizes; columns: series ("veth", "veth:mtu9000"); cells: the
        headline number of each point."""
        columns = list(dict.fromkeys(name for name, _ in named))
        keys = {results.point_key(r): r for _, r in named}
        shapes = list(dict.fromkeys(row_shape(keys[k]) for k in sorted(
            keys, key=lambda k: (int(k.size_bytes), int(k.resp_size_bytes), int(k.flows)))))
        cells = {(name, row_shape(r)): fmt_primary(r) for name, r in named}
        widths = [max(len(t), 13) for t in columns]
        first = max([7] + [len(s) for s in shapes])
        self.out.write(f"{'size':>{first}}  " + "  ".join(
            f"{t:>{w}}" for t, w in zip(columns, widths)) + "\n")
        for s in shapes:
            self.out.write(f"{s:>{first}}  " + "  ".join(
                f"{cells.get((t, s), ''):>{w}}" for t, w in zip(columns, widths)) + "\n")
