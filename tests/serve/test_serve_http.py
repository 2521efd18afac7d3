"""Contract section 6 (`--serve http:HOST:PORT`, `POST /invoke`) on the real 2.7, 3.6 and 3.7 interpreters.

The body is the event and the response body the result; request id and error type in headers; function errors
told apart by status; keep-alive without a Nagle stall; warm state; failures answered and followed by a cold worker;
many clients at once; malformed or oversized requests answered with a 4xx while the server goes on; graceful SIGTERM.
"""
import base64
import ctypes
import http.client
import json
import os
import signal
import socket
import threading
import time

import pytest

import servekit
from servekit import HttpReader

PIDFD_GETFD = 438  # the syscall's number on x86-64 and arm64 alike


def connection(served, timeout=120):
    host, port = served.host_port
    return http.client.HTTPConnection(host, port, timeout=timeout)


def post(conn, body, headers=None, path="/invoke"):
    conn.request("POST", path, body=body if isinstance(body, bytes) else json.dumps(body).encode(),
                 headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def accepted_socket_of(pid, server_port, client_port):
    """A duplicate of the server's socket for the connection from `client_port` (pidfd_getfd, Linux 5.6+; the test
    process may trace the server, which it started)."""
    inode = None
    for table in ("/proc/%d/net/tcp" % pid, "/proc/%d/net/tcp6" % pid):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
                if int(local, 16) == server_port and int(remote, 16) == client_port:
                    inode = fields[9]
    assert inode, "no server socket for the connection from port %d" % client_port
    fds = [fd for fd in os.listdir("/proc/%d/fd" % pid)
           if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "socket:[%s]" % inode]
    assert fds, "no descriptor of process %d holds socket %s" % (pid, inode)
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        fd = libc.syscall(PIDFD_GETFD, pidfd, int(fds[0]), 0)
        if fd < 0:
            pytest.fail("pidfd_getfd failed: %s" % os.strerror(ctypes.get_errno()))
    finally:
        os.close(pidfd)
    return socket.socket(fileno=fd)


def test_thousand_keep_alive_requests_on_one_connection(serve):
    served = serve("http", "counter")
    conn = connection(served)
    request_ids = set()
    for n in range(1, 1001):
        response, body = post(conn, {"n": n})
        if n == 1:
            sock = conn.sock
        assert conn.sock is sock, "the server closed a keep-alive connection after %d requests" % n
        assert response.status == 200, (response.status, body)
        assert response.getheader("Content-Type") == "application/json"
        assert json.loads(body)["count"] == n
        assert (response.getheader("X-Function-Init-Duration-Ms") is not None) == (n == 1)
        assert response.getheader("X-Function-Error-Type") is None
        request_ids.add(response.getheader("X-Request-Id"))
    assert len(request_ids) == 1000


def test_keep_alive_has_no_nagle_stall_tcp_nodelay_on_every_connection(serve):
    """No Nagle/delayed-ACK stall (about 40 ms a request) on keep-alive: the server's own socket of each accepted
    connection has TCP_NODELAY, read from the server process itself. (How fast keep-alive is, is bench/'s figure.)"""
    served = serve("http", "counter")
    host, port = served.host_port
    for _ in range(2):
        conn = connection(served)
        assert post(conn, {})[0].status == 200
        server_side = accepted_socket_of(served.process.pid, port, conn.sock.getsockname()[1])
        try:
            assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0, \
                "the server's socket of a keep-alive connection lacks TCP_NODELAY: every response waits for an ACK"
        finally:
            server_side.close()
        conn.close()


def test_function_errors_have_their_status_and_headers_and_the_next_request_is_served(serve):
    served = serve("http", "serve_mix", args=["--timeout", "2", "--memory", "128"])
    conn = connection(served)

    def good(count, cold):
        response, body = post(conn, {"action": "count"})
        assert response.status == 200 and json.loads(body)["count"] == count, (response.status, body)
        assert (response.getheader("X-Function-Init-Duration-Ms") is not None) == cold

    good(1, cold=True)
    for action, error_type, text in (("crash", "ProcessExited", "exit status 3"),
                                     ("sleep", "FunctionTimeout", "timed out after 2 seconds"),
                                     ("oom", "OutOfMemory", "128 MB")):
        response, body = post(conn, {"action": action})
        assert response.status == 500, (action, response.status, body)
        assert response.getheader("X-Function-Error-Type") == error_type
        error = json.loads(body)  # the provider's (tencent) error body
        assert error["errorMessage"].find(text) >= 0 and error["requestId"] == response.getheader("X-Request-Id")
        good(1, cold=True)
    response, body = post(conn, {"action": "raise"})
    assert response.status == 500 and response.getheader("X-Function-Error-Type") == "UnhandledError"
    assert json.loads(body)["statusCode"] == 430
    good(2, cold=False)


def test_bad_events_and_invocation_types(serve):
    served = serve("http", "serve_mix")
    conn = connection(served)
    response, body = post(conn, b"not json")
    assert response.status == 400 and response.getheader("X-Function-Error-Type") == "InvalidEvent", body
    response, body = post(conn, b"[1, 2]")
    assert response.status == 400 and "must be a JSON object" in json.loads(body)["errorMessage"]
    response, body = post(conn, b"")  # no event: {} as on the command line
    assert response.status == 200 and json.loads(body)["count"] == 1
    response, body = post(conn, {"action": "count"}, {"X-Invocation-Type": "Event"})
    assert response.status == 202 and body == b""
    response, body = post(conn, {}, {"X-Invocation-Type": "Later"})
    assert response.status == 400 and "x-invocation-type must be one of" in json.loads(body)["errorMessage"]
    response, body = post(conn, {"action": "echo", "k": "v"}, {"X-Log-Type": "Tail"})
    assert response.status == 200 and json.loads(body) == {"action": "echo", "k": "v"}
    tail = base64.b64decode(response.getheader("X-Log-Result")).decode()
    assert "END RequestId:%s" % response.getheader("X-Request-Id") in tail


def test_routes_without_api_gateway(serve):
    served = serve("http", "counter")
    conn = connection(served)
    conn.request("GET", "/invoke")
    response = conn.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "POST" and response.read()
    conn.request("GET", "/somewhere")
    response = conn.getresponse()
    assert response.status == 404 and b"--api-gateway" in response.read()
    response, body = post(conn, {})
    assert response.status == 200


def test_aliyun_gets_raw_bodies_and_fc_headers(serve):
    served = serve("http", "serve_mix", args=["--provider", "aliyun"], handler="index.handler")
    conn = connection(served)
    response, body = post(conn, {"action": "echo", "x": 1})
    assert response.status == 200
    assert json.loads(body) == {"action": "echo", "x": 1}  # aliyun serialises dicts as indented JSON
    assert response.getheader("X-Fc-Request-Id") == response.getheader("X-Request-Id")
    response, body = post(conn, {"action": "raise"})
    assert response.status == 500 and response.getheader("X-Fc-Error-Type") == "UnhandledInvocationError"
    assert json.loads(body)["errorType"] == "ValueError"


def test_writes_to_fd1_and_a_50mb_log_flood(serve):
    served = serve("http", "serve_mix", args=["--timeout", "120"])
    conn = connection(served)
    response, body = post(conn, {"action": "flood", "mb": 50}, {"X-Log-Type": "Tail"})
    assert response.status == 200 and json.loads(body) == {"flooded_mb": 50, "count": 1}, body[:300]
    tail = base64.b64decode(response.getheader("X-Log-Result")).decode()
    assert "bytes of log dropped" in tail
    response, body = post(conn, {"action": "count"})
    assert response.status == 200 and json.loads(body)["count"] == 2


def test_twenty_concurrent_http_clients(serve):
    served = serve("http", "counter")
    counts, failures = [], []
    lock = threading.Lock()

    def work(number):
        try:
            conn = connection(served)
            for _ in range(50):
                response, body = post(conn, {})
                assert response.status == 200, (response.status, body)
                with lock:
                    counts.append(json.loads(body)["count"])
            conn.close()
        except Exception as exc:
            failures.append("client %d: %r" % (number, exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    print("http: 20 clients x 50 requests in %.2fs" % (time.time() - started))
    assert not failures, failures
    assert sorted(counts) == list(range(1, 1001))


def test_http_details_continue_chunked_pipelining_http10_head(serve):
    served = serve("http", "serve_mix")
    sock = served.raw_socket()
    reader = HttpReader(sock)
    body = json.dumps({"action": "echo", "via": "continue"}).encode()
    sock.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body))
    interim = reader.response(head_only=True)
    assert interim.status == 100, interim
    sock.sendall(body)
    final = reader.response()
    assert final.status == 200 and json.loads(final.body)["via"] == "continue", final

    chunks = b'{"action": "echo", "via": "chunked"}'
    sock.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + b"".join(b"%x\r\n%s\r\n" % (len(chunks[i:i + 7]), chunks[i:i + 7]) for i in range(0, len(chunks), 7))
                 + b"0\r\n\r\n")
    response = reader.response()
    assert response.status == 200 and json.loads(response.body)["via"] == "chunked", response

    pipelined = b"".join(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (
        len(b), b) for b in (b'{"action": "echo", "n": 1}', b'{"action": "echo", "n": 2}', b'{"action": "echo", "n": 3}'))
    sock.sendall(pipelined)
    assert [json.loads(reader.response().body)["n"] for _ in range(3)] == [1, 2, 3]

    sock.sendall(b"HEAD /invoke HTTP/1.1\r\nHost: x\r\n\r\n")
    response = reader.response(head_only=True)
    assert response.status == 405
    sock.sendall(b"POST /invoke HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")
    response = reader.response()
    assert response.status == 200 and response.header("connection") == "close"
    assert servekit.closed_by_peer(sock)
    sock.close()


