"""why_pairs.py - what report.md's "Why" section explains, chosen from a
run: the headline pairs of WHY_PAIRS that the run has (veth vs lo, ...),
same core vs split cores, and each transport swept over MTUs. plots/why.py
reads their reps and writes the section.

    why_section(run, 100)       # '## Why ...', or None before schema 3
"""
import why
from comparisons import mtu_variants
from rundir import measured, series_order
from twins import TWINS

# The headline comparisons of "Why", first against second, where both are in the run.
WHY_PAIRS = (("uds", "lo"), ("veth", "lo"), ("bridge", "veth"), ("nat", "veth"),
             ("vxlan", "veth"), ("macvlan", "bridge"), ("ipvlan", "bridge"),
             ("netns-lo", "lo")) + (
    # the container runtimes: each real path against the one this suite
    # rebuilds, then the forwarders against what they skip
    tuple((real, model) for model, real in TWINS)) + (
    ("docker-proxy", "docker-publish"), ("pasta", "lo"), ("slirp4netns", "pasta"))


# MTU effects at the report's size and at 64 KiB (or the largest size below
# it): a message that spans many segments at MTU 1500 and one at 64 KiB. On
# a 2-core VM the small size is where the MTU mattered (it caps how many
# small writes one segment carries), not the large one (GSO carries 64 KiB
# as one packet whatever the MTU).
MTU_SIZE = 65536


def at_size(run, mode, size, cpus=None):
    """Measured points of a slice at one size, by series."""
    return {p["series"]: p for p in run.points(mode, cpus=cpus)
            if p["size"] == size and measured(p)}


def side(run, point, name=None):
    return why.Side(name or point["series"], run.ok_reps(point))


def why_groups(run, size):
    """[(heading, [why.Pair])]: WHY_PAIRS, then same vs split core."""
    groups = []
    for a, b in WHY_PAIRS:
        pairs = []
        for mode in run.modes():
            pts = at_size(run, mode, size)
            if a in pts and b in pts:
                pairs.append(why.Pair(side(run, pts[a]), side(run, pts[b]), mode, size, run.cpu))
        if pairs:
            groups.append(("%s vs %s" % (a, b), pairs))
    return groups + cpus_group(run, size)


def cpus_group(run, size):
    """Same core vs split cores for lo (or the first transport both have)."""
    if not {"same", "split"} <= set(run.cpus):
        return []
    pairs, shown = [], None
    for mode in run.modes():
        same, split = at_size(run, mode, size, "same"), at_size(run, mode, size, "split")
        both = series_order(set(same) & set(split))
        if not both:
            continue
        shown = shown if shown in both else ("lo" if "lo" in both else both[0])
        pairs.append(why.Pair(side(run, same[shown], "%s, same core" % shown),
                              side(run, split[shown], "%s, split cores" % shown), mode, size,
                              "mixed"))
    return [("same core vs split cores: %s" % shown, pairs)] if pairs else []


def mtu_sizes(common, size):
    """The report's size and MTU_SIZE (or the largest size below it), those
    that every MTU of a transport has."""
    below = [s for s in common if s <= MTU_SIZE]
    big = max(below) if below else min(common)
    return [s for s in dict.fromkeys((size, big)) if s in common]


def mtu_effects(run, size):
    """why.MtuEffect per transport swept over MTUs, mode and size (see
    mtu_sizes), with lo when present."""
    out = []
    for mode in run.modes():
        variants = mtu_variants([p for p in run.points(mode) if measured(p)])
        for t, mtus in variants.items():
            common = set.intersection(*(set(ps) for _, ps in mtus))
            for s in mtu_sizes(common, size) if common else []:
                lo = at_size(run, mode, s).get("lo")
                out.append(why.MtuEffect(
                    t, [m for m, _ in mtus],
                    [side(run, ps[s], "%s at MTU %s" % (t, m)) for m, ps in mtus],
                    side(run, lo) if lo else None, mode, s, run.cpu))
    return out


def why_section(run, size):
    """None for runs before schema 3: without the kernel's counters there is
    no "why" to tell, only the CPU time the other sections show."""
    if not any("softirq_ns_per_msg" in r for reps in run.reps.values() for r in reps):
        return None
    return why.section(why_groups(run, size), mtu_effects(run, size))
