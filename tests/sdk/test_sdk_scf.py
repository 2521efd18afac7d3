"""Tencent SCF's API 3.0 Invoke and InvokeFunction on `fnruntime local start-functions`, called by
tencentcloud-sdk-python unmodified (3.0.351, an old full SDK, and tencentcloud-sdk-python-scf 3.1.100, a current
one): sync, async (the mark), log tail, a function error (InvokeResult 1 with the error body), unknown function and
namespace, bad fields; and the answers to requests no SDK sends (always 200, application/json, the Error shape)."""
import json
import uuid

import pytest

from sdkkit import install_sdk, run_client, start_functions
from projectkit import request, require_images

OLD, NEW = "tencentcloud-sdk-python==3.0.351", "tencentcloud-sdk-python-scf==3.1.100"


@pytest.fixture(scope="module")
def endpoint(docker_engine, tmp_path_factory):
    require_images(docker_engine, "runtime:py36-tencent")
    started = start_functions(tmp_path_factory, "scf")
    yield started
    started.stop()


def host_port(endpoint):
    return endpoint.url[len("http://"):]


def invoke(**params):
    return {"action": "Invoke", "params": dict({"FunctionName": "worker"}, **params)}


@pytest.mark.parametrize("version", [OLD, NEW])
def test_scf_invoke(endpoint, version):
    mark = uuid.uuid4().hex
    calls = [invoke(ClientContext=json.dumps({"op": "echo", "n": 1})),
             invoke(ClientContext=json.dumps({"op": "log", "text": "tail me"}), LogType="Tail", Namespace="default"),
             invoke(ClientContext=json.dumps({"op": "mark", "mark": mark}), InvocationType="Event"),
             invoke(ClientContext=json.dumps({"op": "fail", "why": "on purpose"})),
             invoke(FunctionName="nobody"),
             invoke(Namespace="elsewhere"),
             invoke(ClientContext="not json")]
    if version == NEW:
        calls.append({"action": "InvokeFunction", "params": {"FunctionName": "worker",
                                                             "Event": json.dumps({"op": "echo", "n": 2})}})
    outcomes = run_client("scf", install_sdk(version), {"endpoint": host_port(endpoint), "calls": calls})
    echo, tail, event, failure, no_function, no_namespace, bad_event = outcomes[:7]

    result = echo["Result"]
    assert result["InvokeResult"] == 0 and json.loads(result["RetMsg"]) == {"echo": {"op": "echo", "n": 1}}
    assert result["FunctionRequestId"] and result["Duration"] > 0 and result["MemUsage"] > 0, result
    assert result["Log"] == "" and echo["RequestId"]
    assert "log line tail me" in tail["Result"]["Log"], tail
    assert event["Result"]["InvokeResult"] == 0 and event["Result"]["FunctionRequestId"]
    endpoint.wait_for("MARK %s" % mark, timeout=60)

    failed = failure["Result"]
    assert failed["InvokeResult"] == 1, failed
    body = json.loads(failed["RetMsg"])
    assert body["errorMessage"] == "user code exception caught" and body["statusCode"] == 430, body
    assert "asked to fail: on purpose" in body["stackTrace"], body
    assert failed["ErrMsg"] == "user code exception caught"

    assert no_function["TencentCloudSDKException"]["code"] == "ResourceNotFound.Function", no_function
    assert no_namespace["TencentCloudSDKException"]["code"] == "ResourceNotFound.Namespace", no_namespace
    assert bad_event["TencentCloudSDKException"]["code"] == "InvalidParameterValue.ClientContext", bad_event
    assert no_function["TencentCloudSDKException"]["request_id"]
    if version == NEW:
        assert json.loads(outcomes[7]["Result"]["RetMsg"]) == {"echo": {"op": "echo", "n": 2}}


def test_scf_answers_every_request_in_its_shape(endpoint):
    cases = [({"X-TC-Action": "DeleteFunction"}, b"{}", "InvalidAction"),
             ({}, b"{}", "InvalidAction"),
             ({"X-TC-Action": "Invoke"}, b"{not json", "InvalidParameter"),
             ({"X-TC-Action": "Invoke"}, b"[1]", "InvalidParameter"),
             ({"X-TC-Action": "Invoke"}, b"{}", "MissingParameter"),
             ({"X-TC-Action": "Invoke"}, b'{"FunctionName": "worker", "InvocationType": "Later"}',
              "InvalidParameterValue.InvocationType")]
    for headers, body, code in cases:
        status, found, data = request(endpoint.url + "/", method="POST", body=body, headers=headers)
        assert status == 200 and found["content-type"] == ["application/json"], (status, found)
        answer = json.loads(data)["Response"]
        assert answer["Error"]["Code"] == code and answer["Error"]["Message"] and answer["RequestId"], answer
    status, found, data = request(endpoint.url + "/other", method="GET")
    assert status == 200 and json.loads(data)["Response"]["Error"]["Code"] == "UnsupportedOperation"
    assert "start-functions: " not in endpoint.stderr()  # the endpoint's own failures (handle's except)
