# -*- coding: utf8 -*-
import json
import os
import time


def echo(event, context):
    query = event.get("queryStringParameters") or event.get("detail", {}).get("queryParameters") or {}
    if "fail" in query:
        raise ValueError("asked to fail")
    if "raw" in query:
        return "not a gateway reply"
    return {"statusCode": 200, "headers": {"Content-Type": "application/json", "X-Echo": "yes"},
            "body": json.dumps({"event": event, "pid": os.getpid()})}


def slow(event, context):
    started = time.time()
    time.sleep(1.0)
    return {"statusCode": 200, "headers": {}, "body": json.dumps({"started": started, "ended": time.time()})}


handler = echo
