"""The PASS/FAIL target lines of bench/results.md (issue 6's and issue 12's targets) from the results' figures. The
HTTP targets set each of our rounds against the peer's run of the same round (`http_lines`).
"""
from statistics import median

from figures import (COLD_RATIO, HTTP_TARGETS, RSS_MB, SOCKET_P50_US, WARM_RATIO, annotated, by_round, checked,
                     median_of, ratios_text, sections, stale_mark, stolen, verdict, versions_of)


def target_lines(results, stale=None):
    s = sections(annotated(results, stale) if stale else results)
    lines = []
    cold = s.get("docker-cold", {})
    for v in versions_of(cold):
        f = cold[v]
        if "skipped" in f:
            lines.append("- NOT MEASURED cold one-shot py%s: %s" % (v, f["skipped"]))
            continue
        lines.append("- %s cold one-shot py%s within %.1fx of `docker run ... python -c pass`: x%.3f (%.0f vs %.0f ms, "
                     "+%.0f ms)%s" % (verdict(f["ratio"] <= COLD_RATIO), v, COLD_RATIO, f["ratio"],
                                      f["subject_ms"]["median"], f["floor_ms"]["median"], f["overhead_ms"],
                                      stale_mark(f)))
    warm = s.get("docker-warm", {})
    for v in versions_of(warm):
        f = warm[v]
        if "skipped" in f:
            lines.append("- NOT MEASURED warm py%s: %s" % (v, f["skipped"]))
            continue
        for channel, label in (("stdio", "`docker run -i` stdio"), ("unix", "bind-mounted unix socket")):
            pair = f[channel]
            ours, floor = median_of(pair["subject"], "p50_us"), median_of(pair["floor"], "p50_us")
            result, note = checked(ours <= WARM_RATIO * floor, pair["subject"] + pair["floor"])
            lines.append("- %s warm p50 py%s over %s within %.1fx of its echo floor: x%.2f (%.1f vs %.1f us)%s%s" % (
                result, v, label, WARM_RATIO, ours / floor, ours, floor, note, stale_mark(f)))
        ours = median_of(f["unix"]["subject"], "p50_us")
        result, note = checked(ours < SOCKET_P50_US, f["unix"]["subject"])
        lines.append("- %s warm p50 py%s on the bind-mounted socket under %.0f us: %.1f us%s%s" % (
            result, v, SOCKET_P50_US, ours, note, stale_mark(f)))
    http = s.get("http", {})
    if "servers" in http:
        lines.extend(http_lines(http))
    elif "skipped" in http:
        lines.append("- NOT MEASURED HTTP: %s" % http["skipped"])
    for where, section in (("image", warm), ("host", s.get("host-warm", {}))):
        for v in versions_of(section):
            memory = section[v].get("unix", {}).get("memory") if "skipped" not in section[v] else None
            if memory:
                lines.append("- %s warm instance py%s (%s) under %.0f MB RSS, supervisor + worker: %.1f MB "
                             "(PSS %.1f MB)%s" % (verdict(memory["rss_mb"] < RSS_MB), v, where, RSS_MB,
                                                  memory["rss_mb"], memory["pss_mb"], stale_mark(section[v])))
    return lines


def http_lines(http):
    """Issue 12's targets at 8 connections, each of our rounds against the peer's run of the same round.

    The machine's speed drifts from minute to minute (in one run the server alone went from 7,079 to 10,469
    requests/s over its three rounds), so a ratio is taken between runs a minute apart: round by round, and the
    verdict is the median of the rounds' ratios. The median also keeps one round from deciding it, as one where
    gunicorn's workers split wrk's connections unevenly (they share one listening socket; a run at half the peer's
    speed happens). Where the rounds cannot be paired (a round missing), our median is held to the peer's best run
    and best p50, as before session 14. Each line also gives that older figure."""
    lines = []
    peer_all = http["servers"]["functions-framework"].get("8", [])
    peer_runs = [r for r in peer_all if r.get("per_second")]
    if not peer_runs:
        return lines
    peer_best = max(r["per_second"] for r in peer_runs)
    peer_best_p50 = min([r["p50_us"] for r in peer_runs if r.get("p50_us")] or [None])
    every_run = [r for runs in http["servers"].values() for rs in runs.values() for r in rs]
    for name, ratio in HTTP_TARGETS:
        runs = http["servers"].get(name, {}).get("8", [])
        ours, p99 = median_of(runs, "per_second"), median_of(runs, "p99_us")
        if not ours:
            continue
        crowded = stolen(runs + peer_runs)
        rounds = by_round(runs, peer_all)
        if rounds:
            result, note = checked(median(rounds) >= ratio, every_run)
            lines.append("- %s HTTP `%s` at 8 connections at least %.1fx functions-framework run in the same round "
                         "(gunicorn, %s workers; Python %s): x%.2f, the median of %d rounds' %s (medians %.0f vs %.0f "
                         "requests/s; x%.2f of the peer's best run, %.0f)%s%s%s" % (
                             result, name, ratio, http.get("cpus", "?"), http["python"], median(rounds), len(rounds),
                             ratios_text(rounds), ours, median_of(peer_runs, "per_second"), ours / peer_best,
                             peer_best, note, crowded, stale_mark(http)))
        else:
            result, note = checked(ours >= ratio * peer_best, every_run)
            lines.append("- %s HTTP `%s` at 8 connections at least %.1fx functions-framework at its best of %d runs "
                         "(gunicorn, %s workers; Python %s; the rounds not paired): x%.2f (%.0f vs %.0f requests/s)"
                         "%s%s%s" % (result, name, ratio, len(peer_runs), http.get("cpus", "?"), http["python"],
                                     ours / peer_best, ours, peer_best, note, crowded, stale_mark(http)))
        if not p99:
            continue
        rounds = by_round(runs, peer_all, "p99_us", "p50_us")
        if rounds:
            result, note = checked(median(rounds) < 1.0, every_run)
            lines.append("- %s HTTP `%s` p99 at 8 connections below functions-framework's p50 in the same round: "
                         "x%.2f of it, the median of %d rounds' %s (medians %.0f vs %.0f us; the peer's best p50 "
                         "%.0f us)%s%s%s" % (result, name, median(rounds), len(rounds), ratios_text(rounds), p99,
                                              median_of(peer_runs, "p50_us"), peer_best_p50, note, crowded,
                                              stale_mark(http)))
        elif peer_best_p50:
            result, note = checked(p99 < peer_best_p50, every_run)
            lines.append("- %s HTTP `%s` p99 at 8 connections below functions-framework's best p50 (the rounds not "
                         "paired): %.0f vs %.0f us%s%s%s" % (result, name, p99, peer_best_p50, note, crowded,
                                                            stale_mark(http)))
    return lines


def targets_text(results, stale=None):
    return "Targets:\n" + "\n".join(target_lines(results, stale))
