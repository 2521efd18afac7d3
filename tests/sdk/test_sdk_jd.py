"""JD Cloud's function invoke API on `fnruntime local start-functions`, called by jdcloud_sdk (current) unmodified:
sync (result and log), async (the mark), a function error (the error body as the result), an unknown function
(resp.error), and requests no SDK sends."""
import json
import uuid

import pytest

from sdkkit import install_sdk, run_client, start_functions
from projectkit import request, require_images

VERSION = "jdcloud_sdk==1.6.354"


@pytest.fixture(scope="module")
def endpoint(docker_engine, tmp_path_factory):
    require_images(docker_engine, "runtime:py37-jdcloud")
    started = start_functions(tmp_path_factory, "jd")
    yield started
    started.stop()


def test_jd_invoke(endpoint):
    mark = uuid.uuid4().hex
    calls = [{"function": "worker", "event": json.dumps({"op": "log", "text": "tail me"})},
             {"function": "worker", "event": json.dumps({"op": "mark", "mark": mark}), "async": True},
             {"function": "worker", "event": json.dumps({"op": "fail", "why": "on purpose"})},
             {"function": "nobody", "event": "{}"}]
    echo, later, failure, unknown = run_client("jd", install_sdk(VERSION), {"endpoint": endpoint.url[7:],
                                                                             "calls": calls})
    data = echo["result"]["data"]
    assert echo["error"] is None and echo["request_id"]
    assert json.loads(data["result"]) == {"echo": {"op": "log", "text": "tail me"}}
    assert "log line tail me" in data["logStr"] and data["invokeTime"] > 0 and data["setupMem"] == 128, data
    assert later["error"] is None and later["request_id"]
    endpoint.wait_for("MARK %s" % mark, timeout=60)
    body = json.loads(failure["result"]["data"]["result"])
    assert body["error_message"] == "asked to fail: on purpose" and body["error_type"] == "ValueError", body
    assert unknown["result"] is None and unknown["error"]["code"] == 404 and unknown["error"]["status"] == "NOT_FOUND"


def test_jd_answers_every_request_in_its_shape(endpoint):
    for method, path, body, status_wanted in [
            ("POST", "/v1/regions/cn-north-1/functions/worker/versions/LATEST:invoke", b"{not json", 400),
            ("GET", "/v1/regions/cn-north-1/functions/worker/versions/LATEST:invoke", b"", 405),
            ("POST", "/v1/regions/cn-north-1/functions/worker", b"{}", 404)]:
        status, found, data = request(endpoint.url + path, method=method, body=body)
        answer = json.loads(data)
        assert status == status_wanted and answer["requestId"] and answer["error"]["message"], (status, answer)
    assert "start-functions: " not in endpoint.stderr()  # the endpoint's own failures (handle's except)
