# cpustack.gp - where the CPU time of one message goes, at one size: a bar
# per transport, stacked from user and system time of the client, the same of
# the server, softirq time on their CPUs (the network stack's work no process
# is billed for) and, on a container runtime's path, the CPU time of the
# forwarder between them; a whisker gives the median total and its CI.
#
# gnuplot -c plots/cpustack.gp DATA OUT CONTEXT UNIT SIZE BARS WHERE [FORWARDER]
#   DATA     CSV from plots/draw.py (plotdata/cpustack-*.csv), one row per bar:
#            series, {client,server}_{user,sys}_ns_per_msg, softirq_ns_per_msg,
#            [forwarder_cpu_ns_per_msg,] total_ns_per_msg_{median,ci_low,ci_high}
#   OUT      output file, .svg or .png
#   CONTEXT  second title line (machine, mode, I/O mode, CPU placement)
#   UNIT     what one message is: "message" (throughput), "round trip" (latency)
#   SIZE     the message size, as words ("64 KiB")
#   BARS     what the whisker is, for the key ("bars: min–max of 3 reps")
#   WHERE    where softirq time was read ("both CPUs", "the shared CPU")
#   FORWARDER  the key's word for the forwarder's slice ("forwarder"), given
#            when DATA has forwarder_cpu_ns_per_msg (docker-proxy, pasta,
#            slirp4netns: the process that carries the bytes); its cell is
#            empty for a path without one
# e.g. gnuplot -c plots/cpustack.gp results/R/plotdata/cpustack-throughput.csv \
#        results/R/cpustack-throughput.svg "Xeon E5 · Linux 6.1" message "64 KiB" \
#        "bars: 95% CI" "both CPUs"
DATA = ARG1; OUT = ARG2; CONTEXT = ARG3; UNIT = ARG4; SIZE = ARG5; BARS = ARG6
WHERE = ARG7
FORWARDER = ARGC >= 8 ? ARG8 : ""
_a = ARG0; _i = strlen(_a); while (_i > 0 && _a[_i:_i] ne "/") { _i = _i - 1 }
plotdir = _i > 0 ? _a[1:_i] : ""
load plotdir . "style.gp"
@set_out
us = 1e-3
# a measured 0 (no user time on a side, no softirq tick in the window) is a
# part of zero height, not a gap: only an empty cell is NaN
part(c) = num(c) * us

set title title2(sprintf("CPU time per %s at %s, by where it went", UNIT, SIZE), CONTEXT)
set ylabel sprintf("CPU time per %s (µs)", UNIT)
set style data histograms
set style histogram rowstacked gap 1
set style fill solid 0.95 border rgb "#333333"
set boxwidth 0.6 relative
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set xtics nomirror scale 0
stats DATA using (0) nooutput
set xrange [-0.6 : STATS_records - 0.4]
if (STATS_records > 8) { set xtics rotate by 30 right }
set grid noxtics ytics
set key maxrows 2
# the forwarder's slice, on top of softirq, only where there is one (a fixed
# clause of this script, spliced in by a macro)
fwd_slice = FORWARDER eq "" ? "" : \
    ", '' using (part('forwarder_cpu_ns_per_msg')) lc rgb ccolor('forwarder') title FORWARDER"

plot DATA using (part("client_user_ns_per_msg")):xtic(1) lc rgb ccolor("client_user") title "client user", \
     '' using (part("client_sys_ns_per_msg")) lc rgb ccolor("client_sys") title "client sys", \
     '' using (part("server_user_ns_per_msg")) lc rgb ccolor("server_user") title "server user", \
     '' using (part("server_sys_ns_per_msg")) lc rgb ccolor("server_sys") title "server sys", \
     '' using (part("softirq_ns_per_msg")) lc rgb ccolor("softirq") title "softirq, " . WHERE @fwd_slice, \
     '' using ($0):(part("total_ns_per_msg_median")):(part("total_ns_per_msg_ci_low")) \
        :(part("total_ns_per_msg_ci_high")) with yerrorbars lc rgb "#000000" pt 7 ps 0.6 lw 1.5 \
        title "total: median, " . (BARS[1:6] eq "bars: " ? BARS[7:] : BARS)
