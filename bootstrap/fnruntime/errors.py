"""Errors with stable type strings, and the `Failure` record that carries one across processes.

Startup failures are `FunctionError` subclasses raised while loading the handler; everything that
goes wrong in an invocation ends up as a `Failure`, which `providers.Provider.error_body` turns
into the provider-shaped error body. This is the only place error types are named.
"""
from __future__ import absolute_import, division, print_function

import os
import sys

from .compat import PY2, text_type, to_text

#: Frames from files under this directory belong to the runtime and are never shown to the user.
RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


class UsageError(Exception):
    """Bad command line or configuration: exit status 2, message on stderr."""


class FunctionError(Exception):
    error_type = "FunctionError"

    def __init__(self, message, cause=None, cause_traceback=None):
        super(FunctionError, self).__init__(message)
        self.message = message
        self.cause = cause
        self.cause_traceback = cause_traceback

    def failure(self, traceback=None, error_type=None, prefix=""):
        """The Failure for this error: the frames and text of its cause when it has one."""
        if self.cause is not None:
            return Failure.from_exception(self.cause, self.cause_traceback, error_type or self.error_type,
                                          prefix + self.message)
        return Failure.from_exception(self, traceback, error_type or self.error_type, prefix + self.message)


class MalformedHandlerName(FunctionError):
    error_type = "MalformedHandlerName"


class ImportModuleError(FunctionError):
    error_type = "ImportModuleError"


class UserCodeSyntaxError(FunctionError):
    error_type = "UserCodeSyntaxError"


class HandlerNotFound(FunctionError):
    error_type = "HandlerNotFound"


class ShadowedModule(FunctionError):
    error_type = "ShadowedModule"


class InitializerError(FunctionError):
    error_type = "InitializerError"


class InvalidEvent(FunctionError):
    error_type = "InvalidEvent"


class ResultNotSerializable(FunctionError):
    error_type = "ResultNotSerializable"


class PayloadTooLarge(FunctionError):
    """The event is over the 6 MB request limit."""
    error_type = "PayloadTooLarge"


class ResultTooLarge(FunctionError):
    """The function's result is over the 6 MB response limit."""
    error_type = "ResultTooLarge"


UNHANDLED = "UnhandledError"
TIMEOUT = "FunctionTimeout"
OUT_OF_MEMORY = "OutOfMemory"
PROCESS_EXITED = "ProcessExited"
INVALID_REQUEST = "InvalidRequest"
#: A request answered without running because the server is stopping (SIGTERM).
SHUTTING_DOWN = "ShuttingDown"
#: A request refused because every instance is busy and the queue of waiting requests is full (HTTP 429).
TOO_MANY_REQUESTS = "TooManyRequests"
#: A request the runtime itself failed to serve (a bug: the traceback is on the server's stderr).
SERVER_ERROR = "RuntimeFault"
INITIALIZER_ERROR = InitializerError.error_type
LOAD_ERRORS = frozenset(["MalformedHandlerName", "ImportModuleError", "UserCodeSyntaxError", "HandlerNotFound",
                         "ShadowedModule"])


class Failure(object):
    """What went wrong in one invocation, in a form that crosses the worker/supervisor boundary.

    `stack` holds the user's frames as [file, line, function, code]; `traceback` the formatted text; `summary` the
    exception's own lines (what traceback.format_exception_only gives: the class and message, and for a syntax error
    where the parser stopped). Every string in it is text: source lines and messages are decoded once, here, as UTF-8
    with replacement (2.7's linecache hands source lines over as bytes, and its exceptions carry bytes or unicode).
    """

    __slots__ = ("error_type", "message", "exception_name", "stack", "traceback", "summary")

    def __init__(self, error_type, message, exception_name=None, stack=None, traceback_text="", summary=None):
        self.error_type = error_type
        self.message = message
        self.exception_name = exception_name or error_type
        self.stack = stack or []
        self.traceback = traceback_text
        self.summary = summary or []

    def to_dict(self):
        return {"error_type": self.error_type, "message": self.message, "exception_name": self.exception_name,
                "stack": self.stack, "traceback": self.traceback, "summary": self.summary}

    @classmethod
    def from_dict(cls, data):
        return cls(data["error_type"], data["message"], data.get("exception_name"), data.get("stack"),
                   data.get("traceback", ""), data.get("summary"))

    @classmethod
    def from_exception(cls, exc, tb, error_type=None, message=None):
        """A Failure for an exception raised by user code, runtime frames removed from its traceback."""
        import traceback
        frames = user_frames(tb)
        if isinstance(exc, SyntaxError) and exc.filename and not frames:  # where the parser stopped
            frames = [(exc.filename, exc.lineno or 0, "<module>", exc.text or "")]
        frames = [(to_text(f[0]), f[1], to_text(f[2]), to_text(f[3] or "").strip()) for f in frames]
        stack = [list(f) for f in frames]
        lines = []
        if frames:
            lines.append(u"Traceback (most recent call last):\n")
            lines.extend(to_text(line) for line in traceback.format_list(frames))
        if isinstance(exc, FunctionError):  # the runtime's own error: its type and message, no module path
            summary = [u"%s: %s\n" % (exc.error_type, to_text(exc.message))]
        else:
            summary = exception_only(exc)
        lines.extend(summary)
        name = type(exc).__name__
        if message is None:
            message = exc.message if isinstance(exc, FunctionError) else safe_str(exc)
        return cls(error_type or getattr(exc, "error_type", UNHANDLED), to_text(message), name, stack,
                   u"".join(lines), summary)


def exception_only(exc):
    """traceback.format_exception_only(type(exc), exc) as text. On 2.7 that gives bytes, and a unicode message
    with non-ASCII characters comes out as backslash escapes: the message line is built from safe_str instead."""
    import traceback
    if not PY2 or isinstance(exc, SyntaxError):
        return [to_text(line) for line in traceback.format_exception_only(type(exc), exc)]
    text = safe_str(exc)
    name = type(exc).__name__
    return [u"%s: %s\n" % (name, text) if text else u"%s\n" % name]


def user_frames(tb):
    """The traceback's frames outside the runtime package, as (file, line, function, code) tuples."""
    import traceback
    frames = traceback.extract_tb(tb) if tb is not None else []
    return [tuple(f) for f in frames if not is_runtime_file(f[0])]


def is_runtime_file(filename):
    """Frames of the runtime and of the import machinery are not the user's."""
    if filename.startswith("<frozen "):
        return True
    path = os.path.abspath(filename)
    if path.startswith(RUNTIME_DIR + os.sep):
        return True
    importlib = sys.modules.get("importlib")  # no frame can come from it unless something imported it
    importlib_file = getattr(importlib, "__file__", None)
    return bool(importlib_file) and path.startswith(os.path.dirname(os.path.abspath(importlib_file)) + os.sep)


def safe_str(exc):
    """str(exc) as text (UTF-8 with replacement); on 2.7 also an exception carrying a unicode message."""
    try:
        return to_text(str(exc))
    except UnicodeError:
        if PY2:
            try:
                return text_type(exc)
            except Exception:
                pass
        try:
            return to_text(repr(exc))
        except Exception:
            return "<unprintable %s>" % type(exc).__name__
    except Exception:  # an exception whose __str__ fails still gets reported
        try:
            return to_text(repr(exc))
        except Exception:
            return "<unprintable %s>" % type(exc).__name__
