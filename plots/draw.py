#!/usr/bin/env python3
"""draw.py - figures and report.md for one ipcperf run directory.

Reads RUN_DIR/summary.csv, results.csv and meta.json (results/README.md),
writes the data each figure needs to RUN_DIR/plotdata/*.csv, runs the static
gnuplot script of each figure kind (plots/*.gp) on it, once per format, and
writes RUN_DIR/report.md: findings with confidence intervals, "Why" (the
per-message costs behind the headline comparisons, plots/why.py), figures,
the summary table, the machine and settings.

The driver over the modules beside it: rundir (the run's files), figures
(plot data and gnuplot arguments), comparisons, findings and why_pairs
(what the report claims), wake (the wake-up share and the headline claims
per I/O mode and placement), twins (each rebuilt path against its real
container twin), report (report.md; runtimes for its machine section).
Statistics, the CSV reader, units and wording are the harness's
(harness/stats.py, results.py, wording.py), imported from the repository
root.

    python3 plots/draw.py results/20240301T120000Z-host
    python3 plots/draw.py results/R --baseline uds --size 1K

    $ python3 plots/draw.py tests/fixtures/run-small
    run-small: 10 figures (svg, png), report.md

Exit: 0 ok; 1 a figure failed (the others and report.md are written);
2 bad RUN_DIR or options; 4 gnuplot not found (report.md is still written,
without figures).
"""
import argparse
import os
import shutil
import subprocess
import sys

# the sibling modules, and the repository root for the harness's analysis modules
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness.wording import parse_size, size_label, sizes_text  # noqa: E402
from comparisons import axis_comparisons, baseline_comparisons, mtu_comparisons  # noqa: E402
from figures import all_figures  # noqa: E402
from shapes import shapes_section  # noqa: E402
from report import Analysis, write_report  # noqa: E402
from rundir import InputError, Run, measured, series_order  # noqa: E402
from twins import twins_section  # noqa: E402
from wake import wake_section  # noqa: E402
from why_pairs import why_section  # noqa: E402

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNSUPPORTED = 0, 1, 2, 4
PLOTS = os.path.dirname(os.path.abspath(__file__))
FORMATS = ("svg", "png")
GNUPLOT_TIMEOUT_S = 120
DEFAULT_BASELINE, DEFAULT_SIZE = "lo", 100


def run_gnuplot(gnuplot, fig, out):
    cmd = [gnuplot, "-c", os.path.join(PLOTS, fig.script), fig.data, out] + fig.args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=GNUPLOT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "timed out after %d s" % GNUPLOT_TIMEOUT_S
    except OSError as e:
        return str(e)
    err = p.stderr.strip()
    if p.returncode != 0:
        return err.splitlines()[-1] if err else "exit %d" % p.returncode
    if err:
        for line in err.splitlines():
            print("draw.py: gnuplot %s: %s" % (os.path.basename(out), line), file=sys.stderr)
    if not os.path.isfile(out) or os.path.getsize(out) == 0:
        return "wrote no %s" % out
    return None


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="draw.py", description="Draw the figures and report.md of one ipcperf run directory.",
        epilog="Exit: 0 ok, 1 a figure failed, 2 bad input, 4 gnuplot not found.")
    ap.add_argument("run_dir", metavar="RUN_DIR", help="a results directory (summary.csv, results.csv, meta.json)")
    ap.add_argument("--baseline", metavar="TRANSPORT",
                    help="reference of the speed-up figures and findings (default lo)")
    ap.add_argument("--size", metavar="SIZE",
                    help="message size of the percentile ladder, the headline findings, the "
                         "\"Why\" section and the CPU-stack figures, e.g. 100, 1K (default 100)")
    return ap.parse_args(argv)


