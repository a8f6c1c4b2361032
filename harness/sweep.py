"""sweep - the product transports x io x cpus x modes x sizes x flows x
reps (x the link MTUs, for the transports that make links), in an order
that interleaves transports: for each (io, cpus, mode, size, flows) and
each rep, every transport runs once at each MTU before the next rep, so
drift in the machine (thermal, background work) spreads evenly over the
points compared. A size is a (request, reply) pair (cli.Config.shapes; the
reply None for throughput).

    for t in tasks(["uds", "lo"], ["sync"], ["split"], ["latency"],
                   {"latency": [(100, 100), (100, 65536)]}, reps=2):
        t.point.transport, t.rep, t.last     # uds 1 False, lo 1 False, uds 2 True, ...
    for t in tasks(["lo", "veth"], ["sync"], ["split"], ["throughput"],
                   {"throughput": [(65536, None)]}, 1, mtus=[1500, 65535], swept={"veth"},
                   flows=[1, 4]):
        t.point.transport, t.point.mtu       # lo None, veth 1500, veth 65535
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Point:
    transport: str
    io: str
    cpus: str
    mode: str
    size: int
    mtu: int = None   # the link MTU to set first; None: the transport's own
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


def _shape(size):
    """(request, reply) of a sizes entry: a pair, or a plain size (no reply given)."""
    return tuple(size) if isinstance(size, tuple) else (size, None)


def tasks(transports, io, cpus, modes, sizes, reps, mtus=None, swept=(), flows=(1,)):
    """sizes: mode -> list of (request, reply) or plain sizes; swept: the
    transports set to each of mtus; flows: the flows axis. Yields Task in
    run order."""
    order = _mtu_points(transports, mtus, swept)
    for i in io:
        for c in cpus:
            for m in modes:
                for s, resp in map(_shape, sizes[m]):
                    for f in flows:
                        for r in range(1, reps + 1):
                            for t, mtu in order:
                                yield Task(Point(t, i, c, m, s, mtu, resp, f), r, r == reps)


def count(transports, io, cpus, modes, sizes, reps, mtus=None, swept=(), flows=(1,)):
    return (len(_mtu_points(transports, mtus, swept)) * len(io) * len(cpus) * reps
            * len(flows) * sum(len(sizes[m]) for m in modes))
