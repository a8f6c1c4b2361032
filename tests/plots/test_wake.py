"""report.md's "Wake-up and placement" section (plots/wake.py) on the fixture
run-wake (uds, lo, veth, shm; sync, epoll, busy; split and same; 3 reps).
Every number a test expects is recomputed here from results.csv's raw
columns: with 3 reps against 3 an interval is the full range of the
pairwise ratios, at 90%."""
import os
import statistics
import sys
import unittest

from tests.plots.test_draw import FIXTURES, GNUPLOT, ROOT, DrawnFixture, read_csv

sys.path.insert(0, os.path.join(ROOT, "plots"))
import rundir  # noqa: E402
import twins  # noqa: E402
import wake  # noqa: E402
from harness.wording import count, duration_ns, fx, pct  # noqa: E402

CELLS = [(io, cpus) for io in ("sync", "epoll", "busy") for cpus in ("split", "same")]
WORDS = {"split": "split cores", "same": "same core"}


def reps(run_dir, transport, io, cpus, mode, size):
    return [r for r in read_csv(os.path.join(run_dir, "results.csv"))
            if (r["transport"], r["io"], r["cpus"], r["mode"], int(r["size_bytes"]))
            == (transport, io, cpus, mode, size) and r["status"] == "ok"]


def col(rows, name):
    return [float(r[name]) for r in rows]


def full_range(a, b):
    """a ÷ b with 3 reps each: (ratio of medians, min a / max b, max a / min b)."""
    return statistics.median(a) / statistics.median(b), min(a) / max(b), max(a) / min(b)


def table_rows(report, heading):
    """{first cell: {column head: cell}} of the first table after heading."""
    part = report.split(heading + "\n", 1)[1]
    lines = [l for l in part.split("\n\n") if l.startswith("|")][0].splitlines()
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    out = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        out.setdefault(tuple(cells[:3]), dict(zip(head, cells)))
    return out


