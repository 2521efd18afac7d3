"""A handler that forks without exec, and a child that then leaves the way a script would: sys.exit, return, raise.

The child is a copy of the worker; whatever it does, only the parent's outcome may answer the invocation, and the
worker must stay warm. Each handler waits for its child and returns {"who": "parent", "nonce", "pid", "child_status"}.
"""
import json
import os
import sys
import time


def event_of(event):
    return event if isinstance(event, dict) else json.loads(event)


def fork_and_wait(event, in_child):
    event = event_of(event)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        time.sleep(0.1)
        return in_child(event)
    _, status = os.waitpid(pid, 0)
    return {"who": "parent", "nonce": event.get("nonce"), "pid": os.getpid(), "child_status": status}


def child_exits(event, context):
    def in_child(event):
        print("child exiting")
        sys.exit(0)
    return fork_and_wait(event, in_child)


def child_returns(event, context):
    return fork_and_wait(event, lambda e: {"who": "child", "nonce": e.get("nonce"), "pid": os.getpid()})


def child_raises(event, context):
    def in_child(event):
        raise ValueError("raised in the forked child")
    return fork_and_wait(event, in_child)


handler = main_handler = child_exits
