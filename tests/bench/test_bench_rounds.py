"""Beside the HTTP rule (our median against the peer's best round), each round's ratio against the peer's run of the
same round, so that a run in which the machine's speed drifted shows it; the verdict stays the rule's. bench/figures.py
and bench/verdicts.py on figures made for the purpose (no measuring)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import report  # noqa: E402


def http_results(ours, peer):
    def run(per_second):
        return {"per_second": per_second, "p50_us": 100.0, "p99_us": 200.0, "non_2xx": 0, "socket_errors": None}
    return {"sections": {"http": {"python": "3.7", "seconds": 1, "repeats": len(ours),
                                  "servers": {"fnruntime --instances 2": {"8": [run(x) for x in ours]},
                                              "functions-framework": {"8": [run(x) for x in peer]}}}}}


def line_of(results):
    return next(line for line in report.target_lines(results) if "--instances 2` at 8" in line)


def test_a_drifting_run_fails_by_the_rule_and_shows_each_round():
    line = line_of(http_results([4700, 4583, 8298], [1426, 1711, 2395]))
    assert line.startswith("- FAIL") and "x1.96" in line, line
    assert "(round by round: x3.30, x2.68, x3.46)" in line, line


def test_rounds_are_not_paired_when_a_round_is_missing():
    line = line_of(http_results([4700, 4583], [1426, 1711, 2395]))
    assert "round by round" not in line, line
    single = line_of(http_results([4700], [1426]))
    assert single.startswith("- PASS") and "round by round" not in single, single
