"""ipcperf harness: runs bench/ipcperf over every transport, sweeps and
repeats, and writes results.csv, summary.csv and meta.json to a run
directory. Entry point: ./run.sh (python3 -m harness). Modules:

  cli        options -> Config            topology    namespaces, veth, bridges
  app        one run, clean-up, exit      transports  names -> socket, netns, address
  rep        one rep of one point         command     one command, its one-line error
  runner     server/client processes      sweep       the ordered product of axes
  meta       meta.json                    state       run ids, liveness, stale runs
  progress   terminal output              counters    kernel counters per message
  sysctl, nft, names, stale, outfile      host sysctls, nft tables, object names, leftovers, run files
  runtimes   what the real runtimes share  docker, dockerd  docker-* transports, daemon
  rootless   pasta, slirp4netns            launcher    ipcperf in a container/namespace
  forwarders forwarder CPU columns          interference  others on the pinned CPUs
  ab         --ab arms                    adaptive    --precision's extra reps
  canary     the drift canary             flows, conntrack  --flows, conntrack per connection

The analysis, which scripts/compare and plots/ import too:

  stats      every statistic              results     CSV schema: writer AND reader
  wording    units and words              compare     runs loaded, verdicts of two runs
  compare_ab, compare_runs, compare_history   an A/B run, several base runs, history
  compare_render, compare_cli             scripts/compare's output and options
"""
