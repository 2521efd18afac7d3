"""Fixtures of the projects suite (`fnruntime local ...`, `fnruntime generate-event`, the host package host/fnlocal):
the examples, the command run as a user runs it (`python -m fnlocal`, i.e. the `fnruntime` console script), and a
started `local start-api` that one test module shares (`StartedApi`: its URL, its standard error, SIGINT to stop).

The tests that use containers need the built images (`make build`), like tests/containers.
"""
import os
import shutil
import subprocess
import sys

import pytest

from projectkit import EXAMPLES, REPO, StartedApi, fnruntime, require_images  # noqa: F401


@pytest.fixture(scope="session")
def docker_engine():
    import docker
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:
        pytest.fail("no Docker engine answers (%s): run `make engine-up`" % exc)
    return client


@pytest.fixture
def project_copy(tmp_path):
    """copy("jd-sca") -> a copy of an example under tmp_path, readable by the images' uid 1000."""
    def copy(name):
        target = tmp_path / name
        shutil.copytree(os.path.join(EXAMPLES, name), str(target))
        for folder, dirs, files in os.walk(str(target)):
            os.chmod(folder, 0o755)
            for entry in files:
                os.chmod(os.path.join(folder, entry), 0o644)
        os.chmod(str(tmp_path), 0o755)
        return target
    return copy
