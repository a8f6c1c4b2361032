"""bench/ipcperf --io uring end to end: every socket kind in both modes at a
small and a large size (message kinds at their largest) with --verify, the
queue depths, SEND_ZC, a silent peer, pipes (not sockets: unsupported), and
io_uring made unavailable (kernel.io_uring_disabled=2).

Standard library only. Each test starts its own server with a ready pipe
(--ready-fd, pass_fds) and stops it by its PID; every subprocess has a
timeout. Assertions depend on what was counted and which status came back,
never on how fast the machine is.

    python3 -m unittest discover -s tests/integration -t .
    python3 -m unittest tests.integration.test_uring -v
"""
import json
import os
import select
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bench" / "ipcperf"
SHORT = ["--duration", "0.25", "--warmup", "0.05"]
MIB = 1 << 20
EXIT_UNSUPPORTED = 4
DISABLED_SYSCTL = Path("/proc/sys/kernel/io_uring_disabled")
PORT_KINDS = ("tcp", "udp")
STREAM_KINDS = ("unix-stream", "tcp")
MESSAGE_KINDS = ("unix-dgram", "unix-seqpacket", "udp")
SOCKET_KINDS = STREAM_KINDS + MESSAGE_KINDS


def uring_skip_reason():
    """Why --io uring cannot be tested here, or None."""
    if not BIN.exists():
        return f"{BIN} is not built (run make)"
    out = subprocess.run([str(BIN), "--list"], capture_output=True, text=True, timeout=10).stdout
    if "uring" not in out.split():
        return "this ipcperf has no uring io mode"
    return None


class Server:
    """`with Server("tcp") as srv:` runs `ipcperf server`; srv.args addresses it."""

    def __init__(self, sock, *extra):
        self.sock = sock
        self.extra = list(extra)
        self.proc = None
        self.tmp = tempfile.TemporaryDirectory(prefix="ipcp-uring-")
        self.log_path = os.path.join(self.tmp.name, "server.log")

    def __enter__(self):
        addr = "127.0.0.1" if self.sock in PORT_KINDS else os.path.join(self.tmp.name, "s")
        port = ["--port", "0"] if self.sock in PORT_KINDS else []
        rfd, wfd = os.pipe()
        try:
            with open(self.log_path, "w") as log:
                self.proc = subprocess.Popen(
                    [str(BIN), "server", "--socket", self.sock, "--addr", addr, *port,
                     "--ready-fd", str(wfd), *self.extra],
                    pass_fds=(wfd,), stdout=subprocess.DEVNULL, stderr=log)
            os.close(wfd)
            wfd = -1
            ready, _, _ = select.select([rfd], [], [], 5.0)
            line = os.read(rfd, 100).decode().strip() if ready else ""
        except BaseException:
            self.stop()
            raise
        finally:
            if wfd >= 0:
                os.close(wfd)
            os.close(rfd)
        if not line.startswith("ready port="):
            self.stop()
            raise RuntimeError(f"server did not become ready: {line!r} {self.log()}")
        self.args = ["--socket", self.sock, "--addr", addr]
        if self.sock in PORT_KINDS:
            self.args += ["--port", line.split("=", 1)[1]]
        return self

    def log(self):
        try:
            return Path(self.log_path).read_text()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __exit__(self, *exc):
        self.stop()
        self.tmp.cleanup()


def run_client(args, timeout=30):
    """Run a client with --json; returns (exit code, record, stderr)."""
    proc = subprocess.run([str(BIN), "client", *args, "--json"], capture_output=True,
                          text=True, timeout=timeout)
    try:
        record = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"no JSON record: rc={proc.returncode} "
                             f"out={proc.stdout!r} err={proc.stderr!r}")
    return proc.returncode, record, proc.stderr


_limits = {}


def message_limit(sock):
    """The largest message of a message kind here: ask for 1 GiB and read the
    limit from the unsupported note (unix: SO_SNDBUF as capped by
    net.core.wmem_max; udp: the IP maximum)."""
    if sock not in _limits:
        with Server(sock) as srv:
            rc, rec, _ = run_client(srv.args + ["--mode", "latency", "--size", "1G"])
        if rc != EXIT_UNSUPPORTED or "limit of " not in rec["note"]:
            raise RuntimeError(f"unexpected answer for an oversized message: {rc} {rec}")
        _limits[sock] = int(rec["note"].split("limit of ")[1].split()[0])
    return _limits[sock]


