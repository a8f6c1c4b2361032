# canary.gp - the drift canary: one fixed reference point re-measured through
# the run, as its speed relative to its median over the run (1 = usual, above
# 1 faster) against the time since the run started: the machine's own drift.
#
# gnuplot -c plots/canary.gp DATA OUT CONTEXT SERIES TITLE TNAMES
#   DATA     CSV from plots/draw.py (plotdata/canary.csv): series, t_s, speed,
#            value, status (a failed measurement: an empty speed, a gap)
#   OUT      output file, .svg or .png
#   CONTEXT  second title line (machine)
#   SERIES   canary series to draw, space-separated ("uds:throughput:100B"); the
#            transport before the first ":" gives the colour
#   TITLE    first title line
#   TNAMES   the transports in style order (harness/transports.NAMES)
# e.g. gnuplot -c plots/canary.gp results/R/plotdata/canary.csv results/R/canary.svg \
#        "Xeon E5 · Linux 6.1" "uds:throughput:100B" "Drift canary: uds throughput 100 B" "$NAMES"
DATA = ARG1; OUT = ARG2; CONTEXT = ARG3; SERIES = ARG4; TITLE = ARG5
TNAMES = ARG6
_a = ARG0; _i = strlen(_a); while (_i > 0 && _a[_i:_i] ne "/") { _i = _i - 1 }
plotdir = _i > 0 ? _a[1:_i] : ""
load plotdir . "style.gp"
@set_out

set title title2(TITLE, CONTEXT)
set xlabel "time since the run started (s)"
set ylabel "speed relative to its median over the run (×)"
set xrange [0:*]
set yrange [*<0.8 : 1.2<*]
n = words(SERIES)
if (n < 2) { unset key }

plot 1 with lines ls 100 notitle, \
     for [i=1:n] DATA using (xof(word(SERIES, i), "t_s")):(num("speed")) \
        with linespoints lc rgb tcolor(tbase(word(SERIES, i))) \
        pt tpoint(tbase(word(SERIES, i))) lw 2 title word(SERIES, i)
