"""Fixtures of the debugging suites: debugpy installed for each host interpreter, a free port."""
import fcntl
import os
import socket
import subprocess

import pytest

from debugkit import DEBUGPY, REPO


@pytest.fixture(scope="session")
def debugger_dir(python):
    """`.cache/debugpy/pyXY`: debugpy installed for this interpreter, outside anything on its sys.path."""
    root = os.path.join(REPO, ".cache", "debugpy")
    os.makedirs(root, exist_ok=True)
    target = os.path.join(root, python.tag)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isdir(os.path.join(target, "debugpy")):
            done = subprocess.run([python.path, "-m", "pip", "install", "--quiet", "--no-deps",
                                   "--disable-pip-version-check", "--target", target, DEBUGPY[python.version]],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
            assert done.returncode == 0, done.stdout.decode("utf-8", "replace")
    return target


@pytest.fixture
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

