# -*- coding: utf-8 -*-
"""The FC test function: a JSON event {"op": ...} echoes, fails, logs or leaves a mark; any other payload comes back
as raw bytes after "raw:". call_worker invokes `worker` through the image's fc2 at WORKER_ENDPOINT."""
import json
import os


def handler(event, context):
    try:
        request = json.loads(event.decode("utf-8"))
    except ValueError:
        return b"raw:" + event
    op = request.get("op")
    if op == "fail":
        raise ValueError("asked to fail: %s" % request.get("why", ""))
    if op == "mark":
        print("MARK %s" % request["mark"])
        return {"marked": request["mark"]}
    if op == "log":
        print("log line %s" % request["text"])
    return {"echo": request, "function": context.function.name}


def call_worker(event, context):
    import fc2
    client = fc2.Client(endpoint=os.environ["WORKER_ENDPOINT"], accessKeyID="local", accessKeySecret="local")
    answer = client.invoke_function(os.environ["CALL_SERVICE"], "worker", payload=event,
                                    headers={"x-fc-log-type": "Tail"})
    return {"worker": json.loads(answer.data.decode("utf-8")), "fc2": fc2.__version__ if hasattr(fc2, "__version__")
            else "?", "request_id": answer.headers.get("x-fc-request-id")}
