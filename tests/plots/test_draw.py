"""plots/draw.py (and the modules it drives) and the gnuplot scripts, run on
the committed fixture runs.

    python3 -m unittest discover -s tests/plots -t .

Each fixture is copied to a temporary directory and drawn once per class; the
figures are then checked as files (PNG header and IHDR, SVG parsed), the plot
data for gaps, and report.md for the speed-ups recomputed here by hand.
"""
import collections
import csv
import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DRAW = os.path.join(ROOT, "plots", "draw.py")
STYLE = os.path.join(ROOT, "plots", "style.gp")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
GNUPLOT = shutil.which("gnuplot")
sys.path.insert(0, os.path.join(ROOT, "plots"))
import comparisons  # noqa: E402
import draw  # noqa: E402
import figures  # noqa: E402
import findings  # noqa: E402
import rundir  # noqa: E402
from harness import stats, transports  # noqa: E402

SMALL_FIGURES = ["throughput", "msgrate", "latency", "speedup-throughput", "speedup-latency",
                 "cpu-throughput", "cpu-latency", "cpustack-throughput", "cpustack-latency",
                 "ladder"]
OKABE_ITO = {"#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#009E73", "#CC79A7", "#000000"}
ALL_TRANSPORTS = ("uds uds-dgram lo hostip veth bridge "                 # today
                  "netns-lo nat vxlan tcp6 udp uds-seqpacket pipe shm").split()   # later


def copy_fixture(name):
    tmp = tempfile.mkdtemp(prefix="ipcperf-plots-")
    dst = os.path.join(tmp, name)
    shutil.copytree(os.path.join(FIXTURES, name), dst)
    return tmp, dst


def run_draw(run_dir, *args, env=None):
    return subprocess.run([sys.executable, DRAW, run_dir, *args], capture_output=True, text=True,
                          timeout=300, env=env)


class DrawnFixture:
    """Mixin: copy tests/fixtures/<FIXTURE>, draw it once for the class with
    DRAW_ARGS, keep the result (proc, rundir, report), remove it after."""
    FIXTURE = None
    DRAW_ARGS = ()

    @classmethod
    def prepare(cls, run_dir):
        """What a class does to its copy of the fixture before drawing it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.rundir = copy_fixture(cls.FIXTURE)
        cls.prepare(cls.rundir)
        cls.proc = run_draw(cls.rundir, *cls.DRAW_ARGS)
        with open(os.path.join(cls.rundir, "report.md")) as f:
            cls.report = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)


def png_size(path):
    """(width, height) of a PNG whose signature and IHDR chunk are valid."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "%s: not a PNG signature" % path
    length, ctype = struct.unpack(">I4s", data[8:16])
    assert ctype == b"IHDR" and length == 13, "%s: first chunk is not IHDR" % path
    ihdr = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(ctype + ihdr) == crc, "%s: IHDR CRC mismatch" % path
    assert data[-12:-4] == b"\x00\x00\x00\x00IEND", "%s: no IEND at the end" % path
    return struct.unpack(">II", ihdr[:8])


