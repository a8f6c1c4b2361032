"""runner against the real bench/ipcperf: the ready handshake, results,
failures turned into statuses, and the plot warnings of app."""

import io
import os
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr
from unittest import mock

from harness import app, runner
from tests.harness.util import BINARY, REPO, needs_binary

SHORT = dict(duration=0.05, warmup=0.0)


@needs_binary
class TestRunner(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ipcperf-test-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def server(self, socket, addr, **kw):
        s = runner.Server(BINARY, [], socket, addr,
                          log_path=os.path.join(self.dir, "server.log"), **kw)
        self.servers.append(s)
        s.start()
        return s

    def test_tcp_handshake_and_result(self):
        started = []
        s = self.server("tcp", "127.0.0.1", on_start=started.append)
        self.assertGreater(s.port, 0)
        self.assertEqual(started, [s.proc.pid])
        r = runner.run_client(BINARY, [], runner.ClientSpec("tcp", "127.0.0.1", s.port, "latency",
                                                          100, **SHORT))
        self.assertEqual((r.status, r.returncode), ("ok", 0), r.note)
        self.assertEqual(r.record["size_bytes"], 100)
        self.assertEqual(r.record["nodelay"], 1)
        self.assertGreater(r.record["messages"], 0)
        # the same server serves the next test
        r = runner.run_client(BINARY, [], runner.ClientSpec("tcp", "127.0.0.1", s.port,
                                                            "throughput", 4096, nodelay="on",
                                                            **SHORT))
        self.assertEqual(r.status, "ok", r.note)
        self.assertEqual(r.record["nodelay"], 1)
        s.stop()
        self.assertFalse(s.alive())

    def test_udp_server_takes_port_0_and_the_client_verifies(self):
        # both were sh -c wrappers around the binary (UDP_PORT0_WRAP, VERIFY_WRAP)
        s = self.server("udp", "127.0.0.1")
        argv = s.argv(3)
        self.assertEqual(argv[argv.index("--port") + 1], "0")
        self.assertGreater(s.port, 0)
        spec = runner.ClientSpec("udp", "127.0.0.1", s.port, "latency", 100, verify=True,
                                 **SHORT)
        self.assertEqual(spec.argv(BINARY)[0], BINARY)          # no shell in front
        self.assertIn("--verify", spec.argv(BINARY))
        r = runner.run_client(BINARY, [], spec)
        self.assertEqual(r.status, "ok", r.note)
        self.assertEqual((r.record["verify"], r.record["verify_errors"]), (1, 0))

    def test_list_is_asked_once(self):
        runner.listing.cache_clear()
        real = runner.subprocess.run
        with mock.patch.object(runner.subprocess, "run", side_effect=real) as run:
            self.assertIn("tcp", runner.listed(BINARY, "sock"))
            self.assertIn("sync", runner.listed(BINARY, "io"))
            self.assertIsNone(runner.listed(BINARY, "no-such-line"))
        self.assertEqual(run.call_count, 1)

    def test_server_that_cannot_start(self):
        s = runner.Server(BINARY, [], "unix-stream", "/nonexistent-dir/x.sock",
                          log_path=os.path.join(self.dir, "server.log"), ready_timeout=5)
        self.servers.append(s)
        with self.assertRaises(runner.RunnerError) as cm:
            s.start()
        self.assertIn("server exited before ready", str(cm.exception))
        self.assertIn("nonexistent-dir", str(cm.exception))

    def test_unsupported_size_is_a_status(self):
        s = self.server("unix-dgram", os.path.join(self.dir, "d.sock"))
        r = runner.run_client(BINARY, [], runner.ClientSpec("unix-dgram", s.addr, None,
                                                            "throughput", 1 << 30, **SHORT))
        self.assertEqual((r.status, r.returncode), ("unsupported", 4))
        self.assertTrue(r.note)

    def test_no_server_is_an_error(self):
        r = runner.run_client(BINARY, [], runner.ClientSpec(
            "unix-stream", os.path.join(self.dir, "none.sock"), None, "latency", 100, **SHORT))
        self.assertEqual((r.status, r.returncode), ("error", 1))
        self.assertIn("none.sock", r.note)

    def test_usage_error_is_an_error_with_reason(self):
        r = runner.run_client(BINARY, [], runner.ClientSpec("no-such-kind", "x", None, "latency",
                                                            100, **SHORT))
        self.assertEqual(r.status, "error")
        self.assertTrue(r.note.startswith("client usage error:"), r.note)


class TestPlotWarnings(unittest.TestCase):
    def run_plots(self, script, which="/usr/bin/gnuplot"):
        repo = tempfile.mkdtemp(prefix="ipcperf-test-")
        self.addCleanup(shutil.rmtree, repo, True)
        os.makedirs(os.path.join(repo, "plots"))
        with open(os.path.join(repo, "plots", "draw.py"), "w") as f:
            f.write(script)
        run = app.Run(cfg=None, repo=repo, binary=BINARY, out_dir=repo)
        buf = io.StringIO()
        with mock.patch.object(app.shutil, "which", return_value=which), redirect_stderr(buf):
            run._plots()
        return buf.getvalue()

    def test_drawing_fails(self):
        text = self.run_plots("import sys\nsys.exit('draw: no gnuplot terminal svg')\n")
        self.assertEqual(text.count("\n"), 1, text)
        self.assertIn("warning: drawing the plots failed: draw: no gnuplot terminal svg", text)

    def test_no_gnuplot(self):
        text = self.run_plots("raise SystemExit(0)\n", which=None)
        self.assertEqual(text.count("\n"), 1, text)
        self.assertIn("gnuplot not found", text)

    def test_no_gnuplot_still_writes_the_report(self):
        # the real plots/draw.py on a fixture, with no gnuplot on PATH: app
        # used to return before running it, so no report.md was written
        tmp = tempfile.mkdtemp(prefix="ipcperf-test-")
        self.addCleanup(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "run")
        shutil.copytree(os.path.join(REPO, "tests", "fixtures", "run-small"), out)
        run = app.Run(cfg=None, repo=REPO, binary=BINARY, out_dir=out)
        buf = io.StringIO()
        with mock.patch.dict(os.environ, {"PATH": "/nonexistent"}), redirect_stderr(buf):
            run._plots()
        text = buf.getvalue()
        self.assertEqual(text.count("\n"), 1, text)
        self.assertIn("gnuplot not found", text)
        with open(os.path.join(out, "report.md")) as f:
            report = f.read()
        self.assertIn("## Findings", report)
        self.assertIn("Figures were not drawn", report)
        self.assertFalse([f for f in os.listdir(out) if f.endswith((".png", ".svg"))])

    def test_success_is_quiet(self):
        self.assertEqual(self.run_plots("pass\n"), "")


if __name__ == "__main__":
    unittest.main()
