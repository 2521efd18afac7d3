"""Issue 4, process limits in the images: a fork bomb under `docker run --pids-limit` (the cgroup caps the whole
container, the runtime included), and children that escape the worker's process group and hold every process slot
(`--pids-limit` again), so the runtime cannot even start a new worker: each invocation still gets one well-formed error
naming the cause, the supervisor leaks nothing, and service resumes once the slots are free. (The pids cgroup is
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


def good(server):
    nonce = uuid.uuid4().hex[:12]
    reply = server.invoke({"nonce": nonce})
    assert reply.ok and reply.result["nonce"] == nonce, reply
    return reply


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_fork_bombs_under_a_pids_limit(docker_ready, tag):
    server = served(tag, ["--pids-limit", "128"])
    try:
        for fault in ("fork_bomb", "fork_bomb_naive", "fork_bomb"):
            reply = server.invoke({"fault": fault, "nonce": "x"})
            assert not reply.ok and reply.error_type in ("FunctionTimeout", "UnhandledError"), reply
            after = good(server)
            deadline = time.time() + 20
            while after.result["processes"] > 12 and time.time() < deadline:
                time.sleep(0.5)
                after = good(server)
            assert after.result["processes"] <= 12, after
    finally:
        server.close()


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_no_process_slot_left_for_a_new_worker(docker_ready, tag):
    hold = 8.0
    server = served(tag, ["--pids-limit", "64"])
    try:
        good(server)
        baseline = server.supervisor_stats()[1]
        started = time.time()
        reply = server.invoke({"fault": "fork_bomb_escapes", "nonce": "x", "hold": hold})
        rkit.check_error(reply, server.provider, "ProcessExited",
                         message=r"^Process exited unexpectedly before completing request \(.*exit status 7\)$")
        time.sleep(0.5)  # the holders take the slot the worker freed
        blocked = [(i, server.invoke({"nonce": "blocked-%d" % i})) for i in range(5)]
        assert time.time() - started < hold, "the slots were freed before the check; raise `hold`"
        failed = 0
        for i, reply in blocked:  # a start may win a slot the holders have not grabbed yet: then it is served
            if reply.ok:
                assert reply.result["nonce"] == "blocked-%d" % i, reply
                continue
            failed += 1
            rkit.check_error(reply, server.provider, "ProcessExited",
                             message=r"could not start: Resource temporarily unavailable \(the process limit")
        assert failed, "no invocation met the exhausted process limit: %r" % blocked
        time.sleep(max(0.0, hold + 2 - (time.time() - started)))
        deadline = time.time() + 20
        while True:
            reply = server.invoke({"nonce": "resumed"})
            if reply.ok or time.time() > deadline:
                break
            time.sleep(0.5)
        assert reply.ok and reply.result["nonce"] == "resumed", reply
        assert server.supervisor_stats()[1] == baseline, "the supervisor leaked descriptors on failed starts"
    finally:
        server.close()
