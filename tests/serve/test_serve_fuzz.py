"""Property-based malformed input (hypothesis) against live servers on the real 2.7, 3.6 and 3.7 interpreters.

Framed modes: every malformed frame gets an InvalidRequest error frame carrying the request's id when it had a usable
one, and the same connection then serves a valid request; valid frames cut at arbitrary points are all answered.
HTTP: a malformed request head gets a 4xx and the server goes on serving.
"""
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import servekit
from servekit import FRAMED_MODES, HttpReader, error_message

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])
FIELDS = ("id", "event", "event_b64", "invocation_type", "context")

scalars = st.none() | st.booleans() | st.integers(-2 ** 53, 2 ** 53) | st.floats(allow_nan=False,
                                                                                   allow_infinity=False) | st.text(max_size=12)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=6), inner, max_size=3), max_leaves=6)
good_ids = st.integers(-2 ** 53, 2 ** 53) | st.text(max_size=16)
bad_ids = st.none() | st.booleans() | st.lists(st.integers(), max_size=2) | st.dictionaries(
    st.text(max_size=3), st.integers(), max_size=2)
not_base64 = st.text(min_size=1, max_size=20).filter(lambda t: len(t) % 4 or any(
    c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=" for c in t))


def is_json_object(data):
    try:
        return isinstance(json.loads(data.decode("utf-8")), dict)
    except ValueError:
        return False


@st.composite
def malformed_frames(draw):
    """(payload bytes, the id the error frame must carry or None, what the message must mention)."""
    kind = draw(st.sampled_from(["bytes", "not_utf8", "not_object", "cut_json", "missing_id", "bad_id", "no_event",
                                 "both_events", "bad_base64", "unknown_field", "bad_invocation_type",
                                 "bad_context"]))
    frame_id = draw(good_ids)
    event = draw(json_values)
    if kind == "bytes":
        data = draw(st.binary(max_size=64).filter(lambda b: not is_json_object(b)))
        return data, None, ""
    if kind == "not_utf8":
        text = json.dumps({"id": frame_id, "event": draw(st.text(max_size=8))}).encode("utf-8")
        cut = draw(st.integers(0, len(text)))
        return text[:cut] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])) + text[cut:], None, "UTF-8"
    if kind == "not_object":
        value = draw(json_values.filter(lambda v: not isinstance(v, dict)))
        return json.dumps(value).encode(), None, "JSON object"
    if kind == "cut_json":
        text = json.dumps({"id": frame_id, "event": event}).encode()
        return text[:draw(st.integers(0, len(text) - 1))], None, ""
    if kind == "missing_id":
        return json.dumps({"event": event}).encode(), None, '"id"'
    if kind == "bad_id":
        return json.dumps({"id": draw(bad_ids), "event": event}).encode(), None, '"id"'
    request = {"id": frame_id}
    if kind == "no_event":
        return json.dumps(request).encode(), frame_id, "event"
    if kind == "both_events":
        request.update(event=event, event_b64="")
        return json.dumps(request).encode(), frame_id, "exactly one"
    if kind == "bad_base64":
        request["event_b64"] = draw(not_base64 | st.integers() | st.lists(st.integers(), max_size=2))
        return json.dumps(request).encode(), frame_id, "event_b64"
    request["event"] = event
    if kind == "unknown_field":
        request[draw(st.text(min_size=1, max_size=8).filter(lambda k: k not in FIELDS))] = draw(json_values)
        return json.dumps(request).encode(), frame_id, "unknown field"
    if kind == "bad_invocation_type":
        request["invocation_type"] = draw(json_values.filter(lambda v: v not in ("RequestResponse", "Event", None)))
        return json.dumps(request).encode(), frame_id, "invocation_type"
    request["context"] = draw(json_values.filter(lambda v: v is not None and not isinstance(v, dict)))
    return json.dumps(request).encode(), frame_id, "context"


@pytest.fixture(params=(1, 4), ids=("instances1", "instances4"))
def serve(request, serve):
    """The suite's servers with --instances 1 (the default) and --instances 4 (contract section 8: the same promises
    hold when requests may run on several instances)."""
    def start(mode, function="serve_mix", args=(), **options):
        return serve(mode, function, list(args) + ["--instances", str(request.param)], **options)
    return start


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_malformed_frames_get_error_frames_and_the_connection_goes_on(serve, mode):
    served = serve(mode, "counter")
    client = served.client() if mode == "stdio" else None
    seen = {}

    @SETTINGS
    @given(case=malformed_frames())
    def check(case):
        payload, expected_id, mentions = case
        connection = client or served.client(timeout=30)
        try:
            connection.send_payload(payload)
            connection.send({"id": "after", "event": {}})
            error = connection.receive()
            assert error["ok"] is False and error["error_type"] == "InvalidRequest", error
            assert error["id"] == expected_id, (payload, error)
            assert mentions in error_message(error), (payload, error_message(error))
            after = connection.receive()
            # counted by the instance that ran it (with several, the pipelined pair may run on two at once)
            seen[after["instance"]] = seen.get(after["instance"], 0) + 1
            assert after["id"] == "after" and after.ok and after.result["count"] == seen[after["instance"]], after
        finally:
            if client is None:
                connection.close()

    check()
    assert served.alive()


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_valid_frames_split_anywhere_are_all_answered(serve, mode):
    served = serve(mode, "counter")
    client = served.client() if mode == "stdio" else None

    @SETTINGS
    @given(cuts=st.lists(st.integers(0, 200), max_size=12), count=st.integers(1, 4))
    def check(cuts, count):
        connection = client or served.client(timeout=30)
        try:
            data = b"".join(servekit.frame({"id": "p%d" % i, "event": {"i": i}}) for i in range(count))
            points = sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]
            start = 0
            for point in points:
                if point > start:
                    connection.sendall(data[start:point])
                    start = point
                    time.sleep(0.001)
            ids = [connection.receive()["id"] for _ in range(count)]
            assert ids == ["p%d" % i for i in range(count)]
        finally:
            if client is None:
                connection.close()

    check()


