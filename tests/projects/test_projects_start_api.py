"""`fnruntime local start-api`: every API Gateway route of a template on one endpoint, each function in its own warm
container; the request becomes the provider's API Gateway event with the route's path parameters, the query string
and headers as the cloud puts them, the stage and the request context; the reply becomes the HTTP response. One
started gateway per project, shared by the tests of this module."""
import concurrent.futures
import json
import os
import time
import urllib.parse

import pytest

from projectkit import EXAMPLES, StartedApi, containers_of, require_images

pytestmark = pytest.mark.docker
HERE = os.path.dirname(os.path.abspath(__file__))


def start(template, tmp_path_factory, name, *args):
    log = tmp_path_factory.mktemp(name) / "start-api.log"
    return StartedApi(template, args, log_path=str(log))


@pytest.fixture(scope="module")
def tencent_api(docker_engine, tmp_path_factory):
    require_images(docker_engine, "runtime:py36-tencent")
    api = start(os.path.join(HERE, "apis", "tencent", "serverless.yml"), tmp_path_factory, "tencent")
    yield api
    assert api.stop() == 0
    assert containers_of(docker_engine, api.owner()) == []  # Ctrl-C removed every container it started


@pytest.fixture(scope="module")
def jd_api(docker_engine, tmp_path_factory):
    require_images(docker_engine, "runtime:py37-jdcloud")
    api = start(os.path.join(HERE, "apis", "jdcloud", "template.yaml"), tmp_path_factory, "jdcloud")
    yield api
    assert api.stop() == 0
    assert containers_of(docker_engine, api.owner()) == []


def event_of(api, path, **kwargs):
    status, headers, body = api.get(path, **kwargs)
    assert status == 200, (status, body[:2000], api.stderr()[-3000:])
    assert headers["x-echo"] == ["yes"] and headers["content-type"] == ["application/json"]
    return json.loads(body)["event"]


def test_tencent_event_has_the_route_path_parameters_query_and_stage(tencent_api):
    event = event_of(tencent_api, "/echo/ann%20lee?a=1&a=2&b=&c=%E4%B8%AD", headers={"X-Custom": "v1",
                                                                                    "Cookie": "k=v"})
    assert event["path"] == "/echo/ann lee" and event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"name": "ann lee"}
    assert event["queryString"] == event["queryStringParameters"] == {"a": ["1", "2"], "b": "", "c": u"\u4e2d"}
    assert event["headers"]["x-custom"] == "v1" and event["headers"]["cookie"] == "k=v"
    assert all(name == name.lower() for name in event["headers"])
    assert "body" not in event  # real traffic has no body on GET
    context = event["requestContext"]
    assert (context["path"], context["httpMethod"], context["stage"]) == ("/echo/{name}", "GET", "test")
    assert context["requestId"] and context["sourceIp"] and "serviceId" in context
    assert event["stageVariables"] == {"stage": "test"}


def test_tencent_post_body_and_greedy_path(tencent_api):
    event = event_of(tencent_api, "/echo/bob", method="POST", body=b'{"x": 1}',
                     headers={"Content-Type": "application/json"})
    assert event["body"] == '{"x": 1}' and event["httpMethod"] == "POST"
    event = event_of(tencent_api, "/files/a/b/c.txt")
    assert event["pathParameters"] == {"path": "a/b/c.txt"}
    assert event["requestContext"]["path"] == "/files/{path+}" and event["requestContext"]["stage"] == "release"


def test_tencent_routes_answer_below_their_stage_as_the_default_domain_serves_them(tencent_api):
    """https://service-....apigw.tencentcs.com/release/files/...: the stage leads the path; the event has the path
    without it and the stage in requestContext.stage (the template's stage of that route, release by default)."""
    event = event_of(tencent_api, "/test/echo/bob?a=1")
    assert event["path"] == "/echo/bob" and event["pathParameters"] == {"name": "bob"}, event
    assert event["requestContext"]["stage"] == "test" and event["requestContext"]["path"] == "/echo/{name}"
    event = event_of(tencent_api, "/release/files/a/b.txt")
    assert event["path"] == "/files/a/b.txt" and event["pathParameters"] == {"path": "a/b.txt"}, event
    assert event["requestContext"]["stage"] == "release"
    assert tencent_api.get("/release/slow/a")[0] == 200  # no stageName: release
    for path in ("/release/echo/bob", "/prepub/files/a.txt", "/test/slow/a"):  # another stage than the route's
        status, _, body = tencent_api.get(path)
        assert status == 404 and b"no route" in body, (path, status, body[:500])
    status, _, body = tencent_api.get("/")
    assert b"stage test; also under /test/echo/{name})" in body and b"also under /release/files/{path+})" in body, body


