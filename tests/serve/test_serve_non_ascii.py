"""Issue 18 item 1 in the warm modes: a non-ASCII error message or source line is answered with its error body over
the framed protocol and HTTP, on every interpreter, and the worker goes on serving (no ProcessExited)."""
import http.client
import json

import pytest

import servekit

MESSAGE = u"\u4e2d\u6587\u9519\u8bef"
COMMENT = u"\u4e2d\u6587\u6ce8\u91ca"


@pytest.mark.parametrize("provider", ["tencent", "aliyun", "jdcloud"])
def test_framed_answers_non_ascii_errors_and_keeps_serving(serve, provider):
    served = serve("stdio", "non_ascii_errors", args=["--provider", provider], handler="index.raises_unicode")
    client = served.client()
    for _ in range(3):  # the same warm worker answers each time
        response = client.invoke({})
        assert not response.ok and response["error_type"] == "UnhandledError", response
        body = response["error"]
        text = body["stackTrace"] if provider == "tencent" else servekit.error_message(response)
        assert MESSAGE in text, response
    assert "ProcessExited" not in served.stderr()


def test_http_answers_a_non_ascii_comment_line(serve):
    served = serve("http", "non_ascii_errors", args=["--provider", "aliyun"], handler="index.raises_with_comment")
    host, port = served.host_port
    conn = http.client.HTTPConnection(host, port, timeout=60)
    for _ in range(2):
        conn.request("POST", "/invoke", body=b"{}")
        response = conn.getresponse()
        body = json.loads(response.read().decode("utf-8"))
        assert response.getheader("X-Function-Error-Type") == "UnhandledError", body
        assert body["errorType"] == "ValueError", body
        assert body["stackTrace"][-1][3] == u"raise ValueError('plain')  # " + COMMENT, body


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
def test_http_answers_a_non_ascii_message(serve, provider):
    served = serve("http", "non_ascii_errors", args=["--provider", provider], handler="index.raises_unicode")
    host, port = served.host_port
    conn = http.client.HTTPConnection(host, port, timeout=60)
    for _ in range(2):
        conn.request("POST", "/invoke", body=b"{}")
        response = conn.getresponse()
        body = json.loads(response.read().decode("utf-8"))
        assert response.getheader("X-Function-Error-Type") == "UnhandledError", body
        text = body["stackTrace"] if provider == "tencent" else body["error_message"]
        assert MESSAGE in text, body
