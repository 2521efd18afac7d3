"""Test function of the container suite: reports the process it ran in, or fails, as the event asks.

event {"action": "echo"} (default) returns the event, the Python version, the uid, a warm-state counter, whether
/tmp is writable, and where the module was loaded from (its file, sys.path[0]); with "keep": NAME it also returns
what /tmp/NAME held ("kept") and writes event["write"] there; {"action": "fail"} raises ValueError. Runs unchanged on Python 2.7, 3.6 and 3.7.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import sys
import tempfile

_WARM = {"count": 0}  # module-level on purpose: it shows whether the module stayed loaded between invocations


def _tmp_round_trip():
    """Write a file under /tmp and read it back; True when /tmp is writable by this user."""
    fd, path = tempfile.mkstemp(prefix="container-suite-", dir="/tmp")
    try:
        os.write(fd, b"written by the function")
        os.close(fd)
        with open(path, "rb") as handle:
            return handle.read() == b"written by the function"
    finally:
        os.remove(path)


def _keep(event):
    """Warm /tmp: the content of /tmp/<event["keep"]> an earlier invocation left (None), then event["write"] there."""
    path = os.path.join("/tmp", event["keep"])
    found = None
    if os.path.exists(path):
        with open(path) as earlier:
            found = earlier.read()
    if "write" in event:
        with open(path, "w") as later:
            later.write(event["write"])
    return found


def handler(event, context):
    """Echo the event with facts about the interpreter and user, or raise when action is "fail"."""
    if isinstance(event, bytes) and event.strip().startswith(b"{"):  # aliyun passes the raw body
        event = json.loads(event.decode("utf-8"))
    action = event.get("action", "echo") if isinstance(event, dict) else "echo"
    print("container-suite handler: action=%s" % action)
    if action == "fail":
        raise ValueError("container-suite was asked to fail")
    _WARM["count"] += 1
    kept = _keep(event) if isinstance(event, dict) and "keep" in event else None
    return {
        "kept": kept,
        "event": event,
        "python": "%d.%d" % sys.version_info[:2],
        "uid": os.getuid(),
        "count": _WARM["count"],
        "tmp_writable": _tmp_round_trip(),
        "file": os.path.abspath(__file__),
        "sys_path_0": sys.path[0],
    }


main_handler = handler
