"""The WSGI bridge JD preinstalls (contract sections 1 and 6, issue 7): real Flask and Django apps, and seed 004's
samples as printed, run through the real `jdcloud_wsgi_wrapper.wsgi_run` 1.3 by the bootstrap (jdcloud profile),
with events shaped as JD's API Gateway sends them (wrapped in `detail`, lower-case headers, repeated query keys as
lists). The libraries come from the `hostlibs` fixture through PYTHONPATH; the code directory stays first.

jdcloud-wsgi-wrapper 1.3 has defects that the cloud has too (PROVIDERS.md, JD section); these tests pin what it
really does on each version, so the README can say it:
- 2.7: an inverted `is None` test means `queryParameters` never reach QUERY_STRING (only `detail.queryString`
  does) and path parameters never become HTTP_* headers; an event without `pathParameters` or `queryParameters`
  keys crashes the wrapper (500 "A server error occurred.  Please check input.").
- 3.x: query parameters are joined into QUERY_STRING, but a repeated key (a list) crashes the wrapper (500);
  `wsgi.input` is a text io.StringIO, which Werkzeug >= 2.1's get_data/get_json cannot read (Flask 2.2 on 3.7:
  JSON POST 500, form POST works).
- all: Django cannot read the body on any version (3.x: text stream; 2.7: StringIO of the JSON-decoded `unicode`
  body, "'unicode' does not have the buffer interface"): every POST with a body is a 500. Re-wrapping wsgi.input as
  UTF-8 bytes in a small middleware (django_app's handler_bytes_input) fixes it on every version.
- all: repeated response headers (two Set-Cookie) collapse to the last one; Content-Length is always set.
"""
import json

import pytest

from oneshot_support import describe, invoke, user_output

WRAPPER_ERROR = "A server error occurred.  Please check input."
HEADERS = {"host": "testsvc.cn-north-1.jdcloud-api.net", "user-agent": "Mozilla/5.0 (X11; Linux x86_64)",
           "accept": "*/*", "x-forwarded-for": "10.0.2.14"}


