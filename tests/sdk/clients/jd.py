"""Calls of jdcloud_sdk's FunctionClient as its documentation shows them: argv[1] is a JSON spec {"endpoint":
"HOST:PORT", "id", "secret", "calls": [{"async": bool, "function", "event": "<JSON>"}]}; prints one JSON outcome per
call (resp.request_id, resp.result, resp.error)."""
import json
import sys

from jdcloud_sdk.core.config import Config
from jdcloud_sdk.core.const import SCHEME_HTTP
from jdcloud_sdk.core.credential import Credential
from jdcloud_sdk.core.logger import Logger
from jdcloud_sdk.services.function.apis.AsyncInvokeRequest import AsyncInvokeParameters, AsyncInvokeRequest
from jdcloud_sdk.services.function.apis.InvokeRequest import InvokeParameters, InvokeRequest
from jdcloud_sdk.services.function.client.FunctionClient import FunctionClient

spec = json.loads(sys.argv[1])
client = FunctionClient(Credential(spec.get("id", "local"), spec.get("secret", "local")),
                        Config(spec["endpoint"], SCHEME_HTTP, 30), Logger(0))
outcomes = []
for call in spec["calls"]:
    if call.get("async"):
        request = AsyncInvokeRequest(AsyncInvokeParameters("cn-north-1", call["function"], "LATEST", call["event"]))
    else:
        request = InvokeRequest(InvokeParameters("cn-north-1", call["function"], "LATEST", call["event"]))
    resp = client.send(request)
    error = resp.error
    outcomes.append({"request_id": resp.request_id, "result": resp.result,
                     "error": error and {"status": error.status, "code": error.code, "message": error.message}})
print(json.dumps(outcomes))
