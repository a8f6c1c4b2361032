"""names - the names of what a run makes in the host's view (network
namespaces, links, nftables tables): PREFIX, the run id, a dash, and a
suffix from SUFFIXES. This registry is used where names are made (make, via
transports.Context.name) and where the stale sweep matches them (owner), so
the two cannot drift: a transport that makes a name outside it fails at
once, and the sweep leaves every other name with the prefix alone.

    make("k3x9", "va")          # 'ipcp-k3x9-va'
    owner("ipcp-k3x9-va")       # 'k3x9'
    owner("ipcp-k3x9-keep")     # None: not a name this project makes
    run_of("ipcp-k3x9-keep")    # 'k3x9': spared while run k3x9 lives
"""

import re
import string

PREFIX = "ipcp-"
ID_ALPHABET = string.ascii_lowercase + string.digits
ID_LEN = 4                  # run ids: state.RunState.claim draws them

# Every suffix has at most 5 characters: PREFIX + id + "-" + suffix must fit
# IFNAMSIZ (15) for link names.
SUFFIXES = frozenset([
    "va", "vb", "v0", "v1",                                 # veth
    "ba", "bb", "bn", "br", "a0", "a1", "b0", "b1",         # bridge
    "nl",                                                   # netns-lo
    "nc", "nb", "n0", "n1", "nat",                          # nat (nat: nftables table)
    "ct",                                                   # nftables table: conntrack count
    "xa", "xb", "x0", "x1", "xv0", "xv1",                   # vxlan
    "mp", "ma", "mb", "mp0", "mp1", "m0", "m1",             # macvlan
    "ip", "ia", "ib", "ip0", "ip1", "i0", "i1",             # ipvlan
    "dk", "d0", "d1",                                       # a private dockerd's netns, veth
    "img", "dn",                                            # Docker image, network
    "db", "dbc", "dp", "dx", "dh", "dc", "dcp", "dcc",      # Docker containers
])
# Docker containers of one kind are told apart by an instance number
# (ipcp-k3x9-db-11: the server of address .11)
_INSTANCE = re.compile(r"(.+)-\d+")

_ID = "[%s]{%d}" % (re.escape(ID_ALPHABET), ID_LEN)
_NAME = re.compile(re.escape(PREFIX) + "(" + _ID + ")-(.+)")
# a run's name at the start of a path component (its private directories,
# its daemon's cgroup) anywhere in a text: group 1 is the run id
IN_PATH = re.compile("/" + re.escape(PREFIX) + "(" + _ID + ")-")


def make(run_id, suffix):
    """The name of object suffix of run run_id. ValueError for a suffix that
    is not registered here (add it to SUFFIXES, or the sweep would leave a
    killed run's object behind)."""
    if suffix not in SUFFIXES:
        raise ValueError(f"object suffix '{suffix}' is not in harness/names.py SUFFIXES")
    return f"{PREFIX}{run_id}-{suffix}"


def run_of(name):
    """The run id a name of the project's shape carries (PREFIX, an id, a
    dash, anything), or None. Such a name of a live run is that run's,
    whatever its suffix (a test's probe, a newer harness's object)."""
    m = _NAME.fullmatch(name)
    return m.group(1) if m else None


def run_prefix(run_id):
    """What every name of run run_id starts with ('ipcp-k3x9-')."""
    return f"{PREFIX}{run_id}-"


def owner(name, instances=False):
    """The run id of a name this project makes, or None for any other name
    (one that merely starts with PREFIX). instances: a registered name
    followed by -N is one too (Docker containers)."""
    m = _NAME.fullmatch(name)
    if m is None:
        return None
    suffix = m.group(2)
    if instances and suffix not in SUFFIXES and _INSTANCE.fullmatch(suffix):
        suffix = _INSTANCE.fullmatch(suffix).group(1)
    return m.group(1) if suffix in SUFFIXES else None
