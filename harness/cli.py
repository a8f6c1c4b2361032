"""cli - the options of ./run.sh (DESIGN.md "Commands"), parsed and checked
into one Config. Every bad input becomes a UsageError with a one-line reason;
nothing here touches the machine.

    ./run.sh --transport uds,lo,veth --size 100..64K --mode latency --reps 3
    ./run.sh --quick --no-plots --out /tmp/smoke
    ./run.sh --transport lo,veth --mtu 1500,65535 --size 64K --cpus same,split
    ./run.sh --transport uds,lo --mode latency,connect --size 100,100:64K
    ./run.sh --transport uds,lo --mode throughput --size 64K --flows 1,2,4
"""

import argparse
import dataclasses
import math
import re

from . import transports, wording

MODES = ("throughput", "latency", "connect")
DEFAULT_MODES = "throughput,latency"
REQUEST_RESPONSE = ("latency", "connect")   # modes with a reply: REQ:RESP applies
MAX_FLOWS = 256                             # bench/ipcperf's --flows bound
CPUS = ("split", "same", "none")
IO_FALLBACK = ("sync", "uring", "epoll", "busy")
MAX_SIZE = 1 << 30
DEFAULT_SIZES = "100..1M"
THROUGHPUT_EXTRA = 4 << 20          # the default sweep adds 4M for throughput
DEFAULT_REPS = 5
# Chosen so that the default sweep (6 transports x 15 sizes x 5 reps) stays
# under 6 minutes on a 2-core machine; see README/issue 3 for the measurement.
DEFAULT_DURATION = 0.5
DEFAULT_WARMUP = 0.1
QUICK_SIZES = "100,64K"
QUICK_REPS = 2
QUICK_DURATION = 0.2
QUICK_WARMUP = 0.05
DEFAULT_MTU = 1500

class UsageError(Exception):
    """Bad usage or input: exit 2 with this one-line message."""


@dataclasses.dataclass
class Config:
    transports: list            # names, in the order given
    transports_explicit: bool   # named by the user (not default / "all")
    sizes: dict                 # mode -> sorted list of sizes in bytes
    modes: list
    io: list
    cpus: list
    reps: int
    duration: float
    warmup: float
    out: str                    # None: results/<UTC timestamp>-<host>
    plots: bool
    quick: bool
    mtus: list                  # link MTUs, a sweep axis of the transports that make links
    nodelay: str                # None (the C default per mode), "on", "off"
    argv: list
    verify: bool = False        # the client checks every byte (--verify)
    # mode -> [(request, reply)] in sweep order; reply None for throughput
    shapes: dict = None
    flows: list = dataclasses.field(default_factory=lambda: [1])   # --flows, a sweep axis

    @property
    def mtu(self):
        """The MTU links are made with (the first of --mtu)."""
        return self.mtus[0]


def parse_size(text):
    """'64KiB' -> 65536 (wording.parse_size); at most 1 GiB."""
    try:
        value = wording.parse_size(text)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if value > MAX_SIZE:
        raise UsageError(f"bad size '{text}': at most 1G")
    return value


def parse_sizes(text):
    """'100,4K' or '100..1M' (A, B and the powers of 4 times 1 KiB between)
    or a mix of both -> sorted unique sizes."""
    sizes = set()
    for item in text.split(","):
        if ".." in item:
            lo_text, _, hi_text = item.partition("..")
            lo, hi = parse_size(lo_text), parse_size(hi_text)
            if lo > hi:
                raise UsageError(f"bad size range '{item}': start above end")
            sizes.update((lo, hi))
            s = 1024
            while s < hi:
                if s > lo:
                    sizes.add(s)
                s *= 4
        else:
            sizes.add(parse_size(item))
    return sorted(sizes)


