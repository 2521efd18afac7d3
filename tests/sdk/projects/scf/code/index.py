# -*- coding: utf8 -*-
"""The SCF test function: {"op": ...} echoes, fails, logs or leaves a mark."""


def handler(event, context):
    op = event.get("op")
    if op == "fail":
        raise ValueError("asked to fail: %s" % event.get("why", ""))
    if op == "mark":
        print("MARK %s" % event["mark"])
        return {"marked": event["mark"]}
    if op == "log":
        print("log line %s" % event["text"])
    return {"echo": event}
