"""Warm /tmp: reads the file /tmp/<event["name"]> left by an earlier invocation, then writes event["write"] there.

Returns {"found": the earlier content or None, "pid": the worker's pid}. Event (JSON; raw for aliyun):
{"name": "...", "write": "..."}; without "write" it only reads; {"remove": true} deletes the file.
"""
import json
import os


def handler(event, context):
    if not isinstance(event, dict):
        event = json.loads(event)
    path = os.path.join("/tmp", event["name"])
    found = None
    if os.path.exists(path):
        with open(path) as earlier:
            found = earlier.read()
    if "write" in event:
        with open(path, "w") as later:
            later.write(event["write"])
    if event.get("remove") and os.path.exists(path):
        os.remove(path)
    return {"found": found, "pid": os.getpid()}


main_handler = handler