TOKEN_CHARS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"))
tokens = st.text(TOKEN_CHARS, min_size=1, max_size=10)


@st.composite
def malformed_heads(draw):
    """(request bytes, acceptable statuses) for request heads that are wrong by construction."""
    kind = draw(st.sampled_from(["line_parts", "version", "target", "header_no_colon", "header_space_name",
                                 "folding", "control_char", "length", "te", "te_and_length", "expect", "garbage"]))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    target = "/" + draw(tokens)
    headers = ["Host: local"] + ["%s: %s" % (draw(tokens), draw(tokens)) for _ in range(draw(st.integers(0, 3)))]
    line = "%s %s HTTP/1.1" % (method, target)
    statuses = (400,)
    if kind == "line_parts":
        line = draw(st.sampled_from(["%s %s" % (method, target), "%s  %s HTTP/1.1" % (method, target),
                                     "%s %s HTTP/1.1 extra" % (method, target), method]))
    elif kind == "version":
        line = "%s %s %s" % (method, target, draw(st.sampled_from(["HTTP/2.0", "HTTP/0.9", "HTTP/3", "HTTX/1.1",
                                                                  "http/1.1", "HTTP/1.1.1"])))
        statuses = (400, 505)
    elif kind == "target":
        line = "%s %s HTTP/1.1" % (method, draw(tokens))
    elif kind == "header_no_colon":
        headers.append(draw(tokens))
    elif kind == "header_space_name":
        headers.append("%s %s: v" % (draw(tokens), draw(tokens)))
    elif kind == "folding":
        headers.append(draw(st.sampled_from([" ", "\t"])) + draw(tokens))
    elif kind == "control_char":
        headers.append("X-Ctl: a%sb" % draw(st.sampled_from(["\x00", "\x01", "\x1b", "\x7f"])))
    elif kind == "length":
        headers.append("Content-Length: %s" % draw(st.sampled_from(["-1", "ten", "1.5", "0x10", "1 2", "99999999999999999999"])))
        statuses = (400, 413)
    elif kind == "te":
        headers.append("Transfer-Encoding: %s" % draw(st.sampled_from(["gzip", "chunked, gzip", "identity", "x"])))
        statuses = (501,)
    elif kind == "te_and_length":
        headers += ["Transfer-Encoding: chunked", "Content-Length: 3"]
    elif kind == "expect":
        headers.append("Expect: %s" % draw(tokens.filter(lambda t: t.lower() != "100-continue")))
        statuses = (417,)
    elif kind == "garbage":
        junk = draw(st.binary(min_size=1, max_size=40).filter(lambda b: b" " not in b and b"\n" not in b))
        return junk + b"\r\n\r\n", (400,)
    return ("\r\n".join([line] + headers) + "\r\n\r\n").encode("latin-1"), statuses


def test_malformed_http_requests_get_4xx_and_the_server_goes_on(serve):
    served = serve("http", "counter")

    @SETTINGS
    @given(case=malformed_heads())
    def check(case):
        data, statuses = case
        sock = served.raw_socket()
        try:
            sock.sendall(data)
            response = HttpReader(sock).response()
            assert response.status in statuses, (data, response)
            assert response.header("connection") == "close"
        finally:
            sock.close()
        sock = served.raw_socket()
        try:
            body = b"{}"
            sock.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n" + body)
            assert HttpReader(sock).response().status == 200
        finally:
            sock.close()

    check()
    assert served.alive()


def test_random_bytes_on_http_get_at_most_one_answer_each(serve):
    """Anything at all: the server answers with well-formed HTTP (or closes) and keeps serving."""
    served = serve("http", "counter")

    @SETTINGS
    @given(data=st.binary(min_size=1, max_size=200))
    def check(data):
        sock = served.raw_socket(timeout=10)
        try:
            sock.sendall(data + b"\r\n\r\n")
            sock.shutdown(1)
            received = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
            if received:
                assert received.startswith(b"HTTP/1.1 "), received[:200]
        finally:
            sock.close()
        assert served.alive()

    check()
    sock = served.raw_socket()
    sock.sendall(b"POST /invoke HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    assert HttpReader(sock).response().status == 200
    sock.close()
