"""bench/projects.py and bench/sdk.py with fewer warm requests than one block of 100: the run is one smaller block
(not an empty list whose percentile crashes), and a count below 1 is refused by the command line, naming the option.
No measuring: the block plan and the parsers only."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))

import projects  # noqa: E402


@pytest.mark.parametrize("requests,expected", [(1, [1]), (7, [7]), (99, [99]), (100, [100]), (150, [100, 50]),
                                               (2000, [100] * 20)])
def test_every_request_is_in_a_block(requests, expected):
    assert projects.blocks(requests) == expected


@pytest.mark.parametrize("script", ["projects.py", "sdk.py"])
@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_a_request_count_below_one_is_a_usage_error(script, value):
    run = subprocess.run([sys.executable, os.path.join(ROOT, "bench", script), "--requests", value, "--no-write"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--requests" in run.stderr and ("at least 1" in run.stderr or
                                                                    "whole number" in run.stderr), run.stderr
