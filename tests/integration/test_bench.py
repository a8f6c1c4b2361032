"""bench/ipcperf end to end: every socket kind in both modes, the byte
accounting, --verify, and every bad input the issue lists.

No assertion here depends on how fast the machine is: only on what was
counted, what status came back, and that failures arrive in bounded time.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from tests.integration.benchlib import (ALL_KINDS, BIN, MESSAGE_KINDS, STREAM_KINDS, Server,
                                        check_record, message_limit, run_bin, run_client,
                                        skip_reason)

SHORT = ["--duration", "0.25", "--warmup", "0.05"]
MIB = 1 << 20


@unittest.skipIf(skip_reason(), skip_reason())
class SocketModeTest(unittest.TestCase):
    """Each socket kind x mode at a small and a large size, verified."""

    def run_point(self, sock, mode, size):
        with Server(sock) as srv:
            rc, rec, err = run_client(srv.args + ["--mode", mode, "--size", str(size),
                                                  "--verify", *SHORT])
        self.assertEqual(rc, 0, err)
        check_record(self, rec, size, mode, sock)
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

    def test_messages_above_limit_are_unsupported(self):
        for sock in MESSAGE_KINDS:
            limit = message_limit(sock)
            with self.subTest(sock=sock), Server(sock) as srv:
                rc, rec, _ = run_client(srv.args + ["--mode", "throughput", "--size",
                                                    str(limit + 1), *SHORT])
                self.assertEqual(rc, 4)
                self.assertEqual(rec["status"], "unsupported")
                self.assertIn(f"limit of {limit} bytes", rec["note"])
                self.assertIsNone(rec["bytes"])

    def test_udp_limit_is_the_ip_maximum(self):
        self.assertEqual(message_limit("udp"), 65507)

    def test_shm_has_its_own_data_path(self):
        with Server("shm") as srv:
            rc, rec, _ = run_client(srv.args + ["--mode", "latency", "--size", "100",
                                                "--io", "uring", *SHORT])
        self.assertEqual((rc, rec["status"]), (4, "unsupported"))
        self.assertIn("--io uring does not apply", rec["note"])

    def test_tcp_ipv6(self):
        if not socket.has_ipv6 or not os.path.exists("/proc/net/if_inet6"):
            self.skipTest("no IPv6 on this machine")
        with Server("tcp", addr="::1") as srv:
            rc, rec, err = run_client(srv.args + ["--mode", "latency", "--size", "100", *SHORT])
        self.assertEqual(rc, 0, err)
        self.assertEqual(rec["status"], "ok")

    def test_nodelay_follows_mode_and_override(self):
        with Server("tcp") as srv:
            cases = [(["--mode", "latency"], 1), (["--mode", "throughput"], 0),
                     (["--mode", "throughput", "--nodelay", "on"], 1),
                     (["--mode", "latency", "--nodelay", "off"], 0)]
            for extra, want in cases:
                with self.subTest(extra=extra):
                    rc, rec, _ = run_client(srv.args + extra + ["--size", "100", *SHORT])
                    self.assertEqual(rc, 0)
                    self.assertEqual(rec["nodelay"], want)
        with Server("unix-stream") as srv:
            rc, rec, _ = run_client(srv.args + ["--mode", "latency", "--size", "100", *SHORT])
            self.assertIsNone(rec["nodelay"])

    def test_one_server_serves_many_tests(self):
        with Server("unix-stream") as srv:
            for size in (100, 4096, 100):
                rc, rec, _ = run_client(srv.args + ["--mode", "latency", "--size", str(size),
                                                    *SHORT])
                self.assertEqual((rc, rec["size_bytes"]), (0, size))

    def test_pinning_is_reported(self):
        with Server("tcp", "--cpu", "0") as srv:
            rc, rec, _ = run_client(srv.args + ["--mode", "latency", "--size", "100",
                                                "--cpu", "0", *SHORT])
        self.assertEqual(rc, 0)
        self.assertEqual((rec["client_cpu"], rec["server_cpu"]), (0, 0))

    def test_key_value_output(self):
        with Server("unix-stream") as srv:
            proc = run_bin(["client", *srv.args, "--mode", "latency", "--size", "100", *SHORT])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        fields = dict(kv.split("=", 1) for kv in proc.stdout.split())
        self.assertEqual(fields["status"], "ok")
        self.assertEqual(fields["socket"], "unix-stream")
        self.assertEqual(proc.stdout.count("\n"), 1)


@unittest.skipIf(skip_reason(), skip_reason())
class ServerLifeTest(unittest.TestCase):
    """Readiness, --once, socket files, and peers that die."""

    def test_once_exits_after_one_test(self):
        with Server("unix-stream", "--once") as srv:
            rc, _, _ = run_client(srv.args + ["--mode", "latency", "--size", "100", *SHORT])
            self.assertEqual(rc, 0)
            self.assertEqual(srv.proc.wait(timeout=5), 0)

    def test_socket_file_removed_on_sigterm_and_stale_file_replaced(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s")
            stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            stale.bind(path)           # a leftover nobody listens on
            stale.close()
            with Server("unix-stream", addr=path) as srv:
                rc, _, _ = run_client(srv.args + ["--mode", "latency", "--size", "100", *SHORT])
                self.assertEqual(rc, 0)
            self.assertFalse(os.path.exists(path))

    def test_regular_file_is_never_replaced(self):
        with tempfile.NamedTemporaryFile() as f:
            proc = run_bin(["server", "--socket", "unix-stream", "--addr", f.name])
            self.assertEqual(proc.returncode, 1)
            self.assertIn("Address already in use", proc.stderr)
            self.assertTrue(os.path.exists(f.name))

    def kill_during_test(self, sock, sig):
        with Server(sock) as srv:
            client = subprocess.Popen(
                [str(BIN), "client", *srv.args, "--mode", "latency", "--size", "100",
                 "--duration", "5", "--warmup", "0", "--timeout", "1", "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(0.5)
            srv.proc.send_signal(sig)
            out, err = client.communicate(timeout=4)   # well before --duration 5
            if sig == signal.SIGSTOP:
                srv.proc.send_signal(signal.SIGCONT)
        return client.returncode, out, err

    def test_client_notices_killed_or_silent_server(self):
        for sock in ALL_KINDS:
            for sig in (signal.SIGKILL, signal.SIGSTOP):
                with self.subTest(sock=sock, sig=sig.name):
                    rc, out, err = self.kill_during_test(sock, sig)
                    self.assertEqual(rc, 1)
                    self.assertIn('"status": "error"', out)
                    self.assertTrue(err.strip(), "a reason on stderr")

    def test_server_survives_vanishing_client(self):
        for sock in ALL_KINDS:
            for mode in ("latency", "throughput"):
                with self.subTest(sock=sock, mode=mode), Server(sock, "--timeout", "0.5") as srv:
                    client = subprocess.Popen(
                        [str(BIN), "client", *srv.args, "--mode", mode, "--size", "1K",
                         "--duration", "5"], stdout=subprocess.DEVNULL)
                    time.sleep(0.4)
                    client.kill()
                    client.wait()
                    time.sleep(0.7)           # past the server's --timeout
                    rc, rec, err = run_client(srv.args + ["--mode", "latency", "--size",
                                                          "100", *SHORT])
                    self.assertEqual(rc, 0, err + srv.log())
                    self.assertIsNone(srv.proc.poll(), "server still running")


@unittest.skipIf(skip_reason(), skip_reason())
class BadInputTest(unittest.TestCase):
    """One clear line and a non-zero exit for every bad input; no hang."""

    BASE = ["client", "--socket", "tcp", "--addr", "127.0.0.1", "--port", "9", "--mode", "latency"]

    USAGE_CASES = [
        (["client", "--bogus"], "unknown option '--bogus'"),
        (["fly"], "unknown command 'fly'"),
        (["client", "--socket", "sctp", "--addr", "x", "--mode", "latency", "--size", "1"],
         "unknown socket kind 'sctp'"),
        (BASE[:-1] + ["fast", "--size", "1"], "unknown mode 'fast'"),
        (BASE + ["--size", "1", "--io", "nope"], "unknown io mode 'nope'"),
        (BASE + ["--size", "0"], "invalid --size '0'"),
        (BASE + ["--size", "-1"], "invalid --size '-1'"),
        (BASE + ["--size", "1Q"], "invalid --size '1Q'"),
        (BASE + ["--size", "10e"], "invalid --size '10e'"),
        (BASE + ["--size", "2G"], "invalid --size '2G': out of range"),
        (BASE + ["--size", str((1 << 30) + 1)], "out of range"),
        (BASE[:6] + ["70000", "--mode", "latency", "--size", "1"], "invalid --port '70000'"),
        (["client", "--socket", "unix-stream", "--addr", "/tmp/" + "x" * 110, "--mode",
          "latency", "--size", "1"], "socket path too long: 115 bytes, the limit is 107"),
        (BASE + ["--size", "1", "--cpu", "4000"], "cannot pin to CPU 4000"),
        (BASE + ["--size", "1", "--duration", "abc"], "invalid --duration 'abc'"),
    ]

    def test_usage_errors(self):
        for args, message in self.USAGE_CASES:
            with self.subTest(args=" ".join(args)[:80]):
                proc = run_bin(args)
                self.assertEqual(proc.returncode, 2)
                self.assertIn(message, proc.stderr)
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
                self.assertEqual(proc.stdout, "")

    def test_nobody_listening(self):
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))     # bound, never listening: refused
        port = closed.getsockname()[1]
        try:
            rc, rec, err = run_client(["--socket", "tcp", "--addr", "127.0.0.1", "--port",
                                       str(port), "--mode", "latency", "--size", "100"])
        finally:
            closed.close()
        self.assertEqual(rc, 1)
        self.assertEqual(rec["status"], "error")
        self.assertIn("Connection refused", rec["note"])
        for sock in ("unix-stream", "unix-dgram"):
            rc, rec, _ = run_client(["--socket", sock, "--addr", "/nonexistent/ipcp",
                                     "--mode", "latency", "--size", "100"])
            self.assertEqual((rc, rec["status"]), (1, "error"))
            self.assertIn("No such file or directory", rec["note"])

    def test_help_and_list(self):
        for args in (["--help"], ["client", "--help"], ["server", "--help"]):
            proc = run_bin(args)
            self.assertEqual(proc.returncode, 0)
            self.assertIn("usage:", proc.stdout)
        proc = run_bin(["--list"])
        self.assertIn("socket: " + " ".join(sorted(ALL_KINDS)), "socket: " + " ".join(sorted(proc.stdout.splitlines()[0].split()[1:])))
        self.assertIn("mode: throughput latency", proc.stdout)


if __name__ == "__main__":
    unittest.main()
