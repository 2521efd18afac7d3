"""Issue 11, item 1: an event over the 6 MB limit is refused from its size before the function's process holds it.

`PayloadTooLarge` every time, never `OutOfMemory`: in every mode (one-shot, framed stdio/tcp, HTTP; unix on the host
below), on 2.7, 3.6 and 3.7, 20 times in a row on the same warm server. Two events: a long string (the CI case of
issue 11, which failed by chance) and one that is cheap to send but costly to decode (two million empty lists: well
over 128 MB as Python objects), which a worker that decoded it would be killed for every time: a few rounds of it
suffice (each costs the server a second or two to decode and measure).
"""
import os
import subprocess
import time
import uuid

import pytest

import rkit
import targets

MB = 1024 * 1024
ROUNDS = 20


def over_limit_events():
    """(name, event, rounds on a warm server): events just over the 6 MB (6 MiB) limit."""
    return [("string", {"padding": "e" * (6 * MB + 1024)}, ROUNDS),
            ("lists", {"padding": [[]] * ((6 * MB + 1024) // 3)}, 3)]


def check_refused(target, reply):
    rkit.check_error(reply, target.provider, "PayloadTooLarge", None, r"event is \d+ bytes, over the 6 MB",
                     tencent_status=406)


def check_good(target):
    nonce = uuid.uuid4().hex
    reply = target.invoke({"nonce": nonce})
    assert reply.ok and reply.result.get("nonce") == nonce, reply
    return reply


@pytest.mark.parametrize("name,event,rounds", over_limit_events(), ids=[n for n, _, _ in over_limit_events()])
def test_an_event_over_the_limit_is_refused_every_time(target, name, event, rounds):
    before = check_good(target) if target.warm else None
    rounds = rounds if target.warm else 3  # a one-shot run starts a process (a container) each time
    for number in range(rounds):
        if target.mode == "http":
            status, headers, body = target.request("POST", "/invoke", rkit.json.dumps(event).encode("utf-8"))
            assert status == 413 and b"over the 6 MB" in body, (number, status, headers, body[:500])
            continue
        reply = target.invoke(event)
        assert reply.error_type in (None, "PayloadTooLarge"), "round %d: %r" % (number, reply)
        check_refused(target, reply)
    after = check_good(target)
    if before is not None:
        assert after.result["pid"] == before.result["pid"], \
            "a refused event never reaches the worker: it stays warm (pid %s then %s)" % (
                before.result["pid"], after.result["pid"])


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.7"])
def test_over_a_unix_socket_too(version, tmp_path):
    """The framed protocol over `--serve unix:` on the host interpreters: the same refusal, 20 times, warm."""
    python = targets.host_python(version)
    if python is None:
        pytest.skip("Python %s is not on this host" % version)
    path = str(tmp_path / "fn.sock")
    stderr = open(str(tmp_path / "server.stderr"), "wb")
    server = subprocess.Popen([python, rkit.BOOTSTRAP, "--code", rkit.FUNCTIONS, "--serve", "unix:" + path,
                               rkit.FAULTS_HANDLER], stderr=stderr, env=rkit.clean_env(targets.runtime_env("tencent")),
                              start_new_session=True)
    try:
        assert rkit.wait_until(lambda: os.path.exists(path), 30), "no socket at %s" % path
        target = UnixClient(version, path)
        before = check_good(target)
        for name, event, rounds in over_limit_events():
            for number in range(rounds):
                reply = target.invoke(event)
                assert reply.error_type == "PayloadTooLarge", "%s round %d: %r" % (name, number, reply)
                check_refused(target, reply)
        after = check_good(target)
        assert after.result["pid"] == before.result["pid"], (before, after)
    finally:
        os.killpg(server.pid, 9)
        server.wait()
        stderr.close()


class UnixClient(targets.Framed):
    mode = "unix"
    where = "host"

    def __init__(self, version, path):
        targets.Framed.__init__(self, version, "tencent")
        import socket
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.time() + 30
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def exchange(self, request, timeout):
        self.sock.settimeout(timeout)
        self.sock.sendall(rkit.pack(request))
        return rkit.read_frame(self.sock.recv)
