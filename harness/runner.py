"""runner - drives the paired programs: starts `ipcperf server` on the server
side with a ready pipe and waits for its handshake with a timeout, runs
`ipcperf client --json` on the client side, and turns its output into a
ClientResult. Knows nothing of CSV or sweeps.

    srv = Server(binary, ["ip", "netns", "exec", "ipcp-k3x9-vb"], "tcp", "198.18.0.2", cpu=0)
    srv.start()                     # waits for "ready port=41234"
    r = run_client(binary, ["ip", "netns", "exec", "ipcp-k3x9-va"],
                   ClientSpec("tcp", "198.18.0.2", srv.port, mode="latency", size=100,
                              duration=0.5, warmup=0.1))
    r.status, r.record["lat_p50_ns"]    # 'ok', 14336
    srv.stop()
    listed(binary, "io")            # ('sync', 'uring'): its --list, asked once

Every child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the harness even
after a SIGKILL; only PIDs started here are ever signalled.
"""

import ctypes
import dataclasses
import functools
import json
import os
import re
import select
import signal
import subprocess
import time

READY_TIMEOUT = 10.0
CLIENT_TIMEOUT_S = 5.0        # the client's own --timeout (silent peer)
STOP_TIMEOUT = 3.0
EXIT_GRACE = 0.5              # a failed server's exit after its ready pipe closed
_PR_SET_PDEATHSIG = 1
# the socket kinds addressed by IP and a port: servers take port 0 and say
# which port they got on their ready line
IP_SOCKETS = ("tcp", "udp")

try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:              # pragma: no cover - every Linux libc has prctl
    _libc = None


def die_with_parent():
    """preexec_fn: the child is killed when the harness dies, however."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class RunnerError(Exception):
    """A server could not be started; the message is one line."""


def _tail(path, limit=4096):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else ""


def stop_process(proc, timeout=STOP_TIMEOUT):
    """SIGTERM a child, SIGKILL after timeout; reaped either way."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


class Server:
    """One `ipcperf server` serving tests one after another until stopped."""

    def __init__(self, binary, prefix, socket, addr, cpu=None, log_path=os.devnull,
                 on_start=None, on_stop=None, ready_timeout=READY_TIMEOUT):
        self.binary, self.prefix, self.socket, self.addr = binary, prefix, socket, addr
        self.cpu, self.log_path = cpu, log_path
        self.on_start, self.on_stop = on_start, on_stop
        self.ready_timeout = ready_timeout
        self.proc = None
        self.port = None

    def argv(self, ready_fd):
        argv = list(self.prefix) + [self.binary, "server", "--socket", self.socket,
                                    "--addr", self.addr, "--ready-fd", str(ready_fd)]
        if self.socket in IP_SOCKETS:
            argv += ["--port", "0"]
        if self.cpu is not None:
            argv += ["--cpu", str(self.cpu)]
        return argv

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        if self.socket.startswith("unix") and not self.addr.startswith("@"):
            try:
                os.unlink(self.addr)          # left by a server that was killed
            except FileNotFoundError:
                pass
        r, w = os.pipe()
        try:
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(
                    self.argv(w), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    pass_fds=(w,), preexec_fn=die_with_parent)
            finally:
                log.close()
        except OSError as e:
            os.close(r)
            os.close(w)
            raise RunnerError(f"cannot start server: {e.strerror}") from None
        os.close(w)
        if self.on_start:
            self.on_start(self.proc.pid)
        try:
            line = self._read_ready(r)
        finally:
            os.close(r)
        if not line.startswith("ready"):
            if self.alive():
                try:            # a server that closed the pipe is exiting: let it
                    self.proc.wait(timeout=EXIT_GRACE)
                except subprocess.TimeoutExpired:
                    pass
            why = "timed out" if line == "" and self.alive() else "exited"
            self.stop()
            detail = _tail(self.log_path)
            raise RunnerError(f"server {why} before ready"
                              + (f": {detail}" if detail else ""))
        for word in line.split()[1:]:
            key, _, val = word.partition("=")
            if key == "port" and val.isdigit():
                self.port = int(val)
        if self.socket in IP_SOCKETS and not self.port:
            self.stop()
            raise RunnerError(f"server gave no port: '{line}'")

    def _read_ready(self, fd):
        deadline = time.monotonic() + self.ready_timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            chunk = os.read(fd, 256)
            if not chunk:
                break                          # EOF: closed without a line
            buf += chunk
        return buf.decode(errors="replace").strip()

    def stop(self):
        """SIGTERM, then SIGKILL after a grace period; safe to call twice."""
        p = self.proc
        if p is None:
            return
        stop_process(p)
        if self.on_stop:
            self.on_stop(p.pid)
        self.proc = None


class ServerPool:
    """Long-lived servers by key, started on first use and restarted when
    they died or a test on them failed."""

    def __init__(self):
        self.servers = {}

    def get(self, key, make):
        srv = self.servers.get(key)
        if srv is None:
            srv = self.servers[key] = make()
        if not srv.alive():
            srv.stop()
            srv.start()
        return srv

    def discard(self, key):
        srv = self.servers.pop(key, None)
        if srv:
            srv.stop()

    def stop_all(self):
        errors = []
        for key in list(self.servers):
            try:
                self.discard(key)
            except Exception as e:       # keep stopping the others
                errors.append(f"stop server {key}: {e}")
        return errors


