"""Calls of aliyun-fc2 as its documentation shows them, against ENDPOINT: argv[1] is a JSON spec {"endpoint", "id",
"secret", "calls": [{"kind": "invoke"|"list_services"|"list_functions", ...}]}; prints one JSON outcome per call."""
import base64
import json
import logging
import sys

import fc2

records = []


class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())


logging.getLogger().addHandler(Keep())
spec = json.loads(sys.argv[1])
client = fc2.Client(endpoint=spec["endpoint"], accessKeyID=spec.get("id", "local"),
                    accessKeySecret=spec.get("secret", "local"))
outcomes = []
for call in spec["calls"]:
    del records[:]
    try:
        if call["kind"] == "invoke":
            extra = {"qualifier": call["qualifier"]} if call.get("qualifier") else {}
            answer = client.invoke_function(call["service"], call["function"],
                                            payload=base64.b64decode(call["payload"]),
                                            headers=call.get("headers", {}), **extra)
            outcomes.append({"data": base64.b64encode(answer.data).decode(), "headers": dict(answer.headers)})
        elif call["kind"] == "list_services":
            outcomes.append({"data": client.list_services().data})
        else:
            outcomes.append({"data": client.list_functions(call["service"]).data})
    except fc2.fc_exceptions.FcError as error:
        outcomes.append({"FcError": {"message": error.message, "status_code": error.status_code,
                                     "err_code": error.err_code, "request_id": error.request_id},
                         "logged": list(records)})
print(json.dumps(outcomes))
