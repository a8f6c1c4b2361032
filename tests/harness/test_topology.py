"""Topology objects are real and go away; the sweeper removes only what
belongs to dead runs."""

import json
import os
import subprocess
import tempfile
import unittest

from harness import names, stale, state, topology, transports
from tests.harness.util import World, leftovers, needs_root, pretend_dead


class TestState(unittest.TestCase):
    def test_liveness(self):
        with tempfile.TemporaryDirectory() as d:
            st = state.RunState.claim(d)
            self.assertEqual(len(st.run_id), 4)
            self.assertTrue(state.is_alive(st.run_id, d))
            self.assertFalse(state.is_alive("zzzz", d))
            # a dead owner: a child that has exited
            p = subprocess.run(["true"], timeout=10)
            dead = {"pid": os.getpid(), "start": "1", "pids": [], "dirs": []}
            with open(os.path.join(d, "dead.json"), "w") as f:
                json.dump(dead, f)              # same PID, other start: PID reused
            self.assertFalse(state.is_alive("dead", d))
            self.assertEqual([r for r, _, _ in state.dead_runs(d)], ["dead"])
            st.release()
            self.assertFalse(state.is_alive(st.run_id, d))
            del p

    def test_start_time(self):
        self.assertIsNotNone(state.start_time(os.getpid()))
        self.assertIsNone(state.start_time(2 ** 22 + 12345))


class TestNames(unittest.TestCase):
    """One registry of the names a run makes, for making and for matching."""

    def test_owner_matches_only_whole_project_names(self):
        self.assertEqual(names.owner("ipcp-k3x9-va"), "k3x9")
        self.assertEqual(names.owner("ipcp-k3x9-nat"), "k3x9")
        for other in ("ipcp-mine-keep", "ipcp-k3x9-keep", "ipcp-k3x9-va-x", "ipcp-k3x9-",
                      "ipcp-K3X9-va", "ipcp-k3x-va", "ipcp-k3x99-va", "xipcp-k3x9-va"):
            self.assertIsNone(names.owner(other), other)

    def test_run_of_reads_the_id_of_any_suffix(self):
        self.assertEqual(names.run_of("ipcp-k3x9-keep"), "k3x9")
        self.assertEqual(names.run_of("ipcp-k3x9-va"), "k3x9")
        self.assertIsNone(names.run_of("ipcp-mine"))
        self.assertIsNone(names.run_of("ipcp-k3x99-va"))

    def test_every_name_fits_a_link_and_is_recognised(self):
        for suffix in names.SUFFIXES:
            name = names.make("k3x9", suffix)
            self.assertLessEqual(len(name), 15, name)        # IFNAMSIZ - 1
            self.assertEqual(names.owner(name), "k3x9")

    def test_unregistered_suffix_is_refused(self):
        with self.assertRaises(ValueError):
            names.make("k3x9", "zz")

    def test_context_records_before_making(self):
        with tempfile.TemporaryDirectory() as d:
            st = state.RunState.claim(d)
            ctx = transports.Context(st.run_id, d, 1500, None, None, state=st)
            name = ctx.name("va")
            with open(st.path) as f:
                self.assertEqual(json.load(f)["names"], [name])
            st.release()


@needs_root
class TestTopology(unittest.TestCase):
    def setUp(self):
        self.st = state.RunState.claim()     # so other runs' sweepers leave us be
        self.rid = self.st.run_id

    def tearDown(self):
        for kind, name in topology.list_named(f"ipcp-{self.rid}-"):
            topology.Host().ip(None, "netns" if kind == "netns" else "link", "del", name,
                               check=False)
        self.st.release()

    def test_veth_pair_made_and_removed(self):
        a, b = f"ipcp-{self.rid}-ta", f"ipcp-{self.rid}-tb"
        with topology.Topology(topology.Host()) as t:
            t.add_netns(a)
            t.add_netns(b)
            t.add_veth(f"ipcp-{self.rid}-t0", a, f"ipcp-{self.rid}-t1", b, mtu=1400)
            t.add_addr(a, f"ipcp-{self.rid}-t0", "198.18.2.1/24")
            t.link_up(a, f"ipcp-{self.rid}-t0")
            self.assertEqual(t.link(a, f"ipcp-{self.rid}-t0")["mtu"], 1400)
            self.assertEqual(t.link(a, "lo")["operstate"], "UNKNOWN")   # lo is up
            self.assertEqual(t.route_dev(a, "198.18.2.9"), f"ipcp-{self.rid}-t0")
            self.assertEqual(sorted(leftovers(self.rid)), [a, b])     # not in host ns
        self.assertEqual(leftovers(self.rid), [])

    def test_sweeper_removes_only_what_dead_runs_recorded(self):
        """In a world of its own (objects there, state files in a temp dir):
        a dead run's recorded namespace goes; a live run's (unmentioned,
        whatever its suffix), a name its record lacks and a name not of the
        project's shape stay."""
        with tempfile.TemporaryDirectory() as d, World() as world:
            live, dead = state.RunState.claim(d), state.RunState.claim(d)
            mine, theirs = live.run_id, dead.run_id
            for st in (live, dead):
                st.add_name(names.make(st.run_id, "va"))
            pretend_dead(dead)
            host = topology.Host(world.prefix())
            made = {f"ipcp-{mine}-va", f"ipcp-{mine}-pr",   # pr: a live run's probe
                    f"ipcp-{theirs}-va", f"ipcp-{theirs}-vb", "ipcp-mine-keep"}
            for name in made:
                host.ip(None, "netns", "add", name)
            lines = stale.sweep(self.rid, d, host)
            self.assertEqual(world.names(), made - {f"ipcp-{theirs}-va"})
            live.release()
        self.assertEqual(lines[0], f"removed 1 object left by dead runs: "
                                   f"netns ipcp-{theirs}-va")
        self.assertIn(f"netns ipcp-{theirs}-vb", lines[1])
        self.assertIn("netns ipcp-mine-keep", lines[1])
        self.assertNotIn(mine, " ".join(lines))
        self.assertEqual(len(lines), 2, lines)
        self.assertFalse(os.path.exists(dead.path))


if __name__ == "__main__":
    unittest.main()
