"""sweep - the product transports x io x cpus x modes x sizes x reps, in an
order that interleaves transports: for each (io, cpus, mode, size) and each
rep, every transport runs once before the next rep, so drift in the machine
(thermal, background work) spreads evenly over the transports compared.

    for t in tasks(["uds", "lo"], ["sync"], ["split"], ["latency"],
                   {"latency": [100, 1024]}, reps=2):
        t.point.transport, t.rep, t.last     # uds 1 False, lo 1 False, uds 2 True, ...
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Point:
    transport: str
    io: str
    cpus: str
    mode: str
    size: int


@dataclasses.dataclass(frozen=True)
class Task:
    point: Point
    rep: int          # from 1
    last: bool        # the point's last rep: its summary is complete after it


def tasks(transports, io, cpus, modes, sizes, reps):
    """sizes: mode -> list of sizes. Yields Task in run order."""
    for i in io:
        for c in cpus:
            for m in modes:
                for s in sizes[m]:
                    for r in range(1, reps + 1):
                        for t in transports:
                            yield Task(Point(t, i, c, m, s), r, r == reps)


def count(transports, io, cpus, modes, sizes, reps):
    return len(transports) * len(io) * len(cpus) * reps * sum(len(sizes[m]) for m in modes)
