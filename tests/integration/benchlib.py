"""Start bench/ipcperf servers and clients for tests, and always stop them.

A server is started with a ready pipe (--ready-fd) and waited on with a
timeout; it is stopped by its own PID. Clients run with --json and a
subprocess timeout, so a hang is a test failure, never a stuck suite.
"""
import json
import os
import select
import signal
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bench" / "ipcperf"
READY_TIMEOUT_S = 5.0
PORT_KINDS = ("tcp", "udp")
# Every socket kind, and those that keep message boundaries (a size limit).
STREAM_KINDS = ("unix-stream", "tcp", "pipe", "shm")
MESSAGE_KINDS = ("unix-dgram", "unix-seqpacket", "udp")
ALL_KINDS = STREAM_KINDS + MESSAGE_KINDS


def skip_reason():
    """Why the binary cannot be tested here, or None."""
    if not BIN.exists():
        return f"{BIN} is not built (run make)"
    return None


class Server:
    """`with Server("tcp") as srv:` runs a server; srv.args addresses it."""

    def __init__(self, socket, *extra, addr=None):
        self.socket = socket
        self.extra = list(extra)
        self.addr = addr
        self.proc = None
        self.tmpdir = None
        self.args = []
        self.stderr_path = None

    def _default_addr(self):
        if self.socket in PORT_KINDS:
            return "127.0.0.1"
        self.tmpdir = tempfile.TemporaryDirectory(prefix="ipcp-test-")
        return os.path.join(self.tmpdir.name, "s")

    def __enter__(self):
        addr = self.addr or self._default_addr()
        port = ["--port", "0"] if self.socket in PORT_KINDS else []
        rfd, wfd = os.pipe()
        err = tempfile.NamedTemporaryFile(prefix="ipcp-srv-", suffix=".log", delete=False)
        self.stderr_path = err.name
        try:
            self.proc = subprocess.Popen(
                [str(BIN), "server", "--socket", self.socket, "--addr", addr, *port,
                 "--ready-fd", str(wfd), *self.extra],
                pass_fds=(wfd,), stdout=subprocess.DEVNULL, stderr=err)
        finally:
            os.close(wfd)
            err.close()
        try:
            line = self._wait_ready(rfd)
        except Exception:
            self.stop()
            raise
        finally:
            os.close(rfd)
        self.port = int(line.split("=", 1)[1])
        self.args = ["--socket", self.socket, "--addr", addr]
        if self.socket in PORT_KINDS:
            self.args += ["--port", str(self.port)]
        return self

    def _wait_ready(self, rfd):
        ready, _, _ = select.select([rfd], [], [], READY_TIMEOUT_S)
        if not ready:
            raise RuntimeError("server did not become ready in time")
        line = os.read(rfd, 100).decode().strip()
        if not line.startswith("ready port="):
            raise RuntimeError(f"server failed to start: {self.log()}")
        return line

    def log(self):
        return Path(self.stderr_path).read_text() if self.stderr_path else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc):
        self.stop()
        if self.stderr_path:
            os.unlink(self.stderr_path)
        if self.tmpdir:
            self.tmpdir.cleanup()


def run_client(args, timeout=30):
    """Run a client with --json; returns (exit code, record or None, stderr)."""
    proc = subprocess.run([str(BIN), "client", *args, "--json"], capture_output=True,
                          text=True, timeout=timeout)
    record = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, record, proc.stderr


def run_bin(args, timeout=10):
    """Run bench/ipcperf with raw arguments; returns CompletedProcess."""
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=timeout)


def check_record(tc, rec, size, mode, sock):
    """The accounting every ok record of a verified run must satisfy: exact
    byte counts for the mode and socket kind, no verify error, ordered
    percentiles, loss only where the path may lose, CPU counted."""
    tc.assertEqual(rec["status"], "ok", rec["note"])
    tc.assertEqual(rec["verify_errors"], 0)
    tc.assertGreater(rec["messages"], 0)
    if mode == "latency":
        tc.assertEqual(rec["bytes"], 2 * size * rec["messages"])
        for p in ("lat_p50_ns", "lat_p90_ns", "lat_p99_ns", "lat_p999_ns", "lat_max_ns"):
            tc.assertGreater(rec[p], 0, p)
        tc.assertLessEqual(rec["lat_p50_ns"], rec["lat_p99_ns"])
        tc.assertLessEqual(rec["lat_p99_ns"], rec["lat_max_ns"])
    else:
        tc.assertEqual(rec["messages"], rec["bytes"] // size)
        if sock in MESSAGE_KINDS:
            tc.assertEqual(rec["bytes"], size * rec["messages"])
        tc.assertIsNone(rec["lat_p50_ns"])
    if sock == "udp" and mode == "throughput":
        tc.assertTrue(0 <= rec["loss_ratio"] < 1, rec["loss_ratio"])
    else:
        tc.assertIsNone(rec["loss_ratio"])
    tc.assertGreater(rec["elapsed_s"], 0)
    # printed with 9 significant digits: compare relatively
    tc.assertAlmostEqual(rec["bytes_per_s"], rec["bytes"] / rec["elapsed_s"],
                         delta=1e-8 * rec["bytes_per_s"] + 1)
    tc.assertGreater(rec["client_cpu_s"], 0)
    tc.assertGreater(rec["server_cpu_s"], 0)
    tc.assertGreater(rec["cpu_ns_per_msg"], 0)


_limits = {}


def message_limit(kind="unix-dgram"):
    """The largest message a message kind allows here, as ipcperf reports it
    when asked for 1 GiB (cached: the probe is the same for every test)."""
    if kind not in _limits:
        with Server(kind) as srv:
            rc, rec, _ = run_client(srv.args + ["--mode", "latency", "--size", "1G"])
        if rc != 4 or "limit of" not in rec["note"]:
            raise RuntimeError(f"unexpected answer for an oversized message: {rc} {rec}")
        _limits[kind] = int(rec["note"].split("limit of ")[1].split()[0])
    return _limits[kind]
