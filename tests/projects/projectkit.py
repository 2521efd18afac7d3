"""Helpers of the projects suite: run `fnruntime` as a subprocess, start `local start-api` and talk to it."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")
HOST_PACKAGE = os.path.join(REPO, "host")
START_TIMEOUT_S = 180


def command_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FUNCTION_", "SCF_", "FC_"))}
    env["PYTHONPATH"] = os.pathsep.join([HOST_PACKAGE, os.path.join(REPO, "bootstrap")])
    env.update(extra or {})
    return env


def fnruntime(*args, input=None, cwd=None, env=None, timeout=180):
    """`fnruntime ARGS...` (python -m fnlocal): CompletedProcess with stdout and stderr as bytes."""
    return subprocess.run([sys.executable, "-m", "fnlocal"] + [str(a) for a in args], input=input, cwd=cwd,
                          env=command_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def require_images(client, *tags):
    import docker.errors
    for tag in tags:
        try:
            client.images.get(tag)
        except docker.errors.ImageNotFound:
            pytest.fail("image %s is not built: run `make build` in the checkout" % tag)


def request(url, method="GET", body=None, headers=None, timeout=60):
    """(status, headers as a dict of lower-case names -> list of values, body bytes)."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)?$", url)
    connection = http.client.HTTPConnection(match.group(1), int(match.group(2)), timeout=timeout)
    try:
        connection.request(method, match.group(3) or "/", body=body, headers=headers or {})
        response = connection.getresponse()
        found = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found, response.read()
    finally:
        connection.close()


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class StartedApi:
    """`fnruntime local start-api -t TEMPLATE --port 0 ARGS` (or `command`, e.g. start-functions) in its own process
    group, ready when it says so."""

    def __init__(self, template, args=(), env=None, log_path=None, command="start-api", port=0):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fnlocal", "local", command, "-t", str(template), "--port", str(port)] +
            [str(a) for a in args], env=command_env(env), stdout=subprocess.DEVNULL, stderr=self.log,
            start_new_session=True)
        text = self.wait_for(r"serving .* on http://([0-9.]+):(\d+)", timeout=START_TIMEOUT_S)
        found = re.search(r"serving .* on http://([0-9.]+):(\d+)", text)
        self.url = "http://%s:%s" % (found.group(1), found.group(2))

    def stderr(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def wait_for(self, pattern, timeout=60, after=0):
        """Poll standard error until `pattern` (a regex) appears past offset `after`; the whole text so far."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.stderr()
            if re.search(pattern, text[after:]):
                return text
            if self.process.poll() is not None:
                raise AssertionError("start-api ended (exit %s) before %r appeared:\n%s"
                                     % (self.process.returncode, pattern, text[-4000:]))
            if time.monotonic() > deadline:
                raise AssertionError("%r did not appear within %g s:\n%s" % (pattern, timeout, text[-4000:]))
            time.sleep(0.02)

    def get(self, path, **kwargs):
        return request(self.url + path, **kwargs)

    def json(self, path, **kwargs):
        status, headers, body = request(self.url + path, **kwargs)
        assert status == 200, (status, body[:2000], self.stderr()[-3000:])
        return json.loads(body)

    def owner(self):
        return "%s:%d" % (socket.gethostname(), self.process.pid)

    def stop(self, signum=signal.SIGINT, timeout=120):
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        return self.process.returncode


def containers_of(client, owner):
    return client.containers.list(all=True, filters={"label": "fnruntime.local=%s" % owner})
