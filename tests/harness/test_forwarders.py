"""The forwarder columns (harness/forwarders.py) and the launcher's argv
rewriting (harness/launcher.py), on made-up records and specs: no runtime
needed."""

import unittest

from harness import forwarders, launcher, results


class TestDerive(unittest.TestCase):
    RECORD = {"forwarder_user_s": 0.02, "forwarder_sys_s": 0.18, "messages": 1000}

    def test_a_forwarders_columns(self):
        got = forwarders.derive(self.RECORD, "docker-proxy")
        self.assertEqual(got["forwarder"], "docker-proxy")
        self.assertAlmostEqual(got["forwarder_cpu_s"], 0.2)
        self.assertAlmostEqual(got["forwarder_cpu_ns_per_msg"], 200000.0)

    def test_empty_without_a_forwarder(self):
        # a path without one, and a record without the figures: empty, never 0
        for record, transport in ((self.RECORD, "docker-publish"), ({}, "pasta"),
                                  ({"forwarder_user_s": None, "forwarder_sys_s": 0.1},
                                   "slirp4netns")):
            self.assertEqual(set(forwarders.derive(record, transport).values()), {None})

    def test_in_the_row(self):
        point = {"transport": "pasta", "socket": "tcp", "io": "sync", "cpus": "split",
                 "mode": "latency", "size_bytes": 100}
        row = results.make_row("ab12", point, 1, "ok", dict(self.RECORD, elapsed_s=0.5),
                               "", 1, 65536, netns_shared=False)
        self.assertEqual((row["forwarder"], row["forwarder_cpu_s"]), ("pasta", "0.2"))
        row = results.make_row("ab12", dict(point, transport="lo"), 1, "ok", self.RECORD,
                               "", 1, 65536)
        self.assertEqual(row["forwarder_cpu_s"], "")


class TestLauncherArgs(unittest.TestCase):
    SPEC = {"docker": ["docker", "-H", "unix:///x.sock"], "name": "ipcp-ab12-db",
            "options": ["--network", "ipcp-ab12-dn"], "image": "ipcp-ab12-img",
            "program": "/ipcperf", "port": 5201}
    ARGS = ["--socket", "tcp", "--addr", "0.0.0.0", "--ready-fd", "7", "--port", "0",
            "--cpu", "1"]

    def test_server_in_a_container(self):
        name, argv, ready = launcher.container_args(self.SPEC, self.ARGS)
        self.assertEqual(ready, 7)
        self.assertRegex(name, r"^ipcp-ab12-db-\d+$")
        tail = argv[argv.index("/ipcperf"):]
        # the ready line goes to the container's stdout; the published port last
        self.assertEqual(tail, ["/ipcperf", "server", "--socket", "tcp", "--addr", "0.0.0.0",
                                "--ready-fd", "1", "--port", "0", "--cpu", "1",
                                "--port", "5201"])
        self.assertEqual(argv[:7], ["docker", "-H", "unix:///x.sock", "run", "--rm",
                                    "--name", name])

    def test_options(self):
        self.assertEqual(launcher.option(self.ARGS + ["--port", "9"], "--port"), "9")
        self.assertIsNone(launcher.option(self.ARGS, "--verify"))
        self.assertEqual(launcher.replace_option(["--a", "1", "--b", "2"], "--b", "3"),
                         ["--a", "1", "--b", "3"])


if __name__ == "__main__":
    unittest.main()
