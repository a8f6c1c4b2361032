"""bench/ipcperf --io epoll and --io busy end to end: every socket kind in
both modes at 100 B and 1 MiB with --verify (exact byte counts, or
unsupported with the documented reason), the voluntary context switches
that tell a spinning side from a sleeping one, the placement a spinning
mode refuses, and a stopped peer noticed within --timeout.

What is asserted is what was counted and which status came back: the
direction of the context-switch counts (a side that sleeps per round trip
against one that never does), never a timing.

    python3 -m unittest tests.integration.test_wake -v
"""
import json
import os
import signal
import subprocess
import time
import unittest

from tests.integration.benchlib import (ALL_KINDS, BIN, MESSAGE_KINDS, Server, check_record,
                                        message_limit, run_client, skip_reason)

SHORT = ["--duration", "0.25", "--warmup", "0.05"]
MIB = 1 << 20
EXIT_UNSUPPORTED = 4
WAKE_IOS = ("epoll", "busy")


def split_cpus():
    """(server CPU, client CPU) as ipcperf's split placement picks them, or
    None with fewer than two CPUs. Spinning sides are pinned apart: two on
    one CPU would only take turns by time slice."""
    allowed = sorted(os.sched_getaffinity(0))
    return (allowed[0], allowed[1]) if len(allowed) >= 2 else None


def pinned(side):
    """--cpu for the server (0) or the client (1) under split, if possible."""
    cpus = split_cpus()
    return ["--cpu", str(cpus[side])] if cpus else []


def run_pinned(sock, io, mode, size, *extra):
    """One verified point with the sides split; returns (rc, record, stderr)."""
    with Server(sock, *pinned(0)) as srv:
        return run_client(srv.args + ["--io", io, "--mode", mode, "--size", str(size),
                                      *pinned(1), *extra])


@unittest.skipIf(skip_reason(), skip_reason())
class WakeModeTest(unittest.TestCase):

    def check_point(self, sock, io, mode, size):
        rc, rec, err = run_pinned(sock, io, mode, size, "--verify", *SHORT)
        if sock == "shm" and io == "epoll":
            self.assertEqual((rc, rec["status"]), (EXIT_UNSUPPORTED, "unsupported"))
            self.assertIn("--io epoll does not apply", rec["note"])
        elif sock in MESSAGE_KINDS and size > message_limit(sock):
            self.assertEqual((rc, rec["status"]), (EXIT_UNSUPPORTED, "unsupported"))
            self.assertIn(f"limit of {message_limit(sock)} bytes", rec["note"])
        else:
            self.assertEqual(rc, 0, f"{rec['note']} {err}")
            check_record(self, rec, size, mode, sock)
            self.assertEqual(rec["io"], io)

    def test_every_kind_both_modes_small_and_large(self):
        for sock in ALL_KINDS:
            for io in WAKE_IOS:
                for mode in ("throughput", "latency"):
                    for size in (100, MIB):
                        with self.subTest(sock=sock, io=io, mode=mode, size=size):
                            self.check_point(sock, io, mode, size)

    def test_message_kinds_at_their_largest(self):
        for sock in MESSAGE_KINDS:
            for io in WAKE_IOS:
                with self.subTest(sock=sock, io=io):
                    self.check_point(sock, io, "throughput", message_limit(sock))

    def test_shm_busy_spins_on_the_ring(self):
        rc, rec, _ = run_pinned("shm", "busy", "latency", 100, *SHORT)
        self.assertEqual(rc, 0, rec["note"])
        self.assertEqual(rec["io_features"], "ring=1024KiB spin")
        rc, rec, _ = run_pinned("shm", "sync", "latency", 100, *SHORT)
        self.assertEqual(rec["io_features"], "ring=1024KiB futex")

    def test_busy_on_one_cpu_is_unsupported(self):
        cpu = str(sorted(os.sched_getaffinity(0))[0])
        for sock in ("unix-stream", "shm"):
            with self.subTest(sock=sock), Server(sock, "--cpu", cpu) as srv:
                rc, rec, _ = run_client(srv.args + ["--io", "busy", "--mode", "latency",
                                                    "--size", "100", "--cpu", cpu, *SHORT])
                self.assertEqual((rc, rec["status"]), (EXIT_UNSUPPORTED, "unsupported"))
                self.assertIn("one core cannot spin for two", rec["note"])
                # the same server runs the next test
                rc, rec, _ = run_client(srv.args + ["--io", "sync", "--mode", "latency",
                                                    "--size", "100", "--cpu", cpu, *SHORT])
                self.assertEqual(rc, 0, rec["note"])


