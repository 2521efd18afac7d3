"""Issue 11, item 6: when an instance is replaced (timeout, crash, memory) every process it started is gone, detached
(`setsid`) ones included; the worker runs at a lower priority than the supervisor and ends with it, however the
supervisor ends; descriptors of 1024 and over are waited on (poll, not select).

The grandchild of tests/functions/detaches leaves the worker's session and its parent (double fork), so only the
supervisor's adoption of orphans (a child subreaper) and its walk of the instance's processes can end it.
"""
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest

import rkit
import targets

HANDLER = "detaches/index.handler"
VERSIONS = ["2.7", "3.6", "3.7"]
ERRORS = {"timeout": "FunctionTimeout", "exit": "ProcessExited", "memory": "OutOfMemory"}


def host_server(version, tmp_path):
    if targets.host_python(version) is None:
        pytest.skip("Python %s is not on this host" % version)
    return targets.StdioServer(version, "tencent", str(tmp_path / "server.stderr"), handler=HANDLER)


def alive(pid):
    """Whether `pid` runs (a zombie has ended)."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (IOError, OSError):
        return False


def gone_within(pid, seconds=10):
    """SIGKILL is delivered when the process next runs: a loaded machine may take a moment."""
    deadline = time.time() + seconds
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    return not alive(pid)


@pytest.fixture(params=VERSIONS)
def server(request, tmp_path):
    target = host_server(request.param, tmp_path)
    yield target
    target.close()


@pytest.mark.parametrize("then", sorted(ERRORS))
def test_a_setsid_grandchild_is_gone_after_its_worker_is_replaced(server, then, tmp_path):
    pidfile = str(tmp_path / ("grandchild-%s.pid" % uuid.uuid4().hex[:8]))
    before = server.invoke({"then": "return", "pidfile": pidfile + ".first"})
    assert before.ok, before
    warm_grandchild = before.result["grandchild"]
    assert alive(warm_grandchild), "a warm worker's leftovers live on, as in a warm cloud instance"
    reply = server.invoke({"then": then, "pidfile": pidfile})
    assert not reply.ok and reply.error_type == ERRORS[then], reply
    grandchild = int(open(pidfile).read())
    assert gone_within(grandchild), "the detached grandchild %d outlived its worker (%s)" % (grandchild, then)
    assert gone_within(warm_grandchild), "the first invocation's grandchild outlived the instance"
    after = server.invoke({"then": "nice"})
    assert after.ok and after.result["pid"] != before.result["pid"], (before, after)


def test_the_worker_runs_below_the_supervisor(server):
    reply = server.invoke({"then": "nice"})
    assert reply.ok, reply
    with open("/proc/%d/stat" % server.process.pid) as stat:
        supervisor_nice = int(stat.read().rsplit(")", 1)[1].split()[16])
    assert reply.result["nice"] == min(19, supervisor_nice + 10), (supervisor_nice, reply)


def test_a_worker_ends_with_its_supervisor_even_a_stopped_one(server):
    """The worker is in a session of its own, so a kill of the supervisor's process group misses it; stopped, it
    would not even read the end of its request pipe. It is killed when its supervisor ends (PR_SET_PDEATHSIG)."""
    reply = server.invoke({"then": "nice"})
    assert reply.ok, reply
    worker = reply.result["pid"]
    os.kill(worker, signal.SIGSTOP)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(30)
    assert gone_within(worker), "worker %d outlived its supervisor, killed with SIGKILL" % worker


FILL_FDS = r"""
import os, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
fd = os.open(os.devnull, os.O_RDONLY)
for target in range(3, 1300):
    if target != fd:
        os.dup2(fd, target)
os.execv(sys.argv[1], sys.argv[1:])
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_descriptors_over_1024_are_waited_on(version, tmp_path):
    """Descriptors 3 to 1299 taken before the runtime starts: its pipes to the worker get numbers over 1024, which
    select.select refuses ("filedescriptor out of range")."""
    python = targets.host_python(version)
    if python is None:
        pytest.skip("Python %s is not on this host" % version)
    argv = [sys.executable, "-c", FILL_FDS, python, rkit.BOOTSTRAP, "--code", rkit.FUNCTIONS, HANDLER,
            '{"then": "nice"}']
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
                          env=rkit.clean_env(targets.runtime_env("tencent")))
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    assert re.search(br'"nice": ?\d+', done.stdout), done


@pytest.mark.docker
def test_in_an_image_the_grandchild_of_a_timed_out_worker_is_gone(docker_ready):
    """In runtime:py36 (the function's user, uid 1000): the grandchild is looked for inside the container."""
    server = TcpDetaches("py36")
    try:
        server.wait_ready()
        pidfile = "/tmp/grandchild-%s.pid" % uuid.uuid4().hex[:8]
        reply = server.invoke({"then": "timeout", "pidfile": pidfile})
        assert not reply.ok and reply.error_type == "FunctionTimeout", reply
        pid = server.container.exec_("cat", pidfile).strip()
        assert pid.isdigit(), pid
        deadline = time.time() + 10
        while time.time() < deadline:
            state = server.container.exec_("sh", "-c", "cat /proc/%s/stat 2>/dev/null | sed 's/.*) //' | cut -c1" % pid)
            if state.strip() in ("", "Z"):
                break
            time.sleep(0.1)
        assert state.strip() in ("", "Z"), "grandchild %s still runs in the container" % pid
        assert server.invoke({"then": "nice"}).ok
    finally:
        server.close()


class TcpDetaches(targets.TcpServer):
    def __init__(self, tag):
        targets.Framed.__init__(self, rkit.VERSION_OF_TAG[tag], "tencent")
        self.container = rkit.Container(tag, ["--serve", "tcp:0.0.0.0:9000", HANDLER],
                                        env=targets.runtime_env("tencent"), port=9000)
        self.sock = None

    def wait_ready(self, seconds=90):
        deadline = time.time() + seconds
        while True:
            try:
                if self.invoke({"then": "nice"}, timeout=10).ok:
                    return
            except (OSError, EOFError, ValueError, AssertionError):
                self.sock = None
            if time.time() > deadline:
                raise AssertionError("no answer: %s" % self.container.logs()[-3000:])
            time.sleep(0.5)
