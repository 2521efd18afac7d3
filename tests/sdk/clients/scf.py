"""Calls of tencentcloud-sdk-python's ScfClient as its documentation shows them: argv[1] is a JSON spec
{"endpoint": "HOST:PORT", "id", "secret", "calls": [{"action": "Invoke"|"InvokeFunction", "params": {...}}]};
prints one JSON outcome per call (the response's fields, or the TencentCloudSDKException's)."""
import json
import sys

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.scf.v20180416 import models, scf_client

spec = json.loads(sys.argv[1])
cred = credential.Credential(spec.get("id", "local"), spec.get("secret", "local"))
http_profile = HttpProfile(protocol="http", endpoint=spec["endpoint"])
client = scf_client.ScfClient(cred, "ap-guangzhou", ClientProfile(httpProfile=http_profile))
outcomes = []
for call in spec["calls"]:
    try:
        request = getattr(models, call["action"] + "Request")()
        request.from_json_string(json.dumps(call["params"]))
        response = getattr(client, call["action"])(request)
        outcomes.append(json.loads(response.to_json_string()))
    except TencentCloudSDKException as error:
        outcomes.append({"TencentCloudSDKException": {"code": error.get_code(), "message": error.get_message(),
                                                      "request_id": error.get_request_id()}})
print(json.dumps(outcomes))
