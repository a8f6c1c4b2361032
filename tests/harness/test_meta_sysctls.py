"""meta.json records the busy-polling sysctls (issue 13): SO_BUSY_POLL is
not an io mode (loopback and Unix sockets have no NAPI device to poll), but
a machine that sets net.core.busy_poll/busy_read globally changes what a
blocking receive does, so a run must say what they were."""
import os
import unittest

from harness import meta

BUSY = ("net.core.busy_poll", "net.core.busy_read")


class BusyPollSysctlsTest(unittest.TestCase):
    def test_listed(self):
        for name in BUSY:
            self.assertIn(name, meta.SYSCTLS)

    @unittest.skipUnless(os.path.exists("/proc/sys/net/core/busy_poll"),
                         "kernel without CONFIG_NET_RX_BUSY_POLL")
    def test_read_from_proc(self):
        got = meta.read_sysctls()
        for name in BUSY:
            with open("/proc/sys/" + name.replace(".", "/")) as f:
                self.assertEqual(got[name], f.read().strip())


if __name__ == "__main__":
    unittest.main()
