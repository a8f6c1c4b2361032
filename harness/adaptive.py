"""adaptive - --precision and --budget (DESIGN.md): the first pass of reps
sized to the budget, the points still short of the precision after it, and
whether the budget allows one more rep. A point is short while its primary
metric's 95% interval of the median reaches further than +-PCT from the
median (summary.csv's precision_met, harness/results.py).

    plan = Plan(cfg, arms, n_points=90)    # UsageError: a budget too small
    plan.first_reps                         # reps of the first pass (<= --reps)
    plan.start(); ...; plan.allows(2 * 0.7) # is there time for two more reps?
    short_points(summary_rows)              # [PointKey without arm] short of it
"""

import time

from . import cli, results

# What a rep takes beyond its warm-up and window: starting the client,
# connecting, the result and its row (about 0.05 s on a 2-core VM).
REP_OVERHEAD_S = 0.06


def rep_seconds(arms):
    """The estimated time of one rep of a point in every arm."""
    return sum(a.cfg.warmup + a.cfg.duration + REP_OVERHEAD_S for a in arms)


class Plan:
    """The reps of the first pass and the budget of the run's measuring.
    n_points: the points of the sweep, counting both arms of one as one."""

    def __init__(self, cfg, arms, n_points):
        self.per_point = rep_seconds(arms)
        one_each = n_points * self.per_point
        self.target = cfg.precision
        self.t0 = None
        if cfg.precision is None:
            self.budget, self.first_reps = None, cfg.reps
            return
        self.budget = cfg.budget if cfg.budget is not None \
            else cli.PRECISION_BUDGET_FACTOR * cfg.reps * one_each
        if self.budget < one_each:
            arms_text = " in both arms" if len(arms) > 1 else ""
            raise cli.UsageError(f"--budget {self.budget:g} s is too small: one rep of "
                                 f"each of the {n_points} points{arms_text} takes about "
                                 f"{one_each:.2g} s")
        self.first_reps = max(1, min(cfg.reps, int(self.budget // one_each)))

    def start(self):
        self.t0 = time.monotonic()

    def spent(self):
        return 0.0 if self.t0 is None else time.monotonic() - self.t0

    def allows(self, seconds):
        """True when seconds more of measuring stay within the budget."""
        return self.budget is None or self.spent() + seconds <= self.budget


def short_points(summary):
    """The points (PointKeys with arm '': an A/B point's two arms get their
    reps together) whose precision_met is 0 and that have ok reps, in the
    summary's order."""
    out = []
    for row in summary:
        if row.get("precision_met") != "0" or row["status"] not in ("ok", "partial"):
            continue
        key = results.point_key(row)._replace(arm="")
        if key not in out:
            out.append(key)
    return out
