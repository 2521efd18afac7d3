"""Serve-mode containers (`--serve tcp:0.0.0.0:9000`) of each per-version image, started by pytest-docker.

Framed protocol of contract section 5 through a published port: one response per request with the same id, warm
state kept between invocations, function errors answered and survived, a malformed frame answered with an error frame.
"""
import base64
import json
import socket
import uuid

import pytest

from containerkit import PYTHON, TAGS, invoke_framed, read_frame, send_frame, send_raw_frame

pytestmark = pytest.mark.docker



def _result(response):
    """The function's return value from a success frame (`result` as JSON value or JSON text, or `result_b64`)."""
    if "result_b64" in response:
        return json.loads(base64.b64decode(response["result_b64"]).decode("utf-8"))
    result = response["result"]
    return json.loads(result) if isinstance(result, str) else result


@pytest.mark.parametrize("tag", TAGS)
def test_served_invocations_answer_with_matching_ids(served, tag):
    with socket.create_connection(served[tag], timeout=30) as sock:
        for request_id in (7, "req-eight", 9):
            event = {"seq": str(request_id)}
            send_frame(sock, {"id": request_id, "event": event})
            response = read_frame(sock)
            assert response["id"] == request_id, response
            assert response["ok"] is True, response
            result = _result(response)
            assert result["event"] == event
            assert result["python"] == PYTHON[tag]
            assert "container-suite handler: action=echo" in response["log"], response
            assert response["request_id"] in response["log"], response


@pytest.mark.parametrize("tag", TAGS)
def test_warm_container_keeps_module_state(served, tag):
    first = invoke_framed(served[tag], {"id": 1, "event": {}})
    second = invoke_framed(served[tag], {"id": 2, "event": {}})
    assert first["ok"] and second["ok"], (first, second)
    assert _result(second)["count"] == _result(first)["count"] + 1
    assert second.get("init_duration_ms") is None, "a warm invocation reported a cold start: %r" % second
    assert second["request_id"] != first["request_id"]


@pytest.mark.parametrize("tag", TAGS)
def test_warm_container_keeps_tmp(served, tag):
    """A file written to /tmp by one invocation is there for the next (the image's writable /tmp, uid 1000)."""
    name = "warm-%s" % uuid.uuid4().hex
    first = invoke_framed(served[tag], {"id": 1, "event": {"keep": name, "write": "left by the first"}})
    second = invoke_framed(served[tag], {"id": 2, "event": {"keep": name, "write": "left by the second"}})
    third = invoke_framed(served[tag], {"id": 3, "event": {"keep": name}})
    assert first["ok"] and second["ok"] and third["ok"], (first, second, third)
    assert [_result(r)["kept"] for r in (first, second, third)] == [None, "left by the first", "left by the second"]


@pytest.mark.parametrize("tag", TAGS)
def test_function_error_is_answered_and_the_next_invocation_served(served, tag):
    failed = invoke_framed(served[tag], {"id": "boom", "event": {"action": "fail"}})
    assert failed["id"] == "boom"
    assert failed["ok"] is False, failed
    assert failed["error_type"] == "UnhandledError", failed
    assert "ValueError: container-suite was asked to fail" in failed["log"], failed
    after = invoke_framed(served[tag], {"id": "after", "event": {}})
    assert after["id"] == "after" and after["ok"] is True, after


@pytest.mark.parametrize("tag", TAGS)
def test_malformed_frame_gets_an_error_frame_and_the_connection_keeps_serving(served, tag):
    with socket.create_connection(served[tag], timeout=30) as sock:
        send_raw_frame(sock, b"{this is not json")
        error = read_frame(sock)
        assert error["ok"] is False, error
        assert error.get("error_type") == "InvalidRequest", error
        send_frame(sock, {"id": 42, "event": {}})
        response = read_frame(sock)
        assert response["id"] == 42 and response["ok"] is True, response
