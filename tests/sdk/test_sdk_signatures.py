"""`start-functions --check-signatures`: each SDK signing with the endpoint's keys gets through; a wrong secret gets
the cloud's own signature error (FC 403 SignatureNotMatch, Tencent AuthFailure.SignatureFailure, JD 401
UNAUTHENTICATED), and the keys never appear in the endpoint's output. One endpoint serves a template of each cloud
per case, so the module starts three."""
import base64
import json

import pytest

from sdkkit import install_sdk, run_client, start_functions
from projectkit import require_images

KEYS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIlocalid", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "fc-secret-0451",
        "TENCENTCLOUD_SECRETID": "AKIDlocal", "TENCENTCLOUD_SECRETKEY": "tc-secret-0452",
        "JDCLOUD_ACCESS_KEY": "JDClocal", "JDCLOUD_SECRET_KEY": "jd-secret-0453"}
IMAGES = {"fc": "runtime:py36-aliyun", "scf": "runtime:py36-tencent", "jd": "runtime:py37-jdcloud"}


@pytest.fixture(scope="module", params=["fc", "scf", "jd"])
def checked(request, docker_engine, tmp_path_factory):
    require_images(docker_engine, IMAGES[request.param])
    started = start_functions(tmp_path_factory, request.param, ["--check-signatures"], env=KEYS)
    yield request.param, started
    output = started.stderr()
    started.stop()
    for name, value in KEYS.items():
        if "SECRET" in name:
            assert value not in output


def test_signatures_checked(checked):
    cloud, endpoint = checked
    if cloud == "fc":
        call = {"kind": "invoke", "service": "sdktest", "function": "worker",
                "payload": base64.b64encode(b'{"op": "echo"}').decode(), "qualifier": "LATEST",
                "headers": {"x-fc-log-type": "Tail"}}
        ids = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        versions, address, calls = ["aliyun-fc2==2.5.2", "aliyun-fc2==2.3.0"], endpoint.url, \
            [call, {"kind": "list_functions", "service": "sdktest"}]
    elif cloud == "scf":
        ids = ("TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY")
        versions, address = ["tencentcloud-sdk-python==3.0.351", "tencentcloud-sdk-python-scf==3.1.100"], \
            endpoint.url[7:]
        calls = [{"action": "Invoke", "params": {"FunctionName": "worker", "ClientContext": '{"op": "echo"}'}}]
    else:
        ids = ("JDCLOUD_ACCESS_KEY", "JDCLOUD_SECRET_KEY")
        versions, address = ["jdcloud_sdk==1.6.354"], endpoint.url[7:]
        calls = [{"function": "worker", "event": '{"op": "echo"}'}]
    for version in versions:
        folder = install_sdk(version)
        right = run_client(cloud, folder, {"endpoint": address, "id": KEYS[ids[0]], "secret": KEYS[ids[1]],
                                           "calls": calls})
        wrong = run_client(cloud, folder, {"endpoint": address, "id": KEYS[ids[0]], "secret": "not-the-secret",
                                           "calls": calls[:1]})[0]
        if cloud == "fc":
            assert json.loads(base64.b64decode(right[0]["data"]))["echo"] == {"op": "echo"}, right
            assert [f["functionName"] for f in right[1]["data"]["functions"]] == ["worker", "caller"], right
            assert wrong["FcError"]["status_code"] == 403 and wrong["FcError"]["err_code"] == "SignatureNotMatch"
        elif cloud == "scf":
            assert json.loads(right[0]["Result"]["RetMsg"]) == {"echo": {"op": "echo"}}, right
            assert wrong["TencentCloudSDKException"]["code"] == "AuthFailure.SignatureFailure", wrong
        else:
            assert json.loads(right[0]["result"]["data"]["result"]) == {"echo": {"op": "echo"}}, right
            assert wrong["error"]["code"] == 401 and wrong["error"]["status"] == "UNAUTHENTICATED", wrong


def test_check_signatures_without_keys_is_a_usage_error():
    from sdkkit import PROJECTS
    from projectkit import fnruntime
    done = fnruntime("local", "start-functions", "-t", PROJECTS + "/scf/template.yaml", "--check-signatures",
                     env={name: "" for name in KEYS})
    assert done.returncode == 2, done
    assert b"--check-signatures needs a cloud's keys in the environment: TENCENTCLOUD_SECRETID" in done.stderr or \
        b"TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY" in done.stderr, done.stderr
