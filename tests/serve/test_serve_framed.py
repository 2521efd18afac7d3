"""Contract section 5 and the warm semantics of section 4 on the framed servers (`--serve stdio|unix:|tcp:`), run on
the real 2.7, 3.6 and 3.7 interpreters through the package's own host client.

One response per request with the same id; warm state kept; a crash, a timeout and a memory overrun answered and
followed by a cold worker; nothing but frames on stdio's standard output whatever the function writes; many clients
at once; graceful SIGTERM.
"""
import os
import signal
import socket
import threading
import time

import pytest

import servekit
from servekit import FRAMED_MODES, SOCKET_MODES, error_message, frame, read_frame


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_thousand_invocations_on_one_connection_keep_state_and_ids(serve, mode):
    served = serve(mode, "counter")
    client = served.client()
    pids = set()
    started = time.time()
    for n in range(1, 1001):
        frame_id = n if n % 2 else "req-%d" % n
        response = client.invoke({"n": n}, frame_id=frame_id)
        assert response["id"] == frame_id
        assert response.ok, response
        assert response.result["count"] == n, "module state lost at invocation %d: %r" % (n, response)
        assert (response.init_duration_ms is not None) == (n == 1), response
        assert response.request_id and "START RequestId:%s" % response.request_id in response.log, response
        assert response["duration_ms"] >= 0 and response["billed_duration_ms"] >= 1
        assert response["max_memory_used_mb"] > 1, response
        pids.add(response.result["pid"])
    elapsed = time.time() - started
    print("%s: 1000 round trips in %.2fs (%.3f ms each)" % (mode, elapsed, elapsed))
    assert len(pids) == 1, "the worker was replaced during warm invocations: %r" % pids


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_pipelined_frames_are_all_answered_in_order(serve, mode):
    served = serve(mode, "counter")
    client = served.client()
    frames = b"".join(frame({"id": index, "event": {}}) for index in range(1000))
    writer = threading.Thread(target=client.sendall, args=(frames,))
    writer.start()
    responses = [client.receive() for _ in range(1000)]
    writer.join()
    assert [r["id"] for r in responses] == list(range(1000))
    assert [r.result["count"] for r in responses] == list(range(1, 1001))


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_crash_timeout_and_memory_overrun_between_good_invocations(serve, mode):
    served = serve(mode, "serve_mix", args=["--timeout", "2", "--memory", "128"])
    client = served.client()

    def good(expected_count, cold):
        response = client.invoke({"action": "count"})
        assert response.ok, response
        assert response.result["count"] == expected_count, response
        assert (response.init_duration_ms is not None) == cold, response
        return response.result["pid"]

    first_pid = good(1, cold=True)
    crashed = client.invoke({"action": "crash"}, frame_id="crash")
    assert crashed["id"] == "crash" and not crashed.ok
    assert crashed.error_type == "ProcessExited", crashed
    assert "exit status 3" in error_message(crashed)
    assert "about to crash" in crashed.log
    second_pid = good(1, cold=True)
    assert second_pid != first_pid

    started = time.time()
    timed_out = client.invoke({"action": "sleep", "seconds": 60}, frame_id="sleep")
    assert timed_out["id"] == "sleep" and timed_out.error_type == "FunctionTimeout", timed_out
    assert time.time() - started < 20
    assert "timed out after 2 seconds" in error_message(timed_out)
    good(1, cold=True)

    overrun = client.invoke({"action": "oom"}, frame_id="oom")
    assert overrun["id"] == "oom" and overrun.error_type == "OutOfMemory", overrun
    assert "128 MB" in error_message(overrun)
    warm_pid = good(1, cold=True)

    raised = client.invoke({"action": "raise"}, frame_id="raise")
    assert raised.error_type == "UnhandledError" and "ValueError" in raised.log, raised
    assert good(2, cold=False) == warm_pid, "an exception in the handler must not replace the worker"


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_writes_to_fd1_and_a_50mb_log_flood_leave_the_stream_intact(serve, mode):
    served = serve(mode, "serve_mix", args=["--timeout", "120"])
    client = served.client()
    started = time.time()
    flooded = client.invoke({"action": "flood", "mb": 50}, frame_id="flood")
    elapsed = time.time() - started
    print("%s: 50 MB of log through the worker's pipe in %.2fs" % (mode, elapsed))
    assert flooded["id"] == "flood" and flooded.ok, {k: v for k, v in flooded.items() if k != "log"}
    assert flooded.result == {"flooded_mb": 50, "count": 1}
    assert "flood-begin" in flooded.log
    assert "bytes of log dropped" in flooded.log, "the per-invocation log cap did not apply"
    assert len(flooded.log) < 2 * 1024 * 1024
    assert "END RequestId:%s" % flooded.request_id in flooded.log
    after = client.invoke({"action": "count"}, frame_id="after")
    assert after.ok and after.result["count"] == 2 and after.init_duration_ms is None, after
    assert "flood-line" not in after.log, "log of one invocation leaked into the next"
    if mode == "stdio":
        served.process.stdin.close()
        rest = served.process.stdout.read()
        assert rest == b"", "bytes other than frames on standard output: %r" % rest[:200]
        assert served.process.wait(30) == 0


