"""bench/ipcperf's request/response shapes end to end: --mode connect (a
connection per transaction) on every connection-oriented kind and io mode,
--resp-size (a reply of another size than the request), several flows
served at once by one server, and how connect mode closes its
connections (--close: TIME_WAIT must never end a run).

Asserted is what was counted on both sides and which status came back,
never a timing.

    python3 -m unittest tests.integration.test_connect -v
"""
import json
import os
import shutil
import subprocess
import time
import unittest

from tests.integration.benchlib import BIN, Server, run_client, skip_reason

SHORT = ["--duration", "0.25", "--warmup", "0.05"]
CONN_KINDS = ("unix-stream", "unix-seqpacket", "tcp")
NO_CONN_KINDS = ("unix-dgram", "udp", "pipe", "shm")
IOS = ("sync", "epoll", "busy", "uring")
EXIT_UNSUPPORTED = 4
KIB = 1024


def split():
    cpus = sorted(os.sched_getaffinity(0))
    return (["--cpu", str(cpus[0])], ["--cpu", str(cpus[1])]) if len(cpus) > 1 else ([], [])


def built_ios():
    out = subprocess.run([str(BIN), "--list"], capture_output=True, text=True).stdout
    return next((l.split()[1:] for l in out.splitlines() if l.startswith("io:")), [])


class Counted:
    """What every ok request/response record must account for exactly."""

    def check(self, rec, req, resp, sock):
        self.assertEqual(rec["status"], "ok", rec["note"])
        self.assertEqual(rec["verify_errors"], 0)
        self.assertGreater(rec["messages"], 0)
        self.assertEqual((rec["size_bytes"], rec["resp_size_bytes"]), (req, resp))
        self.assertEqual(rec["bytes"], (req + resp) * rec["messages"])
        # both sides counted the same transactions over the whole test
        self.assertEqual(rec["client_msgs_total"], rec["server_msgs_total"])
        self.assertGreaterEqual(rec["client_msgs_total"], rec["messages"])
        self.assertLessEqual(rec["lat_p50_ns"], rec["lat_p99_ns"])


@unittest.skipIf(skip_reason(), skip_reason())
class ConnectModeTest(Counted, unittest.TestCase):

    def connect(self, sock, *extra, req=100, resp=None):
        server_cpu, client_cpu = split()
        args = ["--mode", "connect", "--size", str(req), "--verify", *SHORT, *client_cpu]
        if resp:
            args += ["--resp-size", str(resp)]
        with Server(sock, *server_cpu) as srv:
            return run_client(srv.args + args + list(extra))

    def check_connect(self, rec, sock, req=100, resp=100):
        self.check(rec, req, resp, sock)
        # the test's own connection, one per transaction, and the one that ends it
        self.assertEqual(rec["connections"], rec["client_msgs_total"] + 2)
        self.assertEqual(rec["conn_close"], "rst" if sock == "tcp" else "close")
        for p in ("p50", "p90", "p99", "p999", "max"):
            # connect() is part of each transaction: no percentile of it can exceed the whole's
            self.assertLessEqual(rec[f"connect_{p}_ns"], rec[f"lat_{p}_ns"], p)
            self.assertGreater(rec[f"connect_{p}_ns"], 0, p)

    def test_every_connection_kind_at_100_bytes(self):
        for sock in CONN_KINDS:
            with self.subTest(sock=sock):
                rc, rec, err = self.connect(sock)
                self.assertEqual(rc, 0, err)
                self.check_connect(rec, sock)

    def test_every_io_mode_on_tcp_and_uds(self):
        ios = [io for io in IOS if io in built_ios()]
        for sock in ("tcp", "unix-stream"):
            for io in ios:
                with self.subTest(sock=sock, io=io):
                    rc, rec, err = self.connect(sock, "--io", io)
                    self.assertEqual(rc, 0, err)
                    self.check_connect(rec, sock)

    def test_large_reply(self):
        for sock in CONN_KINDS:
            with self.subTest(sock=sock):
                rc, rec, err = self.connect(sock, resp=64 * KIB)
                self.assertEqual(rc, 0, err)
                self.check_connect(rec, sock, resp=64 * KIB)

    def test_graceful_close_is_recorded(self):
        rc, rec, err = self.connect("tcp", "--close", "fin")
        self.assertEqual(rc, 0, err)
        self.assertEqual(rec["conn_close"], "fin")

    def test_kinds_without_connections_are_unsupported(self):
        for sock in NO_CONN_KINDS:
            with self.subTest(sock=sock), Server(sock) as srv:
                rc, rec, err = run_client(srv.args + ["--mode", "connect", "--size", "100",
                                                      *SHORT])
                self.assertEqual((rc, rec["status"]), (EXIT_UNSUPPORTED, "unsupported"))
                self.assertIn("has no connections to open", rec["note"])
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertIsNone(rec["messages"])

    def test_one_server_serves_connect_and_then_other_tests(self):
        with Server("tcp") as srv:
            for mode in ("connect", "latency", "connect"):
                rc, rec, err = run_client(srv.args + ["--mode", mode, "--size", "100", *SHORT])
                self.assertEqual((rc, rec["mode"]), (0, mode), err)