def svg_text(path):
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", "%s: root is %s" % (path, root.tag)
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def gnuplot_table(program):
    """Rows (x, y, type) gnuplot computes for a plot, via `set table`."""
    fd, out = tempfile.mkstemp(suffix=".tab")
    os.close(fd)
    try:
        p = subprocess.run([GNUPLOT], input=program.replace("@TABLE@", out), capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        rows = []
        with open(out) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and not line.startswith("#"):
                    rows.append((parts[0], parts[1], parts[2]))
        return rows
    finally:
        if os.path.exists(out):
            os.remove(out)


def reps(run_dir, transport, mode, size, metric):
    return [float(r[metric]) for r in read_csv(os.path.join(run_dir, "results.csv"))
            if r["transport"] == transport and r["mode"] == mode and int(r["size_bytes"]) == size
            and r["status"] == "ok" and r["io"] == "sync" and r["cpus"] == "split"]


class FigureChecks:
    """Mixed into the per-fixture classes below."""

    def check_figures(self, names):
        for name in names:
            with self.subTest(figure=name):
                w, h = png_size(os.path.join(self.rundir, name + ".png"))
                self.assertTrue(800 <= w <= 1200 and 400 <= h <= 1000, (w, h))
                text = svg_text(os.path.join(self.rundir, name + ".svg"))
                # the title names the machine
                self.assertIn("Xeon E5-2690 v4", text)
                self.assertIn("Linux 6.1.0-18-amd64", text)
                # units in the axis labels
                if name.startswith("cpustack"):       # bars per transport, linear
                    self.assertIn("(µs)", text)
                    continue
                self.assertIn("(µs, log scale)" if name.startswith(("latency", "ladder", "cpu"))
                              else "log scale)", text)
                if name != "ladder":
                    self.assertIn("message size (bytes, log scale)", text)


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class SmallRun(DrawnFixture, FigureChecks, unittest.TestCase):
    FIXTURE = "run-small"

    def test_exit_and_quiet(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stderr, "")          # no gnuplot warnings either

    def test_every_figure_png_and_svg(self):
        self.check_figures(SMALL_FIGURES)
        self.assertIn("uds", svg_text(os.path.join(self.rundir, "throughput.svg")))

    def test_report_has_every_figure(self):
        for name in SMALL_FIGURES:
            self.assertIn("](%s.png)" % name, self.report)

    def test_report_speedup_with_interval(self):
        # uds over lo at 100 B, recomputed by hand: with 3 reps each the
        # interval is [min a / max b, max a / min b] at 90%; the point is the
        # ratio of the medians
        a = reps(self.rundir, "uds", "throughput", 100, "bytes_per_s")
        b = reps(self.rundir, "lo", "throughput", 100, "bytes_per_s")
        self.assertEqual((len(a), len(b)), (3, 3))
        ratio = statistics.median(a) / statistics.median(b)
        lo, hi = min(a) / max(b), max(a) / min(b)
        want = "uds carries 100 B messages %.2f× faster than lo (90%% CI %.2f–%.2f)" % (ratio, lo, hi)
        self.assertIn(want, self.report)
        # latency: lo's p50 over uds's
        a = reps(self.rundir, "lo", "latency", 100, "lat_p50_ns")
        b = reps(self.rundir, "uds", "latency", 100, "lat_p50_ns")
        want = "uds completes a 100 B round trip %.2f× faster than lo (90%% CI %.2f–%.2f)" % (
            statistics.median(a) / statistics.median(b), min(a) / max(b), max(a) / min(b))
        self.assertIn(want, self.report)

    def test_speedup_plotdata_matches(self):
        rows = read_csv(os.path.join(self.rundir, "plotdata", "speedup-throughput.csv"))
        row = next(r for r in rows if r["series"] == "uds" and r["size_bytes"] == "100")
        a = reps(self.rundir, "uds", "throughput", 100, "bytes_per_s")
        b = reps(self.rundir, "lo", "throughput", 100, "bytes_per_s")
        self.assertAlmostEqual(float(row["ratio"]), statistics.median(a) / statistics.median(b))
        self.assertAlmostEqual(float(row["ratio_ci_low"]), min(a) / max(b))
        self.assertAlmostEqual(float(row["ratio_ci_high"]), max(a) / min(b))
        self.assertEqual({r["series"] for r in rows}, {"uds", "veth"})     # not the baseline

    def test_schema_3_run_draws_as_before(self):
        # no canary.csv, no interference or precision columns: nothing of
        # schema 4 appears (test_schema4.py draws the same run with them)
        self.assertFalse(os.path.exists(os.path.join(self.rundir, "canary.png")))
        for text in ("canary", "Caveat", "### Precision", "### Interference", "### Drift",
                     "A/B run"):
            self.assertNotIn(text, self.report)

    def test_report_sections(self):
        for s in ("## Findings", "## Figures", "## Summary", "## Machine", "## Method",
                  "Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz", "6.1.0-18-amd64",
                  "| uds | sync | split | 100 B | ok |"):
            self.assertIn(s, self.report)

    def test_cpu_per_message_from_reps(self):
        rows = read_csv(os.path.join(self.rundir, "plotdata", "cpu-throughput.csv"))
        row = next(r for r in rows if r["series"] == "lo" and r["size_bytes"] == "65536")
        res = [r for r in read_csv(os.path.join(self.rundir, "results.csv"))
               if r["transport"] == "lo" and r["mode"] == "throughput" and r["size_bytes"] == "65536"]
        per = sorted(float(r["server_cpu_s"]) * 1e9 / float(r["messages"]) for r in res)
        for col, want in (("median", per[1]), ("ci_low", per[0]), ("ci_high", per[2])):
            self.assertTrue(math.isclose(float(row["server_cpu_ns_per_msg_" + col]), want, rel_tol=1e-9))

    def test_redraw_is_idempotent(self):
        p = run_draw(self.rundir)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(self.rundir, "report.md")) as f:
            self.assertEqual(f.read(), self.report)


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class GapsRun(DrawnFixture, FigureChecks, unittest.TestCase):
    """uds-dgram unsupported at 1 MiB and 4 MiB, lo latency at 64 KiB failed,
    lo throughput at 100 B partial, veth (and others) skipped."""

    FIXTURE = "run-gaps"

    def test_draws_without_error(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stderr, "")
        self.check_figures(SMALL_FIGURES)

    def test_unsupported_point_is_an_empty_cell_not_zero(self):
        rows = read_csv(os.path.join(self.rundir, "plotdata", "throughput.csv"))
        gap = [r for r in rows if r["series"] == "uds-dgram" and r["size_bytes"] == "1048576"]
        self.assertEqual(len(gap), 1)
        for col in ("bytes_per_s_median", "bytes_per_s_ci_low", "msgs_per_s_median"):
            self.assertEqual(gap[0][col], "")
        # nothing anywhere is drawn as a zero
        for name in os.listdir(os.path.join(self.rundir, "plotdata")):
            for r in read_csv(os.path.join(self.rundir, "plotdata", name)):
                for k, v in r.items():
                    if k not in ("series", "percentile") and v != "":
                        self.assertNotEqual(float(v), 0.0, (name, r))

    def test_failed_point_is_a_gap(self):
        rows = read_csv(os.path.join(self.rundir, "plotdata", "latency.csv"))
        gap = next(r for r in rows if r["series"] == "lo" and r["size_bytes"] == "65536")
        self.assertEqual(gap["lat_p50_ns_median"], "")
        rows = read_csv(os.path.join(self.rundir, "plotdata", "speedup-latency.csv"))
        gap = next(r for r in rows if r["series"] == "uds-dgram" and r["size_bytes"] == "1048576")
        self.assertEqual(gap["ratio"], "")

    def test_gnuplot_breaks_the_line_at_the_gap(self):
        # What style.gp's num()/xof() make of the data: the gap is an undefined
        # point (type u), which ends the line; it is never a point at 0.
        prog = ('load "%s"\nset table "@TABLE@"\n'
                'plot "%s" using (xof("lo", "size_bytes")):(num("lat_p50_ns_median")) with lines\n'
                'unset table\n' % (STYLE, os.path.join(self.rundir, "plotdata", "latency.csv")))
        rows = gnuplot_table(prog)
        at = [r for r in rows if r[0] == "65536"]
        self.assertEqual(len(at), 1)
        self.assertEqual(at[0][2], "u")
        self.assertEqual(len([r for r in rows if r[2] == "i"]), 2)     # 100 B and 1 MiB

    def test_missing_transport_has_no_series(self):
        for name in os.listdir(os.path.join(self.rundir, "plotdata")):
            series = {r["series"] for r in read_csv(os.path.join(self.rundir, "plotdata", name))}
            self.assertNotIn("veth", series, name)
        self.assertNotIn("veth", svg_text(os.path.join(self.rundir, "throughput.svg")).split())

    def test_report_lists_what_was_not_measured(self):
        self.assertIn("uds-dgram, throughput (sync, split) at 1 MiB, 4 MiB: unsupported", self.report)
        self.assertIn("lo, latency (sync, split) at 64 KiB: error", self.report)
        self.assertIn("veth: skipped — cannot create network namespaces", self.report)
        self.assertIn("partial (2/3 reps)", self.report)
        # lo has 2 ok reps at 100 B: 3 vs 2 reach only 80%, so no claim there
        self.assertIn("too few ok reps for a 90% interval at 100 B", self.report)
        self.assertNotIn("uds carries 100 B messages", self.report)


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class AxesRun(DrawnFixture, FigureChecks, unittest.TestCase):
    """io sync,uring and cpus split,same: the ratio figures."""

    FIXTURE = "run-axes"
    DRAW_ARGS = ("--baseline", "uds", "--size", "64KiB")

    def test_ratio_figures(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.check_figures(SMALL_FIGURES + [
            "ratio-io-uring-vs-sync-throughput", "ratio-io-uring-vs-sync-latency",
            "ratio-cpus-same-vs-split-throughput", "ratio-cpus-same-vs-split-latency"])

    def test_options(self):
        # --baseline uds: the speed-up figures are over uds; --size 64KiB: the ladder
        self.assertIn("Speed-up over uds", svg_text(os.path.join(self.rundir, "speedup-throughput.svg")))
        self.assertIn("at 64 KiB", svg_text(os.path.join(self.rundir, "ladder.svg")))
        rows = read_csv(os.path.join(self.rundir, "plotdata", "speedup-throughput.csv"))
        self.assertEqual({r["series"] for r in rows}, {"lo"})

    def test_uring_ratio_from_reps(self):
        res = read_csv(os.path.join(self.rundir, "results.csv"))
        get = lambda io: [float(r["bytes_per_s"]) for r in res if r["transport"] == "lo" and r["io"] == io
                          and r["cpus"] == "split" and r["mode"] == "throughput" and r["size_bytes"] == "100"]
        a, b = get("uring"), get("sync")
        rows = read_csv(os.path.join(self.rundir, "plotdata", "ratio-io-uring-vs-sync-throughput.csv"))
        row = next(r for r in rows if r["series"] == "lo" and r["size_bytes"] == "100")
        self.assertAlmostEqual(float(row["ratio"]), statistics.median(a) / statistics.median(b))
        self.assertAlmostEqual(float(row["ratio_ci_low"]), min(a) / max(b))
        self.assertIn("**lo, uring vs sync**, throughput", self.report)


class Failures(unittest.TestCase):
    def test_bad_run_dir(self):
        for bad in ("/nonexistent/run", FIXTURES):
            p = run_draw(bad)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertNotIn("Traceback", p.stderr)

    def test_bad_options(self):
        tmp, run = copy_fixture("run-small")
        try:
            for args in (["--baseline", "nope"], ["--size", "7"], ["--size", "x"]):
                p = run_draw(run, *args)
                self.assertEqual(p.returncode, 2, args)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_gnuplot_missing(self):
        tmp, run = copy_fixture("run-small")
        try:
            p = run_draw(run, env=dict(os.environ, PATH="/nonexistent"))
            self.assertEqual(p.returncode, 4)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertIn("gnuplot not found", p.stderr)
            with open(os.path.join(run, "report.md")) as f:
                report = f.read()
            self.assertIn("Figures were not drawn", report)
            self.assertIn("## Findings", report)
            self.assertFalse([f for f in os.listdir(run) if f.endswith((".png", ".svg"))])
            self.assertTrue(os.path.exists(os.path.join(run, "results.csv")))
        finally:
            shutil.rmtree(tmp)


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class Style(unittest.TestCase):
    def styles(self, names):
        # as a figure script does: TNAMES from the driver, then style.gp
        prog = 'TNAMES = "%s"\nload "%s"\n' % (figures.TNAMES, STYLE) + "".join(
            'print "%s", tcolor("%s"), tpoint("%s"), tdash("%s")\n' % ((n,) * 4) for n in names)
        p = subprocess.run([GNUPLOT], input=prog, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return {line.split()[0]: tuple(line.split()[1:]) for line in p.stderr.splitlines()}

    def test_every_transport_has_its_own_style(self):
        # macvlan and ipvlan were grey fallbacks: style.gp knew 14 of 16 names
        st = self.styles(transports.NAMES)
        for name, (colour, pt, dt) in st.items():
            self.assertIn(colour, OKABE_ITO, name)
        self.assertEqual(len(set(st.values())), len(transports.NAMES), st)

    def test_palette_follows_the_one_list(self):
        """style.gp's columns are transports.NAMES's order: as many of each,
        and its names row is that list (a transport added to one and not
        the other fails here)."""
        with open(STYLE) as f:
            text = f.read()
        names = next(l for l in text.splitlines() if l.startswith("# names:")).split()[2:]
        self.assertEqual(names, list(transports.NAMES))
        prog = 'load "%s"\nprint words(_tcolors), words(_tpoints), words(_tdashes)\n' % STYLE
        p = subprocess.run([GNUPLOT], input=prog, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([int(w) for w in p.stderr.split()], [len(transports.NAMES)] * 3)
        self.assertEqual(figures.TNAMES.split(), list(transports.NAMES))

    def test_one_fixed_distinct_style_per_transport(self):
        st = self.styles(ALL_TRANSPORTS)
        self.assertEqual(set(st), set(ALL_TRANSPORTS))
        for name, (colour, pt, dt) in st.items():
            self.assertIn(colour, OKABE_ITO, name)
        self.assertEqual(len(set(st.values())), len(ALL_TRANSPORTS), st)
        # the six of today have six different colours
        self.assertEqual(len({st[t][0] for t in ALL_TRANSPORTS[:6]}), 6)

    def test_variant_keeps_colour(self):
        st = self.styles(["veth", "veth:mtu9000", "made-up"])
        self.assertEqual(st["veth"][0], st["veth:mtu9000"][0])
        self.assertNotEqual(st["veth"][1:], st["veth:mtu9000"][1:])
        self.assertNotIn(st["made-up"][0], OKABE_ITO)


class Findings(unittest.TestCase):
    R = stats.Ratio

    def comp(self, ratios, sizes=None, label="hostip vs lo", a="hostip", b="lo"):
        ratios = collections.OrderedDict(ratios)
        return comparisons.Comparison(label, a, b, "throughput", ratios, sizes or sorted(ratios))

    def test_within_margin(self):
        c = self.comp([(100, self.R(1.004, 0.991, 1.012, 0.9, 3, 3)),
                       (65536, self.R(0.998, 0.985, 1.016, 0.9, 3, 3))])
        self.assertEqual(findings.describe(c), "**hostip vs lo**, throughput: hostip is within 2% of lo "
                                           "at every size (every 90% CI inside 0.98–1.02).")

    def test_faster_everywhere(self):
        c = self.comp([(100, self.R(2.1, 1.9, 2.3, 0.968, 5, 5)),
                       (65536, self.R(1.5, 1.4, 1.6, 0.968, 5, 5)),
                       (1048576, self.R(1.2, 1.1, 1.3, 0.968, 5, 5))], label="uds vs lo", a="uds")
        self.assertEqual(findings.describe(c), "**uds vs lo**, throughput: uds is faster than lo at every "
                                           "size, by 1.20× at 1 MiB (95% CI 1.10–1.30) to 2.10× at "
                                           "100 B (95% CI 1.90–2.30).")

    def test_mixed_and_unresolved(self):
        c = self.comp([(100, self.R(1.5, 1.2, 1.8, 0.9, 3, 3)),
                       (65536, self.R(1.0, 0.8, 1.2, 0.9, 3, 3)),
                       (1048576, self.R(0.8, 0.7, 0.9, 0.9, 3, 3))])
        d = findings.describe(c)
        self.assertIn("hostip is faster by 1.50× at 100 B (90% CI 1.20–1.80)", d)
        self.assertIn("lo is faster by 1.25× at 1 MiB (90% CI 1.11–1.43)", d)
        self.assertIn("no difference resolved at 64 KiB", d)

    def test_nothing_supported(self):
        c = self.comp([(100, self.R(1.0, 0.8, 1.2, 0.9, 3, 3))])
        self.assertIsNone(findings.describe(c))
        c = self.comp([(100, self.R(3.0, 2.0, 4.0, 0.5, 1, 3))])     # too few reps
        self.assertIsNone(findings.describe(c))

    def test_gap_means_not_every_size(self):
        c = self.comp([(100, self.R(2.0, 1.8, 2.2, 0.9, 3, 3)), (65536, self.R(2.0, 1.8, 2.2, 0.9, 3, 3))],
                      sizes=[100, 65536, 1048576], label="uds-dgram vs lo", a="uds-dgram")
        self.assertIn("at every size both have (100 B, 64 KiB)", findings.describe(c))

    def test_series_order_is_the_transport_list(self):
        # macvlan and ipvlan sorted last, and by name, before they were in the list
        self.assertEqual(rundir.series_order(["ipvlan", "macvlan", "vxlan", "uds", "made-up"]),
                         ["uds", "vxlan", "macvlan", "ipvlan", "made-up"])
        shuffled = sorted(transports.NAMES, reverse=True)
        self.assertEqual(rundir.series_order(shuffled), list(transports.NAMES))
        self.assertEqual(rundir.series_order(["veth:mtu9000", "lo", "veth"]),
                         ["lo", "veth", "veth:mtu9000"])

    def test_sizes_parse_like_the_cli(self):
        self.assertEqual([draw.parse_size(s) for s in ("100", "1K", "64KiB", "1M", "4m")],
                         [100, 1024, 65536, 1 << 20, 4 << 20])
        self.assertEqual([draw.size_label(s) for s in (100, 1024, 65536, 1 << 20, 1500)],
                         ["100 B", "1 KiB", "64 KiB", "1 MiB", "1500 B"])


if __name__ == "__main__":
    unittest.main()
