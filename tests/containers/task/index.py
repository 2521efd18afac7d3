"""Test function of the container suite: reports the process it ran in, or fails, as the event asks.

event {"action": "echo"} (default) returns the event, the Python version, the uid, a warm-state counter and whether
/tmp is writable; {"action": "fail"} raises ValueError. Runs unchanged on Python 2.7, 3.6 and 3.7.
"""
from __future__ import absolute_import, division, print_function

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


def handler(event, context):
    """Echo the event with facts about the interpreter and user, or raise when action is "fail"."""
    action = event.get("action", "echo") if isinstance(event, dict) else "echo"
    print("container-suite handler: action=%s" % action)
    if action == "fail":
        raise ValueError("container-suite was asked to fail")
    _WARM["count"] += 1
    return {
        "event": event,
        "python": "%d.%d" % sys.version_info[:2],
        "uid": os.getuid(),
        "count": _WARM["count"],
        "tmp_writable": _tmp_round_trip(),
    }


main_handler = handler
