"""Alibaba FC's InvokeFunction on `fnruntime local start-functions`, called by aliyun-fc2 (2.5.2, the newest, and
2.3.0, what fc-docker pins) unmodified: sync with a JSON and a raw payload, a qualifier, async (the function's mark
on the server's standard error), the log tail, a function error as FcError, unknown service and function, the
listings; and from inside runtime:py36-aliyun, a function calling another through the image's own fc2."""
import base64
import json
import uuid

import pytest

from sdkkit import install_sdk, run_client, start_functions
from projectkit import request

VERSIONS = ["aliyun-fc2==2.5.2", "aliyun-fc2==2.3.0"]


@pytest.fixture(scope="module")
def endpoint(docker_engine, tmp_path_factory):
    require_images_fc(docker_engine)
    started = start_functions(tmp_path_factory, "fc")
    yield started
    started.stop()


def require_images_fc(client):
    from projectkit import require_images
    require_images(client, "runtime:py36-aliyun")


def b64(data):
    return base64.b64encode(data).decode()


def invoke(payload, function="worker", service="sdktest", **extra):
    return dict(kind="invoke", service=service, function=function, payload=b64(payload), **extra)


@pytest.mark.parametrize("version", VERSIONS)
def test_fc2_invokes(endpoint, version):
    mark = uuid.uuid4().hex
    raw = b"\x00\xff not json \xe4\xb8\xad"
    calls = [invoke(b'{"op": "echo", "n": 1}'),
             invoke(raw),
             invoke(b'{"op": "log", "text": "tail me"}', headers={"x-fc-log-type": "Tail"}),
             invoke(b'{"op": "mark", "mark": "%s"}' % mark.encode(), headers={"x-fc-invocation-type": "Async"}),
             invoke(b'{"op": "fail", "why": "on purpose"}'),
             invoke(b"{}", function="nobody"),
             invoke(b"{}", service="nowhere"),
             invoke(b'{"op": "echo"}', qualifier="LATEST"),
             dict(kind="list_services"),
             dict(kind="list_functions", service="sdktest")]
    echo, raw_answer, tail, async_answer, failure, no_function, no_service, qualified, services, functions = \
        run_client("fc", install_sdk(version), {"endpoint": endpoint.url, "calls": calls})

    assert json.loads(base64.b64decode(echo["data"])) == {"echo": {"op": "echo", "n": 1}, "function": "worker"}
    assert echo["headers"]["x-fc-request-id"]
    assert base64.b64decode(raw_answer["data"]) == b"raw:" + raw
    log = base64.b64decode(tail["headers"]["x-fc-log-result"]).decode("utf-8")
    assert "log line tail me" in log, log
    assert async_answer["data"] == "" and async_answer["headers"]["x-fc-request-id"]
    endpoint.wait_for("MARK %s" % mark, timeout=60)

    error = failure["FcError"]
    assert error["status_code"] == 200
    body = json.loads(error["message"])
    assert body["errorMessage"] == "asked to fail: on purpose" and body["errorType"] == "ValueError", body
    assert any("UnhandledInvocationError" in line for line in failure["logged"]), failure["logged"]

    assert no_function["FcError"]["status_code"] == 404 and no_function["FcError"]["err_code"] == "FunctionNotFound"
    assert no_service["FcError"]["status_code"] == 404 and no_service["FcError"]["err_code"] == "ServiceNotFound"
    assert json.loads(base64.b64decode(qualified["data"]))["echo"] == {"op": "echo"}
    assert [s["serviceName"] for s in services["data"]["services"]] == ["sdktest"]
    assert sorted(f["functionName"] for f in functions["data"]["functions"]) == ["caller", "worker"]


def test_fc_answers_every_request_in_its_shape(endpoint):
    for method, path, headers in [("GET", "/2016-08-15/services/sdktest/functions/worker/invocations", {}),
                                  ("POST", "/2016-08-15/services/sdktest/functions/worker/invocations",
                                   {"x-fc-invocation-type": "Sometimes"}),
                                  ("POST", "/2016-08-15/nothing/here", {})]:
        status, found, body = request(endpoint.url + path, method=method, body=b"{}", headers=headers)
        assert status in (400, 404, 405), (status, body)
        answer = json.loads(body)
        assert set(answer) == {"ErrorCode", "ErrorMessage"} and answer["ErrorMessage"], answer
    assert "start-functions: " not in endpoint.stderr()  # the endpoint's own failures (handle's except)


def test_fc_dollar_qualifier_of_the_2_0_sdks(endpoint):
    status, found, body = request(endpoint.url + "/2016-08-15/services/sdktest$prod/functions/worker/invocations",
                                  method="POST", body=b'{"op": "echo"}')
    assert status == 200 and json.loads(body)["echo"] == {"op": "echo"}, (status, body)
    assert found["x-fc-request-id"][0]
