"""bench/ipcperf --io uring end to end: every socket kind in both modes at a
small and a large size (message kinds at their largest) with --verify, the
queue depths, SEND_ZC, a silent peer, pipes (not sockets: unsupported), and
io_uring made unavailable (kernel.io_uring_disabled=2).

Standard library only. Each test starts its own server with a ready pipe
(benchlib.Server: --ready-fd, pass_fds) and stops it by its PID; every subprocess has a
timeout. Assertions depend on what was counted and which status came back,
never on how fast the machine is.

    python3 -m unittest discover -s tests/integration -t .
    python3 -m unittest tests.integration.test_uring -v
"""
import json
import os
import signal
import subprocess
import time
import unittest
from pathlib import Path

from tests.integration.benchlib import (BIN, MESSAGE_KINDS, Server, check_record,
                                        message_limit, run_client)

SHORT = ["--duration", "0.25", "--warmup", "0.05"]
MIB = 1 << 20
EXIT_UNSUPPORTED = 4
DISABLED_SYSCTL = Path("/proc/sys/kernel/io_uring_disabled")
# io_uring sends and receives on sockets: pipe and shm are not among them.
STREAM_KINDS = ("unix-stream", "tcp")
SOCKET_KINDS = STREAM_KINDS + MESSAGE_KINDS


def uring_skip_reason():
    """Why --io uring cannot be tested here, or None."""
    if not BIN.exists():
        return f"{BIN} is not built (run make)"
    out = subprocess.run([str(BIN), "--list"], capture_output=True, text=True, timeout=10).stdout
    if "uring" not in out.split():
        return "this ipcperf has no uring io mode"
    return None


@unittest.skipIf(uring_skip_reason(), uring_skip_reason())
class UringTest(unittest.TestCase):

    def check_ok(self, rc, rec, err, size, mode, sock):
        self.assertEqual(rc, 0, f"{rec['note']} {err}")
        check_record(self, rec, size, mode, sock)
        self.assertEqual(rec["io"], "uring")
        if mode == "latency":
            self.assertIn("qd=1", rec["io_features"].split())
        else:
            self.assertRegex(rec["io_features"], r"(^| )qd=\d+( |$)")

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
