"""Log plumbing inside the worker: standard streams onto the log pipe and the provider's root logger.

The supervisor frames each invocation's log (START/END, FC Invoke Start/End); this module only makes
sure everything the user's code writes lands on file descriptors 1 and 2 in order, and that the root
logger formats records the way the provider does.
"""
from __future__ import absolute_import, division, print_function

import io
import logging
import os
import sys
import time

from .compat import PY2


class RequestState(object):
    """The request id the worker is serving now (read by the log filter)."""

    def __init__(self):
        self.request_id = ""


class RequestIdFilter(logging.Filter):
    def __init__(self, state):
        logging.Filter.__init__(self)
        self.state = state

    def filter(self, record):
        record.fc_request_id = self.state.request_id
        return True


def text_stream(fd):
    """A line-buffered text stream over `fd` that never fails on a character it cannot encode."""
    if PY2:
        return os.fdopen(fd, "w", 1)
    return io.open(fd, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)


def redirect_standard_streams():
    sys.stdout = text_stream(1)
    sys.stderr = text_stream(2)


def c_stdio_flusher():
    """A function flushing C's stdio buffers (output of C extensions through printf/puts), or None.

    It is libc's `fflush(NULL)` called through `_ctypes` directly, as `ctypes.CDLL(None).fflush(None)` would: importing
    the `ctypes` package around it costs 5 to 7 million instructions, a third of a cold worker's own work.
    """
    try:
        import _ctypes

        class CFunction(_ctypes.CFuncPtr):  # int f(...), the C calling convention: ctypes' CDLL function type
            _flags_ = _ctypes.FUNCFLAG_CDECL
        fflush = CFunction(_ctypes.dlsym(_ctypes.dlopen(None, _ctypes.RTLD_LOCAL), "fflush"))
    except Exception:  # no libc to speak of: nothing buffered there either
        return None
    return lambda: fflush(None)


def flush_standard_streams(flush_c=None):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a handler may have closed or replaced them; the log pipe is still fd 1/2
            pass
    if flush_c is not None:
        flush_c()


def install_root_logger(provider, state):
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(provider.root_log_format, datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter(state))
    root = logging.getLogger()
    root.addHandler(handler)
    if provider.root_log_level:
        root.setLevel(provider.root_log_level)
