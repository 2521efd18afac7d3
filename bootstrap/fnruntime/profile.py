"""What every provider profile has (providers.py holds the three): the `Provider` base, with the behaviour the
clouds share and the defaults each profile overrides, and the helpers the profiles use.

Facts follow ../shared/PROVIDERS.md; ARCHITECTURE.md lists the choices made where it has gaps.
"""
from __future__ import absolute_import, division, print_function

import json
import math
import sys

from .compat import to_text
from .errors import InvalidEvent
from .jsontext import json_text, json_type


def seconds_text(seconds):
    return "%g" % seconds


class Provider(object):
    name = None
    billing_ms = 100
    root_log_format = "%(message)s"
    root_log_level = None  # None: leave Python's default (WARNING)
    log_utc_offset = 0  # seconds east of UTC of the root logger's times
    request_id_style = "uuid"  # invocation.RequestIds
    WORDING = {"import": "Unable to import module '%(module)s'", "syntax": "Syntax error in module '%(module)s'",
               "malformed": "Invalid handler '%(handler)s'",
               "missing": "Handler '%(function)s' is missing on module '%(module)s'",
               "raised": "%(import)s: the module raised %(type)s: %(detail)s", "example": "index.main_handler"}

    def wording(self, kind, **parts):
        """The provider's own wording of a startup failure (the detail is appended by the loader; `raised`, an
        exception while the module is imported, takes it as `type` and `detail`)."""
        if kind == "raised":
            parts["import"] = self.WORDING["import"] % parts
        return self.WORDING[kind] % parts

    def initializer_message(self, initializer, exc_name, detail):
        """The message of an exception raised by the initializer."""
        return "Module initialization error: the initializer %s raised %s: %s" % (initializer, exc_name, detail)

    # -- the interpreter and the process, before user code (worker side) -----------------------------
    def prepare_interpreter(self):
        """Interpreter-wide settings the cloud's runtime makes before it loads user code."""

    def code_paths(self, code_dir, layers):
        """sys.path entries for the code directory and the layers (folders laid out as the cloud's /opt), in the
        cloud's order; they go before the interpreter's own entries. SCF (PYTHONPATH=/var/user:/opt) and our choice
        for JD: each layer's root itself."""
        return [code_dir] + list(layers)

    def library_path(self, code_dir):
        """The LD_LIBRARY_PATH the cloud runs the function with, or None."""
        return None

    def user_site(self, code_dir):
        """A site directory the cloud's set-up puts where `site` puts the user's (before site-packages), or None."""
        return None

    def sanitise_environment(self, environ):
        """Remove the variables the cloud's runtime deletes before user code runs."""

    # -- event and context (worker side) ------------------------------------------------------------
    def event_from_message(self, message):
        """The handler's `event` from a worker message or a checked request (`event` JSON value, raw bytes as `body`
        or `body_b64`)."""
        body = raw_body(message)
        if body is not None:
            try:
                event = json.loads(to_text(body, errors="strict"))
            except ValueError as exc:
                raise InvalidEvent("the event is not valid JSON (%s); %s expects a JSON object" % (exc, self.name))
        else:
            event = message.get("event")
        if not isinstance(event, dict):
            raise InvalidEvent("the event must be a JSON object for provider %s, got %s"
                               % (self.name, json_type(event)))
        return event

    def context_factory(self, config, environ):
        """A function request_id -> the handler's `context` (see context.py)."""
        raise NotImplementedError

    # -- results ------------------------------------------------------------------------------------
    def serialise(self, value):
        """(kind, payload) for a handler's return value; see invocation.Outcome for the kinds."""
        return "json", json_text(value, default=self.json_default)

    def json_default(self, value):
        """json.dumps' `default`: a JSON-encodable stand-in for a value json cannot encode, else TypeError (the
        provider's choice for Decimal, datetime... is in the README's provider table)."""
        raise TypeError("%r is not JSON serializable" % (value,))

    # -- errors -------------------------------------------------------------------------------------
    def error_body(self, failure, request_id):
        raise NotImplementedError

    def timeout_message(self, seconds, max_memory_mb):
        raise NotImplementedError

    def memory_message(self, limit_mb, max_memory_mb):
        raise NotImplementedError

    def exit_message(self, status_text, duration_ms, max_memory_mb):
        return "Process exited unexpectedly before completing request (%s)" % status_text

    @staticmethod
    def load_timeout_message(module, seconds):
        """A cold start stopped because importing the handler's module took longer than the load limit (no provider
        documents a limit of its own on this, so one text for all: it is not the handler's timeout)."""
        return ("Loading module '%s' exceeded the load limit of %s seconds: its import (module-level code) was still "
                "running and the handler never ran; the limit is the longer of --load-timeout [FUNCTION_LOAD_TIMEOUT], "
                "default 30, and --timeout" % (module, seconds_text(seconds)))

    # -- logs ---------------------------------------------------------------------------------------
    def cold_start_lines(self):
        return []

    def line_prefix(self, request_id):
        """None, or a function giving the bytes put before each line the function writes (logsink.LogSink)."""
        return None

    def log_line(self, request_id, text):
        """A line of the runtime's own in the invocation's log (a timeout's message...), as the provider shows it."""
        return text

    def start_line(self, request_id):
        return "START RequestId:%s" % request_id

    def init_lines(self, request_id, init_ms):
        return ["Init Report RequestId:%s InitDuration:%dms" % (request_id, int(math.ceil(init_ms)))]

    def initializer_lines(self, request_id, phase, failed=False):
        return []

    def end_lines(self, request_id, outcome, config, result_text):
        lines = []
        if outcome.ok:
            lines.append("Response RequestId:%s RetMsg:%s" % (request_id, result_text))
        else:
            lines.append("ERROR RequestId:%s Result:%s" % (request_id, json.dumps(outcome.error)))
        lines.append("END RequestId:%s" % request_id)
        lines.append("Report RequestId:%s Duration:%dms Memory:%dMB MemUsage:%.6gMB" % (
            request_id, int(math.ceil(outcome.duration_ms)), config.memory_mb, outcome.max_memory_used_mb))
        return lines

    def billed(self, duration_ms):
        return int(max(1, math.ceil(duration_ms / self.billing_ms)) * self.billing_ms)

    def runtime_environment(self, config):
        """Variables the cloud sets inside the function (applied with setdefault)."""
        return {}


def raw_body(message):
    """The raw bytes event of a message (`body`, or `body_b64` when it came as JSON), or None."""
    if "body_b64" in message:
        import base64
        return base64.b64decode(message["body_b64"])
    return message.get("body")


def python_version():
    return sys.version_info[:2]