def parse_shapes(text, modes):
    """--size with REQ:RESP items -> (sizes, shapes): sizes, mode -> the
    sorted request sizes; shapes, mode -> the sorted (request, reply)
    points, reply = request unless REQ:RESP gave another, None for
    throughput. UsageError for REQ:RESP when throughput is measured."""
    plain, pairs = [], set()
    for item in text.split(","):
        req, colon, resp = item.partition(":")
        if not colon:
            plain.append(item)
        elif ".." in item:
            raise UsageError(f"bad size '{item}': REQ:RESP takes one size on each side")
        else:
            pairs.add((parse_size(req), parse_size(resp)))
    if pairs and "throughput" in modes:
        raise UsageError(f"--size {text}: REQ:RESP applies to latency and connect (a "
                         "reply), not throughput")
    symmetric = parse_sizes(",".join(plain)) if plain else []
    shapes = {m: sorted(pairs | {(s, s) for s in symmetric}) for m in REQUEST_RESPONSE}
    shapes["throughput"] = [(s, None) for s in symmetric]
    sizes = {m: sorted({req for req, _ in shapes[m]}) for m in MODES}
    return sizes, shapes


def parse_flows(text):
    """'1,2,4' -> [1, 2, 4], in the order given, once each."""
    out = []
    for item in text.split(","):
        value = parse_int(item, "--flows", 1, MAX_FLOWS)
        if value not in out:
            out.append(value)
    return out


