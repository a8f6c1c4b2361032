#!/usr/bin/env bash
# deps.sh - check for, and install, the Debian packages ipcperf needs.
#
# USAGE: scripts/deps.sh check|ensure|install [build|bench|containers|test|all]
#   check    list the missing packages; exit 1 if any
#   ensure   install the missing ones when root; otherwise print the exact
#            apt-get command and exit 1
#   install  like ensure (what `make deps` runs)
# The optional set narrows what is needed: build (compile bench/ipcperf),
# bench (build, namespaces, plots: what `make bench` needs), containers (the
# real runtimes of the docker-*, pasta and slirp4netns transports: Docker,
# passt, slirp4netns), test/all (everything).
#
# EXAMPLES
#   scripts/deps.sh check
#   sudo scripts/deps.sh install
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: scripts/deps.sh check|ensure|install [build|bench|containers|test|all]
USAGE
}

die() { echo "deps: $*" >&2; exit 1; }
warn() { echo "deps: $*" >&2; }

BUILD_PKGS=(gcc make libc6-dev pkg-config liburing-dev)
RUN_PKGS=(python3 iproute2 ethtool nftables procps util-linux gnuplot-nox)
# dockerd with docker-proxy, containerd and runc; pasta; slirp4netns. The
# harness makes the user namespaces itself (unshare), so uidmap is not needed.
CONTAINER_PKGS=(docker.io passt slirp4netns)

packages_for() {
	case "$1" in
	build) echo "${BUILD_PKGS[@]}" ;;
	bench) echo "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" ;;
	containers) echo "${CONTAINER_PKGS[@]}" ;;
	test|all) echo "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${CONTAINER_PKGS[@]}" ;;
	*) usage >&2; exit 2 ;;
	esac
}

missing() {
	local pkg
	for pkg in $(packages_for "$1"); do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			echo "$pkg"
	done
}

install_missing() {
	local -a pkgs
	mapfile -t pkgs < <(missing "$1")
	[ "${#pkgs[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		warn "missing packages: ${pkgs[*]}"
		warn "run: sudo apt-get install -y ${pkgs[*]}"
		exit 1
	fi
	echo "deps: installing ${pkgs[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine may have no package lists yet: update once, then retry.
	apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 || {
		apt-get update -qq >/dev/null || die "apt-get update failed"
		apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null ||
			die "apt-get install ${pkgs[*]} failed"
	}
}

main() {
	local cmd="${1:-}" set="${2:-all}"
	packages_for "$set" >/dev/null     # an unknown set: usage, exit 2
	case "$cmd" in
	check)
		local out
		out=$(missing "$set")
		[ -z "$out" ] && return 0
		echo "$out"
		return 1 ;;
	ensure|install) install_missing "$set" ;;
	-h|--help) usage ;;
	*) usage >&2; exit 2 ;;
	esac
}

main "$@"