@unittest.skipIf(uring_skip_reason(), uring_skip_reason())
class UringTest(unittest.TestCase):

    def check_ok(self, rc, rec, err, size, mode, sock):
        self.assertEqual(rc, 0, f"{rec['note']} {err}")
        self.assertEqual(rec["status"], "ok", rec["note"])
        self.assertEqual(rec["io"], "uring")
        self.assertEqual(rec["verify_errors"], 0)
        self.assertGreater(rec["messages"], 0)
        if mode == "latency":
            self.assertEqual(rec["bytes"], 2 * size * rec["messages"])
            self.assertIn("qd=1", rec["io_features"].split())
            self.assertGreater(rec["lat_p50_ns"], 0)
            self.assertLessEqual(rec["lat_p50_ns"], rec["lat_p99_ns"])
        else:
            self.assertEqual(rec["messages"], rec["bytes"] // size)
            if sock in MESSAGE_KINDS:
                self.assertEqual(rec["bytes"], size * rec["messages"])
            self.assertRegex(rec["io_features"], r"(^| )qd=\d+( |$)")
        self.assertGreater(rec["client_cpu_s"], 0)
        self.assertGreater(rec["server_cpu_s"], 0)

    def run_point(self, sock, mode, size, *extra):
        with Server(sock) as srv:
            rc, rec, err = run_client(srv.args + ["--io", "uring", "--mode", mode,
                                                  "--size", str(size), "--verify",
                                                  *SHORT, *extra])
            self.check_ok(rc, rec, err, size, mode, sock)
        return rec

    def test_streams_small_and_large(self):
        for sock in STREAM_KINDS:
            for mode in ("throughput", "latency"):
                for size in (100, MIB):
                    with self.subTest(sock=sock, mode=mode, size=size):
                        self.run_point(sock, mode, size)

    def test_messages_small_and_largest(self):
        for sock in MESSAGE_KINDS:
            limit = message_limit(sock)
            for mode in ("throughput", "latency"):
                for size in (100, limit):
                    with self.subTest(sock=sock, mode=mode, size=size):
                        self.run_point(sock, mode, size)
            with self.subTest(sock=sock, size=limit + 1), Server(sock) as srv:
                rc, rec, _ = run_client(srv.args + ["--io", "uring", "--mode", "throughput",
                                                    "--size", str(limit + 1), *SHORT])
                self.assertEqual(rc, EXIT_UNSUPPORTED)
                self.assertEqual(rec["status"], "unsupported")
                self.assertIn(f"limit of {limit} bytes", rec["note"])

    def test_pipes_are_unsupported(self):
        with Server("pipe") as srv:
            rc, rec, _ = run_client(srv.args + ["--io", "uring", "--mode", "latency",
                                                "--size", "100", *SHORT])
        self.assertEqual(rc, EXIT_UNSUPPORTED, rec["note"])
        self.assertEqual(rec["status"], "unsupported")

    def test_queue_depths_keep_the_stream_in_order(self):
        # qd 1 is a chain of one; 64 is longer than a 100 B burst needs
        for sock in SOCKET_KINDS:
            for qd in ("1", "3", "64"):
                with self.subTest(sock=sock, qd=qd):
                    rec = self.run_point(sock, "throughput", 4000, "--qd", qd)
                    self.assertIn(f"qd={qd}", rec["io_features"].split())

    def test_zero_copy_send_on_tcp(self):
        for mode, size in (("throughput", 64 * 1024), ("latency", 100)):
            with self.subTest(mode=mode):
                rec = self.run_point("tcp", mode, size, "--zc")
                self.assertIn("send_zc", rec["io_features"].split())
                # the kernel tells whether it copied (on loopback it does)
                if "zc_usage_unknown" not in rec["io_features"] and mode == "throughput":
                    self.assertRegex(rec["io_features"], r"zc_copied=\d+/\d+")

    def test_zero_copy_needs_tcp(self):
        with Server("unix-stream") as srv:
            rc, rec, _ = run_client(srv.args + ["--io", "uring", "--zc", "--mode", "throughput",
                                                "--size", "100", *SHORT])
        self.assertEqual(rc, EXIT_UNSUPPORTED)
        self.assertEqual(rec["status"], "unsupported")
        self.assertIn("--zc needs a tcp socket", rec["note"])

    def test_silent_peer_is_noticed_within_the_timeout(self):
        # SO_RCVTIMEO does not bound io_uring waits: the mode must itself.
        timeout = 0.5
        for sock in SOCKET_KINDS:
            with self.subTest(sock=sock), Server(sock) as srv:
                client = subprocess.Popen(
                    [str(BIN), "client", *srv.args, "--io", "uring", "--mode", "latency",
                     "--size", "100", "--duration", "20", "--warmup", "0.05",
                     "--timeout", str(timeout), "--json"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                try:
                    time.sleep(0.3)
                    os.kill(srv.proc.pid, signal.SIGSTOP)
                    t0 = time.monotonic()
                    out, _ = client.communicate(timeout=10)
                    waited = time.monotonic() - t0
                finally:
                    if client.poll() is None:
                        os.kill(client.pid, signal.SIGKILL)
                        client.wait()
                    os.kill(srv.proc.pid, signal.SIGCONT)
                rec = json.loads(out)
                self.assertEqual(client.returncode, 1, rec["note"])
                self.assertEqual(rec["status"], "error")
                self.assertLess(waited, timeout + 3.0)

    @unittest.skipUnless(os.geteuid() == 0 and DISABLED_SYSCTL.exists(),
                         "needs root and kernel.io_uring_disabled (6.6+)")
    def test_io_uring_disabled_is_unsupported(self):
        saved = DISABLED_SYSCTL.read_text().strip()
        for sock in ("unix-stream", "tcp"):
            with self.subTest(sock=sock), Server(sock) as srv:
                try:
                    DISABLED_SYSCTL.write_text("2\n")
                    rc, rec, _ = run_client(srv.args + ["--io", "uring", "--mode", "latency",
                                                        "--size", "100", *SHORT])
                finally:
                    DISABLED_SYSCTL.write_text(saved + "\n")
                self.assertEqual(rc, EXIT_UNSUPPORTED, rec["note"])
                self.assertEqual(rec["status"], "unsupported")
                self.assertIn("io_uring_disabled=2", rec["note"])
                # and the server is still there for the next test
                rc, rec, _ = run_client(srv.args + ["--io", "uring", "--mode", "latency",
                                                    "--size", "100", *SHORT])
                self.assertEqual(rc, 0, rec["note"])
        self.assertEqual(DISABLED_SYSCTL.read_text().strip(), saved)


if __name__ == "__main__":
    unittest.main()
