"""Prints three lines naming its invocation, each a different way (print, a write straight to fd 1, sys.stderr), the
last one without a newline, then returns the event's "n". Pipelined tests check that each invocation's log holds its
own lines and nothing else. Event: {"n": N, "action": "crash"|"exit"|"sleep"|"close_log" optional, "seconds": S}; close_log closes fd 5, the
runtime's own copy of its log pipe (as a closerange in user code would): the worker answers, and ends before the
next request it was handed.
"""
import json
import os
import sys
import time


def handler(event, context):
    if isinstance(event, (bytes, bytearray)):
        event = json.loads(event.decode("utf-8"))
    n = event["n"]
    print("begin %d" % n)
    os.write(1, ("middle %d\n" % n).encode("ascii"))
    action = event.get("action")
    if action == "crash":
        os._exit(3)
    if action == "exit":
        sys.exit(4)
    if action == "close_log":
        os.close(5)
    if action == "sleep":
        time.sleep(event.get("seconds", 5))
    sys.stderr.write("end %d" % n)
    return {"n": n, "pid": os.getpid()}


main_handler = handler
