"""What the tests of the independent reference programs (tests/bin/pingpong,
tests/bin/crr) share: where they are, how they are run, and their usage
rule (exit 2, the usage line on stderr, nothing on stdout)."""
import os
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def helper(name):
    return ROOT / "tests" / "bin" / name


def runner(path):
    """A function that runs the program with arguments (20 s at most)."""
    def run(*args):
        return subprocess.run([str(path), *args], capture_output=True, text=True, timeout=20)
    return run


def needs(path):
    """The skips of a test class of the program at path: built, and two CPUs."""
    built = unittest.skipUnless(path.exists(), f"{path} is not built (make helpers)")
    cpus = unittest.skipUnless(len(os.sched_getaffinity(0)) >= 2, f"{path.name} pins two CPUs")
    return lambda cls: built(cpus(cls))


class UsageChecks:
    """Each of USAGE's argument lists is a usage error (a mixin)."""

    def test_usage(self):
        for args in self.USAGE:
            with self.subTest(args=args):
                p = self.run_helper(*args)
                self.assertEqual(p.returncode, 2)
                self.assertIn("usage:", p.stderr)
                self.assertEqual(p.stdout, "")
