"""nft - the nftables rules a container runtime installs for a published
port (Docker's bridge network without the userland proxy), rendered as one
table named ipcp-<id>-nat, loaded atomically with `nft -f -` and removed by
exact name; and the facts meta.json records about a namespace's rules.

    text = nat_table("ipcp-k3x9-nat", host_ip="192.0.2.2", published=40001,
                     container_ip="198.18.2.2", container_port=37011,
                     bridge="ipcp-k3x9-nb", subnet="198.18.2.0/24")
    load(prefix, text)                       # replaces any table of that name
    delete(prefix, "ip", "ipcp-k3x9-nat")
    tables([])                               # [("ip", "ipcp-k3x9-nat")]

prefix is an argv prefix that runs a command in a network namespace ([] is
the host's own). Every command has a timeout; failures are TopologyError.
"""

import json

from .command import TopologyError, run

NAT_FAMILY = "ip"


def nat_table(name, host_ip, published, container_ip, container_port, bridge, subnet):
    """The ruleset of `docker run -p HOST_IP:PUBLISHED:CONTAINER_PORT` with
    userland-proxy=false, in nftables words: DNAT in prerouting (traffic from
    outside) and output (traffic from this host, which is ours), the
    masquerade rule for the containers' own egress, and the forward rules
    that accept tracked connections. The two nat hooks turn on conntrack
    for every packet of this namespace while the table exists."""
    dnat = (f"ip daddr {host_ip} tcp dport {int(published)} "
            f"dnat to {container_ip}:{int(container_port)}")
    return f"""add table {NAT_FAMILY} {name}
delete table {NAT_FAMILY} {name}
table {NAT_FAMILY} {name} {{
	chain prerouting {{
		type nat hook prerouting priority dstnat; policy accept;
		iifname != "{bridge}" {dnat}
	}}
	chain output {{
		type nat hook output priority -100; policy accept;
		{dnat}
	}}
	chain postrouting {{
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr {subnet} oifname != "{bridge}" masquerade
	}}
	chain forward {{
		type filter hook forward priority filter; policy accept;
		oifname "{bridge}" ct state established,related accept
		iifname "{bridge}" accept
	}}
}}
"""


def _nft(prefix, *args, stdin=None, check=True):
    return run(list(prefix) + ["nft"] + list(args), check=check, input=stdin)


def available(prefix=()):
    """None when nft runs here, else the reason it does not."""
    try:
        p = _nft(prefix, "--version", check=False)
    except TopologyError as e:
        return str(e)
    return None if p.returncode == 0 else (p.stderr.strip() or "nft --version failed")


def load(prefix, text):
    _nft(prefix, "-f", "-", stdin=text)


def delete(prefix, family, name):
    """Remove table family/name; a table already gone is not an error."""
    p = _nft(prefix, "delete", "table", family, name, check=False)
    if p.returncode != 0 and (family, name) in tables(prefix):
        raise TopologyError(f"'nft delete table {family} {name}' failed: "
                            f"{p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}")


def show(prefix, family, name):
    """`nft list table` as the kernel holds it (text), or None."""
    try:
        p = _nft(prefix, "list", "table", family, name, check=False)
    except TopologyError:
        return None
    return p.stdout if p.returncode == 0 else None


def tables(prefix=()):
    """[(family, name)] of every nftables table in the namespace; [] when
    nft is missing."""
    try:
        p = _nft(prefix, "-j", "list", "tables", check=False)
    except TopologyError:
        return []
    if p.returncode != 0:
        return []
    try:
        items = json.loads(p.stdout).get("nftables", [])
    except ValueError:
        return []
    return [(t["table"]["family"], t["table"]["name"]) for t in items
            if isinstance(t, dict) and "table" in t]


def facts(prefix=()):
    """What sits on a namespace's packet path, for meta.json: its nftables
    tables, whether any rule set exists, whether conntrack runs (a nat chain
    or a ct expression turns it on for every packet), and iptables-legacy
    tables if any."""
    out = {"nft_tables": [], "ruleset_empty": True, "conntrack": False,
           "iptables_legacy_tables": []}
    try:
        p = _nft(prefix, "list", "ruleset", check=False)
    except TopologyError:
        p = None
    if p is not None and p.returncode == 0:
        text = p.stdout
        out["ruleset_empty"] = not text.strip()
        out["conntrack"] = any(("type nat" in l) or l.strip().startswith("ct ")
                               or " ct " in l for l in text.splitlines())
        out["nft_tables"] = [f"{f} {n}" for f, n in tables(prefix)]
    else:
        out["nft_tables"] = None
        out["ruleset_empty"] = None
        out["conntrack"] = None
    try:
        q = run(list(prefix) + ["cat", "/proc/net/ip_tables_names"], check=False)
        if q.returncode == 0:
            out["iptables_legacy_tables"] = q.stdout.split()
    except TopologyError:
        pass
    return out
