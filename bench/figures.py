"""What bench/results.json's figures say, for the page (report.py) and its target lines (verdicts.py): the targets'
thresholds, medians and spreads over repeats, the sections and versions present, STALE marks (provenance.py), and
whether a measured run had an error answer (then its verdict is FAIL, whatever its speed) or ran while the host
stole CPU time (said beside the verdict), and the pairing of each HTTP round with the peer's run of the same round.
"""
import copy
import os
import statistics

BENCH = os.path.dirname(os.path.abspath(__file__))
VERSIONS = ("27", "36", "37")
#: The targets of issue 6.
COLD_RATIO = 1.1
WARM_RATIO = 1.3
SOCKET_P50_US = 100.0
HTTP_RATIO = 3.0
#: The targets of issue 12: requests/s at 8 connections against functions-framework with a worker per CPU.
HTTP_TARGETS = (("fnruntime --instances 2", 3.0), ("fnruntime", 2.5))
RSS_MB = 30.0


def median_of(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def spread(runs, key, fmt="%.1f"):
    """`median (min-max)` over the repeats."""
    values = [r[key] for r in runs if r.get(key) is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return fmt % values[0]
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(values), min(values), max(values))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def sections(results):
    return results.get("sections", {})


def versions_of(section):
    return [v for v in VERSIONS if v in section]


def annotated(results, stale):
    """A copy of `results` whose stale figures carry `_stale` (the reason)."""
    results = copy.deepcopy(results)
    for (name, version), reason in (stale or {}).items():
        section = results.get("sections", {}).get(name)
        if section is None:
            continue
        target = section.get(version) if version else section
        if isinstance(target, dict):
            target["_stale"] = reason
    return results


def stale_mark(*figures):
    """` **STALE** (why)` when any of `figures` is stale, else ``."""
    reasons = [f["_stale"] for f in figures if isinstance(f, dict) and f.get("_stale")]
    return " **STALE** (%s)" % reasons[0] if reasons else ""


def answer_problems(runs):
    """What went wrong in the answers of these measured runs: error frames, non-2xx answers, socket errors."""
    problems = []
    errors = sum(r.get("error_answers") or 0 for r in runs)
    if errors:
        problems.append("%d error answers" % errors)
    non_2xx = sum(r.get("non_2xx") or 0 for r in runs)
    if non_2xx:
        problems.append("%d non-2xx answers" % non_2xx)
    sockets = [r["socket_errors"] for r in runs if r.get("socket_errors")]
    if sockets:
        problems.append("socket errors: %s" % "; ".join(sockets[:2]))
    return problems


#: A run during which the host took more than this share of the CPUs' time ran on a crowded host.
STOLEN = 0.05


def stolen(runs):
    """A note when some of `runs` ran while the host stole more than STOLEN of the CPUs' time, else ""."""
    steals = [r["steal"] for r in runs if r.get("steal") is not None]
    crowded = [s for s in steals if s > STOLEN]
    if not crowded:
        return ""
    return " (%d of %d runs under CPU steal over %.0f%%, up to %.0f%%: the host took part of the CPUs)" % (
        len(crowded), len(steals), 100 * STOLEN, 100 * max(crowded))


def by_round(ours, peer, our_key="per_second", peer_key="per_second"):
    """Each of our runs against the peer's run of the same round (the i-th of each: a round runs every server once,
    one after the other, within a minute or two), as ratios of `our_key` to `peer_key`; None unless both have the
    same rounds, two or more, with the figure in each."""
    if len(ours) < 2 or len(ours) != len(peer) or not all(r.get(our_key) for r in ours) or \
            not all(r.get(peer_key) for r in peer):
        return None
    return [o[our_key] / p[peer_key] for o, p in zip(ours, peer)]


def ratios_text(ratios, fmt="x%.2f"):
    return ", ".join(fmt % r for r in ratios)


def checked(ok, runs):
    """(verdict, note): FAIL with what went wrong when any run had error answers, else PASS/FAIL on `ok`."""
    problems = answer_problems(runs)
    if problems:
        return "FAIL", " — answers failed: %s" % ", ".join(problems)
    return verdict(ok), ""
