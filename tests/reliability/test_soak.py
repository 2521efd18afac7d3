"""Issue 4, the soak: many invocations through one warm container of each image; none lost or repeated, the same
warm worker throughout, and the supervisor's RSS and open descriptors flat (soak.py holds the procedure).

The count per image is FNRUNTIME_SOAK_INVOCATIONS (default 20,000, which fits CI's budget); the README reports the
100,000-invocation run made with `python tests/reliability/soak.py --invocations 100000`.
"""
import os

import pytest

import rkit
import soak

pytestmark = [pytest.mark.docker, pytest.mark.slow]

INVOCATIONS = int(os.environ.get("FNRUNTIME_SOAK_INVOCATIONS", "20000"))


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("tag", rkit.TAGS)
def test_soak_keeps_the_supervisor_flat(docker_ready, tag, capsys):
    with capsys.disabled():
        figures = soak.soak(tag, INVOCATIONS)
    assert not soak.verdict(figures), soak.verdict(figures)
