"""JD Cloud's asynchronous event limit when serving (config.LIMITS: an Event invocation's event up to 128 KB, JD's
Restrictions page): an Event request over it is refused with PayloadTooLarge from the event's size (a frame's event as
compact JSON, an HTTP body's Content-Length) before the function runs, in the framed modes and over HTTP (413, as the
6 MB limit of the synchronous path); one at the limit runs; a synchronous one of the same size runs; the server keeps
serving. Other providers document no such limit: tencent runs the same event. The one-shot refusal is a usage error
(tests/bootstrap/test_bootstrap_provider_facts.py).
"""
import http.client
import json

import pytest

LIMIT = 128 * 1024
MESSAGE = ("the event is %d bytes, over the 128 KB (131072 bytes) limit of an asynchronous invocation on jdcloud; send "
           "a smaller event, or invoke synchronously (RequestResponse, up to 6 MB)")


def event_of(size):
    """A count event whose compact JSON is exactly `size` bytes."""
    event = {"action": "count", "pad": ""}
    event["pad"] = "x" * (size - len(json.dumps(event, separators=(",", ":"))))
    assert len(json.dumps(event, separators=(",", ":"))) == size
    return event


def post(served, event, kind):
    host, port = served.host_port
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        conn.request("POST", "/invoke", json.dumps(event, separators=(",", ":")).encode(),
                     {"X-Invocation-Type": kind, "Content-Type": "application/json"})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def count_after(served, mode):
    """The module's counter after one more (synchronous) count: how many invocations ran."""
    if mode == "http":
        response, body = post(served, {"action": "count"}, "RequestResponse")
        assert response.status == 200, body
        return json.loads(body)["count"]
    response = served.client().invoke({"action": "count"}, invocation_type="RequestResponse")
    assert response["ok"], response
    return response["result"]["count"]


@pytest.mark.parametrize("mode", ["stdio", "unix", "http"])
def test_a_jd_async_event_over_128_kb_is_refused_and_the_server_keeps_serving(serve, mode):
    served = serve(mode, "serve_mix", args=["--provider", "jdcloud", "--invocation-type", "Event"])
    over, at = event_of(LIMIT + 1), event_of(LIMIT)
    for _ in range(3):
        if mode == "http":
            response, body = post(served, over, "Event")
            assert response.status == 413 and response.getheader("X-Function-Error-Type") == "PayloadTooLarge", body
            answer = json.loads(body)
        else:
            response = served.client().invoke(over)  # the server's --invocation-type Event
            assert not response["ok"] and response["error_type"] == "PayloadTooLarge", response
            answer = response["error"]
        assert answer["error_type"] == "PayloadTooLarge" and answer["error_message"] == MESSAGE % (LIMIT + 1), answer
    if mode == "http":
        assert post(served, at, "Event")[0].status == 202
        assert post(served, over, "RequestResponse")[0].status == 200  # the synchronous limit is 6 MB
    else:
        assert served.client().invoke(at)["ok"]
        assert served.client().invoke(over, invocation_type="RequestResponse")["ok"]
    assert count_after(served, mode) == 3, "only the event at the limit, the synchronous one and the count ran"


def test_other_providers_have_no_async_limit(serve):
    served = serve("stdio", "serve_mix", args=["--provider", "tencent", "--invocation-type", "Event"])
    assert served.client().invoke(event_of(LIMIT * 2))["ok"]


def test_a_frame_asking_for_event_is_held_to_the_limit_on_a_synchronous_server(serve):
    served = serve("stdio", "serve_mix", args=["--provider", "jdcloud"])
    response = served.client().invoke(event_of(LIMIT + 1), invocation_type="Event")
    assert not response["ok"] and response["error"]["error_message"] == MESSAGE % (LIMIT + 1), response
    assert served.client().invoke(event_of(LIMIT + 1))["ok"]
