"""Issue 18 item 11: FC HTTP functions (`--provider aliyun --function-type http`), handler(environ, start_response),
served by `--serve http` for every request as FC serves an HTTP trigger, on the real 2.7, 3.6 and 3.7 interpreters:
FC's environ keys (fc.context, fc.request_uri, its server keys, multi-valued headers joined), the application's status,
headers (repeated ones kept) and body iterable, the initializer once per instance, function errors as FC's 502; FC's
own sample shapes (tests/functions/fc_http) and a Flask app as FC users write it, in a headless browser."""
import http.client
import json

import pytest

from test_serve_browser import browser  # noqa: F401 (the fixture)

HTTP_FUNCTION = ["--provider", "aliyun", "--function-type", "http"]


def connection(served):
    host, port = served.host_port
    return http.client.HTTPConnection(host, port, timeout=60)


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def test_every_request_reaches_the_function_with_fcs_environ(serve, python):
    served = serve("http", "fc_http", args=HTTP_FUNCTION + ["--initializer", "index.initializer"],
                   handler="index.echo")
    conn = connection(served)
    for path in ("/invoke", "/some/where?x=1&y=%C3%A9"):
        response, body = request(conn, "POST", path, b'{"a": 1}',
                                 {"Content-Type": "application/json", "X-Custom": "v1"})
        assert response.status == 200, body
        seen = json.loads(body)
        assert seen["fc.request_uri"] == path and seen["REQUEST_METHOD"] == "POST", seen
        assert seen["PATH_INFO"] == path.split("?")[0] and seen["QUERY_STRING"] == (path.split("?") + [""])[1], seen
        assert seen["CONTENT_TYPE"] == "application/json" and seen["CONTENT_LENGTH"] == "8", seen
        assert seen["body"] == '{"a": 1}' and seen["body_type"] == ("str" if python.major == 2 else "bytes"), seen
        assert seen["HTTP_X_CUSTOM"] == "v1" and seen["HTTP_X_FC_FUNCTION_HANDLER"] == "index.echo", seen
        assert (seen["SERVER_NAME"], seen["SERVER_PORT"], seen["SERVER_SOFTWARE"]) == (
            "FCRUNTIME", "9000", "FCRUNTIME/1.0"), seen
        assert seen["REMOTE_ADDR"] == "127.0.0.1" and seen["context_type"] == "FCContext", seen
        assert seen["context_request_id"] == response.getheader("X-Fc-Request-Id"), seen
        assert seen["init_request_id"] and seen["init_request_id"] != seen["context_request_id"], seen
    assert served.stderr().count("FC Initialize Start RequestId") == 1, served.stderr()


def test_template_shape_with_initializer(serve):
    served = serve("http", "fc_http", args=HTTP_FUNCTION + ["--initializer", "index.initializer"],
                   handler="index.hello")
    conn = connection(served)
    for _ in range(2):
        response, body = request(conn, "GET", "/hello?name=x", headers={"X-Trace": "t"})
        assert (response.status, body) == (200, b"Hello world!\n"), body
        assert response.getheader("Content-type") == "text/plain"
        assert response.getheader("X-Init-Calls") == "1", "the initializer runs once per instance"
        assert response.getheader("X-Seen-Uri") == "/hello?name=x"
        assert "HTTP_X_TRACE" in response.getheader("X-Custom-Headers")


def test_status_repeated_headers_write_and_generator(serve):
    served = serve("http", "fc_http", args=HTTP_FUNCTION, handler="index.streamed")
    response, body = request(connection(served), "GET", "/missing")
    assert response.status == 404, body
    assert body == u"first second \u7b2c\u4e09".encode("utf-8"), body
    assert response.msg.get_all("Set-Cookie") == ["a=1", "b=2"], response.msg.items()


def test_a_file_writing_function_and_its_log(serve, tmp_path):
    served = serve("http", "fc_http", args=HTTP_FUNCTION, handler="index.writes_file",
                   env={"ROOT_DIR": str(tmp_path)})
    response, body = request(connection(served), "GET", "/")
    assert response.status == 200 and json.loads(body)["message"] == "write success", body
    assert (tmp_path / "test_http.txt").read_text() == "written over http"
    assert "[INFO] uid : " in served.stderr() and "wrote " in served.stderr()


@pytest.mark.parametrize("function, error_type", [("raises", "ValueError"), ("no_start_response",
                                                                             "HttpFunctionError")])
def test_function_errors_are_fcs_502_and_the_next_request_is_served(serve, function, error_type):
    served = serve("http", "fc_http", args=HTTP_FUNCTION, handler="index." + function)
    conn = connection(served)
    for _ in range(2):
        response, body = request(conn, "GET", "/")
        assert response.status == 502, body
        assert response.getheader("X-Fc-Error-Type") == "UnhandledInvocationError"
        assert response.getheader("X-Function-Error-Type") == "UnhandledError"
        assert json.loads(body.decode("utf-8"))["errorType"] == error_type, body


def test_flask_app_as_fc_users_write_it(serve, hostlibs):
    served = serve("http", "fc_http_flask", args=HTTP_FUNCTION, handler="index.handler",
                   env={"PYTHONPATH": hostlibs})
    conn = connection(served)
    response, body = request(conn, "GET", "/api/info?q=1")
    info = json.loads(body)
    assert response.status == 200 and info["path"] == "/api/info" and info["args"] == {"q": "1"}, body
    assert info["request_id"] == response.getheader("X-Fc-Request-Id") and info["request_uri"] == "/api/info?q=1"
    response, body = request(conn, "GET", "/nowhere")
    assert response.status == 404, "Flask's own 404 passes through: %r" % body


def test_flask_app_in_a_browser(serve, hostlibs, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    served = serve("http", "fc_http_flask", args=HTTP_FUNCTION + ["--name", "my-fc-function"],
                   handler="index.handler", env={"PYTHONPATH": hostlibs})
    for name in (u"W\u00f6rld", u"Ada & <Bob>"):
        browser.get("http://%s:%d/" % served.host_port)
        assert browser.title == "FC Flask", browser.page_source[:500]
        assert browser.find_element(By.ID, "greeting").text == u"\u4f60\u597d, FC"
        field = browser.find_element(By.ID, "name")
        field.send_keys(name)
        browser.find_element(By.ID, "send").click()
        WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "answer")))
        assert browser.find_element(By.ID, "answer").text == u"hello, %s (my-fc-function)" % name
    log = served.stderr()
    assert '"POST /greet HTTP/1.1" 200' in log and '"GET / HTTP/1.1" 200' in log, log[-2000:]
