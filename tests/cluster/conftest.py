"""Fixtures of the cluster suite: the docker client, a real registry on a loopback port (Debian's docker-registry,
one for the whole session, removed at its end with every image tagged for it), and compose projects.

Docker trusts registries on 127.0.0.0/8 without TLS, so the engine pushes to and pulls from it as from any registry.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import threading

import pytest

from clusterkit import DOCKER, docker_run

REGISTRY_START_S = 30


@pytest.fixture(scope="session")
def docker():
    probe = subprocess.run([DOCKER, "info"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.fail("no Docker engine answers (%s): run `make engine-up`" % probe.stderr[-300:])
    return docker_run


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Registry(object):
    """A docker-registry process: `address` (127.0.0.1:PORT), `log` (its output lines so far), `mark()`/`since(mark)`
    to look at what it logged during one step."""

    def __init__(self, address, process, log):
        self.address = address
        self.process = process
        self.log = log

    def mark(self):
        return len(self.log)

    def since(self, mark):
        return self.log[mark:]


@pytest.fixture(scope="session")
def registry(docker):
    """Debian's docker-registry on a free loopback port, storage in a temporary folder; stopped and removed, with
    every local image tagged for it, at the end of the session."""
    binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not os.access(binary, os.X_OK):
        pytest.fail("docker-registry is not installed: run `make system-packages` (apt-get install docker-registry)")
    storage = tempfile.mkdtemp(prefix="fnruntime-registry-")
    port = free_port()
    address = "127.0.0.1:%d" % port
    config = os.path.join(storage, "config.yml")
    with open(config, "w") as handle:
        handle.write("version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
                     "storage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\n"
                     "http:\n  addr: %s\n" % (storage, address))
    process = subprocess.Popen([binary, "serve", config], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    log, listening = [], threading.Event()

    def read():
        for line in process.stdout:
            log.append(line.rstrip("\n"))
            if "listening on" in line:
                listening.set()
        listening.set()  # ended: let the fixture see why

    threading.Thread(target=read, daemon=True).start()
    if not listening.wait(REGISTRY_START_S) or process.poll() is not None:
        process.kill()
        pytest.fail("docker-registry did not start listening on %s within %ds:\n%s"
                    % (address, REGISTRY_START_S, "\n".join(log[-30:])))
    try:
        yield Registry(address, process, log)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        names = docker_run("images", "--format", "{{.Repository}}:{{.Tag}}", check=False).stdout.split()
        ours = [n for n in names if n.startswith(address + "/")]
        digests = docker_run("images", "--digests", "--format", "{{.Repository}}@{{.Digest}}", check=False)
        ours += [n for n in digests.stdout.split() if n.startswith(address + "/") and "@sha256:" in n]
        if ours:
            docker_run("rmi", "--force", *ours, check=False)
        shutil.rmtree(storage, ignore_errors=True)