def test_byte_at_a_time_request(serve):
    served = serve("http", "serve_mix")
    sock = served.raw_socket()
    body = b'{"action": "echo", "slow": true}'
    data = b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    for index in range(len(data)):
        sock.sendall(data[index:index + 1])
        time.sleep(0.001)
    response = HttpReader(sock).response()
    assert response.status == 200 and json.loads(response.body)["slow"] is True
    sock.close()


@pytest.mark.parametrize("request_bytes, status, text", [
    (b"GARBAGE\r\n\r\n", 400, b"malformed request line"),
    (b"GET /x HTTP/2.0\r\n\r\n", 505, b"not supported"),
    (b"GET nopath HTTP/1.1\r\n\r\n", 400, b"malformed request target"),
    (b"POST /invoke HTTP/1.1\r\nNo colon here\r\n\r\n", 400, b"malformed header line"),
    (b"POST /invoke HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", 400, b"line folding"),
    (b"POST /invoke HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400, b"malformed Content-Length"),
    (b"POST /invoke HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, b"malformed Content-Length"),
    (b"POST /invoke HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, b"both"),
    (b"POST /invoke HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, b"not supported"),
    (b"POST /invoke HTTP/1.1\r\nExpect: magic\r\n\r\n", 417, b"not supported"),
    (b"POST /invoke HTTP/1.1\r\nContent-Length: 7340032\r\n\r\n", 413, b"payload limit"),
    (b"POST /invoke HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, b"bad chunk size"),
    (b"GET / HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", 431, b"header lines"),
    (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", 431, b"over 65536 bytes"),
    # many lines with blanks before their value, then a bad one: answered at once, not tried in exponentially many
    # ways by the one expression that reads a usual head (httpwire.USUAL_HEAD)
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-A%d:   x  \r\n" % i for i in range(99)) + b"X-Bad: \x01\r\n\r\n", 400,
     b"control characters"),
])
def test_malformed_requests_get_4xx_and_the_server_goes_on(serve, request_bytes, status, text):
    served = serve("http", "counter")
    sock = served.raw_socket()
    sock.sendall(request_bytes)
    response = HttpReader(sock).response()
    assert response.status == status and text in response.body, response
    assert response.header("connection") == "close"
    assert servekit.closed_by_peer(sock)
    sock.close()
    conn = connection(served)
    assert post(conn, {})[0].status == 200


def test_oversized_body_is_refused_before_it_is_read(serve):
    served = serve("http", "counter")
    conn = connection(served)
    big = b"x" * (6 * 1024 * 1024 + 1)
    try:
        response, body = post(conn, big)
    except (BrokenPipeError, ConnectionResetError):
        pytest.fail("the server reset the connection instead of answering 413")
    assert response.status == 413 and b"payload limit" in body
    response, body = post(connection(served), b"{}")
    assert response.status == 200


def test_sigterm_finishes_the_request_in_flight(serve, tmp_path):
    """SIGTERM while the handler is known to run (it has written its marker) and still running (it waits for the
    release file, created only after the signal): that request is answered 200, then the server exits 0."""
    served = serve("http", "serve_mix", args=["--timeout", "30"])
    conn = connection(served)
    event, marker, release = servekit.hold_event(tmp_path, "in-flight")
    result = {}

    def slow():
        result["response"] = post(conn, event)

    thread = threading.Thread(target=slow)
    thread.start()
    servekit.wait_for_path(marker, served)
    served.process.send_signal(signal.SIGTERM)
    servekit.release(release)
    thread.join(30)
    response, body = result["response"]
    assert response.status == 200, (response.status, body)
    assert json.loads(body)["count"] == 1 and json.loads(body)["released"] is True, body
    assert served.process.wait(30) == 0, served.stderr()
