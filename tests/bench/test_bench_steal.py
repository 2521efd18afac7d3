"""The HTTP section's CPU steal: measured on this machine's real /proc/stat with every CPU spinning (an idle virtual
CPU shows none), spent out of one waiting budget, recorded per run, and said beside a verdict whose runs ran on a
crowded host (the verdict itself unchanged). bench/load.py and bench/report.py; no wrk."""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import load  # noqa: E402
import report  # noqa: E402


def idle_counter():
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]  # all, idle + iowait


def test_the_probe_keeps_every_cpu_busy_and_gives_a_fraction():
    before = idle_counter()
    started = time.monotonic()
    steal = load.probe_steal(0.5)
    elapsed = time.monotonic() - started
    after = idle_counter()
    assert 0.0 <= steal <= 1.0, steal
    assert 0.5 <= elapsed < 5, elapsed
    idle = (after[1] - before[1]) / float(max(1, after[0] - before[0]))
    assert idle < 0.5, "the CPUs stood %.0f%% idle while the probe should keep every one busy" % (100 * idle)


def test_steal_between_is_the_stolen_share_of_all_cpu_time():
    assert load.steal_between((1000, 10), (2000, 260)) == 0.25
    assert load.steal_between((5, 5), (5, 5)) == 0.0


def test_the_wait_spends_the_sections_budget_once():
    budget, said = [0.0], []
    started = time.monotonic()
    # the budget spent: no probe (it would keep every CPU spinning for 0.5 s), no wait, no steal figure
    assert load.wait_calm_host(-1.0, budget, said.append) is None
    assert time.monotonic() - started < 0.4 and budget == [0.0] and not said
    budget = [3.0]
    steal = load.wait_calm_host(-1.0, budget, said.append)  # never calm enough: waits only what the budget has left
    assert budget == [0.0] and said and "waiting up to 3s" in said[0], (budget, said)
    assert 0.0 <= steal <= 1.0, steal


def http_results(steals):
    runs = [{"per_second": 5000.0, "p50_us": 100.0, "p99_us": 200.0, "non_2xx": 0, "socket_errors": None,
             "steal": s} for s in steals]
    peer = [dict(r, per_second=1000.0) for r in runs]
    return {"sections": {"http": {"python": "3.7", "seconds": 1, "repeats": len(runs), "max_steal": 0.05,
                                  "servers": {"fnruntime": {"8": runs}, "functions-framework": {"8": peer}}}}}


def http_line(results):
    return next(line for line in report.target_lines(results) if "HTTP" in line and "at least" in line)


def test_a_verdict_says_when_its_runs_ran_on_a_crowded_host():
    calm = http_line(http_results([0.0, 0.01, 0.02]))
    assert calm.startswith("- PASS") and "steal" not in calm, calm
    crowded = http_line(http_results([0.0, 0.12, 0.31]))
    assert crowded.startswith("- PASS"), crowded
    assert "4 of 6 runs under CPU steal over 5%, up to 31%" in crowded, crowded


def test_the_http_table_shows_each_rows_steal():
    rows = report.http_rows(http_results([0.02, 0.31])["sections"]["http"])
    assert rows and all(row[-1] == "2-31%" for row in rows), rows
    unrecorded = http_results([0.0])
    del unrecorded["sections"]["http"]["servers"]["fnruntime"]["8"][0]["steal"]
    assert report.http_rows(unrecorded["sections"]["http"])[0][-1] == "-"
