"""`--instances N` (contract section 8): concurrent requests run on separate warm instances, each with its own module
state; the loop never waits on a function; past the queue's bound a request is throttled; SIGTERM answers everything.

Each test runs the real bootstrap on 2.7, 3.6 and 3.7 (the `serve` fixture). Requests known to be in flight are
synchronised on the marker file the serve_mix "hold" action writes, and released by a file the test creates.
"""
import http.client
import json
import os
import signal
import threading
import time

import pytest

import servekit
from servekit import HttpReader, frame, read_frame


def connection(served, timeout=120):
    host, port = served.host_port
    return http.client.HTTPConnection(host, port, timeout=timeout)


def post(served, body, headers=None, path="/invoke", method="POST"):
    conn = connection(served)
    try:
        conn.request(method, path, body=body if isinstance(body, bytes) else json.dumps(body).encode(),
                     headers=headers or {})
        response = conn.getresponse()
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), response.read()
    finally:
        conn.close()


def in_threads(count, work):
    """Run work(index) in `count` threads at once; their results in index order (an exception fails the test)."""
    results, errors = [None] * count, []

    def run(index):
        try:
            results[index] = work(index)
        except BaseException as exc:  # reported below, with the others
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads), "a client got no answer within 120 s"
    return results


def hold_all(served, tmp_path, count, prefix="held"):
    """Start `count` hold invocations over HTTP, each from its own client, and wait until every one runs (so that
    `count` instances are busy). Returns (threads' results list, release paths, the joiner)."""
    events = [servekit.hold_event(tmp_path, "%s-%d" % (prefix, index)) for index in range(count)]
    results = [None] * count

    def run(index):
        results[index] = post(served, events[index][0])

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for _, marker, _ in events:
        servekit.wait_for_path(marker, served)

    def join():
        for _, _, release in events:
            servekit.release(release)
        for thread in threads:
            thread.join(60)
        return results
    return join


def test_four_instances_answer_eight_concurrent_300ms_requests_in_under_a_second(serve):
    served = serve("http", "serve_mix", args=["--instances", "4", "--timeout", "10"])
    sleep = {"action": "sleep", "seconds": 0.3}
    warm = in_threads(4, lambda index: post(served, sleep))  # four busy at once: four instances, each cold once
    assert sorted(headers["x-function-instance"] for _, headers, _ in warm) == ["1", "2", "3", "4"], warm
    assert all("x-function-init-duration-ms" in headers for _, headers, _ in warm), \
        "each instance's first answer shows its cold start: %s" % [h for _, h, _ in warm]
    started = time.time()
    answers = in_threads(8, lambda index: post(served, sleep))
    elapsed = time.time() - started
    assert [status for status, _, _ in answers] == [200] * 8, answers
    assert elapsed < 1.0, "8 requests of 300 ms on 4 instances took %.2f s (one at a time: 2.4 s)" % elapsed
    assert set(headers["x-function-instance"] for _, headers, _ in answers) == {"1", "2", "3", "4"}
    assert not any("x-function-init-duration-ms" in headers for _, headers, _ in answers), "all warm by now"


def test_a_long_request_does_not_delay_another_clients_request(serve, tmp_path):
    served = serve("http", "serve_mix", args=["--instances", "2", "--timeout", "30"])
    join = hold_all(served, tmp_path, 1, "long")
    status, headers, body = post(served, {"action": "count"})  # answered while the first is still held
    assert status == 200 and json.loads(body)["count"] == 1, body
    assert headers["x-function-instance"] == "2" and "x-function-init-duration-ms" in headers, headers
    [(status, headers, body)] = join()
    assert status == 200 and json.loads(body)["released"] is True and headers["x-function-instance"] == "1", body


