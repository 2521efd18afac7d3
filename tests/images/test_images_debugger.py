"""`--debug-port` in the images: a Debug Adapter Protocol client (tests/debug/dapclient.py) attaches to the
function's instance through a published port, stops at a breakpoint of tests/functions/debug_target mounted at
/var/task, reads the event's field from the handler's locals, continues and gets the invocation's result; and no
strict image lets a function import the debugger, with or without `--debug-port`.
"""
import json
import os
import socket
import subprocess
import sys

import pytest

from imagekit import DOCKER, ROOT, image_name

sys.path.insert(0, str(ROOT / "tests" / "debug"))
from dapclient import DapClient  # noqa: E402
from debugkit import CODE, TARGET, line_of  # noqa: E402

pytestmark = pytest.mark.docker

DEBUG_TAGS = ("py27", "py36", "py37", "py36-tencent")
STRICT_TAGS = ("py27-tencent", "py36-tencent", "py27-aliyun", "py36-aliyun", "py27-jdcloud", "py36-jdcloud",
               "py37-jdcloud")
REMOTE = "/var/task"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def docker_run(name, args, publish=None, detach=False, container=None):
    command = [DOCKER, "run", "--rm", "-v", "%s:%s:ro" % (CODE, REMOTE)]
    if container:
        command += ["--name", container]
    if publish:
        command += ["-p", "127.0.0.1:%d:5678" % publish]
    command += [name] + list(args)
    if detach:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


@pytest.mark.parametrize("tag", DEBUG_TAGS)
def test_a_breakpoint_in_the_image_stops_and_the_invocation_answers(tag, current_image, catalogue):
    current_image(tag)
    port = free_port()
    container = "fnruntime-debug-test-%d" % port
    process = docker_run(image_name(catalogue, tag), ["--debug-port", "5678", "--timeout", "3",
                                                      "--provider", "tencent", "index.main_handler",
                                                      '{"name": "image"}'], publish=port, detach=True,
                         container=container)
    client = None
    try:
        client = connect(port, process)
        breakpoints = client.attach(TARGET, [line_of("handler")], CODE, REMOTE)
        assert breakpoints[0]["verified"], breakpoints
        thread, frame = client.stopped()
        assert (frame["name"], frame["line"]) == ("main_handler", line_of("handler"))
        assert os.path.realpath(frame["source"]["path"]) == os.path.realpath(TARGET)
        assert client.locals_of(frame)["name"].lstrip("ub") == "'image'"
        client.resume(thread)
        out, err = process.communicate(timeout=120)
    finally:
        if client is not None:
            client.close()
        if process.poll() is None:
            process.kill()
            # killing the client leaves the container waiting for a debugger: remove it
            subprocess.run([DOCKER, "rm", "-f", container], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    err = err.decode("utf-8", "replace")
    assert process.returncode == 0, err
    assert json.loads(out) == {"greeting": "hello image", "module_state": "loaded"}
    assert "listening on 0.0.0.0:5678" in err, err


def connect(port, process):
    """An initialized DAP client on the published port, once the instance inside listens (until then docker-proxy
    accepts the connection and closes it at once: connect again)."""
    import time
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise AssertionError("the container ended before a debugger could attach: %s"
                                 % process.stderr.read().decode("utf-8", "replace"))
        client = DapClient("127.0.0.1", port, connect_seconds=120)
        try:
            client.initialize(seconds=10)
            return client
        except AssertionError:
            client.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.parametrize("tag", STRICT_TAGS)
def test_no_strict_image_lets_a_function_import_the_debugger(tag, current_image, catalogue, plans):
    """...unless the cloud's own table has it (fc-docker's list installs debugpy in FC's python3 image)."""
    current_image(tag)
    name = image_name(catalogue, tag)
    tabled = {spec.name.lower() for spec in plans[tag].specs}
    for extra in ([], ["--debug-port", "5678", "--debug-no-wait"]):
        done = docker_run(name, extra + ["--provider", "tencent", "index.imports"])
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        found = json.loads(done.stdout)
        assert sorted(found) == ["debugpy", "ptvsd", "pydevd"]
        for module, answer in found.items():
            if module in tabled:
                assert answer == "imported", (extra, found)
            else:
                assert answer.startswith(("ImportError", "ModuleNotFoundError")), (extra, found)
