"""Issue 16: the host's pip settings reach a build, and a local base is announced (README Images: mirrors and
certificates; the local base). Until now only their parsing was tested.

- `--dry-run` shows the index, extra indexes and certificate taken from a pip.conf under a temporary HOME or from
  PIP_CONFIG_FILE, and PyPI with --ignore-host-pip-config.
- A real build (a throwaway repository, so no real tag changes) with PIP_CONFIG_FILE pointing at an index this test
  serves: pip inside the build asks that index (the test's server sees the requests), with the certificate passed as
  /build/ca.pem, and the output announces the local base in its banner. The index answers 404, so the build stops
  at its first pip step, which it names.
"""
import http.server
import ipaddress
import json
import os
import re
import subprocess
import sys
import threading
import uuid

import pytest

from imagekit import ROOT

CLEARED = ("PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT", "PIP_TRUSTED_HOST")


def build_py(args, env_changes, timeout=1800):
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(env_changes, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, str(ROOT / "build.py")] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, cwd=str(ROOT), env=env)


def pip_conf(path, index, extra=None, cert=None, trusted=None):
    lines = ["[global]", "index-url = %s" % index]
    if extra:
        lines.append("extra-index-url = %s" % extra)
    if cert:
        lines.append("cert = %s" % cert)
    if trusted:
        lines.append("trusted-host = %s" % trusted)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def cert(tmp_path):
    path = tmp_path / "corporate-ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n")
    return path


@pytest.mark.parametrize("where", ["HOME", "PIP_CONFIG_FILE"])
def test_dry_run_shows_the_host_pip_settings(tmp_path, cert, where):
    home = tmp_path / "home"
    home.mkdir()
    if where == "HOME":
        pip_conf(home / ".config" / "pip" / "pip.conf", "https://mirror.example/simple",
                 "https://extra.example/simple", cert)
        env = {"HOME": str(home)}
    else:
        config = pip_conf(tmp_path / "elsewhere.conf", "https://mirror.example/simple",
                          "https://extra.example/simple", cert)
        env = {"HOME": str(home), "PIP_CONFIG_FILE": str(config)}
    proc = build_py(["--dry-run", "--tag", "py36-tencent"], env)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert ("index: https://mirror.example/simple + https://extra.example/simple; certificate: %s" % cert) \
        in proc.stdout.splitlines(), proc.stdout[-2000:]
    ignored = build_py(["--dry-run", "--tag", "py36-tencent", "--ignore-host-pip-config"], env)
    assert "index: https://pypi.org/simple; certificate: none" in ignored.stdout.splitlines(), ignored.stdout[-2000:]


class RecordingIndex(http.server.BaseHTTPRequestHandler):
    """A package index that has nothing: records each path asked for and answers 404."""
    seen = []

    def do_GET(self):
        self.seen.append(self.path)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_index(docker_client):
    """(URL reachable from build containers, list of paths asked for): a server on the bridge network's gateway."""
    config = docker_client.networks.get("bridge").attrs["IPAM"]["Config"][0]
    gateway = config.get("Gateway") or str(next(ipaddress.ip_network(config["Subnet"]).hosts()))
    server = http.server.ThreadingHTTPServer((gateway, 0), type("Index", (RecordingIndex,), {"seen": []}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://%s:%d/simple" % (gateway, server.server_address[1]), server.RequestHandlerClass.seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
@pytest.mark.docker
def test_host_pip_settings_reach_the_build_and_the_local_base_is_announced(tmp_path, cert, recording_index):
    index, seen = recording_index
    host = index.split("/")[2].split(":")[0]
    config = pip_conf(tmp_path / "pip.conf", index, cert=cert, trusted=host)
    repository = "runtime-test-%s" % uuid.uuid4().hex[:8]
    proc = build_py(["--tag", "py37-jdcloud", "--local-base", "--repository", repository],
                    {"PIP_CONFIG_FILE": str(config)})
    output = proc.stdout
    assert proc.returncode == 1, "the build should fail (exit 1) on an index that has nothing:\n" + output[-3000:]
    assert re.search(r"^!! LOCAL BASE requested \(--local-base\): Debian \S+ \(debootstrap\) \+ CPython 3\.7 prefix",
                     output, re.M), "the local base is not announced:\n" + output[-4000:]
    assert "index %s, certificate %s" % (index, cert) in output, output[-3000:]
    assert seen and all(path.startswith("/simple/") for path in seen), \
        "pip inside the build never asked the host's index %s (asked: %s):\n%s" % (index, seen, output[-3000:])
    pip_lines = [line for line in output.splitlines() if "-m pip" in line and "--index-url" in line]
    assert pip_lines, output[-3000:]
    assert all("--index-url %s" % index in line and "--cert /build/ca.pem" in line and "--trusted-host %s" % host
               in line for line in pip_lines), pip_lines
    assert "build.py: FAILED" in output, output[-2000:]
