"""compare_ab - the paired verdicts of one A/B run (./run.sh --ab): point by
point, the arm under test against the base arm, rep r of one against rep r
of the other (measured next to each other, ABBA order), so that what the
machine did in between falls on both. compare_render.py prints them.

    run = compare.load("results/regress-X")
    rows, tests = compare_arms(run, ["primary"], 10.0, 0.05, base_arm="B")
    # lo throughput 64 KiB  bytes_per_s  ...  -20.0%  -21.4%…-18.3%  10  0.002  0.016  regressed

The change is the Hodges-Lehmann ratio new/base of the pairs (stats.
paired_ratio) with its distribution-free interval, p the Wilcoxon signed-rank
test on the pairs' log ratios. Its verdict needs both the threshold and the
evidence after Holm's adjustment over every test of the run (each point,
each metric), so that the chance of any false "regressed" in a run of 50
points stays at alpha, not 50 x alpha. Holm rather than Benjamini-Hochberg:
a regression check answers "did anything get worse?", which is a claim about
the whole run (the family-wise error), and Holm holds it whatever the
dependence between points, which share the machine's drift; BH bounds only
the expected share of false verdicts among those made, and a gate that
fails CI on one false verdict in ten is not what it promises.
"""

from . import stats
from .compare import ARMS, InputError, Row, add_note, judge, percent, status_note
from .wording import counted, mtu_matters, point_label


def check_ab(run):
    """InputError unless run is an A/B run with both arms."""
    if not run.is_ab:
        raise InputError(f"{run.name} is not an A/B run (no arm in results.csv): "
                         "give one run measured with ./run.sh --ab, or BASE... NEW "
                         "to compare runs")
    for arm in ARMS:
        if arm not in run.arms:
            raise InputError(f"{run.name}: an A/B run without arm {arm} (no point "
                             f"has it: did the run stop before measuring {arm}?)")


def arm_text(run, arm):
    """What an arm was, from meta.json settings.ab: 'as given' for A, the
    --ab SPEC for B."""
    settings = (run.meta or {}).get("settings") or {}
    ab = settings.get("ab") if isinstance(settings, dict) else None
    ab = ab if isinstance(ab, dict) else {}
    if arm == "A":
        return "as given" + (" (A/A calibration: B is A again)" if ab.get("kind") == "same" else "")
    spec = str(ab.get("spec") or "--ab (meta.json does not say which)")
    b = ab.get("b")
    return spec + (f" ({b})" if b and str(b) not in spec else "")


def _pairs(pbase, pnew, metric):
    """-> (base values, new values, pairs with a rep flagged) of the reps
    both arms have ok, matched by rep number."""
    rb, rn = pbase.by_rep(metric), pnew.by_rep(metric)
    common = sorted(set(rb) & set(rn))
    flagged = sum(1 for r in common if rb[r]["interfered"] or rn[r]["interfered"])
    return ([rb[r][metric] for r in common], [rn[r][metric] for r in common], flagged)


def _precision_note(point, arm):
    """'arm B reached ±7.1% of ±5%', or None when met or not asked for."""
    if point.summary_number("precision_met") != 0:
        return None
    got, want = point.summary_number("precision_pct"), point.summary_number("precision_target_pct")
    reached = f"±{got:.3g}%" if got is not None else "—"
    target = f" (target ±{want:g}%)" if want is not None else ""
    return f"arm {arm} precision {reached}{target} not reached"


def _measure(row, pbase, pnew, metric):
    """Fill row from the pairs; False when there is nothing to compare."""
    base_vals, new_vals, flagged = _pairs(pbase, pnew, metric)
    row.n_base, row.n_new = len(pbase.values(metric)), len(pnew.values(metric))
    row.base = stats.median(pbase.values(metric)) if row.n_base else None
    row.new = stats.median(pnew.values(metric)) if row.n_new else None
    r = stats.paired_ratio(base_vals, new_vals)
    if r is None:
        return False
    row.n, row.p, row.level = r.n, r.p, r.level
    row.change, row.low, row.high = percent(r.ratio), percent(r.low), percent(r.high)
    if flagged:
        add_note(row, f"{flagged} of {counted(r.n, 'pair')} interfered")
    if r.zeros:
        add_note(row, f"{counted(r.zeros, 'pair')} equal (no sign)")
    return True


