"""Counter: module-level state that a warm instance keeps between invocations; returns {"count", "pid"}.

One-shot runs always answer count 1 (a cold start each time); serve mode counts up until the worker is replaced.
"""
import os

STATE = {"count": 0}


def handler(event, context):
    STATE["count"] += 1
    return {"count": STATE["count"], "pid": os.getpid()}


main_handler = handler
