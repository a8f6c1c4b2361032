"""rep - one measurement of one point: the two sides placed on their CPUs,
the point's server taken from the pool (started, or restarted after a
failure), the client run against it, and the results.csv row made of what
the client said. Knows nothing of the sweep's order or of the terminal.

    bench = Bench(binary, cfg, run_id, sockdir, pool, st, io_built=("sync", "uring"))
    outcome = measure(bench, task.point, endpoint)      # never raises for a failure
    row = make_row(bench, task, endpoint, outcome)      # a results.csv row
    rows = flow_rows(bench, task, endpoint, outcome)    # flows.csv rows (--flows N > 1)

A point of N flows runs N clients at once against the point's one server
(harness/flows.py); its results.csv row stands for all of them. An A/B run
has a Bench per arm (harness/ab.py): its binary, its options, what is set
around each of its reps, and a server_tag when its binary is its own, so
that each arm then has servers of its own.
"""

import collections
import contextlib
import dataclasses
import os

from . import conntrack, flows, results, runner, topology

# status: ok, unsupported or error; record: the client's JSON (None without
# one), for several flows their aggregate (flows.aggregate); note: why, when
# not ok; per_flow: [((server_cpu, client_cpu), ClientResult)] of a point of
# several flows, else None
Outcome = collections.namedtuple("Outcome", "status record note per_flow",
                                 defaults=(None,))


def cpu_placement(cpus):
    """(server_cpu, client_cpu) for a --cpus word, or a reason string when
    this machine cannot do it: flow 0 of harness/flows.py's placement."""
    place = flows.placement(cpus, 1)
    return place if isinstance(place, str) else place[0]


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


def _specs(bench, point, socket, addr, port, places):
    """The ClientSpec of each flow: one, or several with one start time."""
    cfg, start = bench.cfg, flows.start_time() if point.flows > 1 else None
    return [runner.ClientSpec(socket, addr, port, point.mode, point.size,
                              cfg.duration, cfg.warmup, io=point.io, cpu=client_cpu,
                              nodelay=cfg.nodelay, verify=cfg.verify, resp=point.resp,
                              flows=point.flows, start_ns=start, server_cpu=server_cpu)
            for server_cpu, client_cpu in places]


def _outcome(point, places, got, created):
    """One Outcome of the flows' ClientResults and the conntrack entries
    their connections created (None where not counted)."""
    if point.flows == 1:
        r = got[0]
        record = _with_conntrack(r.record, created) if r.status == "ok" else r.record
        return Outcome(r.status, record, r.note)
    status, note = flows.outcome(got)
    record = flows.aggregate([r.record for r in got], point.cpus) if status == "ok" else None
    return Outcome(status, _with_conntrack(record, created), note, list(zip(places, got)))


def _with_conntrack(record, created):
    """The count of conntrack entries, and per connection the client made
    (its test's own, each transaction's, the last), ride in the record."""
    if record is None or created is None:
        return record
    conns = record.get("connections")
    return dict(record, conntrack_new=created,
                conntrack_per_conn=created / conns if conns else None)


def _run_client(bench, point, ep, port, places):
    """The clients against the server's port, after the links got the
    point's MTU; a TopologyError on the way is the rep's error."""
    try:
        ep.set_mtu(point.mtu)
        with ep.client_target(_tag(bench, point), port) as (addr, target_port):
            specs = _specs(bench, point, ep.socket, addr, target_port, places)
            counted = ep if point.mode == "connect" else None
            with conntrack.counting(counted) as count:
                got = runner.run_clients(ep.binary or bench.binary, ep.client_prefix, specs)
                created = count()
        return _outcome(point, places, got, created)
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
    places = flows.placement(point.cpus, point.flows)
    if point.io not in bench.io_built:
        return Outcome("unsupported", None, f"io mode {point.io} is not built into "
                       f"{os.path.basename(bench.binary)} (see --list)")
    if isinstance(places, str):
        return Outcome("unsupported", None, places)
    if ep.binary and bench.server_tag:
        return Outcome("unsupported", None, f"{point.transport} runs the program its "
                       "runtime was given (the image, the launcher): an arm with a "
                       "binary of its own cannot reach it")
    server_cpu = places[0][0]
    key = (point.transport, _tag(bench, point))
    try:
        srv = bench.pool.get(key, lambda: _new_server(bench, point, ep, server_cpu))
    except runner.RunnerError as e:
        bench.pool.discard(key)
        return Outcome("error", None, str(e))
    outcome = _run_client(bench, point, ep, srv.port, places)
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


def _point_cells(task, ep):
    p = task.point
    return {"transport": p.transport, "socket": ep.socket, "io": p.io, "cpus": p.cpus,
            "mode": p.mode, "size_bytes": p.size, "resp_size_bytes": p.resp,
            "flows": p.flows, "arm": p.arm, "mtu": ep.path_mtu(p.mtu)}


def make_row(bench, task, ep, outcome):
    point = _point_cells(task, ep)
    return results.make_row(bench.run_id, point, task.rep, outcome.status, outcome.record,
                            outcome.note, requested_nodelay(bench.cfg, ep),
                            point["mtu"], ep.netns_shared())


def flow_rows(bench, task, ep, outcome):
    """flows.csv's rows of a rep of several flows: one per flow ([] for one)."""
    if not outcome.per_flow:
        return []
    point = _point_cells(task, ep)
    starts = [r.record.get("window_start_ns") for _, r in outcome.per_flow
              if r.record and r.record.get("window_start_ns")]
    first = min(starts) if starts else None
    return [results.flow_row(bench.run_id, point, task.rep, i, place, r.status, r.record,
                             r.note, first)
            for i, (place, r) in enumerate(outcome.per_flow)]