def _point_rows(key, pbase, pnew, base_arm, metrics):
    """The rows of one point (both arms present): one per metric."""
    rows = []
    for metric in metrics:
        metric = pbase.primary if metric == "primary" else metric
        if not pbase.values(metric) and not pnew.values(metric) and \
                "ok" in (pbase.status, pnew.status):
            continue                    # the metric does not apply to the point
        row = Row(key, metric)
        row.note = status_note(pbase, pnew, (f"arm {base_arm}", f"arm {other(base_arm)}"))
        for p, arm in ((pbase, base_arm), (pnew, other(base_arm))):
            text = _precision_note(p, arm)
            if text:
                add_note(row, text)
        if not _measure(row, pbase, pnew, metric):
            bad = [p.status for p in (pnew, pbase) if p.status in ("error", "unsupported")]
            row.verdict = bad[0] if bad else "not compared"
        rows.append(row)
        if row.verdict in ("error", "unsupported"):
            break
    return rows


def other(arm):
    return "B" if arm == "A" else "A"


def _by_point(run):
    """{point without its arm: {arm: Point}} in the run's order."""
    out = {}
    for key, p in run.points.items():
        out.setdefault(key._replace(arm=""), {})[key.arm] = p
    return out


def compare_arms(run, metrics, threshold, alpha, base_arm="A"):
    """-> (rows, tests): the paired verdicts of the run's points, the arm
    under test against base_arm, and how many tests Holm adjusted over."""
    check_ab(run)
    rows = []
    for key, arms in _by_point(run).items():
        if len(arms) < 2:
            (arm, p), = arms.items()
            row = Row(key, p.primary)
            row.verdict = f"only in {arm}"
            med = stats.median(p.values(p.primary)) if p.values(p.primary) else None
            row.base, row.new = (med, None) if arm == base_arm else (None, med)
            rows.append(row)
            continue
        rows += _point_rows(key, arms[base_arm], arms[other(base_arm)], base_arm, metrics)
    tested = [r for r in rows if r.p is not None]
    for r, adj in zip(tested, stats.holm([r.p for r in tested])):
        r.p_adj = adj
        r.verdict, direction = judge(r.metric, r.change, adj < alpha, threshold)
        if r.verdict == "noisy":
            extra = f"{direction} but Holm p >= {alpha:g}"
            if stats.smallest_signed_rank_p(r.n) * len(tested) >= alpha:
                extra += f" ({r.n} pairs can never reach it over {len(tested)} tests)"
            add_note(r, extra)
    if not tested:
        raise InputError(f"{run.name}: no point has {', '.join(metrics)} in both arms")
    return rows, len(tested)


def ab_warnings(run, rows, tests, alpha):
    """Notes beside the table: pair counts too small for Holm over the run,
    verdicts resting on interfered pairs, an unreadable meta.json."""
    out = [run.meta_error] if run.meta_error else []
    need = stats.pairs_needed(tests, alpha)
    short = sorted({r.n for r in rows if r.p is not None and r.n < need})
    if short:
        out.append(f"with {'/'.join(map(str, short))} pairs no change can reach p < "
                   f"{alpha:g} after Holm over {tests} tests (the smallest p is "
                   f"{stats.smallest_signed_rank_p(short[0]):.3g}): measure {need} pairs "
                   f"at least (--reps {need})")
    show = mtu_matters(r.key for r in rows)
    for r in rows:
        if r.verdict in ("regressed", "improved") and "interfered" in r.note:
            out.append(f"{point_label(r.key, show)} {r.metric}: '{r.verdict}' rests on reps "
                       "with interference flagged (others took a material share of a "
                       "pinned CPU)")
    return out

