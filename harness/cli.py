"""cli - the options of ./run.sh (DESIGN.md "Commands"), parsed and checked
into one Config. Every bad input becomes a UsageError with a one-line reason;
nothing here touches the machine.

    ./run.sh --transport uds,lo,veth --size 100..64K --mode latency --reps 3
    ./run.sh --quick --no-plots --out /tmp/smoke
    ./run.sh --transport lo,veth --mtu 1500,65535 --size 64K --cpus same,split
    ./run.sh --transport uds,lo --mode latency,connect --size 100,100:64K
    ./run.sh --transport uds,lo --mode throughput --size 64K --flows 1,2,4
    ./run.sh --transport uds,lo --size 100 --ab sysctl:net.ipv4.tcp_autocorking=0
    ./run.sh --precision 5 --budget 300
"""

import argparse
import dataclasses
import math
import re
import shlex

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
# From measurement (issue 11): 100 B throughput reps of uds and lo, 12 per
# setting in three interleaved rounds on a 2-vCPU VM. The spread between
# reps did not shrink with longer windows (IQR 2-4% at 0.1 and 0.25 s, 4-9%
# at 1 and 2 s): it is the machine moving between reps, not noise inside
# one, so shorter reps buy more reps, and more precision, per minute. A rep
# without warm-up spread by 33% (uds), 0.05 s by 5%, 0.1 and 0.2 s no less.
DEFAULT_DURATION = 0.25
DEFAULT_WARMUP = 0.1
QUICK_SIZES = "100,64K"
QUICK_REPS = 2
QUICK_DURATION = 0.2
QUICK_WARMUP = 0.05
DEFAULT_MTU = 1500
# --precision without --budget may take this many times the first reps' time
PRECISION_BUDGET_FACTOR = 3
MAX_BUDGET_S = 7 * 86400

# --ab: the kinds of B (DESIGN.md), and what opt: may give B. B's options
# apply per rep; the sweep axes make points, not arms.
AB_KINDS = ("same", "rev", "bin", "sysctl", "opt")
AB_USAGE = "same, rev:GITREV, bin:PATH, sysctl:NAME=VALUE[,...] or opt:'OPTIONS'"
PER_REP_OPTIONS = ("--nodelay", "--duration", "--warmup", "--verify")
SWEEP_AXES = ("--transport", "--size", "--mode", "--io", "--cpus", "--mtu", "--reps",
              "--flows")
SYSCTL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")

class UsageError(Exception):
    """Bad usage or input: exit 2 with this one-line message."""


@dataclasses.dataclass(frozen=True)
class AbSpec:
    """--ab as given, checked for form only (harness/ab.py makes it real)."""
    kind: str                   # one of AB_KINDS
    text: str                   # what follows "kind:" ('' for same)
    sysctls: tuple = ()         # sysctl: ((name, value), ...) in the order given
    options: dict = dataclasses.field(default_factory=dict)  # opt: Config fields for B


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
    ab: AbSpec = None           # --ab: two arms; None: one
    precision: float = None     # --precision: the target half-width of the CI, in %
    budget: float = None        # --budget: seconds of measuring --precision may use

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


