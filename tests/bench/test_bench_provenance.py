"""Issue 16: benchmark figures say what they were measured on, stale ones are marked, and a verdict fails on any
error answer. Runs bench/provenance.py against this repository's own history and bench/report.py on figures made
for the purpose (no measuring)."""
import copy
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import provenance  # noqa: E402
import report  # noqa: E402


def git(*args):
    return subprocess.run(["git", "-C", ROOT] + list(args), capture_output=True, text=True, check=True).stdout.strip()


def last_commit_touching(path):
    return git("log", "-1", "--format=%H", "--", path)


def test_a_stamp_at_head_is_current_and_one_before_a_runtime_change_is_stale():
    head = git("rev-parse", "HEAD")
    assert provenance.stale_reason({"commit": head, "dirty": False}, "host") is None
    changed = last_commit_touching("bootstrap")
    before = git("rev-parse", changed + "~1")
    reason = provenance.stale_reason({"commit": before, "dirty": False}, "host")
    assert reason and before[:12] in reason, reason  # later commits may list other measured paths first
    reason = provenance.stale_reason({"commit": before, "dirty": False}, "host", at=changed)
    assert reason and "bootstrap/" in reason and before[:12] in reason, reason


def test_a_change_outside_what_is_measured_leaves_a_figure_current():
    """Stamped at the parent of a commit that touched only tests/, a host figure is current at that commit."""
    for commit in git("log", "--format=%H", "-400").split():
        files = git("show", "--name-only", "--format=", commit).split()
        if files and all(f.startswith("tests/") for f in files):
            parent = git("rev-parse", commit + "~1")
            assert provenance.stale_reason({"commit": parent, "dirty": False}, "host", at=commit) is None, commit
            return
    pytest.fail("no tests-only commit in the last 400 to compare with")


def test_dirty_unstamped_and_rebuilt_image_figures_are_stale():
    head = git("rev-parse", "HEAD")
    assert "no stamp" in provenance.stale_reason(None, "host")
    assert "uncommitted" in provenance.stale_reason({"commit": head, "dirty": True, "changed": ["bootstrap/x.py"]},
                                                    "host")
    image = {"commit": head, "dirty": False, "image": "runtime:py36", "input_hash": "aaa", "source_hash": "bbb",
             "image_current": False}
    assert "runtime:py36 was built from other sources" in provenance.stale_reason(image, "image")
    assert provenance.stale_reason(dict(image, input_hash="bbb", image_current=True), "image") is None


def test_stamp_records_commit_dirty_flag_and_the_images_hashes():
    stamp = provenance.stamp()
    assert stamp["commit"] == git("rev-parse", "HEAD") and isinstance(stamp["dirty"], bool), stamp
    hashes = provenance.source_hash("py36")
    assert hashes and len(hashes) == 64, hashes


def warm_pair(errors=0):
    run = {"p50_us": 50.0, "p99_us": 90.0, "per_second": 10000.0, "cpu_us_per_invocation": 40.0,
           "error_answers": errors, "quantiles_us": [1.0, 2.0]}
    return {"floor": [dict(run, p50_us=45.0, error_answers=0)], "subject": [run], "memory": None,
            "invocations": 10, "warmup": 1, "repeats": 1}


def results_with(errors=0, non_2xx=0):
    http_run = {"per_second": 5000.0, "p50_us": 100.0, "p99_us": 200.0, "non_2xx": non_2xx, "socket_errors": None}
    peer_run = dict(http_run, per_second=1000.0, non_2xx=0)
    return {"sections": {
        "docker-warm": {"36": {"image": "runtime:py36", "python": "3.6", "stdio": warm_pair(errors),
                               "unix": warm_pair(errors), "_stamp": {"commit": "0" * 40, "dirty": False}}},
        "http": {"python": "3.7", "seconds": 1, "repeats": 1,
                 "servers": {"fnruntime": {"8": [http_run]}, "functions-framework": {"8": [peer_run]}}},
    }}


def test_a_warm_verdict_fails_on_error_answers_however_fast():
    clean = report.target_lines(results_with())
    assert any(line.startswith("- PASS warm p50 py36 over `docker run -i`") for line in clean), clean
    failing = report.target_lines(results_with(errors=3))
    line = next(line for line in failing if "py36 over `docker run -i`" in line)
    assert line.startswith("- FAIL") and "3 error answers" in line, line


def test_the_http_verdict_fails_on_non_2xx_answers_however_fast():
    def http_line(results):
        return next(line for line in report.target_lines(results) if "HTTP" in line and "at least" in line)
    clean = http_line(results_with())
    assert clean.startswith("- PASS"), clean
    failing = http_line(results_with(non_2xx=7))
    assert failing.startswith("- FAIL") and "7 non-2xx answers" in failing, failing


def test_stale_figures_are_marked_in_the_targets_tables_and_stamp_lines():
    """What render() puts on the page (without the plot, which needs matplotlib): target lines, table rows and the
    section's stamp line."""
    results = results_with()
    results["sections"]["docker-warm"]["_meta"] = {"when": "now", "seconds": 1, "machine": {}}
    stale = {("docker-warm", "36"): "changed since 000000000000: bootstrap/fnruntime/worker.py"}
    original = copy.deepcopy(results)
    marked = report.annotated(results, stale)
    assert results == original, "annotating must not change the results it is given"
    mark = "**STALE** (changed since 000000000000: bootstrap/fnruntime/worker.py)"
    targets = report.target_lines(results, stale)
    assert any(line.startswith("- PASS warm p50 py36") and line.endswith(mark) for line in targets), targets
    rows = report.warm_rows(marked["sections"]["docker-warm"], "image")
    assert rows and all(mark in row[0] for row in rows), rows
    line = report.meta_line(marked["sections"]["docker-warm"])
    assert "Measured at: py36: commit 000000000000 %s" % mark in line, line
    http = next(line for line in targets if "HTTP `fnruntime` at 8 connections" in line)
    assert "STALE" not in http, http
