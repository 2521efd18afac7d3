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
    """Up to three rounds (a start may win a slot the holders have not grabbed yet, on a busy machine): in the round
    that meets the full limit, each blocked invocation is a well-formed ProcessExited naming the cause."""
    hold = 6.0
    server = served(tag, ["--pids-limit", "64"])
    try:
        good(server)
        baseline = server.supervisor_stats()[1]
        failed = 0
        for _ in range(3):
            good(server)
            reply = server.invoke({"fault": "fork_bomb_escapes", "nonce": "x", "hold": hold})
            rkit.check_error(reply, server.provider, "ProcessExited",
                             message=r"^Process exited unexpectedly before completing request \(.*exit status 7\)$")
            time.sleep(1.0)  # the holders take the slot the worker freed
            for i in range(5):
                reply = server.invoke({"nonce": "blocked-%d" % i})
                if reply.ok:  # it won a free slot: served, and the worker stays for the next ones
                    assert reply.result["nonce"] == "blocked-%d" % i, reply
                    continue
                failed += 1
                rkit.check_error(reply, server.provider, "ProcessExited",
                                 message=r"could not start: Resource temporarily unavailable \(the process limit")
            time.sleep(hold)
            if failed:
                break
        assert failed, "no invocation met the exhausted process limit in three rounds"
        resumed = good(server)
        assert resumed.ok
        assert server.supervisor_stats()[1] == baseline, "the supervisor leaked descriptors on failed starts"
    finally:
        server.close()
