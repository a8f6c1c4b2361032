# ratio.gp - a speed-up per transport vs message size, with its confidence
# interval as error bars and the reference (1×) as a dashed line.  Used for the
# speed-up over a baseline transport and for uring/sync and same/split ratios.
#
# gnuplot -c plots/ratio.gp DATA OUT CONTEXT SERIES SIZES TITLE YLABEL REF TNAMES
#   DATA     CSV from plots/draw.py (plotdata/speedup-*.csv, ratio-*.csv):
#            series, size_bytes, ratio, ratio_ci_low, ratio_ci_high
#   OUT      output file, .svg or .png
#   CONTEXT  second title line (machine, I/O mode, CPU placement)
#   SERIES   series to draw, space-separated
#   SIZES    measured sizes in bytes, space-separated (the x tics)
#   TITLE    first title line
#   YLABEL   y axis label
#   REF      name of the reference, for the 1× line (a transport keeps its colour)
#   TNAMES   the transports in style order (harness/transports.NAMES), from which
#            style.gp gives each series its fixed look
# e.g. gnuplot -c plots/ratio.gp results/R/plotdata/speedup-throughput.csv \
#        results/R/speedup-throughput.svg "Xeon E5 · Linux 6.1" "uds veth" \
#        "100 65536" "Speed-up over lo" "speed-up over lo (×)" lo "$NAMES"
DATA = ARG1; OUT = ARG2; CONTEXT = ARG3; SERIES = ARG4; SIZES = ARG5
TITLE = ARG6; YLABEL = ARG7; REF = ARG8
TNAMES = ARG9
_a = ARG0; _i = strlen(_a); while (_i > 0 && _a[_i:_i] ne "/") { _i = _i - 1 }
plotdir = _i > 0 ? _a[1:_i] : ""
load plotdir . "style.gp"
@dry_out
@size_axis

set title title2(TITLE, CONTEXT)
set ylabel YLABEL
# log2: 2× faster and 2× slower are the same distance from 1×
set logscale y 2
YSUF = "×"
set yrange [*<0.8 : 1.25<*]
n = words(SERIES)

plot 1 with lines lc rgb tcolor(REF) dt 2 lw 1.5 title REF . " = 1×", \
     for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)) \
        :(num("ratio")):(num("ratio_ci_low")):(num("ratio_ci_high")) \
        with yerrorbars lc rgb tcolor(word(SERIES, i)) pt 0 lw 1.2 notitle, \
     for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)):(num("ratio")) \
        with linespoints lc rgb tcolor(word(SERIES, i)) pt tpoint(word(SERIES, i)) \
        dt tdash(word(SERIES, i)) lw 2 title word(SERIES, i)

# the plot above was a dry run: label the y range it found, then draw
_ymin = GPVAL_Y_MIN; _ymax = GPVAL_Y_MAX
@log_ytics
set output OUT
replot
