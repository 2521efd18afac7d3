"""With `--instances 1`, the next queued request is handed ahead to the busy worker (bootstrap/fnruntime/pipeline.py):
each invocation's log still holds exactly what it printed, a worker that ends (crash, sys.exit, timeout) while one
waits ahead answers its own request with the error and the one ahead runs on a fresh instance, once.

Each test runs the real bootstrap on 2.7, 3.6 and 3.7 (the `serve` fixture), with requests pipelined on one
connection so that the queue is never empty while the worker runs.
"""
import json
import re
import threading

import pytest

from servekit import HttpReader, frame

MARKER = b"fnruntime-start"


def pipelined(served, events):
    """Send every event at once on one framed connection; the answers in order."""
    client = served.client()
    frames = b"".join(frame({"id": index, "event": event}) for index, event in enumerate(events))
    writer = threading.Thread(target=client.sendall, args=(frames,))
    writer.start()
    answers = [client.receive() for _ in events]
    writer.join()
    assert [a["id"] for a in answers] == list(range(len(events)))
    return answers


def own_lines(log):
    """The numbers named by the function's own lines in a log."""
    return [(word, int(n)) for word, n in re.findall(r"\b(begin|middle|end) (\d+)", log)]


@pytest.mark.parametrize("mode", ["stdio", "unix"])
def test_each_pipelined_invocation_logs_only_what_it_printed(serve, mode):
    served = serve(mode, "prints_id")
    answers = pipelined(served, [{"n": n} for n in range(300)])
    for n, answer in enumerate(answers):
        assert answer["ok"], answer
        assert answer.result["n"] == n
        log = answer["log"]
        assert "\x00" not in log and MARKER.decode() not in log, log
        assert own_lines(log) == [("begin", n), ("middle", n), ("end", n)], (n, log)
    assert len(set(a.result["pid"] for a in answers)) == 1, "one warm instance served them all"


def test_each_pipelined_http_invocation_logs_only_what_it_printed(serve):
    """HTTP keep-alive pipelining: the log goes to standard error, each invocation's lines between its own framing
    lines (tencent's START / END / REPORT carry the request id)."""
    served = serve("http", "prints_id", args=["--provider", "tencent"])
    sock = served.raw_socket(timeout=60)
    count = 200
    requests = b"".join(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                        for body in (json.dumps({"n": n}).encode() for n in range(count)))
    writer = threading.Thread(target=sock.sendall, args=(requests,))
    writer.start()
    reader, ids = HttpReader(sock), []
    for n in range(count):
        response = reader.response()
        assert response.status == 200 and json.loads(response.body)["n"] == n, response
        ids.append(response.header("x-request-id"))
    writer.join()
    sock.close()
    served.stop()
    log = served.stderr()
    assert MARKER not in log.encode() and "\x00" not in log
    for n, request_id in enumerate(ids):
        start, end = log.index("START RequestId:%s" % request_id), log.index("END RequestId:%s" % request_id)
        assert own_lines(log[start:end]) == [("begin", n), ("middle", n), ("end", n)], (n, log[start:end])


@pytest.mark.parametrize("action", ["crash", "exit"])
@pytest.mark.parametrize("mode", ["stdio", "unix"])
def test_a_worker_ending_with_one_ahead_answers_once_and_the_next_runs_on_a_fresh_instance(serve, mode, action):
    served = serve(mode, "prints_id")
    events = [{"n": n} for n in range(6)] + [{"n": 6, "action": action}] + [{"n": n} for n in range(7, 20)]
    answers = pipelined(served, events)
    failed = [a for a in answers if not a["ok"]]
    assert [a["id"] for a in failed] == [6], failed
    assert failed[0]["error_type"] == "ProcessExited", failed[0]
    assert own_lines(failed[0]["log"])[:2] == [("begin", 6), ("middle", 6)], failed[0]["log"]
    before = set(a.result["pid"] for a in answers[:6])
    after = set(a.result["pid"] for a in answers[7:])
    assert len(before) == 1 and len(after) == 1 and before != after, (before, after)
    assert [a.result["n"] for a in answers[7:]] == list(range(7, 20))
    for answer in answers:
        n = answer["id"]
        if n != 6:
            assert own_lines(answer["log"]) == [("begin", n), ("middle", n), ("end", n)], answer["log"]


@pytest.mark.parametrize("mode", ["stdio"])
def test_a_timeout_with_one_ahead_times_out_once_and_the_next_gets_its_whole_time(serve, mode):
    """The request ahead gets a fresh instance and its own deadline: the one before it spent its whole timeout."""
    served = serve(mode, "prints_id", args=["--timeout", "1"])
    events = [{"n": 0}, {"n": 1}, {"n": 2, "action": "sleep", "seconds": 3}, {"n": 3, "action": "sleep",
                                                                            "seconds": 0.6}, {"n": 4}]
    answers = pipelined(served, events)
    assert [a["ok"] for a in answers] == [True, True, False, True, True], answers
    assert answers[2]["error_type"] == "FunctionTimeout", answers[2]
    assert answers[3].result["n"] == 3 and answers[3].result["pid"] != answers[1].result["pid"]
    assert 500 <= answers[3]["duration_ms"] < 1000, answers[3]


@pytest.mark.parametrize("mode", ["stdio", "unix"])
def test_a_worker_ending_after_its_answer_runs_the_request_ahead_once_elsewhere(serve, mode):
    """The function closes the runtime's copy of the log pipe (fd 5) and returns: it is answered; its worker then
    cannot mark the start of the request handed ahead and ends before running it, so that request is not failed but
    runs once, on a fresh instance (which request was handed ahead first after it depends on the moment the server
    read it: the instance changes at some request after it, and only once)."""
    served = serve(mode, "prints_id")
    events = [{"n": n} for n in range(6)] + [{"n": 6, "action": "close_log"}] + [{"n": n} for n in range(7, 20)]
    answers = pipelined(served, events)
    assert all(a["ok"] for a in answers), [a for a in answers if not a["ok"]]
    assert [a.result["n"] for a in answers] == list(range(20))
    pids = [a.result["pid"] for a in answers]
    change = [n for n in range(1, 20) if pids[n] != pids[n - 1]]
    assert len(change) == 1 and change[0] > 6, pids


@pytest.mark.parametrize("mode", ["stdio", "unix"])
def test_output_larger_than_the_log_pipe_stays_with_its_invocation_when_pipelined(serve, mode):
    """A function printing 2 MB (32 times the log pipe's capacity, read while it runs) between quiet ones: the
    request handed ahead behind it starts only once it answered, and nothing of the flood reaches its log."""
    served = serve(mode, "serve_mix")
    events = [{"action": "count"}, {"action": "count"}, {"action": "flood", "mb": 2}] + [{"action": "count"}] * 5
    answers = pipelined(served, events)
    assert all(a["ok"] for a in answers), [a for a in answers if not a["ok"]]
    assert answers[2].result["flooded_mb"] == 2
    assert "flood-begin" in answers[2]["log"] and "flood-line" in answers[2]["log"]
    for answer in answers[:2] + answers[3:]:
        assert "flood" not in answer["log"] and MARKER.decode() not in answer["log"], answer["log"][:300]
    assert [a.result["count"] for a in answers] == list(range(1, 9))
