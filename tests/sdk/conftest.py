"""Fixtures of the SDK suite (`fnruntime local start-functions` driven by the clouds' own SDKs); the helpers (SDKs
installed at test time, the client scripts, the started endpoint) are in sdkkit.py."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def docker_engine():
    import docker
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:
        pytest.fail("no Docker engine answers (%s): run `make engine-up`" % exc)
    return client


