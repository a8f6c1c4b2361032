"""adaptive - --precision and --budget (DESIGN.md): the first pass of reps
sized to the budget, the points still short of the precision after it, and
whether the budget allows one more rep. A point is short while its primary
metric's 95% interval of the median reaches further than +-PCT from the
median (summary.csv's precision_met, harness/results.py).

    plan = Plan(cfg, arms, n_points=90)    # UsageError: a budget too small
    plan.first_reps                         # reps of the first pass (<= --reps)
    plan.start(); ...; plan.allows(2 * 0.7) # is there time for two more reps?
    next_round(summary_rows, 5, reps_left=120)  # [PointKey without arm] to rep again

Which points get the next round's reps: first every short point with fewer
than the 6 reps a 95% interval needs. Then, since the interval narrows about
as 1/sqrt(reps), a point at +-pct after n reps needs about n (pct/target)^2:
the points that need the fewest come first, as many as the budget left can
bring to the target, so that a point at +-40% does not take the reps that
five points at +-6% need. When none of them can get there with what is
left, every short point gets a rep a round, as the first pass did.
"""

import math
import time

from . import cli, results, stats

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


# The fewest reps whose interval of the median reaches 95% (6).
MIN_REPS = next(n for n in range(1, 100) if stats.ci_rank(n, stats.CONFIDENCE))


def reps_needed(row, target):
    """About how many more reps a summary row needs to reach target."""
    n = int(row["reps_ok"])
    pct = results.number(row.get("precision_pct"))
    floor = max(1, MIN_REPS - n)
    if pct is None:
        return floor
    return max(floor, math.ceil(n * (pct / target) ** 2) - n)


def short_points(summary, target):
    """{PointKey with arm '': reps it needs} of the points whose
    precision_met is 0 and that have ok reps, in the summary's order. An A/B
    point's two arms get their reps together: it needs what its worse arm
    does."""
    out = {}
    for row in summary:
        if row.get("precision_met") != "0" or row["status"] not in ("ok", "partial"):
            continue
        key = results.point_key(row)._replace(arm="")
        out[key] = max(out.get(key, 0), reps_needed(row, target))
    return out


def next_round(summary, target, reps_left):
    """The points to give one more rep now, in the summary's order (see the
    module's docstring). [] when none is short."""
    need = short_points(summary, target)
    few = {key for row in summary for key in [results.point_key(row)._replace(arm="")]
           if key in need and int(row["reps_ok"]) < MIN_REPS}
    if few:
        return [key for key in need if key in few]
    chosen, total = set(), 0
    for key in sorted(need, key=need.get):
        if total + need[key] > reps_left:
            break
        chosen.add(key)
        total += need[key]
    return [key for key in need if key in chosen or not chosen]
