"""`--instances N` in each image (contract section 8): the promises of tests/serve/test_serve_instances.py and of
tests/serve/test_serve_affinity.py (the server keeps to one CPU, its workers have them all), run against
runtime:py27, runtime:py36 and runtime:py37 instead of the host interpreters.

The same test functions, with a `serve` fixture that starts the image (`docker run`, host networking so that the
server's connections are the host's: /proc/net/tcp shows them, and 129 clients need no proxy) with tests/functions
mounted read-only and the test's own folder mounted at the same path, writable for the runtime's uid 1000 (the hold
markers). SIGTERM is `docker kill -s TERM` to PID 1, the runtime itself.
"""
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

from containerkit import TAGS, docker_cli, image_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serve"))
import servekit  # noqa: E402
from test_serve_affinity import (  # noqa: E402,F401  (collected here, run against the images)
    test_function_server_cpu_picks_the_cpu_or_any, test_the_server_keeps_to_one_cpu_and_its_workers_have_them_all)
from test_serve_instances import (  # noqa: E402,F401  (collected here, run against the images)
    test_a_failure_under_load_replaces_only_its_instance, test_a_long_request_does_not_delay_another_clients_request,
    test_each_instance_keeps_its_own_module_state, test_four_instances_answer_eight_concurrent_300ms_requests_in_under_a_second,
    test_one_instance_answers_a_bad_request_while_its_function_runs,
    test_past_the_queue_bound_requests_are_throttled_and_the_server_keeps_serving,
    test_sigterm_under_load_answers_every_request_and_exits_0,
    test_twenty_clients_fifty_invocations_each_nothing_lost_or_repeated)

pytestmark = pytest.mark.docker


class ContainerProcess(object):
    """What the tests use of a server's process, for a container: signals, exit status, the host's pid of its PID 1
    (the runtime)."""

    def __init__(self, docker, name):
        self.docker, self.name = docker, name

    @property
    def pid(self):
        done = subprocess.run([self.docker, "inspect", "-f", "{{.State.Pid}}", self.name], capture_output=True,
                              timeout=60, text=True)
        return int(done.stdout.strip())

    def send_signal(self, signum):
        subprocess.run([self.docker, "kill", "-s", str(int(signum)), self.name], capture_output=True, timeout=60)

    def poll(self):
        done = subprocess.run([self.docker, "inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", self.name],
                              capture_output=True, timeout=60, text=True)
        running, _, code = done.stdout.strip().partition(" ")
        return None if running == "true" else int(code or 0)

    def wait(self, timeout=None):
        done = subprocess.run([self.docker, "wait", self.name], capture_output=True, timeout=timeout, text=True)
        return int(done.stdout.strip())


class ServedContainer(servekit.Served):
    def __init__(self, docker, name, mode, address, socket_dir):
        servekit.Served.__init__(self, ContainerProcess(docker, name), mode, address, None, socket_dir)
        self.docker, self.name = docker, name

    def stderr(self):
        done = subprocess.run([self.docker, "logs", self.name], capture_output=True, timeout=60)
        return (done.stdout + done.stderr).decode("utf-8", "replace")

    def close(self):
        subprocess.run([self.docker, "rm", "-f", self.name], capture_output=True, timeout=60)
        if self.socket_dir:
            subprocess.run(["rm", "-rf", self.socket_dir])


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture(params=TAGS)
def serve(request, tmp_path):
    docker = docker_cli()
    tag = request.param
    os.chmod(str(tmp_path), 0o777)  # the hold markers are written by the runtime's uid 1000
    started = []

    def start(mode, function="serve_mix", args=(), env=None, handler=None):
        name = "instances-%s-%s" % (tag, uuid.uuid4().hex[:8])
        socket_dir = None
        mounts = ["-v", "%s:/var/task:ro" % servekit.FUNCTIONS, "-v", "%s:%s" % (tmp_path, tmp_path)]
        if mode == "unix":
            socket_dir = "/tmp/fnr-%s" % uuid.uuid4().hex[:8]
            os.makedirs(socket_dir)
            os.chmod(socket_dir, 0o777)
            mounts += ["-v", "%s:%s" % (socket_dir, socket_dir)]
            address = "unix:%s/function.sock" % socket_dir
        else:
            address = "%s:127.0.0.1:%d" % (mode, free_port())
        argv = [docker, "run", "-d", "--name", name, "--network", "host"] + mounts
        for key, value in sorted((env or {}).items()):
            argv += ["-e", "%s=%s" % (key, value)]
        argv += [image_for(tag), "--code", "/var/task/%s" % function, "--serve", address] + list(args)
        if handler:
            argv.append(handler)
        done = subprocess.run(argv, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
        served = ServedContainer(docker, name, mode, address, socket_dir)
        started.append(served)
        deadline = time.time() + 60
        while "fnruntime: listening on" not in served.stderr():
            assert time.time() < deadline and served.alive(), "the container did not listen:\n" + served.stderr()
            time.sleep(0.05)
        return served
    yield start
    for served in started:
        served.close()
