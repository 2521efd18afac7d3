"""Issue 4, process limits in the images: a fork bomb under `docker run --pids-limit` (the cgroup caps the whole
container, the runtime included), and children that escape the worker's process group and hold every process slot
(`--pids-limit` again): each invocation gets one well-formed error, the supervisor leaks nothing, and (issue 11) the
escaped children end with their worker, so the next invocation is served at once. The fork bomb's timeout lateness
is printed (run with -s). (The pids cgroup is
per container; RLIMIT_NPROC counts the user's processes across the whole host, which other containers disturb.)
"""
import time
import uuid

import pytest

import rkit
import targets

pytestmark = pytest.mark.docker


def served(tag, extra):
    server = targets.TcpServer(tag, rkit.DEFAULT_PROVIDER[tag], extra=extra)
    server.wait_ready()
    return server


def good(server, seconds=30):
    """A good invocation that succeeds within `seconds`: leftover processes of a bomb may starve the first tries
    (each is still one well-formed answer, checked as it is decoded)."""
    deadline = time.time() + seconds
    while True:
        nonce = uuid.uuid4().hex[:12]
        reply = server.invoke({"nonce": nonce})
        if reply.ok or time.time() > deadline:
            break
        time.sleep(0.5)
    assert reply.ok and reply.result["nonce"] == nonce, reply
    return reply


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_fork_bombs_under_a_pids_limit(docker_ready, tag):
    server = served(tag, ["--pids-limit", "128"])
    try:
        for fault in ("fork_bomb", "fork_bomb_naive", "fork_bomb"):
            started = time.time()
            reply = server.invoke({"fault": fault, "nonce": "x"})
            elapsed = time.time() - started
            # OutOfMemory too: the instance-wide memory rule counts every copy the bomb forked (as a cgroup would)
            assert not reply.ok and reply.error_type in ("FunctionTimeout", "UnhandledError", "OutOfMemory"), reply
            if reply.error_type == "FunctionTimeout":
                print("\nfork bomb (%s, runtime:%s, --pids-limit 128): the %d s timeout answered after %.2f s, "
                      "%.2f s late" % (fault, tag, targets.TIMEOUT_S, elapsed, elapsed - targets.TIMEOUT_S))
            after = good(server)
            deadline = time.time() + 20
            while after.result["processes"] > 12 and time.time() < deadline:
                time.sleep(0.5)
                after = good(server)
            assert after.result["processes"] <= 12, after
    finally:
        server.close()


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_children_holding_every_process_slot_end_with_their_worker(docker_ready, tag):
    """Children that leave the worker's session (setsid) and grab every free process slot end with the instance
    when the worker exits (issue 11: a replaced instance leaves no process behind, detached ones included), so the
    next invocation starts a fresh worker at once instead of meeting an exhausted process limit. Three rounds."""
    hold = 30.0
    server = served(tag, ["--pids-limit", "64"])
    try:
        good(server)
        baseline = server.supervisor_stats()[1]
        for round_number in range(3):
            reply = server.invoke({"fault": "fork_bomb_escapes", "nonce": "x", "hold": hold})
            rkit.check_error(reply, server.provider, "ProcessExited",
                             message=r"^Process exited unexpectedly before completing request \(.*exit status 7\)$")
            nonce = "after-%d" % round_number
            after = server.invoke({"nonce": nonce})
            assert after.ok and after.result["nonce"] == nonce, \
                "round %d: the holders outlived their worker and took the new worker's slot: %r" % (round_number, after)
            assert after.result["processes"] <= 12, after
        assert server.supervisor_stats()[1] == baseline, "the supervisor leaked descriptors"
    finally:
        server.close()
