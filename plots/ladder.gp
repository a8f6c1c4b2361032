# ladder.gp - the latency percentile ladder (p50, p90, p99, p99.9, max) at one
# message size, one line per transport, the CI of each median as error bars.
#
# gnuplot -c plots/ladder.gp DATA OUT CONTEXT SERIES SIZE BARS TNAMES
#   DATA     CSV from plots/draw.py (plotdata/ladder.csv): series, rank (1..5),
#            lat_ns_median, lat_ns_ci_low, lat_ns_ci_high
#   OUT      output file, .svg or .png
#   CONTEXT  second title line (machine, I/O mode, CPU placement)
#   SERIES   series to draw, space-separated
#   SIZE     the message size in bytes
#   BARS     what the error bars are, for the title ("bars: min–max of 3 reps")
#   TNAMES   the transports in style order (harness/transports.NAMES), from which
#            style.gp gives each series its fixed look
# e.g. gnuplot -c plots/ladder.gp results/R/plotdata/ladder.csv \
#        results/R/ladder.png "Xeon E5 · Linux 6.1" "uds lo" 100 "bars: 95% CI" "$NAMES"
DATA = ARG1; OUT = ARG2; CONTEXT = ARG3; SERIES = ARG4; SIZE = ARG5; BARS = ARG6
TNAMES = ARG7
_a = ARG0; _i = strlen(_a); while (_i > 0 && _a[_i:_i] ne "/") { _i = _i - 1 }
plotdir = _i > 0 ? _a[1:_i] : ""
load plotdir . "style.gp"
@dry_out

set title title2(sprintf("Round-trip latency percentiles at %s (%s)", sizelabel(SIZE + 0), BARS), CONTEXT)
set xlabel "percentile of round-trip time (median over reps)"
set xtics ("p50" 1, "p90" 2, "p99" 3, "p99.9" 4, "max" 5) nomirror
set xrange [0.6:5.4]
set ylabel "round-trip time (µs, log scale)"
set logscale y 10
us = 1e-3
n = words(SERIES)
# sideways offset of series i so that error bars do not overlap (at most
# 0.4 of the distance between percentiles in all)
shift(i, n) = (i - (n + 1) / 2.0) * (n > 7 ? 0.4 / (n - 1) : 0.06)

plot for [i=1:n] DATA using (xof(word(SERIES, i), "rank") + shift(i, n)) \
        :(num("lat_ns_median") * us):(num("lat_ns_ci_low") * us):(num("lat_ns_ci_high") * us) \
        with yerrorbars lc rgb tcolor(word(SERIES, i)) pt 0 lw 1.2 notitle, \
     for [i=1:n] DATA using (xof(word(SERIES, i), "rank") + shift(i, n)):(num("lat_ns_median") * us) \
        with linespoints lc rgb tcolor(word(SERIES, i)) pt tpoint(word(SERIES, i)) \
        dt tdash(word(SERIES, i)) lw 2 title word(SERIES, i)

# the plot above was a dry run: label the y range it found, then draw
_ymin = GPVAL_Y_MIN; _ymax = GPVAL_Y_MAX
@log_ytics
set output OUT
replot
