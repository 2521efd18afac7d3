"""What `start-api` leaves behind and what it refuses: Ctrl-C (SIGINT) stops and removes every container it started;
after a crash of the host tool (SIGKILL) its containers are removed by the next run; a port in use, a template with
nothing to serve and a bad --instances are refused with what to do."""
import os
import signal
import socket

import pytest

from projectkit import EXAMPLES, StartedApi, containers_of, fnruntime, require_images

pytestmark = pytest.mark.docker
SCFCLI = os.path.join(EXAMPLES, "scfcli", "template.yaml")


def test_ctrl_c_removes_its_containers_and_a_crash_is_cleaned_at_the_next_start(docker_engine, tmp_path):
    require_images(docker_engine, "runtime:py36-tencent")
    crashed = StartedApi(SCFCLI, log_path=str(tmp_path / "crashed.log"))
    assert crashed.json("/weather?city=shenzhen")["temperature"] == 28
    owner = crashed.owner()
    assert len(containers_of(docker_engine, owner)) == 1
    crashed.stop(signal.SIGKILL)  # the tool dies: nothing of it can clean up
    left = containers_of(docker_engine, owner)
    assert len(left) == 1 and left[0].labels["fnruntime.local.function"] == "weather"
    again = StartedApi(SCFCLI, log_path=str(tmp_path / "again.log"))
    try:
        assert containers_of(docker_engine, owner) == []  # removed by the next start
        assert len(containers_of(docker_engine, again.owner())) == 1
    finally:
        assert again.stop(signal.SIGINT) == 0
    assert containers_of(docker_engine, again.owner()) == []
    assert "stopping: removing the containers" in again.stderr()


def test_a_port_in_use_is_named(docker_engine):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        port = sock.getsockname()[1]
        result = fnruntime("local", "start-api", "-t", SCFCLI, "--port", port)
        assert result.returncode == 2, result.stderr
        assert ("cannot listen on 127.0.0.1:%d" % port).encode() in result.stderr
        assert b"choose another with --port" in result.stderr
    finally:
        sock.close()


def test_nothing_to_serve_and_bad_instances(tmp_path):
    result = fnruntime("local", "start-api", "-t", os.path.join(EXAMPLES, "tencent-scf", "uploads",
                                                                "serverless.yml"))
    assert result.returncode == 2 and b"has no API Gateway or HTTP trigger: nothing to serve" in result.stderr
    result = fnruntime("local", "start-api", "-t", SCFCLI, "--instances", "0")
    assert result.returncode == 2 and b"--instances must be 1 or more" in result.stderr