@unittest.skipIf(skip_reason(), skip_reason())
def voluntary_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("voluntary_ctxt_switches"))


@unittest.skipIf(skip_reason(), skip_reason())
class IdleServerTest(unittest.TestCase):
    def test_the_bound_on_accept_ends_with_the_connect_test(self):
        """A connect test bounds accept on the listening socket by --timeout;
        after it the idle server sleeps in accept, not waking every --timeout."""
        for flows in ("1", "2"):
            with self.subTest(flows=flows), Server("unix-stream", "--timeout", "0.1") as srv:
                args = srv.args + ["--mode", "connect", "--size", "100", *SHORT]
                procs = [subprocess.Popen([str(BIN), "client", *args, "--flows", flows],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                         for _ in range(int(flows))]
                self.assertEqual([p.wait(timeout=30) for p in procs], [0] * len(procs))
                before = voluntary_switches(srv.proc.pid)
                time.sleep(0.6)             # six --timeouts
                self.assertLessEqual(voluntary_switches(srv.proc.pid) - before, 1)


class ReplySizeTest(Counted, unittest.TestCase):
    """--resp-size: 100 B requests, 64 KiB replies, every byte checked both ways."""

    def test_latency_100_to_64k(self):
        server_cpu, client_cpu = split()
        for sock in ("unix-stream", "unix-seqpacket", "tcp", "shm", "pipe", "unix-dgram"):
            with self.subTest(sock=sock), Server(sock, *server_cpu) as srv:
                rc, rec, err = run_client(srv.args + [
                    "--mode", "latency", "--size", "100", "--resp-size", "64K", "--verify",
                    *SHORT, *client_cpu])
                self.assertEqual(rc, 0, err)
                self.check(rec, 100, 64 * KIB, sock)
                self.assertEqual(rec["connections"], 1)

    def test_reply_above_the_datagram_limit_is_unsupported(self):
        with Server("unix-dgram") as srv:
            rc, rec, _ = run_client(srv.args + ["--mode", "latency", "--size", "100",
                                                "--resp-size", "1G", *SHORT])
        self.assertEqual((rc, rec["status"]), (EXIT_UNSUPPORTED, "unsupported"))
        self.assertIn("replies of 1073741824 bytes exceed", rec["note"])


def start_together(srv, n, *args):
    """n clients of one test, --flows n, started together; their records."""
    t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC) + 400_000_000
    procs = [subprocess.Popen([str(BIN), "client", *srv.args, *args, *SHORT, "--json",
                               "--flows", str(n), "--start-at", str(t0),
                               "--server-cpu", str(i % len(os.sched_getaffinity(0)))],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(n)]
    out = [p.communicate(timeout=30) for p in procs]
    return [(p.returncode, json.loads(o) if o.strip() else None, e)
            for p, (o, e) in zip(procs, out)]


@unittest.skipIf(skip_reason(), skip_reason())
class FlowsTest(Counted, unittest.TestCase):
    """Four clients of one point at once against one server."""

    def test_four_flows_each_mode(self):
        for sock in ("tcp", "unix-stream"):
            for mode in ("throughput", "latency", "connect"):
                with self.subTest(sock=sock, mode=mode), Server(sock) as srv:
                    recs = start_together(srv, 4, "--mode", mode, "--size", "100", "--verify")
                    for rc, rec, err in recs:
                        self.assertEqual(rc, 0, err)
                        self.assertEqual((rec["status"], rec["flows"]), ("ok", 4), rec["note"])
                        self.assertGreater(rec["bytes"], 0)
                    servers = {rec["server_cpu"] for _, rec, _ in recs}
                    self.assertEqual(servers, set(range(min(4, len(os.sched_getaffinity(0))))))
                    client = sum(rec["client_msgs_total"] for _, rec, _ in recs)
                    server = sum(rec["server_msgs_total"] for _, rec, _ in recs)
                    self.assertEqual(client, server)   # a connect flow's server serves any flow

    def test_flows_need_a_kind_with_connections(self):
        for sock in ("udp", "unix-dgram", "pipe"):
            with self.subTest(sock=sock), Server(sock) as srv:
                rc, rec, err = run_client(srv.args + ["--mode", "latency", "--size", "100",
                                                      "--flows", "2", *SHORT])
                self.assertEqual((rc, rec["status"]), (EXIT_UNSUPPORTED, "unsupported"))
                self.assertIn("serves one peer at a time", rec["note"])

    def test_a_missing_flow_fails_the_connect_group_in_time(self):
        with Server("tcp", "--timeout", "0.5") as srv:
            t0 = time.monotonic()
            rc, rec, err = run_client(srv.args + ["--mode", "connect", "--size", "100",
                                                  "--flows", "2", *SHORT])
            self.assertEqual(rc, 1, err)
            self.assertIn("only 1 of the 2 flows", rec["note"])
            self.assertLess(time.monotonic() - t0, 10)
            rc, rec, err = run_client(srv.args + ["--mode", "connect", "--size", "100", *SHORT])
            self.assertEqual(rc, 0, err)       # and the server goes on


NETNS_SCRIPT = r"""
set -e
ip link set lo up
ip addr add 198.18.99.1/32 dev lo
# a range of 20 ports, in this namespace only: TIME_WAIT would hold them all
sysctl -qw net.ipv4.ip_local_port_range="40000 40019"
"$BIN" server --socket tcp --addr 198.18.99.1 --port 5201 2>/dev/null &
srv=$!
trap 'kill $srv' EXIT
for i in $(seq 100); do
  "$BIN" client --socket tcp --addr 198.18.99.1 --port 5201 --mode latency --size 1 \
    --duration 0.01 --warmup 0 >/dev/null 2>&1 && break
done
"$BIN" client --socket tcp --addr 198.18.99.1 --port 5201 --mode connect --size 100 \
  --duration 0.5 --warmup 0 --json $CLOSE || true
"""


@unittest.skipIf(skip_reason(), skip_reason())
@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"), "needs root and unshare")
class TimeWaitTest(unittest.TestCase):
    """In a namespace of its own whose ephemeral range is 20 ports on a
    non-loopback address (tcp_tw_reuse=2 spares loopback only): a graceful
    close runs out of ports after about 20 connections, the default RST
    never does."""

    def run_ns(self, close):
        env = dict(os.environ, BIN=str(BIN), CLOSE=close)
        p = subprocess.run(["unshare", "--net", "sh", "-c", NETNS_SCRIPT], env=env,
                           capture_output=True, text=True, timeout=30)
        return json.loads(p.stdout.strip().splitlines()[-1])

    def test_rst_never_runs_out_of_ports_and_fin_does(self):
        rec = self.run_ns("")
        self.assertEqual(rec["status"], "ok", rec["note"])
        # more connections than the range has ports: every port was used again
        self.assertGreater(rec["connections"], 20)
        rec = self.run_ns("--close fin")
        self.assertEqual(rec["status"], "error")
        self.assertIn("ephemeral ports are used up", rec["note"])


if __name__ == "__main__":
    unittest.main()