class ClientResult:
    """status 'ok' | 'unsupported' | 'error'; record is the client's JSON
    object (None when it printed none); note says why when not ok."""

    def __init__(self, status, record, note, returncode, wall_s):
        self.status, self.record, self.note = status, record, note
        self.returncode, self.wall_s = returncode, wall_s


_EXIT_STATUS = {0: "ok", 1: "error", 4: "unsupported"}


@dataclasses.dataclass(frozen=True)
class ClientSpec:
    """One client test: what `ipcperf client` is told."""
    socket: str
    addr: str
    port: int               # None for the kinds without ports
    mode: str
    size: int
    duration: float
    warmup: float
    io: str = "sync"
    cpu: int = None
    nodelay: str = None     # "on", "off"; None: the C default for the mode
    verify: bool = False    # check every byte (--verify)
    timeout: float = CLIENT_TIMEOUT_S
    resp: int = None        # --resp-size: a reply of another size than the request
    flows: int = 1          # --flows: this client is one of flows started together,
    start_ns: int = None    #   at this CLOCK_MONOTONIC time (--start-at),
    server_cpu: int = None  #   its server on this CPU (--server-cpu)

    def argv(self, binary):
        argv = [binary, "client", "--socket", self.socket, "--addr", self.addr,
                "--mode", self.mode, "--size", str(self.size),
                "--duration", repr(float(self.duration)),
                "--warmup", repr(float(self.warmup)), "--io", self.io,
                "--timeout", repr(float(self.timeout)), "--json"]
        if self.port:
            argv += ["--port", str(self.port)]
        if self.cpu is not None:
            argv += ["--cpu", str(self.cpu)]
        if self.nodelay and self.socket == "tcp":
            argv += ["--nodelay", self.nodelay]
        if self.verify:
            argv += ["--verify"]
        if self.resp and self.resp != self.size:
            argv += ["--resp-size", str(self.resp)]
        if self.flows > 1:
            argv += ["--flows", str(self.flows), "--start-at", str(self.start_ns)]
            if self.server_cpu is not None:
                argv += ["--server-cpu", str(self.server_cpu)]
        return argv


def _record(stdout):
    """The client's JSON record: its last line of output, or None."""
    out = stdout.decode(errors="replace").strip()
    if not out:
        return None
    try:
        record = json.loads(out.splitlines()[-1])
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _outcome(p, record):
    """(status, note) from the client's exit code and record."""
    err = [l.strip() for l in p.stderr.decode(errors="replace").splitlines() if l.strip()]
    status = _EXIT_STATUS.get(p.returncode, "error")
    if record is not None and record.get("status") in ("ok", "unsupported", "error") \
            and p.returncode in _EXIT_STATUS:
        status = record["status"]
    note = (record or {}).get("note") or ""
    if status == "ok" and record is None:
        status, note = "error", "client printed no JSON result"
    if status != "ok" and not note:
        if p.returncode == 2:
            note = "client usage error: " + (err[-1] if err else "?")
        elif p.returncode < 0:
            note = f"client killed by signal {-p.returncode}"
        else:
            note = err[-1] if err else f"client exit {p.returncode}"
    return status, note


def _limit(spec):
    """How long a client may take before it is killed: its test, its
    --timeout twice, the wait for its start time, and a margin."""
    lead = max(0, (spec.start_ns or 0) - time.clock_gettime_ns(time.CLOCK_MONOTONIC)) / 1e9
    return lead + spec.warmup + spec.duration + 2 * spec.timeout + 5


def _start(binary, prefix, spec):
    return subprocess.Popen(list(prefix) + spec.argv(binary), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=die_with_parent)


def _finish(p, limit, t0):
    """A started client's ClientResult, waited for until t0 + limit."""
    try:
        out, err = p.communicate(timeout=max(0.1, t0 + limit - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return ClientResult("error", None, f"client timed out after {limit:.0f} s",
                            None, time.monotonic() - t0)
    done = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    record = _record(out)
    status, note = _outcome(done, record)
    return ClientResult(status, record, note, p.returncode, time.monotonic() - t0)


def run_clients(binary, prefix, specs):
    """Run several clients at once (the flows of a point: each spec with
    the same start time); their ClientResults, in order. Never raises for a
    failed measurement; a client that cannot start fails alone."""
    t0, started = time.monotonic(), []
    for spec in specs:
        try:
            started.append((_start(binary, prefix, spec), _limit(spec)))
        except OSError as e:
            started.append((e, 0))
    return [ClientResult("error", None, f"cannot run client: {p.strerror}", None, 0)
            if isinstance(p, OSError) else _finish(p, limit, t0) for p, limit in started]


def run_client(binary, prefix, spec):
    """Run one test (a ClientSpec) after the argv prefix that puts it on the
    client's side; never raises for a failed measurement."""
    return run_clients(binary, prefix, [spec])[0]


@functools.lru_cache(maxsize=None)
def listing(binary):
    """What `binary --list` names, once per binary: {"socket": (kinds...),
    "io": (modes...), "mode": (...)}; {} without an answer."""
    try:
        p = subprocess.run([binary, "--list"], capture_output=True, text=True,
                           timeout=5, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    out = {}
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\w+)\s*[:=]\s*(.*)", line)
        if m:
            out.setdefault(m.group(1), tuple(w for w in re.split(r"[\s,]+", m.group(2)) if w))
    return out


def listed(binary, what):
    """The names `binary --list` gives on its line for what ("socket", "io"),
    or None when it gave none."""
    for key, names in listing(binary).items():
        if key.startswith(what) and names:
            return names
    return None
