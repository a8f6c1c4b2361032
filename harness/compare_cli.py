"""compare_cli - the command line of scripts/compare: options, the runs
loaded, the form chosen by what was given, the verdicts (harness/compare.py,
compare_ab.py, compare_runs.py, compare_history.py) rendered
(harness/compare_render.py), the exit code.

    scripts/compare RUN                  an A/B run: one arm against the other, paired
    scripts/compare BASE... NEW          NEW against one or more base runs
    scripts/compare --history RUN...     each point's series in time order
        [--threshold PCT] [--alpha A] [--metric LIST] [--format text|md] [--base-arm A|B]

Exit: 0 nothing regressed, 1 something did, 2 bad usage or input (one
line), 130 interrupted.
"""

import argparse
import math
import os
import sys

from . import compare, compare_ab, compare_history, compare_runs
from . import compare_render as render

EXIT_OK, EXIT_REGRESSED, EXIT_USAGE, EXIT_INT = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise compare.InputError(message)


def build_parser(prog="compare"):
    p = _Parser(
        prog=prog,
        usage=f"{prog} RUN | BASE... NEW | --history RUN... [options]",
        description="Say what regressed between ipcperf runs, with confidence. RUN alone "
                    "is an A/B run (./run.sh --ab): its arms are compared pair by pair. "
                    "BASE... NEW compares NEW with one or more base runs; with three or "
                    "more, against the spread between them. --history prints each "
                    "point's series over the runs in time order, change points marked. "
                    "A run is a directory, or its summary.csv (results.csv beside it "
                    "holds the reps).",
        epilog="A change is 'regressed' or 'improved' when it is beyond the threshold and "
               "the test gives p < alpha (after Holm's adjustment over the run's points "
               "for an A/B run and for three or more base runs); beyond the threshold "
               "without that evidence it is 'noisy'. An A/B run needs 1 + log2(points / "
               "alpha) pairs for any verdict (8 points: 9). "
               "Exit: 0 nothing regressed, 1 something regressed, 2 bad usage or input.")
    p.add_argument("runs", metavar="RUN", nargs="+", help="run directories")
    p.add_argument("--history", action="store_true",
                   help="each point's series over the runs in time order, change points marked")
    p.add_argument("--base-arm", choices=compare.ARMS, default=None,
                   help="A/B run: the arm that is the reference (default A, as given; "
                        "B when --ab built the base, as make regress does)")
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
    if a.base_arm and (a.history or len(a.runs) != 1):
        raise compare.InputError("--base-arm applies to one A/B run given alone")
    return a


def _ab(a, runs):
    run, = runs
    rows, tests = compare_ab.compare_arms(run, a.metrics, a.threshold, a.alpha,
                                          a.base_arm or "A")
    notes = compare_ab.ab_warnings(run, rows, tests, a.alpha)
    o = render.ABOutcome(run, a.base_arm or "A", rows, tests, a.threshold, a.alpha, notes)
    return (render.render_ab_md if a.format == "md" else render.render_ab_text)(o), notes, rows


def _against_bases(a, runs):
    bases, new = runs[:-1], runs[-1]
    compare_runs.check_runs(bases, new)
    if len(bases) >= compare_runs.MIN_BASE_RUNS:
        compare.reject_duplicates(bases)
        rows, tests = compare_runs.compare_spread(bases, new, a.metrics, a.threshold, a.alpha)
        notes = compare_runs.runs_warnings(bases, new)
        o = render.RunsOutcome(bases, new, rows, tests, a.threshold, a.alpha, notes)
        text = (render.render_runs_md if a.format == "md" else render.render_runs_text)(o)
        return text, notes, rows
    base = bases[0] if len(bases) == 1 else compare_runs.pooled(bases)
    rows = compare.compare(base, new, a.metrics, a.threshold, a.alpha)
    notes = [compare_runs.too_few_note(bases)] + compare.warnings(base, new, rows, a.alpha)
    o = compare.Outcome(base, new, rows, a.threshold, a.alpha, notes)
    return (render.render_md if a.format == "md" else render.render_text)(o), notes, rows


def _history(a, runs):
    compare.reject_duplicates(runs)
    series, alpha_series = compare_history.history(runs, a.metrics, a.threshold, a.alpha)
    notes = [r.meta_error for r in runs if r.meta_error]
    o = render.HistoryOutcome(series, alpha_series, a.threshold, a.alpha, notes)
    text = (render.render_history_md if a.format == "md" else render.render_history_text)(o)
    return text, notes, [c for s in series for c in s.changes]


def run_form(a):
    """-> (text, warnings, rows whose verdicts set the exit code)."""
    runs = [compare.load(name) for name in a.runs]
    if a.history:
        return _history(a, runs)
    if len(runs) == 1:
        return _ab(a, runs)
    return _against_bases(a, runs)


def main(argv=None, prog="compare", out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        a = parse_args(argv, prog)
        text, notes, rows = run_form(a)
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
