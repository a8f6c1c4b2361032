"""app - one run of the harness, start to end: claim a run id, sweep what
dead runs left, build the transports, run the sweep, write the CSVs and
meta.json, draw the plots, and clean up on every exit path.

    python3 -m harness --transport uds,lo,veth --size 100 --out /tmp/r

Exit codes (DESIGN.md): 0 ok, 1 a measurement failed, 2 bad usage or input,
130 interrupted by SIGINT (143 by SIGTERM), always after clean-up.
"""

import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from . import (ab, adaptive, canary, cli, flows, interference, meta, names, outfile, rep, results,
               runner, stale, state, sweep, topology, transports)
from .command import TopologyError
from .progress import Progress

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INT = 0, 1, 2, 130
PLOT_TIMEOUT = 300
DRAW_NO_GNUPLOT = 4         # plots/draw.py's exit when it wrote report.md without figures


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
    return runner.listed(binary, "io") or cli.IO_FALLBACK


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


class Run:
    def __init__(self, cfg, repo, binary, out_dir, out_created=False):
        self.cfg, self.repo, self.binary, self.out = cfg, repo, binary, out_dir
        self.out_created = out_created
        self.io_built = cli.IO_FALLBACK
        self.progress = None
        self.writer = None
        self.flow_writer = None     # flows.csv, made by the first rep of several flows
        self.canary = None
        self.rows = []
        self.reps_of = {}           # PointKey -> its rows
        self.summary_of = {}        # PointKey -> its summary row, in run order
        self.point_of = {}          # PointKey without arm -> sweep.Point without arm
        self.reps_done = {}         # sweep.Point without arm -> reps so far
        self.stopped = None         # --precision: "met" or "budget"
        self.failed = False
        self.write_error = None     # the first outfile.WriteError, said once

    @property
    def summary(self):
        return list(self.summary_of.values())

    def _sweep_stale(self, st):
        for line in stale.sweep(st.run_id):
            err(line)

    def execute(self):
        try:
            st = state.RunState.claim()
        except OSError as e:
            err(f"cannot record the run in {state.state_dir()}: {e}")
            return EXIT_FAIL
        t_start = time.monotonic()
        self.meta = None
        code = EXIT_FAIL            # until the run ends as it should
        try:
            with contextlib.ExitStack() as stack:
                stack.callback(st.release)
                self._sweep_stale(st)
                code = self._run(stack, st)
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
        except outfile.WriteError as e:
            code = EXIT_FAIL
            self._write_failed(e)
        finally:
            if not self._finish(code) and code == EXIT_OK:
                code = EXIT_FAIL
        if code in (EXIT_OK, EXIT_FAIL) and self.progress is not None \
                and self.write_error is None:
            self.progress.final(self.summary, self.out, time.monotonic() - t_start)
            if self.cfg.plots:
                self._plots()
        return code

    def _write_failed(self, e):
        """Say once that the run directory refused a write (a full disk
        refuses every write after the first)."""
        if self.write_error is None:
            self.write_error = e
            kept = (f"; results.csv keeps its {len(self.rows)} complete rows"
                    if os.path.exists(os.path.join(self.out, "results.csv")) else "")
            err(f"{e}{kept}; cleaned up")

    def _run(self, stack, st):
        """Set up, measure every rep, write as it goes; each thing made is
        undone by stack. -> the exit code."""
        sockdir = tempfile.mkdtemp(prefix=names.run_prefix(st.run_id))
        st.add_dir(sockdir)
        stack.callback(shutil.rmtree, sockdir, True)
        root_topo = topology.Topology(topology.Host())
        stack.callback(self._close_topology, root_topo)
        netns = topology.NamespaceHost(root_topo, stack, preexec_fn=runner.die_with_parent,
                                       on_pid=st.add_pid, on_close=self._close_topology)
        ctx = transports.Context(st.run_id, sockdir, self.cfg.mtu, root_topo, netns,
                                 state=st, sockets=transports.binary_sockets(self.binary),
                                 binary=self.binary)
        endpoints, skipped = self._setup(ctx)
        arms = self._arms(ctx, stack, sockdir)
        plan = adaptive.Plan(self.cfg, arms, sweep.count(**self._axes(endpoints), reps=1))
        self.meta = self._meta(st.run_id, endpoints, skipped, arms, plan)
        meta.write(os.path.join(self.out, "meta.json"), self.meta)
        self.writer = results.RepWriter(os.path.join(self.out, "results.csv"))
        stack.callback(self.writer.close)
        stack.callback(self._close_flow_writer)
        pool = runner.ServerPool()
        stack.callback(self._stop_servers, pool)
        benches = {a.name: self._bench(a, st, sockdir, pool) for a in arms}
        self._start_canary(stack, ctx, benches[arms[0].name])
        self._sweep(benches, endpoints, skipped, plan)
        return EXIT_FAIL if self.failed else EXIT_OK

    def _arms(self, ctx, stack, sockdir):
        """The run's arms (harness/ab.py); UsageError for a bad --ab, before
        anything is measured. B's sysctls are put back however the run ends."""
        spec = self.cfg.ab
        holder = ctx.sysctls() if spec is not None and spec.kind == "sysctl" else None
        if spec is not None and spec.kind == "rev":
            print(f"building bench/ipcperf of {spec.text} for arm B ...", flush=True)
        arms = ab.make_arms(self.cfg, self.binary, self.repo, sockdir, holder)
        for arm in arms:
            if arm.sysctls:
                stack.callback(self._release_sysctls, arm)
        return arms

    def _release_sysctls(self, arm):
        try:
            ab.release_all(arm.holder, [name for name, _ in arm.sysctls])
        except TopologyError as e:
            err(f"clean-up: {e}")

    def _bench(self, arm, st, sockdir, pool):
        io_built = self.io_built if arm.binary == self.binary else io_names(arm.binary)
        return rep.Bench(arm.binary, arm.cfg, st.run_id, sockdir, pool, st, io_built,
                         server_tag="-b" if arm.own_servers else "",
                         around=arm.around if arm.sysctls else None)

    def _start_canary(self, stack, ctx, bench):
        """canary.csv and its reference point; none (said in meta.json) when
        the binary cannot run it."""
        try:
            ep = transports.setup(canary.TRANSPORT, ctx)
        except topology.TopologyError as e:
            self.meta["canary"]["error"] = str(e)
            return
        writer = results.RepWriter(os.path.join(self.out, "canary.csv"),
                                   results.CANARY_COLUMNS)
        stack.callback(writer.close)
        self.canary = canary.Canary(bench, ep, writer, time.monotonic())

    def _setup(self, ctx):
        """Every transport asked for -> (endpoints, {skipped name: why});
        UsageError when one named explicitly, or every one, cannot run."""
        endpoints, skipped = {}, {}
        for name in self.cfg.transports:
            try:
                endpoints[name] = transports.setup(name, ctx)
            except topology.TopologyError as e:
                skipped[name] = str(e)
        if self.cfg.transports_explicit and skipped:
            name = next(iter(skipped))
            raise cli.UsageError(f"transport {name} cannot run on this "
                                 f"machine: {skipped[name]}")
        if not endpoints:
            raise cli.UsageError("no transport can run on this machine")
        return endpoints, skipped

    def _axes(self, endpoints):
        """The sweep's axes but reps and arms, as sweep.tasks and sweep.count
        take them."""
        cfg = self.cfg
        names = [n for n in cfg.transports if n in endpoints]
        return {"transports": names, "io": cfg.io, "cpus": cfg.cpus, "modes": cfg.modes,
                "sizes": cfg.shapes or cfg.sizes, "mtus": cfg.mtus, "flows": cfg.flows,
                "swept": {n for n in names if endpoints[n].mtu_links}}

    def _sweep(self, benches, endpoints, skipped, plan):
        arms = tuple(benches)
        axes = self._axes(endpoints)
        progress = self.progress = Progress(
            sweep.count(**axes, reps=plan.first_reps, arms=arms),
            plan.per_point / len(arms))
        progress.say(self._opening(axes, progress.total, plan))
        for name, why in skipped.items():
            progress.say(f"skipped {name}: {why}")
        for line in self._ab_notes(endpoints):
            progress.say(line)
        plan.start()
        for task in sweep.tasks(**axes, reps=plan.first_reps, arms=arms):
            key = self._rep(benches, task, endpoints)
            if task.last:
                self._point_done(key)
        if plan.target is not None:
            self.stopped = self._refine(benches, endpoints, plan)
        if self.canary:
            self.canary.measure()                   # the run's last

    def _opening(self, axes, total, plan):
        cfg = self.cfg
        text = (f"run {self.meta['run_id']}: {', '.join(axes['transports'])}; {total} reps of "
                f"{cfg.warmup:g}+{cfg.duration:g} s")
        if cfg.ab:
            text += f"; arms A and B (--ab {self.meta['settings']['ab']['spec']}), ABBA"
        if plan.target is not None:
            text += (f"; then more reps until +-{plan.target:g}% or {plan.budget:.0f} s "
                     "of measuring")
        return text + f"; results in {self.out}"

    def _ab_notes(self, endpoints):
        """What the user should know of B: per-namespace sysctls set on the
        host do not reach the transports that run in namespaces of their own."""
        spec = self.cfg.ab
        nets = [n for n, _ in spec.sysctls if n.startswith("net.")] if spec else []
        inside = [t for t, ep in endpoints.items() if any(ep.namespaces.values())]
        if nets and inside:
            yield (f"note: B sets {', '.join(nets)} in the host's network namespace; "
                   f"{', '.join(inside)} run in namespaces of their own, where "
                   "per-namespace sysctls keep their values")

    def _refine(self, benches, endpoints, plan):
        """--precision: rounds of one more rep of the points still short of
        it (those nearest to it first, harness/adaptive.py), interleaved as
        the sweep is, until none is or the budget would be overrun.
        -> "met" or "budget"."""
        arms = tuple(benches)
        while True:
            rep_s = self._rep_estimate(plan, arms) * len(arms)
            reps_left = (plan.budget - plan.spent()) / rep_s
            short = adaptive.next_round(self.summary, plan.target, reps_left)
            if not short:
                return "met"
            points = [self.point_of[k] for k in short]
            for pair in sweep.more(points, self.reps_done, arms):
                if not plan.allows(self._rep_estimate(plan, arms) * len(pair)):
                    return "budget"
                self.progress.total += len(pair)
                keys = [self._rep(benches, task, endpoints) for task in pair]
                for key in keys:
                    self._point_done(key, say_if_met=True)

    def _rep_estimate(self, plan, arms):
        """Seconds one rep takes: the mean of the last ones, else the plan's."""
        walls = self.progress.walls[-20:]
        return sum(walls) / len(walls) if walls else plan.per_point / len(arms)

    def _rep(self, benches, task, endpoints):
        """One rep, its row written; the canary first when it is due.
        -> the row's PointKey."""
        if self.canary:
            self.canary.maybe()
        bench, ep = benches[task.point.arm], endpoints[task.point.transport]
        self.progress.rep_started(task.point, task.rep, self.cfg.reps)
        t0 = time.monotonic()
        outcome = rep.measure(bench, task.point, ep)
        if outcome.record and outcome.record.get("io_features") is not None:
            self.meta["io_features"].setdefault(task.point.io, outcome.record["io_features"])
        if outcome.status == "error":
            self.failed = True
        row = rep.make_row(bench, task, ep, outcome)
        self.writer.write(row)
        self.rows.append(row)
        for flow_row in rep.flow_rows(bench, task, ep, outcome):
            self._flow_writer().write(flow_row)
        key = results.point_key(row)
        self.reps_of.setdefault(key, []).append(row)
        base = dataclasses.replace(task.point, arm="")
        self.point_of[key._replace(arm="")] = base
        self.reps_done[base] = max(self.reps_done.get(base, 0), task.rep)
        self.progress.rep_done(time.monotonic() - t0, row)
        return key

    def _flow_writer(self):
        """flows.csv's writer (results/README.md), made when first needed."""
        if self.flow_writer is None:
            self.flow_writer = results.RepWriter(os.path.join(self.out, "flows.csv"),
                                                 results.FLOW_COLUMNS)
        return self.flow_writer

    def _close_flow_writer(self):
        if self.flow_writer is not None:
            self.flow_writer.close()

    def _point_done(self, key, say_if_met=False):
        """A point has a rep more: its summary row, summary.csv again, and its
        line (for a rep --precision added: only when it reached the precision)."""
        row = self.summary_of[key] = results.summary_row(self.reps_of[key],
                                                          self.cfg.precision)
        results.write_summary(os.path.join(self.out, "summary.csv"), self.summary)
        if not say_if_met or row.get("precision_met") == "1":
            self.progress.point_done(row)

    def _finish(self, code):
        """However the run ends: no more signals, summary.csv of every row,
        meta.json with the end time and exit status. False when the run
        directory refuses them."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            if self.rows:
                self.summary_of = {results.point_key(r): r for r in
                                   results.summarize(self.rows, self.cfg.precision)}
                results.write_summary(os.path.join(self.out, "summary.csv"), self.summary)
            if self.meta is not None:
                self.meta["finished_utc"] = meta.utc_now()
                self.meta["exit_status"] = code
                self.meta.update(self._outcomes())
                meta.write(os.path.join(self.out, "meta.json"), self.meta)
        except outfile.WriteError as e:
            self._write_failed(e)
            return False
        return True

    def _outcomes(self):
        """meta.json's account of the run's reps: how many were interfered
        with, and what --precision reached."""
        ok = [r for r in self.rows if r["status"] == "ok"]
        out = {"interference": {
            "threshold_share": interference.INTERFERED_SHARE, "reps_ok": len(ok),
            "reps_interfered": sum(1 for r in ok if r.get("interfered") == "1"),
            "points_interfered": sum(1 for s in self.summary
                                     if int(s.get("reps_interfered") or 0) > 0)}}
        if self.cfg.precision is not None:
            out["precision"] = {
                "target_pct": self.cfg.precision, "stopped": self.stopped,
                "points": len(self.summary),
                "points_met": sum(1 for s in self.summary if s.get("precision_met") == "1"),
                "reps": len(self.rows)}
        return out

    def _close_topology(self, topo):
        for e in topo.close():
            err(f"clean-up: {e}")

    def _stop_servers(self, pool):
        for e in pool.stop_all():
            err(f"clean-up: {e}")

    def _settings(self, endpoints, arms, plan):
        """meta.json's settings: those of the run that change results."""
        cfg = self.cfg
        return {"transports": [n for n in cfg.transports if n in endpoints],
                "io": cfg.io, "modes": cfg.modes,
                "sizes": sorted({s for m in cfg.modes for s in cfg.sizes[m]}),
                "sizes_by_mode": {m: cfg.sizes[m] for m in cfg.modes},
                "cpus": cfg.cpus,
                "cpu_placement": {c: rep.cpu_placement(c) for c in cfg.cpus},
                "reps": cfg.reps, "first_reps": plan.first_reps,
                "duration_s": cfg.duration, "warmup_s": cfg.warmup,
                "mtu": cfg.mtus[0] if len(cfg.mtus) == 1 else cfg.mtus,
                "nodelay": cfg.nodelay,
                "quick": cfg.quick, "verify": cfg.verify,
                "ab": ab.describe(cfg, arms),
                "precision_pct": cfg.precision, "budget_s": plan.budget,
                "interference_threshold": interference.INTERFERED_SHARE,
                "shapes_by_mode": {m: (cfg.shapes or {}).get(m) for m in cfg.modes},
                "flows": cfg.flows, "flow_placement": flows.meta(),
                "conn_close": "rst (SO_LINGER 0 on the client: no TIME_WAIT)"}

    def _meta(self, rid, endpoints, skipped, arms, plan):
        m = meta.capture(rid, ["./run.sh"] + self.cfg.argv,
                         self._settings(endpoints, arms, plan),
                         self.repo, self.binary, self.out)
        m["skipped"] = dict(skipped)
        m["canary"] = canary.describe()
        meta.add_endpoints(m, endpoints, mtu_swept=len(self.cfg.mtus) > 1)
        return m

    def _plots(self):
        """plots/draw.py on the run: figures and report.md. Without gnuplot it
        still writes report.md (and exits 4): only the figures are missing."""
        draw = os.path.join(self.repo, "plots", "draw.py")
        if not os.path.exists(draw):
            return
        no_gnuplot = shutil.which("gnuplot") is None
        try:
            p = subprocess.run([sys.executable, draw, self.out], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=PLOT_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            err(f"warning: drawing the plots failed ({e}); the CSVs are complete")
            return
        if no_gnuplot or p.returncode == DRAW_NO_GNUPLOT:
            err("warning: gnuplot not found, no figures drawn (make deps installs it); "
                "report.md and the CSVs are complete")
        elif p.returncode != 0:
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