def test_jd_event_is_wrapped_in_detail_with_the_stage(jd_api):
    event = event_of(jd_api, "/echo/zoe?q=1&q=2", method="PUT", body=b"plain text")
    assert (event["source"], event["detailType"]) == ("apigateway", "ApiGatewayReceived")
    detail = event["detail"]
    assert (detail["path"], detail["httpMethod"], detail["body"]) == ("/echo/zoe", "PUT", "plain text")
    assert detail["pathParameters"] == {"name": "zoe"} and detail["queryParameters"] == {"q": ["1", "2"]}
    assert detail["requestContext"]["stage"] == "prod" and detail["requestContext"]["requestId"] == event["id"]


def test_two_functions_answer_at_once(tencent_api):
    for path in ("/slow/a", "/slow/b"):  # warm both: a cold start is not what this measures
        assert tencent_api.get(path)[0] == 200
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda p: tencent_api.json(p), ["/slow/a", "/slow/b"]))
    elapsed = time.monotonic() - started
    assert elapsed < 1.9, elapsed  # one after the other would take 2 s
    first, second = sorted(answers, key=lambda a: a["started"])
    assert second["started"] < first["ended"]  # the second started while the first still ran


def test_function_error_and_invalid_reply(tencent_api):
    status, headers, body = tencent_api.get("/echo/x?fail=1")
    assert status == 502 and headers["x-function-error-type"] == ["UnhandledError"]
    assert json.loads(body)["errorMessage"] == "user code exception caught"
    status, headers, body = tencent_api.get("/echo/x?raw=1")
    assert status == 502 and json.loads(body) == {
        "errno": 403, "error": "Invalid scf response format. please check your scf response format."}
    assert "InvalidGatewayResponse" in headers["x-function-error-type"]
    tencent_api.wait_for("the function's reply is not a valid API Gateway response")


def test_routes_listed_unknown_path_and_wrong_method(tencent_api):
    status, headers, body = tencent_api.get("/")
    text = body.decode()
    assert status == 200 and "/echo/{name} -> echo" in text and "/slow/b -> slow_b" in text, text
    status, headers, body = tencent_api.get("/nothing/here")
    assert status == 404 and b"no route for GET /nothing/here" in body and b"/files/{path+}" in body
    status, headers, body = tencent_api.get("/slow/a", method="DELETE")
    assert status == 405 and headers["allow"] == ["GET"]


@pytest.fixture(scope="module")
def bookshop(docker_engine, tmp_path_factory):
    require_images(docker_engine, "runtime:py36-tencent")
    api = start(os.path.join(EXAMPLES, "tencent-scf"), tmp_path_factory, "bookshop")
    yield api
    assert api.stop() == 0


def test_example_tencent_scf_components(bookshop):
    assert bookshop.json("/books?limit=1") == {"shelf": "fiction", "books": ["Dream of the Red Chamber"],
                                               "route": "/books", "stage": "release"}
    assert bookshop.json("/books/1")["title"] == "The Master and Margarita"
    status, _, body = bookshop.get("/books/9")
    assert status == 404 and json.loads(body)["route"] == "/books/{id}"
    status, headers, body = bookshop.get("/feedback", method="POST", body=urllib.parse.urlencode(
        {"name": u"Zoë", "message": "more & more"}).encode(), headers={"Content-Type":
                                                                       "application/x-www-form-urlencoded"})
    assert status == 200 and body.decode() == u"<p>Thanks, Zoë! You said: more & more</p>"
    assert headers["content-type"] == ["text/html; charset=utf-8"]


@pytest.mark.parametrize("example,image,path,expected", [
    ("tencent-plugin", "runtime:py27-tencent", "/entries?page=3",
     {"title": "Guestbook", "method": "GET", "query": {"page": "3"}}),
    ("scfcli", "runtime:py36-tencent", "/weather?city=beijing", {"city": "beijing", "temperature": 12,
                                                                 "units": "metric"}),
    ("jd-sca", "runtime:py37-jdcloud", "/catalogue/rose?currency=USD",
     {"catalogue": "spring", "item": "rose", "price": 5, "currency": "USD", "stage": "test"}),
])
def test_example_routes(example, image, path, expected, docker_engine, tmp_path_factory):
    require_images(docker_engine, image)
    api = start(os.path.join(EXAMPLES, example), tmp_path_factory, example)
    try:
        assert api.json(path) == expected
        if example == "tencent-plugin":
            status, _, body = api.get("/entries/ann", method="POST", body=b"hello")
            assert status == 201 and json.loads(body) == {"signed": "ann", "text": "hello",
                                                          "route": "/entries/{author}"}
    finally:
        assert api.stop() == 0
