"""stale - what dead runs left, cleaned at the start of each run: the
servers and private directories they recorded (state.reap_dead_run), the
host sysctls they changed (sysctl.restore_dead) and, as root, the network
namespaces, host links and nftables tables they made
(topology.sweep_stale).

A run is dead when no process holds its name and its state file's owner is
gone (state.Holds). The sweep holds a dead id while it cleans it, so no new
run can claim that id meanwhile. An object is removed only when its full
name is one the project makes (names.owner) and its run is dead; where that
run left its record here (the state file's list of names), only what the
record lists goes. Without a record (a run killed with a private state
directory, as a CI job in a container has), the exact name is the proof:
the next run still removes what a killed run left. Names that carry a live
run's id are that run's, whatever their suffix, and are not mentioned.
Everything else with the prefix is left alone and named in one line.

    for line in sweep(st.run_id):
        print(line)
"""

import os

from . import names, runtimes, state, sysctl, topology
from .wording import counted


def _made_by(rid, dead_run, name):
    """Whether name is one the project makes for dead run rid and, where the
    run left a record here (dead_run: its state data, None without one), the
    record lists it. A state file without a list of names is an older
    harness's, which made only such names."""
    if names.owner(name) != rid:
        return False
    made = (dead_run or {}).get("names")
    return made is None or name in made


def sweep(own_id, directory=None, host=None):
    """Clean what dead runs left; returns the lines to tell the user."""
    directory = directory or state.state_dir()
    dead = state.dead_runs(directory)
    records = {rid: data for rid, _, data in dead}
    removed, left, restored = [], [], []
    with state.Holds(own_id, directory) as is_alive:
        # first: the runtimes find a dead run's daemon through its directories
        runtime_removed = runtimes.sweep_stale(is_alive, set(records))
        if os.geteuid() == 0:
            removed, left = topology.sweep_stale(
                names.PREFIX, is_alive, host, run_of=names.run_of,
                recorded=lambda rid, name: _made_by(rid, records.get(rid), name))
        for rid, path, data in dead:
            if not is_alive(rid):
                restored += sysctl.restore_dead(data, directory)
                state.reap_dead_run(path, data)
    lines = []
    if runtime_removed:
        lines.append(f"removed {len(runtime_removed)} runtime objects left by dead runs: "
                     + ", ".join(runtime_removed))
    if restored:
        lines.append("restored sysctls a dead run changed: " + ", ".join(restored))
    if removed:
        lines.append(f"removed {_count(removed)} left by dead runs: "
                     + ", ".join(removed))
    if left:
        lines.append(f"left alone {_count(left)} named {names.PREFIX}* that this "
                     "project does not make or no dead run made: " + ", ".join(left))
    return lines


def _count(labels):
    return counted(len(labels), "object")
