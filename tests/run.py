#!/usr/bin/env python3
"""Run every test of ipcperf and end with one line `N passed, N failed, N skipped`.

  python3 tests/run.py              # all suites (what `make test` runs)
  python3 tests/run.py integration  # only the suites named

Suites: the C unit tests (tests/bin/test_*, built by `make unit`, TAP),
then the python unittest suites under tests/<suite>/.
"""
import os
import subprocess
import sys
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY_SUITES = ["integration", "harness", "plots", "compare"]


def run_c_units():
    """Run each TAP binary; returns (passed, failed)."""
    passed = failed = 0
    for binary in sorted((ROOT / "tests" / "bin").glob("test_*")):
        if binary.suffix or not os.access(binary, os.X_OK):
            continue
        proc = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120)
        lines = proc.stdout.splitlines()
        ok = sum(1 for line in lines if line.startswith("ok "))
        bad = [line for line in lines if line.startswith("not ok ")]
        if proc.returncode and not bad:
            bad = [f"not ok - {binary.name} exited {proc.returncode}: {proc.stderr.strip()}"]
        for line in bad:
            print(f"FAIL unit/{binary.name}: {line}")
        print(f"unit/{binary.name}: {ok} passed, {len(bad)} failed")
        passed += ok
        failed += len(bad)
    return passed, failed


def run_py_suite(name):
    """Discover and run tests/<name>; returns (passed, failed, skipped)."""
    start_dir = ROOT / "tests" / name
    if not start_dir.is_dir():
        return 0, 0, 0
    suite = unittest.defaultTestLoader.discover(str(start_dir), top_level_dir=str(ROOT))
    runner = unittest.TextTestRunner(verbosity=1, stream=sys.stdout)
    started = time.monotonic()
    result = runner.run(suite)
    skipped = len(result.skipped)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - skipped
    print(f"{name}: {passed} passed, {failed} failed, {skipped} skipped "
          f"({time.monotonic() - started:.0f} s)")
    return passed, failed, skipped


def main(argv):
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    wanted = argv or ["unit"] + PY_SUITES
    passed = failed = skipped = 0
    if "unit" in wanted:
        p, f = run_c_units()
        passed, failed = passed + p, failed + f
    for name in PY_SUITES:
        if name in wanted:
            p, f, s = run_py_suite(name)
            passed, failed, skipped = passed + p, failed + f, skipped + s
    if passed + failed == 0:
        print("no tests ran")
        return 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
