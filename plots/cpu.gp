# cpu.gp - CPU time per message vs message size: client above server on one
# shared y scale, one line per transport, CIs as error bars.
#
# gnuplot -c plots/cpu.gp DATA OUT CONTEXT SERIES SIZES UNIT BARS TNAMES
#   DATA     CSV from plots/draw.py (plotdata/cpu-*.csv): series, size_bytes,
#            {client,server}_cpu_ns_per_msg_{median,ci_low,ci_high}
#   OUT      output file, .svg or .png
#   CONTEXT  second title line (machine, mode, I/O mode, CPU placement)
#   SERIES   series to draw, space-separated
#   SIZES    measured sizes in bytes, space-separated (the x tics)
#   UNIT     what one message is: "message" (throughput), "round trip" (latency)
#   BARS     what the error bars are, for the title ("bars: min–max of 3 reps")
#   TNAMES   the transports in style order (harness/transports.NAMES), from which
#            style.gp gives each series its fixed look
# e.g. gnuplot -c plots/cpu.gp results/R/plotdata/cpu-throughput.csv \
#        results/R/cpu-throughput.svg "Xeon E5 · Linux 6.1" "uds lo" "100 65536" \
#        message "bars: 95% CI" "$NAMES"
DATA = ARG1; OUT = ARG2; CONTEXT = ARG3; SERIES = ARG4; SIZES = ARG5
UNIT = ARG6; BARS = ARG7
TNAMES = ARG8
_a = ARG0; _i = strlen(_a); while (_i > 0 && _a[_i:_i] ne "/") { _i = _i - 1 }
plotdir = _i > 0 ? _a[1:_i] : ""
load plotdir . "style.gp"
fig_h = 760
@set_out
us = 1e-3

# one y range for both panels, so client and server compare at a glance
stats DATA using (num("client_cpu_ns_per_msg_ci_low")) name "CL" nooutput
stats DATA using (num("server_cpu_ns_per_msg_ci_low")) name "SL" nooutput
stats DATA using (num("client_cpu_ns_per_msg_ci_high")) name "CH" nooutput
stats DATA using (num("server_cpu_ns_per_msg_ci_high")) name "SH" nooutput
ymin = (CL_min < SL_min ? CL_min : SL_min) * us / 1.3
ymax = (CH_max > SH_max ? CH_max : SH_max) * us * 1.3

@size_axis
set logscale y 10
YTICS_MAX = 5
_ymin = ymin; _ymax = ymax
@log_ytics
set yrange [ymin:ymax]
set offsets 0, 0, 0, 0
unset ylabel
set label 1 sprintf("CPU time per %s (µs, log scale)", UNIT) at screen 0.025, 0.5 rotate by 90 center
n = words(SERIES)

# The key goes under both panels, 4 entries a row; the panels share what is
# left between it and the title.
krows = ceil(n / 4.0)
kh = 0.01 + 0.032 * krows                 # key height, fraction of the figure
pbot = kh + 0.105                         # room for the tic labels and xlabel
ph = (0.83 - pbot - 0.1) / 2              # panel height, 0.1 between panels
set multiplot title title2(sprintf("CPU time (user + system) per %s (%s)", UNIT, BARS), CONTEXT) font ",15"
set lmargin at screen 0.10
set rmargin at screen 0.97
set key at screen 0.5, 0.01 center bottom horizontal maxcols 4
do for [side in "client server"] {
    if (side eq "client") {
        set tmargin at screen 0.83; set bmargin at screen 0.83 - ph
        unset xlabel
    } else {
        set tmargin at screen pbot + ph; set bmargin at screen pbot
        set xlabel "message size (bytes, log scale)"
        unset key
        unset label 1
    }
    set title side offset 0, -0.6 font ",14"
    c = side . "_cpu_ns_per_msg_"
    plot for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)) \
            :(num(c . "median") * us):(num(c . "ci_low") * us):(num(c . "ci_high") * us) \
            with yerrorbars lc rgb tcolor(word(SERIES, i)) pt 0 lw 1.2 notitle, \
         for [i=1:n] DATA using (xof(word(SERIES, i), "size_bytes") * dodge(i, n)):(num(c . "median") * us) \
            with linespoints lc rgb tcolor(word(SERIES, i)) pt tpoint(word(SERIES, i)) \
            dt tdash(word(SERIES, i)) lw 2 title word(SERIES, i)
}
unset multiplot
