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
@pytest.mark.parametrize("tag, instances", [(tag, 1) for tag in rkit.TAGS] + [("py36", 4)])
def test_soak_keeps_the_supervisor_flat(docker_ready, tag, instances, capsys):
    """Each image with one instance; py36 again with --instances 4 (a window of 8 requests in flight keeps all four
    busy): nothing lost or repeated, each instance its own counter, the supervisor flat."""
    with capsys.disabled():
        figures = soak.soak(tag, INVOCATIONS, instances=instances)
    assert not soak.verdict(figures), soak.verdict(figures)
