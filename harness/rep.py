"""rep - one measurement of one point: the two sides placed on their CPUs,
the point's server taken from the pool (started, or restarted after a
failure), the client run against it, and the results.csv row made of what
the client said. Knows nothing of the sweep's order or of the terminal.

    bench = Bench(binary, cfg, run_id, sockdir, pool, st, io_built=("sync", "uring"))
    outcome = measure(bench, task.point, endpoint)      # never raises for a failure
    row = make_row(bench, task, endpoint, outcome)      # a results.csv row

An A/B run has a Bench per arm (harness/ab.py): its binary, its options,
what is set around each of its reps, and a server_tag when its binary is its
own, so that each arm then has servers of its own.
"""

import collections
import contextlib
import dataclasses
import os

from . import results, runner, topology

# status: ok, unsupported or error; record: the client's JSON (None without
# one); note: why, when not ok
Outcome = collections.namedtuple("Outcome", "status record note")


def cpu_placement(cpus):
    """(server_cpu, client_cpu) for a --cpus word, or a reason string when
    this machine cannot do it. CPUs come from the harness's affinity mask."""
    allowed = sorted(os.sched_getaffinity(0))
    if cpus == "none":
        return None, None
    if cpus == "same":
        return allowed[0], allowed[0]
    if len(allowed) < 2:
        return "split needs 2 CPUs in the affinity mask, have %d" % len(allowed)
    return allowed[0], allowed[1]


@dataclasses.dataclass
class Bench:
    """What every rep of a run shares."""
    binary: str
    cfg: object                 # cli.Config
    run_id: str
    sockdir: str                # the run's private directory (server logs)
    pool: runner.ServerPool
    state: object               # state.RunState: server PIDs are recorded there
    io_built: tuple             # the io modes the binary has
    server_tag: str = ""        # "-b": this arm's binary is its own, so are its servers
    around: object = None       # () -> a context manager held over each rep (B's sysctls)


def _tag(bench, point):
    """What tells a server apart from the others of its transport."""
    return f"{point.cpus}{bench.server_tag}"


def _new_server(bench, point, ep, cpu):
    tag = _tag(bench, point)
    return runner.Server(
        ep.binary or bench.binary, ep.server_prefix, ep.socket, ep.server_address(tag),
        cpu=cpu, log_path=os.path.join(bench.sockdir, f"server-{point.transport}-{tag}.log"),
        on_start=bench.state.add_pid, on_stop=bench.state.remove_pid)


def _run_client(bench, point, ep, port, cpu):
    """The client against the server's port, after the links got the point's
    MTU; a TopologyError on the way is the rep's error."""
    cfg = bench.cfg
    try:
        ep.set_mtu(point.mtu)
        with ep.client_target(_tag(bench, point), port) as (addr, target_port):
            spec = runner.ClientSpec(ep.socket, addr, target_port, point.mode, point.size,
                                     cfg.duration, cfg.warmup, io=point.io, cpu=cpu,
                                     nodelay=cfg.nodelay, verify=cfg.verify)
            r = runner.run_client(ep.binary or bench.binary, ep.client_prefix, spec)
        return Outcome(r.status, r.record, r.note)
    except topology.TopologyError as e:
        return Outcome("error", None, str(e))


def measure(bench, point, ep):
    """One rep of point (a sweep.Point) over ep (a transports.Endpoint) ->
    Outcome, inside bench.around (B's sysctls: set before the server is
    reached and the client starts, restored after). A server that failed,
    or whose rep failed, is replaced for the next rep. A sysctl that cannot
    be set or put back fails the rep: its figures would be of another arm."""
    try:
        with bench.around() if bench.around else contextlib.nullcontext():
            return _measure(bench, point, ep)
    except topology.TopologyError as e:
        return Outcome("error", None, str(e))


def _measure(bench, point, ep):
    place = cpu_placement(point.cpus)
    if point.io not in bench.io_built:
        return Outcome("unsupported", None, f"io mode {point.io} is not built into "
                       f"{os.path.basename(bench.binary)} (see --list)")
    if isinstance(place, str):
        return Outcome("unsupported", None, place)
    if ep.binary and bench.server_tag:
        return Outcome("unsupported", None, f"{point.transport} runs the program its "
                       "runtime was given (the image, the launcher): an arm with a "
                       "binary of its own cannot reach it")
    server_cpu, client_cpu = place
    key = (point.transport, _tag(bench, point))
    try:
        srv = bench.pool.get(key, lambda: _new_server(bench, point, ep, server_cpu))
    except runner.RunnerError as e:
        bench.pool.discard(key)
        return Outcome("error", None, str(e))
    outcome = _run_client(bench, point, ep, srv.port, client_cpu)
    if outcome.status == "error":
        bench.pool.discard(key)       # a fresh server for the next rep
    return outcome


def requested_nodelay(cfg, ep):
    """TCP_NODELAY as --nodelay asked for it (1, 0), for a rep whose client
    said nothing; '' when not asked: the default is the client's to decide
    (session_client.c), and its record says what it chose."""
    if ep.socket != "tcp" or not cfg.nodelay:
        return ""
    return 1 if cfg.nodelay == "on" else 0


def make_row(bench, task, ep, outcome):
    p = task.point
    point = {"transport": p.transport, "socket": ep.socket, "io": p.io,
             "cpus": p.cpus, "mode": p.mode, "size_bytes": p.size, "arm": p.arm}
    return results.make_row(bench.run_id, point, task.rep, outcome.status, outcome.record,
                            outcome.note, requested_nodelay(bench.cfg, ep),
                            ep.path_mtu(p.mtu), ep.netns_shared())