def parse_seconds(text, what, allow_zero):
    """'0.5', '0.5s' or '500ms' -> seconds, finite, within (0 or 0+, 3600]."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|ms)?\s*", text)
    if not m:
        raise UsageError(f"bad {what} '{text}' (seconds, e.g. 0.5 or 500ms)")
    value = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    if not math.isfinite(value) or value > 3600 or value < 0 \
            or (value == 0 and not allow_zero):
        bound = "0" if allow_zero else "above 0"
        raise UsageError(f"bad {what} '{text}': must be {bound} and at most 3600 s")
    return value


def parse_int(text, what, lo, hi):
    if not re.fullmatch(r"\s*\d+\s*", text or ""):
        raise UsageError(f"bad {what} '{text}' (a whole number from {lo} to {hi})")
    value = int(text)
    if not lo <= value <= hi:
        raise UsageError(f"bad {what} '{text}' (a whole number from {lo} to {hi})")
    return value


def parse_mtus(text):
    """'1500,9000,65535' -> [1500, 9000, 65535], in the order given, once each."""
    out = []
    for item in text.split(","):
        value = parse_int(item, "--mtu", 68, 65535)
        if value not in out:
            out.append(value)
    return out


def parse_list(text, what, valid):
    items = [t.strip() for t in text.split(",")]
    out = []
    for t in items:
        if t not in valid:
            raise UsageError(f"unknown {what} '{t}' (valid: {', '.join(valid)})")
        if t not in out:
            out.append(t)
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser():
    p = _Parser(
        prog="run.sh",
        description="Measure moving bytes between two local processes over "
                    "several transports; writes results.csv, summary.csv and "
                    "meta.json to a run directory.",
        epilog="Sizes take K/M/G (binary) units; A..B is A, B and the powers of "
               "4 times 1K between. Exit: 0 ok, 1 a measurement failed, 2 bad "
               "usage, 130 interrupted. IPCPERF_BIN overrides bench/ipcperf.")
    p.add_argument("--transport", metavar="LIST",
                   help="comma list of %s, or all (default: all this machine can run)"
                   % ", ".join(transports.NAMES))
    p.add_argument("--size", metavar="LIST",
                   help="sizes, e.g. 100,1K,64KiB or 100..1M (default %s, "
                        "plus 4M for throughput); REQ:RESP (100:64K) for a reply of "
                        "another size in latency and connect" % DEFAULT_SIZES)
    p.add_argument("--mode", metavar="LIST", default=DEFAULT_MODES,
                   help="throughput, latency, connect (a new connection per request "
                        "and reply); default %s" % DEFAULT_MODES)
    p.add_argument("--flows", metavar="LIST",
                   help="parallel client/server pairs per point, measured over one "
                        "window (a sweep axis, e.g. 1,2,4; default 1)")
    p.add_argument("--io", metavar="LIST", default="sync",
                   help="comma list of %s (default sync)" % ",".join(IO_FALLBACK))
    p.add_argument("--reps", metavar="N", help=f"reps per point (default {DEFAULT_REPS})")
    p.add_argument("--duration", metavar="SEC",
                   help=f"measured window per rep (default {DEFAULT_DURATION})")
    p.add_argument("--warmup", metavar="SEC",
                   help=f"warm-up before the window (default {DEFAULT_WARMUP})")
    p.add_argument("--cpus", metavar="LIST", default="split",
                   help="split (server, client on two cores), same (one core), "
                        "none (unpinned); comma list (default split)")
    p.add_argument("--out", metavar="DIR",
                   help="run directory (default results/<UTC timestamp>-<host>)")
    p.add_argument("--no-plots", action="store_true", help="do not draw figures")
    p.add_argument("--quick", action="store_true",
                   help=f"smoke sweep: sizes {QUICK_SIZES}, {QUICK_REPS} reps, "
                        f"{QUICK_DURATION} s (explicit options win)")
    p.add_argument("--mtu", metavar="LIST",
                   help=f"MTU of the links made: veth, bridge, nat, the vxlan underlay "
                        f"(its overlay is 50 less), macvlan/ipvlan parents; a comma "
                        f"list sweeps those transports over each (default {DEFAULT_MTU})")
    p.add_argument("--nodelay", choices=("on", "off"),
                   help="TCP_NODELAY (default: off for throughput, on for latency)")
    p.add_argument("--verify", action="store_true",
                   help="send a patterned payload and check every byte (a correctness "
                        "check; costs throughput)")
    return p


def parse(argv, io_names=IO_FALLBACK):
    """argv (without the program name) -> Config, or UsageError."""
    a = build_parser().parse_args(argv)
    valid_t = list(transports.NAMES)
    if a.transport is None or a.transport.strip() == "all":
        names, explicit = valid_t, False
    else:
        names = parse_list(a.transport, "transport", valid_t + ["all"])
        explicit = "all" not in names
        if not explicit:
            names = valid_t
    modes = parse_list(a.mode, "mode", MODES)
    io = parse_list(a.io, "io", tuple(io_names))
    cpus = parse_list(a.cpus, "cpus", CPUS)
    if a.size is not None:
        sizes, shapes = parse_shapes(a.size, modes)
    else:
        sizes, shapes = parse_shapes(QUICK_SIZES if a.quick else DEFAULT_SIZES, modes)
        if not a.quick:
            sizes["throughput"] = sorted(set(sizes["throughput"]) | {THROUGHPUT_EXTRA})
            shapes["throughput"] = [(s, None) for s in sizes["throughput"]]
    reps = parse_int(a.reps, "--reps", 1, 1000) if a.reps is not None \
        else (QUICK_REPS if a.quick else DEFAULT_REPS)
    duration = parse_seconds(a.duration, "--duration", False) \
        if a.duration is not None else (QUICK_DURATION if a.quick else DEFAULT_DURATION)
    warmup = parse_seconds(a.warmup, "--warmup", True) \
        if a.warmup is not None else (QUICK_WARMUP if a.quick else DEFAULT_WARMUP)
    mtus = parse_mtus(a.mtu) if a.mtu is not None else [DEFAULT_MTU]
    if a.out is not None and not a.out.strip():
        raise UsageError("bad --out '': an empty path")
    return Config(transports=names, transports_explicit=explicit, sizes=sizes,
                  modes=modes, io=io, cpus=cpus, reps=reps, duration=duration,
                  warmup=warmup, out=a.out, plots=not a.no_plots, quick=a.quick,
                  mtus=mtus, nodelay=a.nodelay, argv=list(argv), verify=a.verify,
                  shapes=shapes, flows=parse_flows(a.flows) if a.flows is not None else [1])
