"""Log plumbing inside the worker: standard streams onto the log pipe and the provider's root logger.

The supervisor frames each invocation's log (START/END, FC Invoke Start/End); this module only makes
sure everything the user's code writes lands on file descriptors 1 and 2 in order, and that the root
logger formats records the way the provider does from the moment user code can import `logging`.
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

from . import libc
from .compat import PY2, after_import


class RequestState(object):
    """The request id the worker is serving now (read by the log filter)."""

    def __init__(self):
        self.request_id = ""


def request_id_filter(logging, state):
    """A logging.Filter that puts the current request id on every record (`%(fc_request_id)s`)."""
    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.fc_request_id = state.request_id
            return True
    return RequestIdFilter()


def text_stream(fd):
    """A line-buffered text stream over `fd` that never fails on a character it cannot encode."""
    if PY2:
        return os.fdopen(fd, "w", 1)
    import io
    return io.open(fd, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)


def redirect_standard_streams():
    sys.stdout = text_stream(1)
    sys.stderr = text_stream(2)


def c_stdio_flusher():
    """A function flushing C's stdio buffers (output of C extensions through printf/puts), or None.

    It is libc's `fflush(NULL)` (libc.py); without a libc to speak of, nothing is buffered there either.
    """
    fflush = libc.function("fflush")
    return None if fflush is None else (lambda: fflush(None))


def flush_standard_streams(flush_c=None):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a handler may have closed or replaced them; the log pipe is still fd 1/2
            pass
    if flush_c is not None:
        flush_c()


def install_root_logger(provider, state):
    """The provider's handler on the root logger, writing to the current sys.stderr (the log pipe), installed as soon
    as `logging` is imported: now if it is, else when user code first imports it, before that import returns. A
    function that never logs does not pay for importing `logging` (20 million instructions on 3.7, 5 on 2.7)."""
    stream = sys.stderr
    after_import("logging", lambda logging: configure_root_logger(logging, provider, state, stream))


def configure_root_logger(logging, provider, state, stream):
    """`stream` closed by user code since: the worker has put a fresh one on sys.stderr (isolation.restore_log_fds)."""
    handler = logging.StreamHandler(sys.stderr if getattr(stream, "closed", False) else stream)
    formatter = logging.Formatter(provider.root_log_format, datefmt="%Y-%m-%dT%H:%M:%S")
    offset = provider.log_utc_offset
    formatter.converter = (lambda seconds: time.gmtime(seconds + offset)) if offset else time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(request_id_filter(logging, state))
    root = logging.getLogger()
    root.addHandler(handler)
    if provider.root_log_level:
        root.setLevel(provider.root_log_level)


def beijing_time(last=[None, None]):
    """Now as JD Cloud's log shows it: RFC 3339, to the second, UTC+08:00 (China Standard Time, whatever TZ says).
    (`last`: the second last formatted and its text; an invocation writes three such lines.)"""
    second = int(time.time())
    if last[0] != second:
        last[:] = [second, time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(second + 8 * 3600))]
    return last[1]
