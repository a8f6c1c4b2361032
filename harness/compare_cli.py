"""compare_cli - the command line of scripts/compare: options, the two runs
loaded and compared (harness/compare.py), the outcome rendered
(harness/compare_render.py), the exit code.

    scripts/compare BASE NEW [--threshold PCT] [--alpha A] [--metric LIST] [--format text|md]

Exit: 0 nothing regressed, 1 something did, 2 bad usage or input (one
line), 130 interrupted.
"""

import argparse
import math
import os
import sys

from . import compare
from .compare_render import render_md, render_text

EXIT_OK, EXIT_REGRESSED, EXIT_USAGE, EXIT_INT = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise compare.InputError(message)


def build_parser(prog="compare"):
    p = _Parser(
        prog=prog,
        description="Compare two ipcperf runs point by point and say what "
                    "regressed, with confidence. BASE and NEW are run "
                    "directories, or their summary.csv (results.csv beside it "
                    "holds the reps).",
        epilog="A change is 'regressed' or 'improved' when it is beyond the "
               "threshold and the two-sided Mann-Whitney U test on the reps gives "
               "p < alpha; beyond the threshold but not significant it is 'noisy'. "
               "Use 5 reps a side: with 2 (--quick) the smallest p is 1/3. "
               "Exit: 0 nothing regressed, 1 something regressed, 2 bad usage or input.")
    p.add_argument("base", metavar="BASE", help="the reference run")
    p.add_argument("new", metavar="NEW", help="the run to check")
    p.add_argument("--threshold", metavar="PCT", default=str(compare.DEFAULT_THRESHOLD),
                   help=f"smallest change that counts, in percent (default "
                        f"{compare.DEFAULT_THRESHOLD:g})")
    p.add_argument("--alpha", metavar="A", default=str(compare.DEFAULT_ALPHA),
                   help=f"significance level of the test (default {compare.DEFAULT_ALPHA:g})")
    p.add_argument("--metric", metavar="LIST", default="primary",
                   help="comma list of primary (each point's own: bytes_per_s for "
                        "throughput, lat_p50_ns for latency) and of "
                        + ", ".join(compare.METRICS) + " (default primary)")
    p.add_argument("--format", choices=("text", "md"), default="text",
                   help="text (default) or md, a Markdown table for a pull request")
    return p


def _number_arg(text, what, lo, hi, bounds):
    """A finite float strictly above lo and at most hi (threshold: from lo)."""
    t = text.strip()
    if what == "--threshold" and t.endswith("%"):
        t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        v = math.nan
    low_ok = v >= lo if what == "--threshold" else v > lo
    if not math.isfinite(v) or not low_ok or v > hi:
        raise compare.InputError(f"bad {what} '{text}' ({bounds})")
    return v


def parse_args(argv, prog="compare"):
    a = build_parser(prog).parse_args(argv)
    a.threshold = _number_arg(a.threshold, "--threshold", 0, 1000,
                              "a percentage from 0 to 1000, e.g. 10")
    a.alpha = _number_arg(a.alpha, "--alpha", 0, 0.5, "above 0 and at most 0.5, e.g. 0.05")
    metrics = [m.strip() for m in a.metric.split(",") if m.strip()]
    if not metrics:
        raise compare.InputError("bad --metric '': name at least one metric")
    for m in metrics:
        if m != "primary" and m not in compare.METRICS:
            raise compare.InputError(f"unknown metric '{m}' (valid: primary, "
                                     f"{', '.join(compare.METRICS)})")
    a.metrics = list(dict.fromkeys(metrics))
    return a


def main(argv=None, prog="compare", out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        a = parse_args(argv, prog)
        base, new = compare.load(a.base), compare.load(a.new)
        rows = compare.compare(base, new, a.metrics, a.threshold, a.alpha)
        notes = compare.warnings(base, new, rows, a.alpha)
        render = render_md if a.format == "md" else render_text
        text = render(compare.Outcome(base, new, rows, a.threshold, a.alpha, notes))
    except compare.InputError as e:
        err.write(f"{prog}: {e} (see {prog} --help)\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write(f"{prog}: interrupted\n")
        return EXIT_INT
    except Exception as e:          # never a traceback on odd input
        if os.environ.get("IPCPERF_DEBUG"):
            raise
        err.write(f"{prog}: cannot compare: {type(e).__name__}: {e} "
                  f"(see {prog} --help)\n")
        return EXIT_USAGE
    for n in notes:
        err.write(f"{prog}: warning: {n}\n")
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        pass
    return EXIT_REGRESSED if any(r.verdict == "regressed" for r in rows) else EXIT_OK