@pytest.mark.parametrize("mode", SOCKET_MODES)
def test_twenty_concurrent_clients_are_served_one_at_a_time_without_loss(serve, mode):
    served = serve(mode, "counter")
    counts, failures = [], []
    lock = threading.Lock()

    def work(number):
        try:
            with served.client() as client:
                for index in range(50):
                    frame_id = "c%d-%d" % (number, index)
                    response = client.invoke({}, frame_id=frame_id)
                    assert response["id"] == frame_id and response.ok, response
                    with lock:
                        counts.append(response.result["count"])
        except Exception as exc:  # reported below with the client's number
            failures.append("client %d: %r" % (number, exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    print("%s: 20 clients x 50 invocations in %.2fs" % (mode, time.time() - started))
    assert not failures, failures
    # One function instance: invocations never overlap, so the counter hands out each number exactly once.
    assert sorted(counts) == list(range(1, 1001))
    assert served.alive()


@pytest.mark.parametrize("mode", SOCKET_MODES)
def test_clients_that_leave_mid_frame_do_not_disturb_the_server(serve, mode):
    served = serve(mode, "counter")
    complete = 0
    for index in range(60):
        sock = served.raw_socket()
        data = frame({"id": index, "event": {}})
        kind = index % 4
        if kind == 0:
            sock.sendall(data[:2])  # half a length header
        elif kind == 1:
            sock.sendall(data[:len(data) // 2])  # half a payload
        elif kind == 2:
            sock.sendall(data)  # a whole request, then gone without reading the answer
            complete += 1
        sock.close()  # kind 3: connect and leave
    with served.client() as client:
        response = client.invoke({})
    assert response.ok
    # Every complete request was run (and answered into a closed socket); none of the broken ones was.
    assert response.result["count"] == complete + 1, response
    assert served.alive()


@pytest.mark.parametrize("mode", SOCKET_MODES)
def test_a_client_sending_a_byte_at_a_time_is_served_and_does_not_block_others(serve, mode):
    served = serve(mode, "counter")
    slow = served.raw_socket()
    data = frame({"id": "slow", "event": {"padding": "x" * 20}})
    for byte in data[:-1]:
        slow.sendall(bytes([byte]))
        time.sleep(0.002)
        if byte == data[10]:
            with served.client() as fast:  # meanwhile another client is served at once
                assert fast.invoke({}, frame_id="fast")["id"] == "fast"
    slow.sendall(data[-1:])
    response = read_frame(slow)
    assert response["id"] == "slow" and response["ok"] is True, response
    slow.close()


@pytest.mark.parametrize("mode", SOCKET_MODES)
def test_oversized_and_garbage_lengths(serve, mode):
    served = serve(mode, "counter")
    # Over the 9 MiB frame limit but plausible: answered, skipped, and the connection goes on in step.
    sock = served.raw_socket()
    big = 10 * 1024 * 1024
    sender = threading.Thread(target=sock.sendall, args=(frame(b"x" * big) + frame({"id": "next", "event": {}}),))
    sender.start()
    refused = read_frame(sock)
    assert refused["ok"] is False and refused["error_type"] == "InvalidRequest", refused
    assert "over the limit" in error_message(refused) and refused["id"] is None
    following = read_frame(sock)
    sender.join()
    assert following["id"] == "next" and following["ok"] is True, following
    sock.close()
    # A length no client would send: answered, then the connection closes; others go on.
    sock = served.raw_socket()
    sock.sendall(b"\xff\xff\xff\xff" + b"junk")
    refused = read_frame(sock)
    assert refused["error_type"] == "InvalidRequest" and "too large to skip" in error_message(refused)
    assert servekit.closed_by_peer(sock)
    sock.close()
    # HTTP spoken to the framed port: told so, in a frame.
    sock = served.raw_socket()
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    refused = read_frame(sock)
    assert "looks like an HTTP request" in error_message(refused), refused
    assert servekit.closed_by_peer(sock)
    sock.close()
    with served.client() as client:
        assert client.invoke({}).ok


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_sigterm_finishes_the_invocation_in_flight_answers_it_and_exits_0(serve, mode, tmp_path):
    served = serve(mode, "serve_mix", args=["--timeout", "30"])
    client = served.client()
    assert client.invoke({"action": "count"}).ok
    event, marker, release = servekit.hold_event(tmp_path, "in-flight")
    client.send({"id": "in-flight", "event": event})
    servekit.wait_for_path(marker, served)  # the invocation runs, and waits for `release`
    waiting = None
    if mode != "stdio":  # a second client's request arrives while the first runs: answered, not run
        waiting = served.client()
        waiting.send({"id": "queued", "event": {"action": "count"}})  # in the server's socket before the signal
    served.process.send_signal(signal.SIGTERM)
    servekit.release(release)
    response = client.receive()
    assert response["id"] == "in-flight" and response.ok, response
    assert response.result["count"] == 2
    if waiting is not None:
        refused = waiting.receive()
        assert refused["id"] == "queued" and refused.error_type == "ShuttingDown", refused
    assert served.process.wait(30) == 0, served.stderr()
    if waiting is not None:  # the one waiting was handed ahead to the busy worker, then cancelled: not run
        assert "1 invocation in flight finished and answered, 1 queued answered ShuttingDown" in served.stderr(), \
            served.stderr()[-600:]
    if mode == "unix":
        assert not os.path.exists(served.address[5:]), "the socket file was left behind"


def test_sigterm_while_idle_exits_0_at_once(serve):
    served = serve("tcp", "counter")
    with served.client() as client:
        assert client.invoke({}).ok
        started = time.time()
        assert served.stop() == 0
        assert time.time() - started < 5


@pytest.mark.parametrize("address, message", [
    ("tcp:9000", "needs HOST:PORT"),
    ("tcp:127.0.0.1:99999", "port from 0 to 65535"),
    ("tcp://127.0.0.1:9000", "without //"),
    ("unix:", "needs a socket path"),
    ("udp:127.0.0.1:9000", "--serve takes stdio, unix:PATH, tcp:HOST:PORT or http:HOST:PORT"),
    ("stdin", "--serve takes"),
])
def test_bad_serve_addresses_are_usage_errors(bootstrap, address, message):
    result = bootstrap(["--serve", address], servekit.function_dir("counter"))
    assert result.status == 2, result
    assert message in result.stderr and address in result.stderr, result.stderr
    assert result.stdout == b""


def test_api_gateway_needs_http(bootstrap):
    result = bootstrap(["--serve", "tcp:127.0.0.1:0", "--api-gateway"], servekit.function_dir("counter"))
    assert result.status == 2 and "--api-gateway works with --serve http:HOST:PORT only" in result.stderr, result


def test_listen_failures_are_usage_errors(bootstrap, tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    result = bootstrap(["--serve", "tcp:127.0.0.1:%d" % port], servekit.function_dir("counter"))
    taken.close()
    assert result.status == 2 and "cannot listen on tcp:127.0.0.1:%d" % port in result.stderr, result
    plain_file = tmp_path / "not-a-socket"
    plain_file.write_text("x")
    result = bootstrap(["--serve", "unix:%s" % plain_file], servekit.function_dir("counter"))
    assert result.status == 2 and "is not a socket" in result.stderr, result


def test_a_stale_unix_socket_is_replaced_and_a_live_one_is_not(serve, bootstrap):
    served = serve("unix", "counter")
    result = bootstrap(["--serve", served.address], servekit.function_dir("counter"))
    assert result.status == 2 and "another server is listening there" in result.stderr, result
    served.process.send_signal(signal.SIGKILL)  # dies without removing its socket file
    served.process.wait(10)
    assert os.path.exists(served.address[5:])
    replacement = serve("unix", "counter", address=served.address)
    with replacement.client() as client:
        assert client.invoke({}).ok


def test_stdio_exit_status_says_how_the_input_ended(serve):
    served = serve("stdio", "counter")
    client = served.client()
    assert client.invoke({}).ok
    served.process.stdin.close()
    assert served.process.stdout.read() == b""
    assert served.process.wait(30) == 0

    truncated = serve("stdio", "counter")
    reader = truncated.client()
    truncated.process.stdin.write(frame({"id": 1, "event": {}})[:-3])
    truncated.process.stdin.close()
    error = reader.receive()
    assert error.error_type == "InvalidRequest" and "truncated frame" in error_message(error), error
    assert truncated.process.wait(30) == 1


def test_large_requests_from_many_clients_past_the_queue_limit_are_all_answered(serve):
    """16 clients send 5 MB each at once: past 64 MiB received and not yet run the server stops reading, and it
    resumes as it runs them; every request is answered."""
    served = serve("tcp", "serve_mix", args=["--timeout", "30", "--memory", "1024"])
    padding = "p" * (5 * 1024 * 1024)
    results, failures = {}, []
    busy = served.client()
    busy.send({"id": "busy", "event": {"action": "sleep", "seconds": 2}})  # meanwhile the 16 requests arrive

    def work(number):
        try:
            sock = served.raw_socket(timeout=120)
            sock.sendall(frame({"id": number, "event": {"action": "count", "padding": padding}}))
            results[number] = read_frame(sock)
            sock.close()
        except Exception as exc:
            failures.append("client %d: %r" % (number, exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert busy.receive()["id"] == "busy"
    assert not failures, failures
    assert all(results[n]["id"] == n and results[n]["ok"] for n in range(16)), results
    assert sorted(r["result"]["count"] for r in results.values()) == list(range(2, 18))
