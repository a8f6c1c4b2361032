"""sweep - the product transports x io x cpus x modes x sizes x flows x
reps (x the link MTUs, for the transports that make links; x the arms of an
A/B run), in an order that interleaves transports: for each (io, cpus, mode,
size, flows) and each rep, every transport runs once at each MTU before the
next rep, so drift in the machine (thermal, background work) spreads evenly
over the points compared. The two arms of a point run next to each other,
in ABBA order over its reps (A B, then B A, ...), so that drift falls on
both alike: rep r of A and rep r of B are a pair. A size is a (request,
reply) pair (cli.Config.shapes; the reply None for throughput), or a plain
size.

    for t in tasks(["uds", "lo"], ["sync"], ["split"], ["latency"],
                   {"latency": [(100, 100), (100, 65536)]}, reps=2):
        t.point.transport, t.rep, t.last     # uds 1 False, lo 1 False, uds 2 True, ...
    for t in tasks(["lo", "veth"], ["sync"], ["split"], ["throughput"],
                   {"throughput": [(65536, None)]}, 1, mtus=[1500, 65535], swept={"veth"},
                   flows=[1, 4]):
        t.point.transport, t.point.mtu       # lo None, veth 1500, veth 65535
    for t in tasks(["uds"], ["sync"], ["split"], ["latency"], {"latency": [100]}, 2,
                   arms=("A", "B")):
        t.point.arm, t.rep                   # A 1, B 1, B 2, A 2
    for pair in more([Point("uds", "sync", "split", "latency", 100)], {...: 2}, ("A", "B")):
        [t.point.arm for t in pair]          # the next rep of each point: ["A", "B"]
"""

import dataclasses

NO_ARMS = ("",)     # a run without --ab: one arm, named ''


@dataclasses.dataclass(frozen=True)
class Point:
    transport: str
    io: str
    cpus: str
    mode: str
    size: int
    mtu: int = None   # the link MTU to set first; None: the transport's own
    arm: str = ""     # "A" or "B" in an A/B run
    resp: int = None  # the reply's size (latency, connect); None: no reply (throughput)
    flows: int = 1    # client/server pairs measured together


@dataclasses.dataclass(frozen=True)
class Task:
    point: Point
    rep: int          # from 1
    last: bool        # the point's last rep: its summary is complete after it


def _mtu_points(transports, mtus, swept):
    """(transport, mtu) in run order for one rep: a transport without links
    of its own runs once, not once per MTU."""
    mtus = list(mtus or [None])
    out = []
    for i, mtu in enumerate(mtus):
        for t in transports:
            if t in swept:
                out.append((t, mtu))
            elif i == 0:
                out.append((t, None))
    return out


def abba(arms, rep):
    """The arms in the order of rep: as given for odd reps, reversed for
    even ones (A B, B A, A B, ...)."""
    return tuple(arms) if rep % 2 else tuple(reversed(arms))


def _shape(size):
    """(request, reply) of a sizes entry: a pair, or a plain size (no reply given)."""
    return tuple(size) if isinstance(size, tuple) else (size, None)


def tasks(transports, io, cpus, modes, sizes, reps, mtus=None, swept=(), arms=NO_ARMS,
          flows=(1,)):
    """sizes: mode -> list of (request, reply) or plain sizes; swept: the
    transports set to each of mtus; arms: ("A", "B") for an A/B run; flows:
    the flows axis. Yields Task in run order."""
    order = _mtu_points(transports, mtus, swept)
    for i in io:
        for c in cpus:
            for m in modes:
                for s, resp in map(_shape, sizes[m]):
                    for f in flows:
                        for r in range(1, reps + 1):
                            for t, mtu in order:
                                for arm in abba(arms, r):
                                    yield Task(Point(t, i, c, m, s, mtu, arm, resp, f),
                                               r, r == reps)


def more(points, reps_done, arms=NO_ARMS):
    """One more rep of each of points (Points without an arm, in run order;
    reps_done: point -> its reps so far), as a list of Tasks per point: its
    arms in the ABBA order of the new rep. Each task is its point's last."""
    for p in points:
        rep = reps_done[p] + 1
        yield [Task(dataclasses.replace(p, arm=arm), rep, True) for arm in abba(arms, rep)]


def count(transports, io, cpus, modes, sizes, reps, mtus=None, swept=(), arms=NO_ARMS,
          flows=(1,)):
    return (len(_mtu_points(transports, mtus, swept)) * len(io) * len(cpus) * reps
            * len(arms) * len(flows) * sum(len(sizes[m]) for m in modes))
