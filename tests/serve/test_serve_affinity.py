"""The server keeps to one CPU and its workers get every CPU back (bootstrap/fnruntime/affinity.py), on the real 2.7,
3.6 and 3.7 interpreters: read from /proc, what the kernel holds for each process. On Python 2.7 (no
os.sched_setaffinity) the runtime calls libc's through `_ctypes`: the same promises hold there."""
import os

import pytest

import servekit

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one CPU: the server has nothing to keep to")


def cpus(pid):
    """The CPUs process `pid` may run on, as the kernel says (/proc/PID/status, Cpus_allowed_list: "0-1", "0,2")."""
    with open("/proc/%d/status" % pid) as status:
        text = [line.split(":", 1)[1].strip() for line in status if line.startswith("Cpus_allowed_list:")][0]
    allowed = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        allowed.update(range(int(low), int(high or low) + 1))
    return allowed


def workers(served):
    """The worker processes the server forked: its children."""
    pid = served.process.pid
    with open("/proc/%d/task/%d/children" % (pid, pid)) as children:
        return [int(child) for child in children.read().split()]


def serve_two_warm(serve, env=None):
    served = serve("unix", "serve_mix", args=["--instances", "2"], env=env)
    clients = [served.client() for _ in range(2)]
    try:
        for client in clients:
            assert client.invoke({"action": "count"}).ok
    finally:
        for client in clients:
            client.close()
    return served


def test_the_server_keeps_to_one_cpu_and_its_workers_have_them_all(serve):
    mine = os.sched_getaffinity(0)
    served = serve_two_warm(serve)
    server = cpus(served.process.pid)
    assert len(server) == 1 and server <= mine, server
    children = workers(served)
    assert children, "the server forked no worker"
    assert [cpus(child) for child in children] == [mine] * len(children)


def test_function_server_cpu_picks_the_cpu_or_any(serve):
    mine = os.sched_getaffinity(0)
    last = max(mine)
    assert cpus(serve_two_warm(serve, {"FUNCTION_SERVER_CPU": str(last)}).process.pid) == set([last])
    assert cpus(serve_two_warm(serve, {"FUNCTION_SERVER_CPU": "any"}).process.pid) == mine


@pytest.mark.parametrize("setting", ["99", "cpu1", "-1"])
def test_a_cpu_it_may_not_use_is_a_usage_error(bootstrap, setting):
    result = bootstrap(["--serve", "tcp:127.0.0.1:0"], servekit.function_dir("counter"),
                       env={"FUNCTION_SERVER_CPU": setting})
    assert result.status == 2, result
    assert "FUNCTION_SERVER_CPU=%s: not a CPU this process may use" % setting in result.stderr, result
    assert "`any`" in result.stderr, result
