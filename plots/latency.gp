# latency.gp - round-trip latency vs message size, one line per transport: the
# median p50 as a line, a whisker from it up to the median p99.
#
# gnuplot -c plots/latency.gp DATA OUT CONTEXT SERIES SIZES TNAMES
#   DATA     CSV from plots/draw.py (plotdata/latency.csv): series, size_bytes,
#            lat_p50_ns_median, lat_p99_ns_median
#   OUT      output file, .svg or .png
#   CONTEXT  second title line (machine, I/O mode, CPU placement)
#   SERIES   series to draw, space-separated ("uds lo veth")
#   SIZES    measured sizes in bytes, space-separated (the x tics)
#   TNAMES   the transports in style order (harness/transports.NAMES), from which
#            style.gp gives each series its fixed look
# e.g. gnuplot -c plots/latency.gp results/R/plotdata/latency.csv \
#        results/R/latency.png "Xeon E5 · Linux 6.1" "uds lo" "100 65536" "$NAMES"
DATA = ARG1; OUT = ARG2; CONTEXT = ARG3; SERIES = ARG4; SIZES = ARG5
TNAMES = ARG6
_a = ARG0; _i = strlen(_a); while (_i > 0 && _a[_i:_i] ne "/") { _i = _i - 1 }
plotdir = _i > 0 ? _a[1:_i] : ""
load plotdir . "style.gp"
@dry_out
@size_axis

set title title2("Round-trip latency vs message size (point: p50, whisker: p99)", CONTEXT)
set ylabel "round-trip time (µs, log scale)"
set logscale y 10
us = 1e-3
n = words(SERIES)

plot for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)) \
        :(num("lat_p50_ns_median") * us):(num("lat_p50_ns_median") * us):(num("lat_p99_ns_median") * us) \
        with yerrorbars lc rgb tcolor(word(SERIES, i)) pt 0 lw 1.2 notitle, \
     for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)):(num("lat_p50_ns_median") * us) \
        with linespoints lc rgb tcolor(word(SERIES, i)) pt tpoint(word(SERIES, i)) \
        dt tdash(word(SERIES, i)) lw 2 title word(SERIES, i)

# the plot above was a dry run: label the y range it found, then draw
_ymin = GPVAL_Y_MIN; _ymax = GPVAL_Y_MAX
@log_ytics
set output OUT
replot