@unittest.skipIf(skip_reason(), skip_reason())
@unittest.skipUnless(split_cpus(), "needs two CPUs to pin the sides apart")
class ContextSwitchTest(unittest.TestCase):
    """Per round trip, a sleeping side switches out voluntarily once (it
    waits for the other's reply); a spinning side never does."""

    def per_round_trip(self, sock, io):
        rc, rec, err = run_pinned(sock, io, "latency", 100, "--duration", "0.3",
                                  "--warmup", "0.05")
        self.assertEqual(rc, 0, f"{rec['note']} {err}")
        return (rec["client_vcsw"] / rec["messages"], rec["server_vcsw"] / rec["messages"])

    def test_busy_never_sleeps_and_blocking_modes_sleep_every_round_trip(self):
        for sock in ("unix-stream", "tcp", "unix-dgram", "pipe", "shm"):
            for io in ("sync", "epoll", "busy"):
                if sock == "shm" and io == "epoll":
                    continue
                with self.subTest(sock=sock, io=io):
                    client, server = self.per_round_trip(sock, io)
                    if io == "busy":
                        self.assertLess(client, 0.01)
                        self.assertLess(server, 0.01)
                    else:   # about 1; well above anything a spinning side shows
                        self.assertGreater(client, 0.5)
                        self.assertGreater(server, 0.5)


@unittest.skipIf(skip_reason(), skip_reason())
class StoppedPeerTest(unittest.TestCase):
    """A server stopped (SIGSTOP) in the middle of a test is an error within
    --timeout, however the client waits for it."""

    TIMEOUT = 0.5
    DURATION = 20        # far longer than the test may take

    def stop_server_during(self, sock, io, mode):
        # UDP has no back-pressure: its sender notices only at the end of stream
        duration = 1 if (sock == "udp" and mode == "throughput") else self.DURATION
        with Server(sock, *pinned(0)) as srv:
            client = subprocess.Popen(
                [str(BIN), "client", *srv.args, "--io", io, "--mode", mode, "--size", "100",
                 "--duration", str(duration), "--warmup", "0.05", "--timeout",
                 str(self.TIMEOUT), *pinned(1), "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                time.sleep(0.3)
                os.kill(srv.proc.pid, signal.SIGSTOP)
                t0 = time.monotonic()
                out, err = client.communicate(timeout=duration + 10)
                waited = time.monotonic() - t0
            finally:
                if client.poll() is None:
                    client.kill()
                    client.wait()
                os.kill(srv.proc.pid, signal.SIGCONT)
        return client.returncode, json.loads(out), err, waited, duration

    def test_stopped_server_is_an_error_within_the_timeout(self):
        for sock in ALL_KINDS:
            for io in WAKE_IOS:
                if sock == "shm" and io == "epoll":
                    continue
                for mode in ("latency", "throughput"):
                    with self.subTest(sock=sock, io=io, mode=mode):
                        rc, rec, err, waited, duration = self.stop_server_during(sock, io, mode)
                        self.assertEqual(rc, 1, rec["note"])
                        self.assertEqual(rec["status"], "error")
                        self.assertTrue(err.strip(), "a reason on stderr")
                        limit = self.TIMEOUT + 3.0 + (duration if duration < self.DURATION else 0)
                        self.assertLess(waited, limit)

    def test_server_drops_a_stopped_client_and_serves_the_next(self):
        for sock in ("tcp", "unix-dgram", "pipe", "shm"):
            for io in WAKE_IOS:
                if sock == "shm" and io == "epoll":
                    continue
                with self.subTest(sock=sock, io=io), \
                        Server(sock, "--timeout", "0.5", *pinned(0)) as srv:
                    client = subprocess.Popen(
                        [str(BIN), "client", *srv.args, "--io", io, "--mode", "latency",
                         "--size", "100", "--duration", "20", *pinned(1)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    try:
                        time.sleep(0.4)
                        client.send_signal(signal.SIGSTOP)
                        time.sleep(1.0)           # past the server's --timeout
                    finally:
                        client.kill()
                        client.wait()
                    rc, rec, err = run_client(srv.args + ["--io", io, "--mode", "latency",
                                                          "--size", "100", *pinned(1),
                                                          *SHORT])
                    self.assertEqual(rc, 0, f"{rec['note']} {err} {srv.log()}")
                    self.assertIsNone(srv.proc.poll(), "server still running")
                    self.assertIn("peer silent", srv.log())


if __name__ == "__main__":
    unittest.main()