def parse_seconds(text, what, allow_zero, limit=3600):
    """'0.5', '0.5s' or '500ms' -> seconds, finite, within (0 or 0+, limit]."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|ms)?\s*", text)
    if not m:
        raise UsageError(f"bad {what} '{text}' (seconds, e.g. 0.5 or 500ms)")
    value = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    if not math.isfinite(value) or value > limit or value < 0 \
            or (value == 0 and not allow_zero):
        bound = "0" if allow_zero else "above 0"
        raise UsageError(f"bad {what} '{text}': must be {bound} and at most {limit:g} s")
    return value


def parse_precision(text):
    """'5' or '5%' -> 5.0: a percentage above 0 and at most 100."""
    t = text.strip().removesuffix("%")
    try:
        value = float(t)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= 100:
        raise UsageError(f"bad --precision '{text}' (a percentage above 0 and at most "
                         "100, e.g. 5)")
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


def _b_parser():
    """The options opt: may give B: PER_REP_OPTIONS, parsed as ./run.sh does."""
    p = _Parser(prog="--ab opt:", add_help=False)
    p.add_argument("--nodelay", choices=("on", "off"))
    p.add_argument("--duration")
    p.add_argument("--warmup")
    p.add_argument("--verify", action="store_true", default=None)
    return p


def parse_b_options(text):
    """opt:'OPTIONS' -> {Config field: value} for B; UsageError for a sweep
    axis, a run option that is not per rep, an unknown option, or none.
    The options may come quoted as a whole (opt:'--nodelay on')."""
    try:
        words = shlex.split(text)
        if len(words) == 1 and text.strip()[:1] in "'\"":
            words = shlex.split(words[0])
    except ValueError as e:
        raise UsageError(f"bad --ab opt:'{text}': {e}") from None
    known = build_parser()._option_string_actions
    for w in words:
        name = w.split("=", 1)[0]
        if not w.startswith("-") or name in PER_REP_OPTIONS:
            continue
        if name in SWEEP_AXES:
            raise UsageError(f"--ab opt: cannot set {name}: a sweep axis makes points, "
                             f"not arms (B may set {', '.join(PER_REP_OPTIONS)})")
        what = "is not a per-rep option" if name in known else "is an unknown option"
        raise UsageError(f"--ab opt: {name} {what} (B may set {', '.join(PER_REP_OPTIONS)})")
    a = _b_parser().parse_args(words)
    out = {}
    if a.nodelay is not None:
        out["nodelay"] = a.nodelay
    if a.duration is not None:
        out["duration"] = parse_seconds(a.duration, "--ab opt: --duration", False)
    if a.warmup is not None:
        out["warmup"] = parse_seconds(a.warmup, "--ab opt: --warmup", True)
    if a.verify:
        out["verify"] = True
    if not out:
        raise UsageError(f"--ab opt:'{text}' gives B no option (B may set "
                         f"{', '.join(PER_REP_OPTIONS)})")
    return out


def parse_b_sysctls(text):
    """'a.b=1,c.d=x y' -> (("a.b", "1"), ("c.d", "x y")); names once each."""
    out = []
    for item in text.split(","):
        name, eq, value = (t.strip() for t in item.partition("="))
        if not eq or not SYSCTL_NAME.fullmatch(name) or ".." in name or not value:
            raise UsageError(f"bad --ab sysctl:{text}: '{item}' is not NAME=VALUE "
                             "(e.g. net.ipv4.tcp_autocorking=0)")
        if name in dict(out):
            raise UsageError(f"bad --ab sysctl:{text}: {name} given twice")
        out.append((name, value))
    return tuple(out)


def parse_ab(text):
    """--ab SPEC -> AbSpec, checked for form; nothing on the machine is read."""
    kind, colon, rest = text.strip().partition(":")
    if kind not in AB_KINDS:
        raise UsageError(f"unknown --ab kind '{kind}' (valid: {AB_USAGE})")
    if kind == "same":
        if colon:
            raise UsageError(f"bad --ab '{text}': same takes nothing after it")
        return AbSpec("same", "")
    if not rest.strip():
        raise UsageError(f"bad --ab '{text}': {kind}: needs a value ({AB_USAGE})")
    if kind == "sysctl":
        return AbSpec(kind, rest, sysctls=parse_b_sysctls(rest))
    if kind == "opt":
        return AbSpec(kind, rest, options=parse_b_options(rest))
    return AbSpec(kind, rest.strip())


def _add_ab_options(p):
    """--ab, --precision, --budget: how the reps of a run are spent."""
    p.add_argument("--ab", metavar="SPEC",
                   help="measure every point in two arms, A (as given) and B, rep by rep "
                        "in ABBA order; SPEC is same (A/A), rev:GITREV (B is bench/ipcperf "
                        "of that revision), bin:PATH, sysctl:NAME=VALUE[,...] (set for B's "
                        "reps only) or opt:'OPTIONS' (B's --nodelay, --duration, --warmup, "
                        "--verify)")
    p.add_argument("--precision", metavar="PCT",
                   help="after the first --reps, add reps to the points whose 95%% "
                        "confidence interval of the median is wider than +-PCT %% of it, "
                        "interleaved, until all are within it or --budget is spent")
    p.add_argument("--budget", metavar="SEC",
                   help="seconds of measuring (reps, canary) the run may take with "
                        "--precision (default: %d times the first reps' estimate)"
                        % PRECISION_BUDGET_FACTOR)


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
    _add_ab_options(p)
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
    precision = parse_precision(a.precision) if a.precision is not None else None
    budget = parse_seconds(a.budget, "--budget", False, MAX_BUDGET_S) \
        if a.budget is not None else None
    if budget is not None and precision is None:
        raise UsageError("--budget needs --precision (it bounds the reps --precision adds)")
    return Config(transports=names, transports_explicit=explicit, sizes=sizes,
                  modes=modes, io=io, cpus=cpus, reps=reps, duration=duration,
                  warmup=warmup, out=a.out, plots=not a.no_plots, quick=a.quick,
                  mtus=mtus, nodelay=a.nodelay, argv=list(argv), verify=a.verify,
                  shapes=shapes, flows=parse_flows(a.flows) if a.flows is not None else [1],
                  ab=parse_ab(a.ab) if a.ab is not None else None,
                  precision=precision, budget=budget)
