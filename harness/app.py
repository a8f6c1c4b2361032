"""app - one run of the harness, start to end: claim a run id, sweep what
dead runs left, build the transports, run the sweep, write the CSVs and
meta.json, draw the plots, and clean up on every exit path.

    python3 -m harness --transport uds,lo,veth --size 100 --out /tmp/r

Exit codes (DESIGN.md): 0 ok, 1 a measurement failed, 2 bad usage or input,
130 interrupted by SIGINT (143 by SIGTERM), always after clean-up.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from . import cli, meta, results, runner, runtimes, state, sweep, sysctl, topology, transports
from .progress import Progress

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INT = 0, 1, 2, 130
PLOT_TIMEOUT = 300
# --verify reaches the client through its argv prefix (runner knows no such flag)
VERIFY_WRAP = ["sh", "-c", 'exec "$@" --verify', "sh"]


class Interrupted(BaseException):
    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.code = 128 + signum


def _on_signal(signum, frame):
    # once: a second signal during clean-up must not cut the clean-up short
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def err(msg):
    sys.stderr.write(f"run.sh: {msg}\n")
    sys.stderr.flush()


def usage_exit(msg):
    err(f"{msg} (see ./run.sh --help)")
    return EXIT_USAGE


def io_names(binary):
    """The io modes `ipcperf --list` names (one vocabulary): those built in.
    Without an answer, the contract's."""
    try:
        p = subprocess.run([binary, "--list"], capture_output=True, text=True,
                           timeout=5, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return cli.IO_FALLBACK
    for line in p.stdout.splitlines():
        m = re.match(r"\s*io\w*\s*[:=]\s*(.*)", line)
        if m:
            names = [w for w in re.split(r"[\s,]+", m.group(1)) if w]
            if names:
                return tuple(names)
    return cli.IO_FALLBACK


def prepare_out(out, repo):
    """Create the run directory -> (path, created); UsageError when it cannot
    be written or already holds a run."""
    if out is None:
        base = os.path.join(repo, "results",
                            time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
                            + "-" + socket.gethostname().split(".")[0])
        out, n = base, 1
        while os.path.exists(out):
            n += 1
            out = f"{base}-{n}"
    try:
        created = not os.path.isdir(out)
        os.makedirs(out, exist_ok=True)
        if os.path.exists(os.path.join(out, "results.csv")):
            raise cli.UsageError(f"--out {out} already holds a run (results.csv); "
                                 "choose another directory")
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise cli.UsageError(f"cannot write to --out {out}: "
                             f"{e.strerror or e}") from None
    return out, created


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


class Run:
    def __init__(self, cfg, repo, binary, out_dir, out_created=False):
        self.cfg, self.repo, self.binary, self.out = cfg, repo, binary, out_dir
        self.out_created = out_created
        self.io_built = cli.IO_FALLBACK
        self.progress = None
        self.rows = []
        self.failed = False

    def _sweep_stale(self, st):
        def alive(rid):
            return rid == st.run_id or state.is_alive(rid)
        removed = runtimes.sweep_stale(alive)   # first: dead runs' dirs are still there
        if removed:
            err(f"removed {len(removed)} runtime objects left by dead runs: "
                + ", ".join(removed))
        for rid, path, data in state.dead_runs():
            if rid != st.run_id:
                restored = sysctl.restore_dead(data)
                if restored:
                    err("restored sysctls a dead run changed: " + ", ".join(restored))
                state.reap_dead_run(path, data)
        if os.geteuid() == 0:
            removed = topology.sweep_stale(transports.PREFIX, alive)
            if removed:
                err(f"removed {len(removed)} objects left by dead runs: "
                    + ", ".join(removed))

    def execute(self):
        cfg = self.cfg
        try:
            st = state.RunState.claim()
        except OSError as e:
            err(f"cannot record the run in {state.state_dir()}: {e}")
            return EXIT_FAIL
        rid = st.run_id
        t_start = time.monotonic()
        self.meta = None
        code = EXIT_FAIL            # until the run ends as it should
        summary = []
        try:
            with contextlib.ExitStack() as stack:
                stack.callback(st.release)
                self._sweep_stale(st)
                sockdir = tempfile.mkdtemp(prefix=f"ipcp-{rid}-")
                st.add_dir(sockdir)
                stack.callback(shutil.rmtree, sockdir, True)
                root_topo = topology.Topology(topology.Host())
                stack.callback(self._close_topology, root_topo)
                netns = {}

                def netns_topology():
                    if "topo" not in netns:
                        if "error" in netns:
                            raise netns["error"]
                        if os.geteuid() == 0:
                            netns["topo"] = root_topo
                        else:
                            try:
                                uns = topology.UserNamespace(preexec_fn=runner.die_with_parent)
                                host = stack.enter_context(uns)
                            except topology.TopologyError as e:
                                netns["error"] = e
                                raise
                            st.add_pid(uns.pid)
                            t = topology.Topology(host)
                            stack.callback(self._close_topology, t)
                            netns["topo"] = t
                    return netns["topo"]

                ctx = transports.Context(rid, sockdir, cfg.mtu, root_topo, netns_topology,
                                         state=st,
                                         sockets=transports.binary_sockets(self.binary),
                                         binary=self.binary)
                endpoints, skipped = {}, {}
                for name in cfg.transports:
                    try:
                        endpoints[name] = transports.setup(name, ctx)
                    except topology.TopologyError as e:
                        skipped[name] = str(e)
                if cfg.transports_explicit and skipped:
                    name = next(iter(skipped))
                    raise cli.UsageError(f"transport {name} cannot run on this "
                                         f"machine: {skipped[name]}")
                if not endpoints:
                    raise cli.UsageError("no transport can run on this machine")
                self.meta = self._meta(rid, endpoints, skipped)
                meta.write(os.path.join(self.out, "meta.json"), self.meta)
                writer = results.RepWriter(os.path.join(self.out, "results.csv"))
                stack.callback(writer.close)
                pool = runner.ServerPool()
                stack.callback(self._stop_servers, pool)
                names = [n for n in cfg.transports if n in endpoints]
                swept = {n for n in names if endpoints[n].mtu_links}
                axes = (names, cfg.io, cfg.cpus, cfg.modes, cfg.sizes, cfg.reps, cfg.mtus,
                        swept)
                progress = Progress(sweep.count(*axes), cfg.duration + cfg.warmup + 0.05)
                self.progress = progress
                progress.say(f"run {rid}: {', '.join(names)}; {progress.total} reps of "
                             f"{cfg.warmup:g}+{cfg.duration:g} s; results in {self.out}")
                for name, why in skipped.items():
                    progress.say(f"skipped {name}: {why}")
                for task in sweep.tasks(*axes):
                    self._rep(task, endpoints[task.point.transport], pool, writer,
                              progress, rid, sockdir, st)
                    if task.last:
                        summary = results.summarize(self.rows)
                        results.write_summary(os.path.join(self.out, "summary.csv"),
                                              summary)
                        key = self._point_key(task.point, endpoints)
                        for row in summary:
                            if results.point_key(row) == key:
                                progress.point_done(row)
                code = EXIT_FAIL if self.failed else EXIT_OK
        except cli.UsageError as e:
            self.meta = None
            if self.out_created:
                try:
                    os.rmdir(self.out)      # made by us and still empty
                except OSError:
                    pass
            return usage_exit(str(e))
        except Interrupted as e:
            code = e.code
            err(f"interrupted ({e}); cleaned up; finished rows are in "
                f"{os.path.join(self.out, 'results.csv')}")
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if self.rows:
                summary = results.summarize(self.rows)
                results.write_summary(os.path.join(self.out, "summary.csv"), summary)
            if self.meta is not None:
                self.meta["finished_utc"] = meta.utc_now()
                self.meta["exit_status"] = code
                meta.write(os.path.join(self.out, "meta.json"), self.meta)
        if code in (EXIT_OK, EXIT_FAIL) and self.progress is not None:
            self.progress.final(summary, self.out, time.monotonic() - t_start)
            if cfg.plots:
                self._plots()
        return code

    def _close_topology(self, topo):
        for e in topo.close():
            err(f"clean-up: {e}")

    def _stop_servers(self, pool):
        for e in pool.stop_all():
            err(f"clean-up: {e}")

    def _point_key(self, point, endpoints):
        mtu = endpoints[point.transport].path_mtu(point.mtu)
        return tuple(str(x) for x in (point.transport, point.io, point.cpus, point.mode,
                                      point.size, "" if mtu is None else mtu))

    def _nodelay(self, ep, mode):
        if ep.socket != "tcp":
            return ""
        if self.cfg.nodelay:
            return 1 if self.cfg.nodelay == "on" else 0
        return 1 if mode == "latency" else 0

    def _rep(self, task, ep, pool, writer, progress, rid, sockdir, st):
        cfg, p = self.cfg, task.point
        progress.rep_started(p, task.rep, cfg.reps)
        t0 = time.monotonic()
        record, note = None, ""
        place = cpu_placement(p.cpus)
        if p.io not in self.io_built:
            status = "unsupported"
            note = f"io mode {p.io} is not built into {os.path.basename(self.binary)} (see --list)"
        elif isinstance(place, str):
            status, note = "unsupported", place
        else:
            server_cpu, client_cpu = place
            key = (p.transport, p.cpus)

            def make():
                return runner.Server(
                    ep.binary or self.binary, ep.server_prefix, ep.socket,
                    ep.server_address(p.cpus), cpu=server_cpu,
                    log_path=os.path.join(sockdir, f"server-{p.transport}-{p.cpus}.log"),
                    on_start=st.add_pid, on_stop=st.remove_pid)
            try:
                srv = pool.get(key, make)
            except runner.RunnerError as e:
                pool.discard(key)
                status, note = "error", str(e)
            else:
                prefix = ep.client_prefix + (VERIFY_WRAP if cfg.verify else [])
                try:
                    ep.set_mtu(p.mtu)
                    with ep.client_target(p.cpus, srv.port) as (caddr, cport):
                        r = runner.run_client(ep.binary or self.binary, prefix, ep.socket,
                                              caddr, cport, p.mode, p.size, cfg.duration,
                                              cfg.warmup, io=p.io, cpu=client_cpu,
                                              nodelay=cfg.nodelay)
                    status, record, note = r.status, r.record, r.note
                except topology.TopologyError as e:
                    status, record, note = "error", None, str(e)
                if status == "error":
                    pool.discard(key)       # a fresh server for the next rep
                if record and record.get("io_features") is not None:
                    self.meta["io_features"].setdefault(p.io, record["io_features"])
        if status == "error":
            self.failed = True
        nodelay = self._nodelay(ep, p.mode)
        point = {"transport": p.transport, "socket": ep.socket, "io": p.io,
                 "cpus": p.cpus, "mode": p.mode, "size_bytes": p.size}
        row = results.make_row(rid, point, task.rep, status, record, note, nodelay,
                               ep.path_mtu(p.mtu), ep.netns_shared())
        writer.write(row)
        self.rows.append(row)
        progress.rep_done(time.monotonic() - t0)

    def _meta(self, rid, endpoints, skipped):
        cfg = self.cfg
        settings = {"transports": [n for n in cfg.transports if n in endpoints],
                    "io": cfg.io, "modes": cfg.modes,
                    "sizes": sorted({s for m in cfg.modes for s in cfg.sizes[m]}),
                    "sizes_by_mode": {m: cfg.sizes[m] for m in cfg.modes},
                    "cpus": cfg.cpus,
                    "cpu_placement": {c: cpu_placement(c) for c in cfg.cpus},
                    "reps": cfg.reps, "duration_s": cfg.duration,
                    "warmup_s": cfg.warmup,
                    "mtu": cfg.mtus[0] if len(cfg.mtus) == 1 else cfg.mtus,
                    "nodelay": cfg.nodelay,
                    "quick": cfg.quick, "verify": cfg.verify}
        m = meta.capture(rid, ["./run.sh"] + cfg.argv, settings, self.repo, self.binary,
                         self.out)
        m["skipped"] = dict(skipped)
        m["counters"] = {name: {"netns": "shared" if ep.netns_shared() else "separate",
                                "mtu_swept": bool(ep.mtu_links and len(cfg.mtus) > 1)}
                         for name, ep in endpoints.items()}
        for name, ep in endpoints.items():
            if ep.links:
                m["links"][name] = ep.links
            if ep.path:
                m["paths"][name] = ep.path
            nss = {side: ns for side, ns in ep.namespaces.items() if ns}
            if nss:
                m["netns_sysctls"][name] = {
                    ns: meta.read_sysctls_in(ep.server_prefix if side == "server"
                                             else ep.client_prefix)
                    for side, ns in nss.items()}
        return m

    def _plots(self):
        draw = os.path.join(self.repo, "plots", "draw.py")
        if not os.path.exists(draw):
            return
        if shutil.which("gnuplot") is None:
            err("warning: gnuplot not found, no plots drawn (make deps installs it); "
                "the CSVs are complete")
            return
        try:
            p = subprocess.run([sys.executable, draw, self.out], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=PLOT_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            err(f"warning: drawing the plots failed ({e}); the CSVs are complete")
            return
        if p.returncode != 0:
            last = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
            err(f"warning: drawing the plots failed: {last}; the CSVs are complete")
        elif p.stdout.strip():
            sys.stdout.write(p.stdout)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        repo = repo_root()
        binary = os.environ.get("IPCPERF_BIN") or os.path.join(repo, "bench", "ipcperf")
        try:
            built = io_names(binary)
            cfg = cli.parse(argv, io_names=tuple(dict.fromkeys(cli.IO_FALLBACK + built)))
        except cli.UsageError as e:
            return usage_exit(str(e))
        if not os.access(binary, os.X_OK):
            return usage_exit(f"{binary} is missing; build it with 'make' "
                              "(./run.sh does this itself)")
        try:
            out, created = prepare_out(cfg.out, repo)
        except cli.UsageError as e:
            return usage_exit(str(e))
        run = Run(cfg, repo, binary, out, created)
        run.io_built = built
        return run.execute()
    except Interrupted as e:
        err(f"interrupted ({e})")
        return e.code
