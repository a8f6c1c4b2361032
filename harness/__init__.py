"""ipcperf harness: runs bench/ipcperf over every transport, sweeps and
repeats, and writes results.csv, summary.csv and meta.json to a run
directory. Entry point: ./run.sh (python3 -m harness). Modules:

  cli        options -> Config            topology    namespaces, veth, bridges
  app        one run, clean-up, exit      transports  names -> socket, netns, address
  runner     server/client processes      sweep       the ordered product of axes
  results    CSV schema, writers, summary stats       median, CI, CV
  meta       meta.json                    state       run ids, liveness, stale runs
  progress   terminal output              counters    kernel counters per message
  runtimes   what the real runtimes share  docker, dockerd  docker-* transports, daemon
  rootless   pasta, slirp4netns            launcher    ipcperf in a container/namespace
  forwarders forwarder CPU columns
"""