@pytest.mark.parametrize("mode", ("http", "unix"))
def test_one_instance_answers_a_bad_request_while_its_function_runs(serve, tmp_path, mode):
    """With --instances 1 (the default) the loop goes on while the one instance runs: a 404 (HTTP) or bytes that are
    no frame (framed) from another client are answered before the running invocation ends."""
    served = serve(mode, "serve_mix", args=["--timeout", "30"])
    event, marker, release = servekit.hold_event(tmp_path, "one")
    result = {}
    if mode == "http":
        thread = threading.Thread(target=lambda: result.update(answer=post(served, event)))
    else:
        thread = threading.Thread(target=lambda: result.update(answer=served.client().invoke(event)))
    thread.start()
    servekit.wait_for_path(marker, served)
    if mode == "http":
        status, _, body = post(served, b"", path="/nothing", method="GET")
        assert status == 404 and b"no route" in body, (status, body)
    else:
        sock = served.raw_socket()
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")  # not a frame: answered by the loop, no function needed
        answer = read_frame(sock)
        assert answer["error_type"] == "InvalidRequest" and "looks like an HTTP request" in str(answer), answer
        sock.close()
    assert not os.path.exists(release) and thread.is_alive(), "answered while the function still runs"
    servekit.release(release)
    thread.join(30)
    answer = result["answer"]
    assert (answer[0] == 200) if mode == "http" else answer.ok, answer


