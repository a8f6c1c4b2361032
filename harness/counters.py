"""counters - the kernel counters of a rep (client_* and server_* in the
client's record) combined into one figure per counter, and divided by the
rep's messages (round trips in latency mode), for results.csv.

    derive(record, socket="tcp", cpus="split", netns_shared=True)
    # {'client_user_s': 0.03, ..., 'softirq_ns': 60000000, 'tcp_out_segs': 8409,
    #  ..., 'softirq_ns_per_msg': 106.9, 'tcp_data_segs_per_msg': 0.01, ...,
    #  'instructions_per_msg': None}

A counter the machine does not have (perf on a VM) stays None, so that its
cell is empty, never 0.
"""

# per side, copied as they are (seconds of CPU time over the side's window)
SIDE_TIMES = ("client_user_s", "client_sys_s", "server_user_s", "server_sys_s")
# read on the CPU each side is pinned to (/proc/stat)
CPU_WIDE = ("softirq_ns", "irq_ns")
# read in each side's network namespace (/proc/net/snmp, netstat), by protocol
TCP = ("tcp_in_segs", "tcp_out_segs", "tcp_data_segs_out", "tcp_retrans_segs",
       "tcp_delayed_acks")
UDP = ("udp_in_datagrams", "udp_out_datagrams", "udp_rcvbuf_errors")
# of each side's own process (perf_event_open)
PER_PROCESS = ("instructions", "cycles")

COMBINED = CPU_WIDE + TCP + UDP + PER_PROCESS

# per-message column -> (numerator column, scale)
PER_MSG = {
    "client_user_ns_per_msg": ("client_user_s", 1e9),
    "client_sys_ns_per_msg": ("client_sys_s", 1e9),
    "server_user_ns_per_msg": ("server_user_s", 1e9),
    "server_sys_ns_per_msg": ("server_sys_s", 1e9),
    "softirq_ns_per_msg": ("softirq_ns", 1),
    "irq_ns_per_msg": ("irq_ns", 1),
    "tcp_data_segs_per_msg": ("tcp_data_segs_out", 1),
    "tcp_segs_per_msg": ("tcp_out_segs", 1),
    "retrans_per_msg": ("tcp_retrans_segs", 1),
    "delayed_acks_per_msg": ("tcp_delayed_acks", 1),
    "instructions_per_msg": ("instructions", 1),
    "cycles_per_msg": ("cycles", 1),
}

COLUMNS = SIDE_TIMES + COMBINED + tuple(PER_MSG)


def record_number(record, key):
    """record[key] when it is a number (not a bool), else None: a field of
    the client's record that may be absent, empty or of an older binary."""
    v = record.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v


def _one(record, name):
    return record_number(record, "client_" + name)


def _both(record, name):
    c, s = record_number(record, "client_" + name), record_number(record, "server_" + name)
    return None if c is None or s is None else c + s


def combine(record, socket, cpus, netns_shared):
    """The two sides' counters as one figure each, or None where absent.

    The /proc figures are not per process but per CPU or per namespace, so
    adding both sides can count the same events twice:
    - softirq/irq: with cpus=split each side read its own CPU (sum them);
      with `same` both read that one CPU, with `none` both read the all-CPU
      line: take the client's.
    - TCP/UDP: when both sides run in one namespace (uds, lo, hostip, tcp6,
      udp, netns-lo, ...) the client's counters already include the
      server's segments: take the client's; in different namespaces (veth,
      bridge, vxlan, macvlan, ipvlan, nat) each saw only its own: sum.
      Counters of a protocol the socket does not use only count background
      traffic, so they stay empty.
    - instructions/cycles are each process's own: sum; absent if either is.
    """
    out = {}
    for name in CPU_WIDE:
        out[name] = _both(record, name) if cpus == "split" else _one(record, name)
    for names, proto in ((TCP, "tcp"), (UDP, "udp")):
        for name in names:
            if socket != proto:
                out[name] = None
            else:
                out[name] = _one(record, name) if netns_shared else _both(record, name)
    for name in PER_PROCESS:
        out[name] = _both(record, name)
    return out


def per_message(values, messages):
    """PER_MSG columns from SIDE_TIMES and combined values; None where the
    counter is absent or the rep moved no message."""
    ok = isinstance(messages, (int, float)) and not isinstance(messages, bool) \
        and messages > 0
    out = {}
    for col, (src, scale) in PER_MSG.items():
        v = values.get(src)
        out[col] = v * scale / messages if ok and v is not None else None
    return out


def derive(record, socket, cpus, netns_shared):
    """Every COLUMNS value of one rep from the client's record."""
    values = {k: record_number(record, k) for k in SIDE_TIMES}
    values.update(combine(record, socket, cpus, netns_shared))
    values.update(per_message(values, record_number(record, "messages")))
    return values
