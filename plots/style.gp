# style.gp - shared look of every ipcperf figure: terminal, fonts, one fixed
# colour / point type / dash per transport, message-size axis, number helpers.
#
# Loaded by each figure script after it has set OUT (the output file) and
# TNAMES (the transport names in style order, harness/transports.NAMES, which
# plots/draw.py passes as an argument: the order exists once, in Python):
#     load plotdir."style.gp"
#     @set_out                      # terminal from OUT's extension (.svg or .png)
# A figure script plots one series per word of SERIES with
#     lc rgb tcolor(s) pt tpoint(s) dt tdash(s)
# so a transport looks the same in every figure and in every run. By hand:
#     NAMES=$(python3 -c 'import harness.transports as t; print(*t.NAMES)')
#
# Series names are transport names (the CSV's vocabulary).  A variant of a
# transport in the same figure (another MTU) is written "veth:mtu9000": it keeps
# the transport's colour and is drawn dashed with open points.

set encoding utf8

# Blog width: 960 x 600 px, 13 pt sans (15 pt titles).  PNG through cairo,
# which draws 13 pt as about 17 px; the SVG's sizes are CSS px, so fontscale
# 1.33 gives it the same proportions.  noenhanced: names like "uds-dgram" and
# CPU models with "@" or "_" are printed as they are, never as markup.
fig_w = 960
fig_h = 600
is_svg(f) = strlen(f) > 4 && f[strlen(f)-3:] eq ".svg"
term_cmd(f, w, h) = is_svg(f) \
    ? sprintf("set terminal svg size %d,%d dynamic noenhanced font 'sans-serif,13' fontscale 1.33 background rgb 'white'", w, h) \
    : sprintf("set terminal pngcairo size %d,%d noenhanced font 'DejaVu Sans,13' linewidth 1.3 background rgb 'white'", w, h)
set_out = "eval term_cmd(OUT, fig_w, fig_h); set output OUT"
# a dry run, for the ranges gnuplot picks (the "unknown" terminal warns)
dry_out = "eval term_cmd(OUT, fig_w, fig_h); set output '/dev/null'"

# ---- one fixed style per transport --------------------------------------
# Okabe & Ito's colour-blind-safe palette (yellow left out: unreadable on white).
# Seven colours for twenty-three transports: each later transport shares the
# colour of the one it is a variant of and is told apart by a dashed line and
# another point (uds-seqpacket ~ uds, netns-lo ~ lo, tcp6 ~ hostip, udp ~
# uds-dgram, nat ~ veth, vxlan, macvlan and ipvlan ~ bridge, shm ~ pipe); a
# real runtime shares its rebuilt twin's colour (docker-bridge ~ bridge,
# docker-publish ~ nat, docker-host and docker-container ~ lo), and the
# forwarders from 127.0.0.1 (docker-proxy, pasta, slirp4netns) hostip's.  Unknown names:
# grey stars.  Column i is the look of the i-th word of TNAMES; the names row
# below says which transport that is, and tests/plots checks it against
# harness/transports.NAMES, so the two cannot drift apart.
# names:   uds     uds-dgram uds-seqpacket pipe    shm     lo      netns-lo hostip  tcp6    udp     veth    nat     bridge  vxlan   macvlan ipvlan  docker-bridge docker-publish docker-proxy docker-host docker-container pasta   slirp4netns
_tcolors = "#0072B2 #56B4E9   #0072B2       #000000 #000000 #D55E00 #D55E00  #E69F00 #E69F00 #56B4E9 #009E73 #009E73 #CC79A7 #CC79A7 #CC79A7 #CC79A7  #CC79A7       #009E73        #E69F00      #D55E00     #D55E00          #E69F00 #E69F00"
# point types (cairo/svg): 4/5 square, 6/7 circle, 8/9 triangle, 10/11 inverted
# triangle, 12/13 diamond, 14/15 pentagon; odd = filled, even = open
_tpoints = "7       9         6             13      12      5       4        13      12      8       11      10      15      14      9       7        11            13             10           11          15               7       9"
_tdashes = "1       1         2             1       2       1       2        1       2       2       1       2       1       2       1       2        1             1              2            1           2                1       2"
if (!exists("TNAMES")) TNAMES = ""

tbase(s) = strstrt(s, ":") ? s[1:strstrt(s, ":")-1] : s
tvariant(s) = strstrt(s, ":") > 0
_tpos(t) = strstrt(" ".TNAMES." ", " ".t." ")
_tidx(t) = _tpos(t) ? words((" ".TNAMES." ")[1:_tpos(t)]) + 1 : 0
# a name past the palette's end has no look of its own yet: the grey fallback
tindex(t) = _tidx(t) <= words(_tcolors) ? _tidx(t) : 0
tcolor(s) = tindex(tbase(s)) ? word(_tcolors, tindex(tbase(s))) : "#777777"
_tpt(t) = tindex(t) ? int(word(_tpoints, tindex(t))) : 3
_tdt(t) = tindex(t) ? int(word(_tdashes, tindex(t))) : 1
tpoint(s) = tvariant(s) && _tpt(tbase(s)) % 2 == 1 ? _tpt(tbase(s)) - 1 : _tpt(tbase(s))
tdash(s) = tvariant(s) ? (_tdt(tbase(s)) == 1 ? 2 : 4) : _tdt(tbase(s))