def choose_baseline(args, run, notes):
    """--baseline, else lo when the run has it, else None (no speed-ups)."""
    series = series_order(p["series"] for p in run.summary)
    baseline = args.baseline or DEFAULT_BASELINE
    if baseline in series:
        return baseline
    if args.baseline:
        raise InputError("--baseline %s: not in this run (it has %s)" % (baseline, ", ".join(series)))
    notes.append("No speed-up figures: the default baseline lo is not in this run "
                 "(choose one with --baseline).")
    return None


def choose_size(args, run, notes):
    """--size, else 100 B, else the smallest latency size the run has."""
    lat_sizes = sorted({p["size"] for p in run.points("latency") if measured(p)}) or \
        sorted({p["size"] for p in run.summary})
    try:
        size = parse_size(args.size) if args.size else DEFAULT_SIZE
    except ValueError:
        raise InputError("--size %s: not a size (100, 1K, 64KiB, 1M)" % args.size)
    if size in lat_sizes:
        return size
    if args.size:
        raise InputError("--size %s: no latency point at that size (sizes: %s)" % (
            args.size, sizes_text(lat_sizes)))
    notes.append("No 100 B latency point: the ladder and headlines use %s." % size_label(lat_sizes[0]))
    return lat_sizes[0]


def analyse(run, baseline, size, notes):
    return Analysis(run, baseline, size, notes,
                    baseline_comparisons(run, baseline) if baseline else [],
                    axis_comparisons(run, "io") + axis_comparisons(run, "cpus"),
                    mtu_comparisons(run), why_section(run, size),
                    [md for md in (wake_section(run), twins_section(run), shapes_section(run))
                     if md])


def fresh_plotdata(run):
    """RUN_DIR/plotdata, without the CSVs of an earlier drawing."""
    pd = os.path.join(run.dir, "plotdata")
    os.makedirs(pd, exist_ok=True)
    for f in os.listdir(pd):
        if f.endswith(".csv"):
            os.remove(os.path.join(pd, f))
    return pd


def draw_figures(gnuplot, figs, run_dir):
    """Each figure in each format -> (names drawn, how many failed)."""
    drawn, failed = set(), 0
    for fg in figs:
        ok = True
        for fmt in FORMATS:
            out = os.path.join(run_dir, "%s.%s" % (fg.name, fmt))
            err = run_gnuplot(gnuplot, fg, out)
            if err:
                print("draw.py: %s.%s: gnuplot: %s" % (fg.name, fmt, err), file=sys.stderr)
                ok = False
        if ok:
            drawn.add(fg.name)
        else:
            failed += 1
    return drawn, failed


def main(argv=None):
    args = parse_args(argv)
    try:
        run = Run(args.run_dir)
        notes = []
        if run.ab_arms:
            notes.append("An A/B run (--ab): the figures and findings show arm A; "
                         "`scripts/compare %s` compares the arms pair by pair." % run.dir)
        baseline = choose_baseline(args, run, notes)
        size = choose_size(args, run, notes)
    except InputError as e:
        print("draw.py: %s (see --help)" % e, file=sys.stderr)
        return EXIT_USAGE
    for w in run.warnings:
        print("draw.py: %s" % w, file=sys.stderr)
    analysis = analyse(run, baseline, size, notes)
    figs = all_figures(run, fresh_plotdata(run), analysis)
    gnuplot = shutil.which("gnuplot")
    report = os.path.join(run.dir, "report.md")
    if gnuplot is None:
        write_report(analysis, figs, None, report)
        print("draw.py: gnuplot not found (install gnuplot-nox, or run make deps); "
              "wrote %s without figures" % report, file=sys.stderr)
        return EXIT_UNSUPPORTED
    drawn, failed = draw_figures(gnuplot, figs, run.dir)
    write_report(analysis, figs, drawn, report)
    print("%s: %d figures (%s), report.md%s" % (os.path.basename(os.path.abspath(run.dir)),
                                                 len(drawn), ", ".join(FORMATS),
                                                 ", %d failed" % failed if failed else ""))
    return EXIT_FAIL if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
