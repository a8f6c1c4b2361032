"""conntrack - how many conntrack entries a rep's connections created, on
the paths that have conntrack by construction: nat (the host's namespace,
while its DNAT table is loaded) and the docker-* transports whose
connections cross the Docker daemon's namespace, where its iptables rules
keep conntrack on (all but docker-container: loopback in a container's). Counted in
connect mode, where each transaction is a new connection.

    with counting(ep) as count:     # ep.conntrack: None, or where to count
        ...                         # run the clients
        n = count()                 # new entries since, or None

What counts: a table of our own, `inet ipcp-<id>-ct`, with one rule in
postrouting, `ct state new counter`: every connection a namespace sends or
forwards passes postrouting once in state new, before conntrack confirms
its entry, so the rule's packets are the entries created (a loopback
connection does not come back through postrouting; one that only ends in
the namespace would not be counted, and no path here has one). The table is
loaded for the span of one rep only: its ct expression would otherwise turn
conntrack on where the path had not. /proc/net/stat/nf_conntrack is no
counter of this on current kernels: its insert, new and found columns stay
0 (6.18: a hundred connections, insert 0), and entries is a gauge that
expiring entries pull down.
"""

import contextlib
import json

from . import nft
from .command import TopologyError, run

FAMILY = "inet"


def table_text(name, match):
    """The counting table; match narrows it to the path's own traffic."""
    return f"""add table {FAMILY} {name}
delete table {FAMILY} {name}
table {FAMILY} {name} {{
	chain postrouting {{
		type filter hook postrouting priority filter; policy accept;
		{match} ct state new counter
	}}
}}
"""


def packets(listing):
    """The counter's packets in `nft -j list table`'s output, or None."""
    try:
        items = json.loads(listing).get("nftables", [])
    except ValueError:
        return None
    for item in items:
        for expr in (item.get("rule") or {}).get("expr", []):
            if "counter" in expr:
                return expr["counter"].get("packets")
    return None


def _read(prefix, name):
    p = run(list(prefix) + ["nft", "-j", "list", "table", FAMILY, name], check=False)
    return packets(p.stdout) if p.returncode == 0 else None


@contextlib.contextmanager
def counting(ep):
    """Count the new conntrack entries of ep's path for the span of the
    block; yields a function that reads the count so far (None where the
    path has no conntrack to count, or the table could not be read)."""
    where = getattr(ep, "conntrack", None)
    if not where:
        yield lambda: None
        return
    prefix, name = where["prefix"], where["table"]
    nft.load(prefix, table_text(name, where.get("match", "meta l4proto tcp")))
    try:
        yield lambda: _read(prefix, name)
    finally:
        try:
            nft.delete(prefix, FAMILY, name)
        except TopologyError:
            pass            # the run's clean-up removes it by name
