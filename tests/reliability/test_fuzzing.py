"""Issue 4, fuzzing through the images: the framed protocol (`--serve tcp:`) and the HTTP server (`--serve http:`)
of runtime:py27/py36/py37, reached through their published ports.

Each hypothesis example sends one abusive input (random bytes, random or truncated frames, lengths up to 2^32-1,
random HTTP heads and bodies), ends its side of the connection, and reads until the server closes: whatever came back
must be well-formed (whole frames of JSON with an error type; HTTP status lines), the server must not keep the
connection hanging, and a good invocation on a fresh connection must then succeed. Slow clients (a byte at a time)
must not stop the server from serving others meanwhile.
"""
import json
import os
import socket
import struct
import threading
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import rkit

pytestmark = pytest.mark.docker

#: Hypothesis examples per test and image (FNRUNTIME_FUZZ_EXAMPLES); derandomized, so a CI run is reproducible.
EXAMPLES = int(os.environ.get("FNRUNTIME_FUZZ_EXAMPLES", "100"))
#: How long the server may take to answer and close after the client has sent everything and shut its side.
CLOSE_WITHIN_S = 15.0
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HTTP_METHODS = ["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "BREW", ""]


#: Every image as it serves by default, and each again with --instances 4 (contract section 8).
SERVERS = [tag for tag in rkit.TAGS] + ["%s-x4" % tag for tag in rkit.TAGS]


@pytest.fixture(scope="module", params=SERVERS)
def servers(request, target_pool):
    """(framed TCP target, HTTP target) of one image, from the session's pool."""
    tag, _, instances = request.param.partition("-")
    suffix = "-" + instances if instances else ""
    return target_pool("image-%s-tcp%s" % (tag, suffix)), target_pool("image-%s-http%s" % (tag, suffix))


def send_and_drain(address, data, pause=0.0):
    """Send `data` (a byte at a time with `pause` when given), shut the write side, read until the server closes.
    Returns what came back; fails if the server keeps the connection open past CLOSE_WITHIN_S."""
    sock = socket.create_connection(address, timeout=CLOSE_WITHIN_S)
    try:
        try:
            if pause:
                for i in range(len(data)):
                    sock.sendall(data[i:i + 1])
                    time.sleep(pause)
            else:
                sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused early (e.g. a frame length it will not read) and closed: allowed
        chunks = []
        deadline = time.time() + CLOSE_WITHIN_S
        while True:
            sock.settimeout(max(0.1, deadline - time.time()))
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                raise AssertionError("the server kept the connection open %ss after the client finished; got %r"
                                     % (CLOSE_WITHIN_S, b"".join(chunks)[:300]))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        sock.close()


def parse_frames(data):
    """Split a byte stream into decoded frames; fails on a partial or non-JSON frame."""
    frames = []
    offset = 0
    while offset < len(data):
        assert len(data) - offset >= 4, "a partial frame header at the end: %r" % data[offset:][:50]
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        payload = data[offset + 4:offset + 4 + length]
        assert len(payload) == length, "a frame cut short: %d of %d bytes" % (len(payload), length)
        frame = json.loads(payload.decode("utf-8"))
        assert isinstance(frame, dict) and isinstance(frame.get("ok"), bool), frame
        if not frame["ok"]:
            assert frame.get("error_type") and isinstance(frame.get("error"), dict), frame
        frames.append(frame)
        offset += 4 + length
    return frames


def assert_still_serving(tcp, http):
    """A good invocation on a fresh connection of each server."""
    nonce = uuid.uuid4().hex[:12]
    with rkit.connect(tcp.container.address) as sock:
        sock.sendall(rkit.pack({"id": nonce, "event": {"nonce": nonce}}))
        frame = rkit.read_frame(sock.recv)
    assert frame["id"] == nonce and frame["ok"] and frame["result"]["nonce"] == nonce, frame
    status, _, body = http.request("POST", "/invoke", json.dumps({"nonce": nonce}).encode(), timeout=30)
    assert status == 200 and json.loads(body.decode())["nonce"] == nonce, (status, body[:300])


def frame(obj):
    return rkit.pack(obj)


# -- framed protocol ------------------------------------------------------------------------------------------------------

@FUZZ_SETTINGS
@given(data=st.binary(min_size=1, max_size=4096))
def test_random_bytes_on_the_framed_port(servers, data):
    tcp, http = servers
    parse_frames(send_and_drain(tcp.container.address, data))
    assert_still_serving(tcp, http)


@FUZZ_SETTINGS
@given(length=st.one_of(st.integers(0, 2 ** 32 - 1), st.sampled_from([2 ** 32 - 1, 2 ** 31, 9 * 2 ** 20 + 1,
                                                                      64 * 2 ** 20 + 1, 0])),
       tail=st.binary(max_size=512))
def test_any_frame_length_up_to_2_32(servers, length, tail):
    """A header with any 32-bit length, then fewer bytes than it announces (or garbage): an error frame or a clean
    close, never a hang; a length over the limit is refused without waiting for the body."""
    tcp, http = servers
    frames = parse_frames(send_and_drain(tcp.container.address, struct.pack(">I", length) + tail))
    assert all(not f["ok"] for f in frames) or length == len(tail), frames
    assert_still_serving(tcp, http)


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 63, 2 ** 63), st.floats(allow_nan=False),
                         st.text(max_size=30))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)), max_leaves=12)