def jd_event(method, path, headers=None, body=None, query=None, path_params=None, query_string=None, bare=False):
    """An API Gateway trigger event as JD sends it: the request under `detail`, header names lower-case,
    `pathParameters` and `queryParameters` always present (unless `bare`), no base64."""
    detail = {"path": path, "httpMethod": method, "headers": dict(HEADERS, **(headers or {})),
              "requestContext": {"stage": "test", "apiId": "testsvc", "identity": {"accountId": "594035263019"},
                                 "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "sourceIp": "10.0.2.14"}}
    if not bare:
        detail["pathParameters"] = path_params or {}
        detail["queryParameters"] = query or {}
    if body is not None:
        detail["body"] = body
    if query_string is not None:
        detail["queryString"] = query_string
    return {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "time": "2006-01-02T15:04:05.999999999Z",
            "source": "apigateway", "base64OwnerPin": "NTk0MDM1MjYzMDE5", "resources": [], "region": "cn-north-1",
            "detailType": "ApiGatewayReceived", "detail": detail}


def post(path, body, content_type):
    return jd_event("POST", path, {"content-type": content_type, "content-length": str(len(body.encode("utf-8")))},
                    body)


@pytest.fixture
def wsgi(bootstrap, function_dir, hostlibs):
    """`wsgi(scenario, event, handler="index.handler")` -> (API Gateway reply dict, run)."""
    def call(scenario, event, handler="index.handler"):
        run = invoke(bootstrap, function_dir(scenario), handler, event, "jdcloud", env={"PYTHONPATH": hostlibs})
        assert run.status == 0, describe(run)
        reply = json.loads(run.stdout.decode("utf-8"))
        assert set(reply) == {"statusCode", "headers", "body"}, reply
        return reply, run
    return call


APPS = ["flask_app", "django_app"]


def hello_body(name, pairs, app):
    """What /hello answers: Flask lists (key, value) pairs, Django (key, [values])."""
    if app == "django_app":
        pairs = [[k, [v]] for k, v in pairs]
    return "Hello, %s! args=%s" % (name, json.dumps([list(p) for p in pairs]))


@pytest.mark.parametrize("app", APPS)
def test_get_with_query_parameters(wsgi, python, app):
    reply, _ = wsgi(app, jd_event("GET", "/hello", query={"name": "jd"}))
    assert reply["statusCode"] == 200, reply
    if python.major == 2:  # 1.3's inverted test: queryParameters are ignored on 2.7
        assert reply["body"] == hello_body("nobody", [], app), reply
    else:
        assert reply["body"] == hello_body("jd", [("name", "jd")], app), reply


@pytest.mark.parametrize("app", APPS)
def test_get_with_query_string(wsgi, app):
    """`detail.queryString` reaches QUERY_STRING on every version (the 2.7 workaround)."""
    reply, _ = wsgi(app, jd_event("GET", "/hello", query={"name": "qs", "x": "1"}, query_string="name=qs&x=1"))
    assert reply["statusCode"] == 200 and reply["body"] == hello_body("qs", [("name", "qs"), ("x", "1")], app), reply


@pytest.mark.parametrize("app", APPS)
def test_repeated_query_keys(wsgi, python, app):
    reply, run = wsgi(app, jd_event("GET", "/hello", query={"tag": ["a", "b"]}))
    if python.major == 2:
        assert reply["statusCode"] == 200 and reply["body"] == hello_body("nobody", [], app), reply
    else:  # a list value has no .strip(): the wrapper answers its own 500
        assert reply["statusCode"] == 500 and reply["body"] == WRAPPER_ERROR, reply
        assert "'list' object has no attribute 'strip'" in "\n".join(user_output(run, "jdcloud")), describe(run)


@pytest.mark.parametrize("app", APPS)
def test_path_parameters(wsgi, python, app):
    reply, _ = wsgi(app, jd_event("GET", "/items/42", path_params={"item_id": "42"}))
    assert reply["statusCode"] == 200, reply
    body = json.loads(reply["body"])
    assert body["item_id"] == "42", body
    assert body["header"] == (None if python.major == 2 else "42"), "pathParameters as HTTP_ITEM_ID: %s" % body


@pytest.mark.parametrize("app", APPS)
def test_event_without_parameter_keys(wsgi, python, app):
    reply, _ = wsgi(app, jd_event("GET", "/hello", bare=True))
    if python.major == 2:
        assert reply["statusCode"] == 500 and reply["body"] == WRAPPER_ERROR, reply
    else:
        assert reply["statusCode"] == 200 and reply["body"] == hello_body("nobody", [], app), reply


def test_flask_post_form(wsgi):
    reply, _ = wsgi("flask_app", post("/form", "a=1&b=two&b=three", "application/x-www-form-urlencoded"))
    assert reply["statusCode"] == 200, reply
    assert json.loads(reply["body"]) == {"form": {"a": ["1"], "b": ["two", "three"]}, "method": "POST"}


def test_flask_post_json(wsgi, python):
    reply, run = wsgi("flask_app", post("/json", json.dumps({"k": [1, "x"]}), "application/json"))
    if python.version == "3.7":  # Flask 2.2 / Werkzeug 2.2 read the text wsgi.input into a bytearray: TypeError
        assert reply["statusCode"] == 500 and "Internal Server Error" in reply["body"], reply
        assert "TypeError" in run.stderr, describe(run)
    else:
        assert reply["statusCode"] == 200 and json.loads(reply["body"]) == {"received": {"k": [1, "x"]}}, reply


@pytest.mark.parametrize("handler", ["index.handler", "index.handler_bytes_input"])
def test_django_post_form(wsgi, handler):
    reply, _ = wsgi("django_app", post("/form", "a=1&b=two&b=three", "application/x-www-form-urlencoded"), handler)
    if handler == "index.handler":  # 3.x: LimitedStream b'' + str; 2.7: BytesIO(unicode): TypeError either way
        assert reply["statusCode"] == 500 and "Server Error (500)" in reply["body"], reply
    else:
        assert reply["statusCode"] == 200, reply
        assert json.loads(reply["body"]) == {"form": {"a": ["1"], "b": ["two", "three"]}, "method": "POST"}


@pytest.mark.parametrize("handler", ["index.handler", "index.handler_bytes_input"])
def test_django_post_json(wsgi, handler):
    reply, _ = wsgi("django_app", post("/json", json.dumps({"k": [1, "x"]}), "application/json"), handler)
    if handler == "index.handler":
        assert reply["statusCode"] == 500 and "Server Error (500)" in reply["body"], reply
    else:
        assert reply["statusCode"] == 200 and json.loads(reply["body"]) == {"received": {"k": [1, "x"]}}, reply


@pytest.mark.parametrize("app", APPS)
def test_repeated_response_headers_collapse(wsgi, app):
    reply, _ = wsgi(app, jd_event("GET", "/cookies"))
    assert reply["statusCode"] == 200 and reply["body"] == "two cookies", reply
    assert reply["headers"]["Set-Cookie"].startswith("b=2"), "JD's headers are a dict: the last cookie wins: %s" \
        % reply["headers"]
    assert reply["headers"]["Content-Length"] == "11", reply["headers"]


def test_seed_004_appclass(wsgi):
    reply, _ = wsgi("seed_004_wsgi", jd_event("GET", "/any/path"))
    assert reply["statusCode"] == 200 and reply["body"] == "Hello World", reply
    headers = dict((k.lower(), v) for k, v in reply["headers"].items())
    assert headers["content-type"] == "txt/plain" and headers["content-length"] == "11", reply


def test_seed_004_application_with_a_body(wsgi):
    event = jd_event("POST", "/seed/path", {"content-type": "text/plain", "content-length": "10"}, "hello body")
    reply, run = wsgi("seed_004_wsgi", event, "app_handler.handler")
    assert reply["statusCode"] == 200 and reply["body"] == "Function : My Own Hello World!", reply
    output = user_output(run, "jdcloud")
    assert "/seed/path" in output and "hello body" in output, "the sample prints the path and body; " + describe(run)
    assert any("apigateway" in line for line in output), "the sample prints environ['function.event']"
    assert any("request_id" in line for line in output), "the sample prints environ['function.context']"


def test_seed_004_application_without_a_body(wsgi):
    reply, _ = wsgi("seed_004_wsgi", jd_event("GET", "/"), "app_handler.handler")
    assert reply["statusCode"] == 200 and reply["body"] == "Function : My Own Hello World!", reply


def test_code_dir_module_named_like_the_wrappers_shadows_it(bootstrap, function_dir, hostlibs):
    """The wrapper imports top-level `headers`, `constants`, `file_wrapper`: a user file of that name wins (code
    directory first), and loading the function fails with ImportModuleError, as it would in JD's cloud."""
    code = function_dir("seed_004_wsgi")
    (code / "headers.py").write_text("HEADERS = 'the user module'\n")
    run = invoke(bootstrap, code, "index.handler", jd_event("GET", "/"), "jdcloud", env={"PYTHONPATH": hostlibs})
    assert run.status == 1, describe(run)
    body = json.loads(run.stdout.decode("utf-8"))
    assert body["error_type"] == "ImportError" and "Headers" in body["error_message"], body  # sca names the class