def test_each_instance_keeps_its_own_module_state(serve, tmp_path):
    served = serve("unix", "serve_mix", args=["--instances", "3", "--timeout", "30"])
    events = [servekit.hold_event(tmp_path, "state-%d" % index) for index in range(3)]
    clients = [served.client() for _ in range(3)]
    first = [None] * 3

    def hold(index):
        first[index] = clients[index].invoke(events[index][0])

    threads = [threading.Thread(target=hold, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for _, marker, _ in events:
        servekit.wait_for_path(marker, served)
    for _, _, release in events:
        servekit.release(release)
    for thread in threads:
        thread.join(30)
    later = in_threads(3, lambda index: [clients[index].invoke({}) for _ in range(10)])
    seen = {}
    for response in first + [response for batch in later for response in batch]:
        assert response.ok, response
        seen.setdefault(response["instance"], []).append((response.result["count"], response.result["pid"]))
    assert sorted(seen) == [1, 2, 3], seen
    for instance, counts in seen.items():
        assert sorted(count for count, _ in counts) == list(range(1, len(counts) + 1)), \
            "instance %d counts its own invocations, once each: %s" % (instance, counts)
        assert len(set(pid for _, pid in counts)) == 1, counts
    assert len(set(counts[0][1] for counts in seen.values())) == 3, "three processes: %s" % seen


@pytest.mark.parametrize("failure, error_type", [("crash", "ProcessExited"), ("sleep", "FunctionTimeout"),
                                                 ("oom", "OutOfMemory")])
def test_a_failure_under_load_replaces_only_its_instance(serve, failure, error_type):
    served = serve("unix", "serve_mix", args=["--instances", "3", "--timeout", "2", "--memory", "128"])
    events = [{"action": "echo", "n": index} for index in range(60)]
    events[25] = {"action": failure, "seconds": 30}

    def work(index):
        with served.client() as client:
            return [client.invoke(events[slot]) for slot in range(index, 60, 6)]

    responses = sorted((r for batch in in_threads(6, work) for r in batch), key=lambda r: r["id"])
    failed = [r for r in responses if not r.ok]
    assert [r.error_type for r in failed] == [error_type], [(r.error_type, r.get("error")) for r in failed]
    good = [r for r in responses if r.ok]
    assert sorted(r.result["n"] for r in good) == sorted(e["n"] for e in events if "n" in e), "the others go on"
    clients = [served.client() for _ in range(3)]  # three at once: every instance serves once more
    after = in_threads(3, lambda index: clients[index].invoke({"action": "sleep", "seconds": 0.5}))
    for client in clients:
        client.close()
    assert sorted(r["instance"] for r in after) == [1, 2, 3], after
    cold = {}
    for response in responses + after:
        cold[response["instance"]] = cold.get(response["instance"], 0) + (response.init_duration_ms is not None)
    expected = dict((number, 2 if number == failed[0]["instance"] else 1) for number in (1, 2, 3))
    assert cold == expected, "cold starts per instance: only the failed one starts again (%s)" % cold


def test_twenty_clients_fifty_invocations_each_nothing_lost_or_repeated(serve):
    served = serve("unix", "serve_mix", args=["--instances", "3"])

    def work(index):
        with served.client() as client:
            return [client.invoke({"action": "echo", "client": index, "n": n}) for n in range(50)]

    batches = in_threads(20, work)
    for index, responses in enumerate(batches):
        assert [r.result for r in responses] == [{"action": "echo", "client": index, "n": n} for n in range(50)], \
            "client %d got its own answers, in order, once each" % index
    everything = [r for batch in batches for r in batch]
    assert len(set(r["request_id"] for r in everything)) == 1000
    assert set(r["instance"] for r in everything) <= {1, 2, 3} and len(set(r["instance"] for r in everything)) > 1


def wait_until_read(served, sockets):
    """Wait until the server has read everything sent on its accepted TCP connections (their receive queues in
    /proc/net/tcp are empty) and holds at least `sockets` of them."""
    port = served.host_port[1]
    deadline = time.time() + 60
    while time.time() < deadline:
        queues = []
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as handle:
                for line in handle.readlines()[1:]:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # ESTABLISHED
                        queues.append(int(fields[4].split(":")[1], 16))
        if len(queues) >= sockets and not any(queues):
            return
        time.sleep(0.01)
    raise AssertionError("the server did not read its %d connections within 60 s:\n%s" % (sockets, served.stderr()))


@pytest.mark.parametrize("mode", ("http", "tcp"))
def test_past_the_queue_bound_requests_are_throttled_and_the_server_keeps_serving(serve, tmp_path, mode):
    """One instance held; 128 clients' requests wait (the bound); the 129th client's request is refused at once with
    429 / TooManyRequests (tencent's statusCode 432), while the held one still runs; then every waiting request is
    answered and the server serves on."""
    served = serve(mode, "serve_mix", args=["--timeout", "60", "--provider", "tencent"])  # its statusCode 432
    event, marker, release = servekit.hold_event(tmp_path, "queue")
    holder = served.raw_socket(timeout=60)
    body, count = event, {"action": "count"}

    def send(sock, event):
        payload = json.dumps(event).encode()
        if mode == "http":
            sock.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
        else:
            sock.sendall(frame({"id": 1, "event": event}))

    def receive(sock):
        if mode == "http":
            response = HttpReader(sock).response()
            return response.status, response.header("x-function-error-type"), json.loads(response.body or b"null")
        answer = read_frame(sock)
        return 200 if answer["ok"] else 0, answer.get("error_type"), answer.get("result") or answer.get("error")

    send(holder, body)
    servekit.wait_for_path(marker, served)
    waiting = []
    for _ in range(128):
        sock = served.raw_socket(timeout=60)
        send(sock, count)
        waiting.append(sock)
    wait_until_read(served, 129)  # the held request and the 128 waiting ones
    refused = served.raw_socket(timeout=30)
    send(refused, count)
    status, error_type, error = receive(refused)
    assert error_type == "TooManyRequests", (status, error_type, error)
    if mode == "http":
        assert status == 429, status
    assert error["statusCode"] == 432 and "every instance is busy" in error["errorMessage"], error
    assert not os.path.exists(release), "refused while the held request still runs"
    servekit.release(release)
    assert receive(holder)[0] == 200
    answers = [receive(sock) for sock in waiting]
    assert all(status == 200 for status, _, _ in answers), [a for a in answers if a[0] != 200][:3]
    counts = sorted(result["count"] for _, _, result in answers)
    assert counts[-1] - counts[0] == len(counts) - 1, "each waiting request ran once: %s" % counts
    send(refused, count)
    assert receive(refused)[0] == 200, "the server keeps serving"
    for sock in waiting + [holder, refused]:
        sock.close()


def test_sigterm_under_load_answers_every_request_and_exits_0(serve, tmp_path):
    served = serve("http", "serve_mix", args=["--instances", "3", "--timeout", "30"])
    join = hold_all(served, tmp_path, 3, "term")
    queued = []
    for _ in range(5):
        sock = served.raw_socket(timeout=30)
        sock.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        queued.append(sock)
    served.process.send_signal(signal.SIGTERM)  # the five wait (read now, or by the drain at the signal)
    answers = [HttpReader(sock).response() for sock in queued]
    assert [(a.status, a.header("x-function-error-type")) for a in answers] == [(503, "ShuttingDown")] * 5, answers
    results = join()
    assert [status for status, _, _ in results] == [200] * 3, results
    assert sorted(headers["x-function-instance"] for _, headers, _ in results) == ["1", "2", "3"]
    assert all(json.loads(body)["released"] for _, _, body in results)
    assert served.process.wait(30) == 0, served.stderr()


def test_an_instance_idle_past_instance_idle_is_stopped_and_starts_cold_again(serve):
    served = serve("tcp", "serve_mix", args=["--instance-idle", "1"])
    with served.client() as client:
        first = client.invoke({})
        assert first.ok and first.init_duration_ms is not None and first["instance"] == 1, first
        pid = first.result["pid"]
        deadline = time.time() + 30
        while time.time() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.05)
        assert not os.path.exists("/proc/%d" % pid), "the idle instance's worker was stopped"
        again = client.invoke({})
        assert again.ok and again.init_duration_ms is not None and again.result["count"] == 1, again
        assert again.result["pid"] != pid


@pytest.mark.parametrize("args, message", [
    (["--instances", "0"], "instances must be a whole number from 1 to 64"),
    (["--instances", "two"], "instances must be a whole number from 1 to 64"),
    (["--instance-idle", "-1"], "instance idle must be greater than 0"),
])
def test_bad_instance_options_are_usage_errors(bootstrap, args, message):
    result = bootstrap(["--serve", "tcp:127.0.0.1:0"] + args, servekit.function_dir("counter"))
    assert result.status == 2 and message in result.stderr, result


def test_a_request_handed_ahead_to_a_held_instance_is_taken_back_by_the_free_one(serve, tmp_path):
    """With --instances 2 and one instance held, three clients' fast requests all run on the other one at once: the
    one handed ahead to the held instance (it started its own the earliest) comes back when the other is free."""
    served = serve("http", args=["--instances", "2", "--timeout", "120"])
    hold_all(served, tmp_path, 2, prefix="warm")()  # both instances warm
    held = hold_all(served, tmp_path, 1, prefix="held")
    started = time.time()
    answers = in_threads(3, lambda index: [post(served, {"action": "echo", "n": n}) for n in range(40)])
    elapsed = time.time() - started
    (held_answer,) = held()
    assert held_answer[0] == 200, held_answer
    held_instance = held_answer[1]["x-function-instance"]
    flat = [a for client in answers for a in client]
    assert all(a[0] == 200 for a in flat), [a for a in flat if a[0] != 200][:3]
    assert set(a[1]["x-function-instance"] for a in flat) == set(["1", "2"]) - set([held_instance])
    assert elapsed < 20, elapsed


@pytest.mark.parametrize("failure, error_type", [("crash", "ProcessExited"), ("timeout", "FunctionTimeout")])
def test_a_request_handed_ahead_to_an_instance_that_fails_runs_once_on_its_fresh_instance(serve, tmp_path, failure,
                                                                                          error_type):
    """With --instances 2, both busy: the next request goes ahead to the one that started first; that one crashes (or
    times out) before reaching it, so the request runs once, on the instance that replaces it, with its own time (the
    other instance starts its invocation 2 s later, so it times out 2 s later: it is released before that)."""
    served = serve("http", args=["--instances", "2", "--timeout", "4"])
    hold_all(served, tmp_path, 2, prefix="warm")()  # both instances warm
    first, first_marker, first_release = servekit.hold_event(tmp_path, "first")
    if failure == "crash":
        first["then"] = "crash"
    results = {}

    def run(name, body):
        results[name] = post(served, body)

    failing = threading.Thread(target=run, args=("first", first))
    failing.start()
    servekit.wait_for_path(first_marker, served)
    if failure == "timeout":
        time.sleep(2)
    held = hold_all(served, tmp_path, 1, prefix="other")
    ahead = threading.Thread(target=run, args=("ahead", {"action": "echo", "n": 7}))
    ahead.start()
    time.sleep(0.5)  # the server has read it: it is handed ahead to the first instance
    if failure == "crash":
        servekit.release(first_release)
    failing.join(60)
    ahead.join(60)
    ((held_status, held_headers, _),) = held()
    assert results["first"][1].get("x-function-error-type") == error_type, results["first"]
    status, headers, body = results["ahead"]
    assert status == 200 and json.loads(body)["n"] == 7, results["ahead"]
    assert headers["x-function-instance"] == results["first"][1]["x-function-instance"], (headers, results["first"])
    assert held_status == 200 and held_headers["x-function-instance"] != headers["x-function-instance"]