REQUESTS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"id": JSON_VALUES}, optional={"event": JSON_VALUES, "event_b64": JSON_VALUES,
                                                         "invocation_type": JSON_VALUES, "context": JSON_VALUES,
                                                         "extra": JSON_VALUES}),
    st.fixed_dictionaries({"id": st.integers(0, 10 ** 6), "event": st.dictionaries(
        st.sampled_from(["nonce", "a", "b"]), JSON_SCALARS, max_size=3)}),
)


@FUZZ_SETTINGS
@given(requests=st.lists(REQUESTS, min_size=1, max_size=5))
def test_random_request_frames_get_one_answer_each(servers, requests):
    """Well-framed but arbitrary JSON: every frame gets exactly one response frame, in order, with its id when the
    id was usable."""
    tcp, http = servers
    data = b"".join(frame(r) for r in requests)
    frames = parse_frames(send_and_drain(tcp.container.address, data))
    assert len(frames) == len(requests), (requests, frames)
    for sent, got in zip(requests, frames):
        if isinstance(sent, dict) and isinstance(sent.get("id"), (str, int)) and not isinstance(sent["id"], bool):
            assert got.get("id") == sent["id"], (sent, got)
    assert_still_serving(tcp, http)


@FUZZ_SETTINGS
@given(cut=st.floats(0.0, 1.0, exclude_max=True), nonce=st.text(min_size=1, max_size=20))
def test_truncated_frames(servers, cut, nonce):
    tcp, http = servers
    whole = frame({"id": 1, "event": {"nonce": nonce}})
    data = whole[:int(len(whole) * cut)]
    frames = parse_frames(send_and_drain(tcp.container.address, data))
    assert len(frames) == (1 if data else 0) and all(not f["ok"] for f in frames), frames
    assert_still_serving(tcp, http)


def test_slow_framed_client_does_not_block_others(servers):
    """A request sent a byte at a time over ~2 s: meanwhile other clients are served; then it is answered too."""
    tcp, http = servers
    result = {}

    def slow():
        result["data"] = send_and_drain(tcp.container.address, frame({"id": "slow", "event": {"nonce": "slow"}}),
                                        pause=0.05)
    worker = threading.Thread(target=slow)
    worker.start()
    served = 0
    while worker.is_alive():
        assert_still_serving(tcp, http)
        served += 1
        time.sleep(0.05)
    worker.join()
    frames = parse_frames(result["data"])
    assert len(frames) == 1 and frames[0]["id"] == "slow" and frames[0]["ok"], frames
    assert served >= 5, "only %d invocations were served while the slow client was sending" % served


# -- HTTP -------------------------------------------------------------------------------------------------------------

def assert_http_answers(data):
    """Whatever came back is one or more HTTP/1.x responses (a status line first), or nothing (a clean close)."""
    if data:
        assert data.startswith(b"HTTP/1.1 ") and data[9:12].isdigit(), data[:200]
        assert int(data[9:12]) < 600, data[:200]


TOKENS = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)
HEADER_VALUES = st.one_of(st.text(max_size=40), st.sampled_from(["chunked", "-1", "18446744073709551616",
                                                                  str(2 ** 32 - 1), "100-continue", "\r\n"]))
HEADERS = st.lists(st.tuples(st.one_of(TOKENS, st.sampled_from(["Content-Length", "Transfer-Encoding", "Expect",
                                                                 "Host", "Connection"])), HEADER_VALUES),
                   max_size=6)


@st.composite
def http_requests(draw):
    method = draw(st.one_of(st.sampled_from(HTTP_METHODS), TOKENS))
    target = draw(st.one_of(st.sampled_from(["/invoke", "/", "*", "/invoke?x=1", "http://x/invoke"]), TOKENS))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", ""]))
    lines = ["%s %s %s" % (method, target, version)] + ["%s: %s" % h for h in draw(HEADERS)]
    head = "\r\n".join(lines).encode("utf-8", "surrogatepass") + b"\r\n\r\n"
    return head + draw(st.binary(max_size=300))


@FUZZ_SETTINGS
@given(data=st.binary(min_size=1, max_size=4096))
def test_random_bytes_on_the_http_port(servers, data):
    tcp, http = servers
    assert_http_answers(send_and_drain(http.container.address, data))
    assert_still_serving(tcp, http)


@FUZZ_SETTINGS
@given(data=http_requests(), cut=st.floats(0.0, 1.0))
def test_random_and_truncated_http_requests(servers, data, cut):
    tcp, http = servers
    assert_http_answers(send_and_drain(http.container.address, data[:int(len(data) * cut) or 1]))
    assert_still_serving(tcp, http)


@FUZZ_SETTINGS
@given(length=st.integers(0, 2 ** 32 - 1))
def test_any_content_length(servers, length):
    """A POST announcing any length with a short body: 413 over the limit, else an answer or a clean close."""
    tcp, http = servers
    data = ("POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{}" % length).encode()
    answer = send_and_drain(http.container.address, data)
    assert_http_answers(answer)
    if length > 6 * 1024 * 1024:
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert_still_serving(tcp, http)


def test_slow_http_client_does_not_block_others(servers):
    tcp, http = servers
    body = json.dumps({"nonce": "slow-http"}).encode()
    request = b"POST /invoke HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body), body)
    result = {}

    def slow():
        result["data"] = send_and_drain(http.container.address, request, pause=0.02)
    worker = threading.Thread(target=slow)
    worker.start()
    served = 0
    while worker.is_alive():
        assert_still_serving(tcp, http)
        served += 1
        time.sleep(0.05)
    worker.join()
    assert result["data"].startswith(b"HTTP/1.1 200 ") and b"slow-http" in result["data"], result["data"][:300]
    assert served >= 5, served