# ---- reading the driver's plot data (CSV with a header row) ----------------
set datafile separator comma
set datafile columnheaders
# An empty cell is a gap: NaN breaks the line there (gnuplot would silently
# join across a merely "missing" value, and must never draw it as 0).
num(c) = strcol(c) eq "" ? NaN : column(c)
# this series' rows only; others become NaN and are not drawn
xof(s, c) = strcol("series") eq s ? column(c) : NaN

# Spread error bars of n series sideways on a log x axis so they do not
# overlap: 0.1 octave apart, or 0.6 octave in all for more than 7 series.
dodge(i, n) = 2 ** ((i - (n + 1) / 2.0) * (n > 7 ? 0.6 / (n - 1) : 0.1))

# ---- message-size axis ---------------------------------------------------
sizelabel(b) = b >= 1073741824 && b % 1073741824 == 0 ? sprintf("%d GiB", b / 1073741824) \
    : b >= 1048576 && b % 1048576 == 0 ? sprintf("%d MiB", b / 1048576) \
    : b >= 1024 && b % 1024 == 0 ? sprintf("%d KiB", b / 1024) \
    : sprintf("%d B", b)
# Tics at the measured sizes (SIZES: "100 1024 65536 ..."), log scale.
size_axis = "set logscale x 2; set xtics () nomirror; unset mxtics; " \
    . "do for [_s in SIZES] { set xtics add (sizelabel(_s + 0) _s + 0) }; " \
    . "set xlabel 'message size (bytes, log scale)'; " \
    . "_smin = 1e300; _smax = 0; do for [_s in SIZES] { _smin = (_s + 0 < _smin) ? _s + 0 : _smin; _smax = (_s + 0 > _smax) ? _s + 0 : _smax }; " \
    . "set xrange [_smin / 1.6 : _smax * 1.6]; " \
    . "if (words(SIZES) > 9) { set xtics rotate by 30 right }"

# ---- y axis ---------------------------------------------------------------
# Autoscale to the data, not out to whole decades of a log axis, with a margin.
set autoscale yfix
set offsets 0, 0, graph 0.06, graph 0.06
# Log y axes get labelled tics from the densest of these per-decade patterns
# that puts at most YTICS_MAX labels in the plotted range [_ymin, _ymax], so a
# range of 1x-1.25x is labelled as well as one of six decades.  A script sets
# _ymin/_ymax, usually from a dry run:
#     @dry_out; plot ...; _ymin = GPVAL_Y_MIN; _ymax = GPVAL_Y_MAX
#     @log_ytics; set output OUT; replot
# YFMT "si" labels 1k, 1M; YSUF is appended to each label (ratio axes: "×").
_mant1 = "1 1.1 1.2 1.3 1.4 1.5 1.6 1.8 2 2.5 3 3.5 4 5 6 7 8 9"
_mant2 = "1 1.2 1.5 2 2.5 3 4 5 6 8"
_mant3 = "1 1.5 2 3 5 7"
_mant4 = "1 2 5"
_mant5 = "1 3"
_mant6 = "1"
YTICS_MAX = 8
YFMT = "plain"
YSUF = ""
silabel(v) = v >= 1e9 ? sprintf("%gG", v / 1e9) : v >= 1e6 ? sprintf("%gM", v / 1e6) \
    : v >= 1e3 ? sprintf("%gk", v / 1e3) : sprintf("%g", v)
ylab(v) = (YFMT eq "si" ? silabel(v) : sprintf("%g", v)) . YSUF
log_ytics = "unset mytics; set ytics (); _pick = 6; " \
    . "do for [_k=6:1:-1] { _c = 0; " \
    . "  do for [_e=-4:10] { do for [_m in value(sprintf('_mant%d', _k))] { " \
    . "    _v = (_m + 0) * 10.0 ** _e; _c = _c + (_v >= _ymin && _v <= _ymax) } }; " \
    . "  if (_c <= YTICS_MAX) { _pick = _k } }; " \
    . "do for [_e=-4:10] { do for [_m in value(sprintf('_mant%d', _pick))] { " \
    . "  _v = (_m + 0) * 10.0 ** _e; if (_v >= _ymin && _v <= _ymax) { set ytics add (ylab(_v) _v) } } }"

# ---- common frame --------------------------------------------------------
set border 3 linewidth 1.2
set tics nomirror out scale 0.8
set grid xtics ytics mytics linecolor rgb "#d0d0d0" linewidth 1, linecolor rgb "#e8e8e8" linewidth 0.8
set key outside below center horizontal samplen 2.5 spacing 1.1 width 2 reverse Left
set pointsize 1.3
set bars 0.6
set style line 100 linecolor rgb "#555555" dashtype 2 linewidth 1.2
# Two-line title: what the figure shows, then the machine and the slice.
title2(what, ctx) = what . "\n" . ctx
set title font ",15"

# ---- where CPU time goes (cpustack.gp) ------------------------------------
# One fixed colour per part of a message's cost: the client in blues, the
# server in browns (dark: user, light: system), softirq in grey, the
# forwarder (docker-proxy, pasta, slirp4netns) in violet. Tints outside the
# transport palette, so that a part is never read as a transport.
_cparts  = "client_user client_sys server_user server_sys softirq forwarder"
_ccolors = "#2F5D8A     #9DBAD8    #8A4F1D     #DDB48C    #5A5A5A #6A4C93"
ccolor(part) = strstrt(" "._cparts." ", " ".part." ") \
    ? word(_ccolors, words((" "._cparts." ")[1:strstrt(" "._cparts." ", " ".part." ")]) + 1) \
    : "#777777"