@unittest.skipUnless(GNUPLOT, "gnuplot not installed")
class WakeRun(DrawnFixture, unittest.TestCase):
    FIXTURE = "run-wake"

    def p50s(self, t, io, cpus, size=100):
        return col(reps(self.rundir, t, io, cpus, "latency", size), "lat_p50_ns")

    def test_draws_quietly_and_in_order(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stderr, "")
        self.assertLess(self.report.index("## Findings"), self.report.index("## Wake-up and placement"))
        self.assertLess(self.report.index("## Wake-up and placement"), self.report.index("## Why"))

    def test_wake_up_share_from_the_reps(self):
        # (sync - busy) / sync = 1 - busy/sync; its interval is 1 minus the
        # full range of busy/sync, at 90% with 3 reps against 3
        rows = table_rows(self.report, "### The wake-up share of the round trip")
        for t, size in (("uds", 100), ("lo", 100), ("shm", 65536)):
            sync, busy = self.p50s(t, "sync", "split", size), self.p50s(t, "busy", "split", size)
            r, lo, hi = full_range(busy, sync)
            want = "%s (90%% CI %s to %s)" % (pct(1 - r), pct(1 - hi), pct(1 - lo))
            row = rows[(t, "split cores", "100 B" if size == 100 else "64 KiB")]
            self.assertEqual(row["wake-up share, (sync − busy) ÷ sync"], want)
            self.assertEqual(row["p50, busy"], duration_ns(statistics.median(busy)))
            self.assertGreater(1 - hi, 0.2)         # the fixture's wake-up is a real share

    def test_context_switches_back_it_up(self):
        rows = table_rows(self.report, "### The wake-up share of the round trip")
        per = lambda rs: statistics.median(
            (float(r["client_vcsw"]) + float(r["server_vcsw"])) / float(r["messages"]) for r in rs)
        sync = per(reps(self.rundir, "uds", "sync", "split", "latency", 100))
        busy = per(reps(self.rundir, "uds", "busy", "split", "latency", 100))
        self.assertAlmostEqual(sync, 2.0, places=2)            # one sleep per side
        self.assertLess(busy, 0.001)                            # spinning: none
        self.assertEqual(rows[("uds", "split cores", "100 B")]
                         ["context switches per round trip, sync → busy"],
                         "%s → %s" % (count(sync), count(busy)))
        self.assertEqual(count(busy), "< 0.001")

    def test_share_sentence_names_the_extremes(self):
        shares = {}
        for t in ("uds", "lo", "veth", "shm"):
            sync, busy = self.p50s(t, "sync", "split"), self.p50s(t, "busy", "split")
            shares[t] = 1 - full_range(busy, sync)[0]
        lo, hi = min(shares, key=shares.get), max(shares, key=shares.get)
        line = next(l for l in self.report.splitlines()
                    if l.startswith("- At 100 B, split cores, the wake-up is from"))
        self.assertIn("from %s (%s, 90%% CI" % (pct(shares[lo]), lo), line)
        self.assertIn("to %s (%s, 90%% CI" % (pct(shares[hi]), hi), line)

    def test_shm_busy_is_named_the_floor(self):
        self.assertIn("shm with busy I/O is the floor", self.report)
        floor = self.p50s("shm", "busy", "split")
        uds = self.p50s("uds", "busy", "split")
        r, lo, hi = full_range(uds, floor)
        line = next(l for l in self.report.splitlines() if l.startswith("- 100 B, split cores:"))
        self.assertIn("%s per round trip (p50)" % duration_ns(statistics.median(floor)), line)
        self.assertIn("uds %s× (90%% CI %s–%s)" % (fx(r), fx(lo), fx(hi)), line)
        self.assertGreater(lo, 1)                   # the floor is below every socket

    def test_claim_cells_and_their_direction(self):
        rows = table_rows(self.report, "### The headline claims, by wake mode and placement")
        row = rows[("uds vs lo", "latency", "100 B")]
        # on one core, blocking, lo is faster: lo's p50 over uds's, flipped
        r, lo, hi = full_range(self.p50s("uds", "sync", "same"), self.p50s("lo", "sync", "same"))
        self.assertGreater(lo, 1)
        self.assertEqual(row["sync, same core"], "lo %s× (90%% CI %s–%s)" % (fx(r), fx(lo), fx(hi)))
        # split, blocking: uds is faster
        r, lo, hi = full_range(self.p50s("lo", "sync", "split"), self.p50s("uds", "sync", "split"))
        self.assertGreater(lo, 1)
        self.assertEqual(row["sync, split cores"], "uds %s× (90%% CI %s–%s)" % (fx(r), fx(lo), fx(hi)))
        r, lo, hi = full_range(self.p50s("lo", "epoll", "same"), self.p50s("uds", "epoll", "same"))
        self.assertTrue(lo <= 1 <= hi)
        self.assertEqual(row["epoll, same core"], "not resolved (90%% CI %s–%s)" % (fx(lo), fx(hi)))

    def test_seed_claim_holds_only_where_2x_is_inside(self):
        rows = table_rows(self.report, "### The headline claims, by wake mode and placement")
        seed = rows[("uds ≈ 2× lo (the seed's claim)", "latency", "100 B")]
        r, lo, hi = full_range(self.p50s("lo", "busy", "split"), self.p50s("uds", "busy", "split"))
        self.assertTrue(lo <= 2 <= hi)
        self.assertEqual(seed["busy, split cores"], "holds (2× inside the CI)")
        self.assertEqual(seed["sync, same core"], "no: lo is faster")
        self.assertEqual(seed["sync, split cores"], "no: uds faster, by less than 2×")
        self.assertIn("holds (2× inside the interval) in 1 of those 20 (latency 100 B, busy, "
                      "split cores).", self.report)

    def test_tally_matches_every_cell(self):
        # uds vs lo over every mode, size and cell, judged here by hand
        wins = {"uds": [], "lo": [], None: []}
        for mode, metric in (("throughput", "bytes_per_s"), ("latency", "lat_p50_ns")):
            for size in (100, 65536):
                for io, cpus in CELLS:
                    u = col(reps(self.rundir, "uds", io, cpus, mode, size), metric)
                    l = col(reps(self.rundir, "lo", io, cpus, mode, size), metric)
                    if not u or not l:
                        continue
                    _, lo, hi = full_range(u, l) if mode == "throughput" else full_range(l, u)
                    wins["uds" if lo > 1 else "lo" if hi < 1 else None].append((mode, size, io, cpus))
        total = sum(map(len, wins.values()))
        self.assertEqual(total, 20)                 # busy on one core: unsupported
        self.assertIn("**uds vs lo**, over the %d cells measured: uds is faster in %d; lo is "
                      "faster in %d (latency 100 B, sync, same core); no difference is "
                      "resolved in %d (latency 100 B, epoll, same core)." % (
                          total, len(wins["uds"]), len(wins["lo"]), len(wins[None])),
                      self.report)
        self.assertEqual(wins["lo"], [("latency", 100, "sync", "same")])

    def test_unsupported_cell_is_named_with_its_reason(self):
        self.assertIn("Not in the table: busy, same core: unsupported — io busy never sleeps",
                      self.report)
        head = self.report.split("### The headline claims")[1].split("\n| claim |")[1].split("\n")[0]
        self.assertNotIn("busy, same core", head)


class NoSection(unittest.TestCase):
    """Runs without epoll or busy, or without a twin, have neither section:
    their report.md is as it was (the schema-3 fixtures draw byte for byte
    as before this section existed)."""

    def test_older_runs(self):
        for name in ("run-small", "run-gaps", "run-axes", "run-why"):
            run = rundir.Run(os.path.join(FIXTURES, name))
            self.assertIsNone(wake.wake_section(run), name)
            self.assertIsNone(twins.twins_section(run), name)

    def test_twins_are_not_a_wake_run(self):
        run = rundir.Run(os.path.join(FIXTURES, "run-twins"))
        self.assertIsNone(wake.wake_section(run))


class OtherShapes(unittest.TestCase):
    """A run that also has points of several flows or larger replies: the
    section's table is of the plain points, whichever came first."""

    def test_a_point_of_two_flows_is_not_taken_for_the_plain_one(self):
        def point(flows, resp):
            return {"series": "uds", "io": "busy", "cpus": "split", "mode": "latency",
                    "size": 100, "size_bytes": "100", "resp_size_bytes": str(resp),
                    "flows": str(flows), "status": "ok", "reps_ok": "3"}
        plain_one = point(1, 100)
        run = type("Run", (), {"summary": [point(2, 100), point(1, 65536), plain_one]})()
        self.assertIs(wake.Points(run).get("uds", "busy", "split", "latency", 100), plain_one)
