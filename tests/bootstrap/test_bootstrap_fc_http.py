"""Issue 18 item 11, one-shot: an FC HTTP function (`--function-type http` or FUNCTION_TYPE=http, aliyun only) run
once on a request given as a raw HTTP request (EVENT, --event-file or standard input); the output is the response
as `curl -i` shows it, the exit status 1 on a function error (its body printed)."""
import pytest

from oneshot_support import describe, invoke

REQUEST = (b"POST /orders/7?verbose=1 HTTP/1.1\r\nHost: shop\r\nContent-Type: text/plain\r\nX-Tag: a\r\n"
           b"X-Tag: b\r\n\r\nthe body")


def test_request_file_in_and_http_response_out(bootstrap, function_dir, tmp_path):
    request_file = tmp_path / "request.http"
    request_file.write_bytes(REQUEST)
    run = invoke(bootstrap, function_dir("fc_http"), "index.echo", None, "aliyun",
                 options=["--function-type", "http", "--event-file", str(request_file)])
    assert run.status == 0, describe(run)
    head, _, body = run.stdout.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[:2] == [b"HTTP/1.1 200 OK", b"Content-type: application/json"], describe(run)
    import json
    seen = json.loads(body)
    assert (seen["REQUEST_METHOD"], seen["PATH_INFO"], seen["QUERY_STRING"], seen["fc.request_uri"]) == (
        "POST", "/orders/7", "verbose=1", "/orders/7?verbose=1"), seen
    assert seen["body"] == "the body" and seen["CONTENT_LENGTH"] == "8" and seen["HTTP_X_TAG"] == "a,b", seen
    assert seen["CONTENT_TYPE"] == "text/plain", seen


def test_lf_lines_from_standard_input_with_the_environment_variable(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("fc_http"), "index.streamed", None, "aliyun",
                 env={"FUNCTION_TYPE": "http"}, stdin=b"GET /x\nHost: a\n\n")
    assert run.status == 0, describe(run)
    assert run.stdout.startswith(b"HTTP/1.1 404 Not Found\r\n"), describe(run)
    assert b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n" in run.stdout, describe(run)
    assert run.stdout.endswith(u"first second \u7b2c\u4e09".encode("utf-8")), describe(run)


def test_function_error_exits_1_with_its_body(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("fc_http"), "index.raises", "GET / HTTP/1.1\r\n\r\n", "aliyun",
                 options=["--function-type", "http"])
    assert run.status == 1 and b'"errorType": "ValueError"' in run.stdout, describe(run)


@pytest.mark.parametrize("options, env, message", [
    (["--function-type", "http", "--provider", "tencent"], {}, "use it with --provider aliyun"),
    ([], {"FUNCTION_TYPE": "websocket"}, "unknown function type 'websocket'"),
    (["--function-type", "http"], {"_EVENT": "x"}, "raw HTTP request"),
    (["--function-type", "http", "--serve", "http:127.0.0.1:0", "--api-gateway"], {}, "drop one of the two"),
])
def test_usage_errors(bootstrap, function_dir, options, env, message):
    event = "not a request" if env.pop("_EVENT", None) else "{}"
    args = list(options)
    if "--provider" not in args:
        args = ["--provider", "aliyun"] + args
    run = bootstrap(args + ["index.echo", event], function_dir("fc_http"), env=env)
    assert run.status == 2 and message in run.stderr, describe(run)
