"""deploy/hello/compose.yaml: three replicas of the function on one machine, each on its own loopback port; each
answers, and 1,000 requests round-robined over their ports are all answered, by every replica."""
import http.client
import json
import os
import subprocess
import time

import pytest

from clusterkit import DEPLOY, compose_command, docker_run

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]

REQUESTS = 1000
REPLICAS = 3


def compose(project, *args, check=True):
    command = compose_command() + ["-p", project, "-f", os.path.join(DEPLOY, "compose.yaml")] + list(args)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(command), done.returncode, done.stdout[-3000:],
                                                          done.stderr[-3000:]))
    return done


@pytest.fixture
def replicas():
    image = os.environ.get("FNRUNTIME_IMAGE") or "runtime:py36"
    if docker_run("image", "inspect", image, check=False).returncode != 0:
        pytest.fail("%s is not built: run `make build PY=36`" % image)
    project = "fnruntime-compose-%d" % os.getpid()
    compose(project, "up", "-d")
    try:
        ports = []
        for index in range(1, REPLICAS + 1):
            text = compose(project, "port", "--index=%d" % index, "hello", "8080").stdout.strip()
            ports.append(int(text.rsplit(":", 1)[1]))
        yield project, ports
    finally:
        compose(project, "down", "-v", "--timeout", "10", check=False)


def ready(port):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/_/ready")
        return connection.getresponse().status == 200
    except OSError:
        return False


def test_three_replicas_share_a_round_robin_load(replicas):
    project, ports = replicas
    assert len(set(ports)) == REPLICAS, ports
    containers = compose(project, "ps", "-q").stdout.split()
    assert len(containers) == REPLICAS
    deadline = time.time() + 120
    for port in ports:
        while not ready(port):
            assert time.time() < deadline, compose(project, "logs", "--tail", "20", check=False).stdout
            time.sleep(0.1)
    for cid in containers:  # what the compose file promises about each container
        state = json.loads(docker_run("inspect", "--format", "{{json .HostConfig}}", cid).stdout)
        assert state["ReadonlyRootfs"] is True and "/tmp" in state["Tmpfs"] and state["Memory"] == 320 << 20
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports]
    answered = dict((port, 0) for port in ports)
    for number in range(REQUESTS):
        index = number % REPLICAS
        connection = connections[index]
        connection.request("POST", "/invoke", body=json.dumps({"name": "replica-%d" % number}).encode())
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body
        assert json.loads(body)["greeting"] == "Hello, replica-%d!" % number
        answered[ports[index]] += 1
    for connection in connections:
        connection.close()
    assert sum(answered.values()) == REQUESTS
    assert all(count > 0 for count in answered.values()), answered
    logs = compose(project, "logs", "--no-color").stdout
    for cid in containers:  # each container itself served its share (its own log holds its invocations)
        own = docker_run("logs", cid).stderr
        assert own.count("hello: greeting replica-") >= REQUESTS // REPLICAS - 1, own[-2000:]
    assert "function hello" in logs
