"""Closes file descriptors 1 and 2 (and sys.stdout/sys.stderr with them), then returns; `then_raises` raises after.

The runtime owns the log pipe: the invocation is answered, and later invocations' output still reaches their log.
"""
import os
import sys


def close_all():
    sys.stdout.flush()
    sys.stderr.flush()
    os.close(1)
    os.close(2)
    try:
        print("written after closing fd 1")
        sys.stdout.flush()
    except (IOError, OSError, ValueError):
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.close()
        except (IOError, OSError):  # Python 2: closing the file object closes its (already closed) descriptor
            pass


def handler(event, context):
    close_all()
    return "closed fds 1 and 2"


main_handler = handler


def then_raises(event, context):
    close_all()
    raise ValueError("raised after closing fds 1 and 2")
