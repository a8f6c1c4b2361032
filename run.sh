#!/bin/sh
# run.sh - run the ipcperf sweep: builds bench/ipcperf when it is missing or
# older than its sources, then hands over to the python3 harness.
#
# USAGE: ./run.sh [--transport LIST] [--size LIST] [--mode LIST] [--io LIST]
#                 [--reps N] [--duration SEC] [--warmup SEC] [--cpus LIST]
#                 [--out DIR] [--mtu N] [--nodelay on|off] [--verify] [--quick]
#                 [--no-plots] [--ab SPEC] [--precision PCT [--budget SEC]]
#   ./run.sh --transport uds,lo,veth --size 100
#   ./run.sh --transport uds,lo --ab rev:main        # this tree (A) against main (B)
#   ./run.sh --quick --no-plots --out /tmp/smoke
# ./run.sh --help lists every option. Relative paths are taken from the
# current directory, so this script does not cd.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
bin="$here/bench/ipcperf"
stale=
if [ ! -x "$bin" ]; then
	stale=1
else
	for src in "$here"/bench/*.c "$here"/bench/*.h; do
		[ -e "$src" ] && [ "$src" -nt "$bin" ] && stale=1 && break
	done
fi
if [ -n "$stale" ] && [ -z "${IPCPERF_BIN:-}" ]; then
	echo "run.sh: building bench/ipcperf" >&2
	if ! log=$(make -C "$here" bench/ipcperf 2>&1); then
		first=$(printf '%s\n' "$log" | grep -m1 -i 'error' || printf '%s\n' "$log" | tail -n 1)
		echo "run.sh: building bench/ipcperf failed: $first (run 'make -C $here' for all)" >&2
		exit 1
	fi
fi
# PYTHONSAFEPATH: python3 -m would put the current directory first on the
# path, so another clone's harness there would run instead of this one's
# (Python 3.11+; older ones ignore it and need the cd-less call from elsewhere)
PYTHONSAFEPATH=1 PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m harness "$@"
