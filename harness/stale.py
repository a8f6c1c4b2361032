"""stale - what dead runs left, cleaned at the start of each run: the
servers and private directories they recorded (state.reap_dead_run), the
host sysctls they changed (sysctl.restore_dead) and, as root, the network
namespaces, host links and nftables tables they recorded making
(topology.sweep_stale).

A run is dead when no process holds its name and its state file's owner is
gone (state.Holds). The sweep holds a dead id while it cleans it, so no new
run can claim that id meanwhile. An object is removed only when its full
name is one the project makes (names.owner), its run is dead, and that run's
state file here lists it. Names that carry a live run's id are that run's,
whatever their suffix, and are not mentioned. Everything else with the
prefix, including a name of the right shape for an id nobody recorded, is
left alone and named in one line: the record is the only proof that a run
of this project made it, and a run that records nowhere we can see (an
older harness with a private state directory) may still be using it.

    for line in sweep(st.run_id):
        print(line)
"""

import os

from . import names, state, sysctl, topology


def _recorded(rid, dead_run, name):
    """Whether name is one the project makes for run rid and the dead run's
    state data (None: it left none here) lists it. A state file without a
    list of names is an older harness's, which made only such names: the
    file is its record of every one."""
    if dead_run is None or names.owner(name) != rid:
        return False
    made = dead_run.get("names")
    return made is None or name in made


def sweep(own_id, directory=None, host=None):
    """Clean what dead runs left; returns the lines to tell the user."""
    directory = directory or state.state_dir()
    dead = state.dead_runs(directory)
    records = {rid: data for rid, _, data in dead}
    removed, left, restored = [], [], []
    with state.Holds(own_id, directory) as is_alive:
        if os.geteuid() == 0:
            removed, left = topology.sweep_stale(
                names.PREFIX, is_alive, host, run_of=names.run_of,
                recorded=lambda rid, name: _recorded(rid, records.get(rid), name))
        for rid, path, data in dead:
            if not is_alive(rid):
                restored += sysctl.restore_dead(data, directory)
                state.reap_dead_run(path, data)
    lines = []
    if restored:
        lines.append("restored sysctls a dead run changed: " + ", ".join(restored))
    if removed:
        lines.append(f"removed {len(removed)} objects left by dead runs: "
                     + ", ".join(removed))
    if left:
        lines.append(f"left alone {len(left)} objects named {names.PREFIX}* that no "
                     "dead run recorded making: " + ", ".join(left))
    return lines
