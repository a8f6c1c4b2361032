# throughput.gp - throughput vs message size, one line per transport, the
# confidence interval of the median (from summary.csv) as error bars.
#
# gnuplot -c plots/throughput.gp DATA OUT CONTEXT SERIES SIZES METRIC BARS TNAMES
#   DATA     CSV from plots/draw.py (plotdata/throughput.csv): series, size_bytes,
#            bytes_per_s_{median,ci_low,ci_high}, msgs_per_s_{median,ci_low,ci_high}
#   OUT      output file, .svg or .png
#   CONTEXT  second title line (machine, I/O mode, CPU placement)
#   SERIES   series to draw, space-separated ("uds lo veth")
#   SIZES    measured sizes in bytes, space-separated (the x tics)
#   METRIC   bytes (Gbit/s) or msgs (messages/s)
#   BARS     what the error bars are, for the title ("bars: min–max of 3 reps")
#   TNAMES   the transports in style order (harness/transports.NAMES), from which
#            style.gp gives each series its fixed look
# e.g. gnuplot -c plots/throughput.gp results/R/plotdata/throughput.csv \
#        results/R/throughput.svg "Xeon E5 · Linux 6.1" "uds lo" "100 65536" bytes "bars: 95% CI" "$NAMES"
DATA = ARG1; OUT = ARG2; CONTEXT = ARG3; SERIES = ARG4; SIZES = ARG5; METRIC = ARG6; BARS = ARG7
TNAMES = ARG8
_a = ARG0; _i = strlen(_a); while (_i > 0 && _a[_i:_i] ne "/") { _i = _i - 1 }
plotdir = _i > 0 ? _a[1:_i] : ""
load plotdir . "style.gp"
@dry_out
@size_axis

if (METRIC eq "msgs") {
    col = "msgs_per_s"; scale = 1.0
    set ylabel "messages per second (log scale)"
    YFMT = "si"
    set title title2("Message rate vs message size (" . BARS . ")", CONTEXT)
} else {
    col = "bytes_per_s"; scale = 8e-9
    set ylabel "throughput (Gbit/s, log scale)"
    set title title2("Throughput vs message size (" . BARS . ")", CONTEXT)
}
set logscale y 10
n = words(SERIES)

plot for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)) \
        :(num(col . "_median") * scale):(num(col . "_ci_low") * scale):(num(col . "_ci_high") * scale) \
        with yerrorbars lc rgb tcolor(word(SERIES, i)) pt 0 lw 1.2 notitle, \
     for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)):(num(col . "_median") * scale) \
        with linespoints lc rgb tcolor(word(SERIES, i)) pt tpoint(word(SERIES, i)) \
        dt tdash(word(SERIES, i)) lw 2 title word(SERIES, i)

# the plot above was a dry run: label the y range it found, then draw
_ymin = GPVAL_Y_MIN; _ymax = GPVAL_Y_MAX
@log_ytics
set output OUT
replot
