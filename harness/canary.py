"""canary - the drift canary: one fixed reference point, re-measured at
intervals through the run into canary.csv, so that the machine's own speed
over the run can be drawn beside the results (a regime change of the
machine shows there, not as a "finding").

The point is fixed, so that canaries of every run compare: uds (a path
with no network stack and no namespace), latency at 100 B (a round trip
that depends on wake-ups and cache, what drifts), io sync, split placement
(same where the machine has one CPU), 0.1 s after 0.05 s of warm-up, arm A.
It runs at the start, whenever EVERY_S has passed since the last, and at
the end: one rep of ~0.2 s every 10 s costs the run about 2%.

    c = Canary(bench, endpoint, writer, t0)
    c.maybe()           # between reps: measures when due
    c.measure()         # one now (the run's last)
"""

import dataclasses
import time

from . import rep, results, sweep

TRANSPORT, IO, MODE, SIZE = "uds", "sync", "latency", 100
DURATION_S, WARMUP_S = 0.1, 0.05
EVERY_S = 10.0


def placement():
    """split where the machine has two CPUs for the run, else same."""
    return "split" if not isinstance(rep.cpu_placement("split"), str) else "same"


def point():
    return sweep.Point(TRANSPORT, IO, placement(), MODE, SIZE)


def describe():
    """meta.json's canary: what is re-measured, and how often."""
    return {"transport": TRANSPORT, "io": IO, "cpus": placement(), "mode": MODE,
            "size_bytes": SIZE, "duration_s": DURATION_S, "warmup_s": WARMUP_S,
            "every_s": EVERY_S, "file": "canary.csv"}


class Canary:
    """bench: arm A's rep.Bench (its servers are the run's); ep: a uds
    Endpoint; writer: a results.RepWriter of CANARY_COLUMNS; t0: the run's
    start (time.monotonic())."""

    def __init__(self, bench, ep, writer, t0):
        cfg = dataclasses.replace(bench.cfg, duration=DURATION_S, warmup=WARMUP_S,
                                  nodelay=None, verify=False)
        self.bench = dataclasses.replace(bench, cfg=cfg, around=None)
        self.ep, self.writer, self.t0 = ep, writer, t0
        self.point = point()
        self.seq = 0
        self.last = None

    def maybe(self):
        if self.last is None or time.monotonic() - self.last >= EVERY_S:
            self.measure()

    def measure(self):
        self.last = time.monotonic()
        self.seq += 1
        outcome = rep.measure(self.bench, self.point, self.ep)
        self.writer.write(results.canary_row(
            self.bench.run_id, self.seq, self.last - self.t0, self.ep.socket, self.point,
            outcome.status, outcome.record, outcome.note))
