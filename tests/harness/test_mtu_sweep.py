"""--mtu as a sweep axis, for real: the transports that make links are
measured at each MTU (their links set between points), the others once;
each row records its MTU, and the kernel's segment counts show the MTU was
in force. Root and bench/ipcperf needed. Timings are never asserted."""

import json
import os

from tests.harness import util
from tests.harness.util import harness, leftovers, needs_binary, needs_root, rows

FAST = ["--no-plots", "--duration", "0.15", "--warmup", "0.03", "--reps", "1"]


@needs_binary
@needs_root
class TestMtuSweep(util.TempDirCase):
    def test_links_at_each_mtu(self):
        out = self.out()
        p = harness(["--transport", "lo,veth,bridge,vxlan,macvlan", "--mtu", "1500,9000",
                     "--size", "64K", "--mode", "throughput", "--out", out] + FAST, timeout=180)
        self.assertNotIn("Traceback", p.stderr)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "meta.json")) as f:
            meta = json.load(f)
        got = {(r["transport"], r["mtu"]): r for r in rows(out)}
        want = {("lo", "65536"), ("veth", "1500"), ("veth", "9000"), ("bridge", "1500"),
                ("bridge", "9000"), ("vxlan", "1450"), ("vxlan", "8950"),
                ("macvlan", "1500"), ("macvlan", "9000")}
        self.assertEqual(set(got), want - {k for k in want if k[0] in meta["skipped"]})
        self.assertEqual(len(rows(out)), len(got))                  # lo once, not per MTU
        for (t, mtu), r in got.items():
            self.assertEqual(r["status"], "ok", (t, mtu, r["note"]))
        for t in ("veth", "bridge", "vxlan"):
            small = float(got[(t, "1450" if t == "vxlan" else "1500")]["tcp_data_segs_per_msg"])
            big = float(got[(t, "8950" if t == "vxlan" else "9000")]["tcp_data_segs_per_msg"])
            # 64 KiB in MSS-sized segments: about 45 at 1500, about 8 at 9000
            self.assertGreater(small, 30, t)
            self.assertLess(big, 12, t)
        self.assertEqual(meta["settings"]["mtu"], [1500, 9000])
        self.assertEqual(meta["counters"]["veth"], {"netns": "separate", "mtu_swept": True})
        self.assertEqual(meta["counters"]["lo"], {"netns": "shared", "mtu_swept": False})
        summary = rows(out, "summary.csv")
        self.assertEqual(len(summary), len(got))
        self.assertEqual(leftovers(meta["run_id"]), [])
