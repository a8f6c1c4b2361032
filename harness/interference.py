"""interference - how much of each pinned CPU other tasks took over a rep's
window, from what the two sides read at the edges of their windows
(bench/counters.c: cpu_busy_ns, idle_entries, steal_ns, ksoftirqd_ns, per
side), for results.csv; and whether that is enough to flag the rep.

    derive(record, cpus="split")
    # {'server_others_cpu_s': 0.012, 'client_others_cpu_s': 0.0, 'steal_s': 0.0,
    #  'others_cpu_share': 0.024, 'interfered': 0}

Others on a CPU = the CPU's busy time (not idle) - the sides' own CPU time
(getrusage: the whole process, exact) - its ksoftirqd's run time - its steal
- the idle loop's own time at each of its idle entries:
- every time a side blocks and its CPU goes idle, leaving idle again (the
  wake-up interrupt, the tick re-armed, the switch back) is busy time that
  is no task's. Measured on a quiet 2-vCPU VM (uds and tcp, both modes,
  100 B and 64 KiB, split): 2.3 to 5 us per idle entry, 3 to 17% of the
  window in a ping-pong; IDLE_ENTRY_NS per entry is taken out. Where wake-
  ups are cheaper (bare metal, ~1-2 us) this hides that much real
  interference: a flag errs towards silence. Without cpuidle (no entries
  counted) nothing is taken out.
- ksoftirqd runs the softirqs the path raised when they pile up: the path's
  own work, not interference, so it is taken out. Softirqs run on the way
  out of a system call or an interrupt are billed to the task they
  interrupted, a side itself, and need nothing.
- steal is the hypervisor's, not a task's: its own column. The busy time
  holds it; the sides' CPU time does not where the kernel accounts steal
  (CONFIG_PARAVIRT_TIME_ACCOUNTING; without it others read low by the steal).
- a forwarder (docker-proxy, pasta, slirp4netns: forwarder_user_s and
  forwarder_sys_s in the record) carries the path's bytes, and is not
  pinned: its time lands on either pinned CPU in shares nobody records, so
  all of it is taken out of each side's others (a flag errs towards
  silence).
- with cpus=same both sides run on one CPU and both are taken out of its
  busy time; the two columns are then the same figure.
- unpinned (cpus=none) a side has no CPU of its own: the columns are empty,
  steal_s is the whole machine's.
Small negative residues (the sides' windows are not the same instant) are 0.
A side that cannot see its ksoftirqd (a container's PID namespace) leaves it
in others.
"""

from .counters import record_number

COLUMNS = ("server_others_cpu_s", "client_others_cpu_s", "steal_s", "others_cpu_share",
           "interfered")

# A rep is flagged when others took more than this share of a pinned CPU's
# window: "a few percent" -- above what the readings themselves can be off
# by (steal in 10 ms ticks; the sides' windows a few microseconds apart),
# below what a neighbour's busy loop or a concurrent benchmark takes.
INTERFERED_SHARE = 0.05
# The idle loop's own busy time per idle entry (see above).
IDLE_ENTRY_NS = 5000


def _side(record, side, own_s):
    """Others on one side's CPU, in seconds: busy - own - ksoftirqd - steal
    - the idle loop's time, or None without the busy time or the own time."""
    busy = record_number(record, f"{side}_cpu_busy_ns")
    if busy is None or own_s is None:
        return None
    ksoftirqd = record_number(record, f"{side}_ksoftirqd_ns") or 0
    steal = record_number(record, f"{side}_steal_ns") or 0
    idle_loop = (record_number(record, f"{side}_idle_entries") or 0) * IDLE_ENTRY_NS
    return max(0.0, (busy - ksoftirqd - steal - idle_loop) / 1e9 - own_s)


def _steal_s(record, cpus):
    c, s = record_number(record, "client_steal_ns"), record_number(record, "server_steal_ns")
    if cpus == "split":
        return None if c is None or s is None else (c + s) / 1e9
    return None if c is None else c / 1e9


def _forwarder_s(record):
    """The forwarder's CPU time over the window: the path's work too."""
    return ((record_number(record, "forwarder_user_s") or 0)
            + (record_number(record, "forwarder_sys_s") or 0))


def others(record, cpus):
    """(server_others_cpu_s, client_others_cpu_s); None where unknown."""
    client_own = record_number(record, "client_cpu_s")
    server_own = record_number(record, "server_cpu_s")
    fwd = _forwarder_s(record)
    if cpus == "split":
        return (_side(record, "server", None if server_own is None else server_own + fwd),
                _side(record, "client", None if client_own is None else client_own + fwd))
    if cpus == "same":
        both = None if client_own is None or server_own is None else \
            client_own + server_own + fwd
        one = _side(record, "client", both)
        return one, one
    return None, None


def derive(record, cpus):
    """Every COLUMNS value of one rep from the client's record."""
    server, client = others(record, cpus)
    window = record_number(record, "elapsed_s")
    share = None
    if window and (server is not None or client is not None):
        share = max(v for v in (server, client) if v is not None) / window
    return {"server_others_cpu_s": server, "client_others_cpu_s": client,
            "steal_s": _steal_s(record, cpus), "others_cpu_share": share,
            "interfered": None if share is None else int(share > INTERFERED_SHARE)}
