"""The three provider profiles: how each cloud shapes events, contexts, results, errors and log lines.

`get(name)` returns a `Provider`; nothing else in the package branches on the provider's name.
Facts follow ../shared/PROVIDERS.md; ARCHITECTURE.md lists the choices made where it has gaps.
"""
from __future__ import absolute_import, division, print_function

import json
import math

from . import context as contexts
from .compat import PY2, binary_type, text_type, to_bytes, to_text
from .errors import (InvalidEvent, ResultTooLarge, ResultNotSerializable, LOAD_ERRORS, OUT_OF_MEMORY,
                     PROCESS_EXITED, TIMEOUT, UNHANDLED)

#: The clouds' synchronous payload limit (events and results).
PAYLOAD_LIMIT = 6 * 1024 * 1024


def seconds_text(seconds):
    return "%g" % seconds


class Provider(object):
    name = None
    billing_ms = 100
    root_log_format = "%(message)s"
    root_log_level = None  # None: leave Python's default (WARNING)
    WORDING = {"import": "Unable to import module '%(module)s'", "syntax": "Syntax error in module '%(module)s'",
               "malformed": "Invalid handler '%(handler)s'",
               "missing": "Handler '%(function)s' is missing on module '%(module)s'"}

    def wording(self, kind, **parts):
        """The provider's own wording of a startup failure (the detail is appended by the loader)."""
        return self.WORDING[kind] % parts

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
        return "json", json_text(value)

    # -- errors -------------------------------------------------------------------------------------
    def error_body(self, failure, request_id):
        raise NotImplementedError

    def timeout_message(self, seconds, max_memory_mb):
        raise NotImplementedError

    def memory_message(self, limit_mb, max_memory_mb):
        raise NotImplementedError

    def exit_message(self, status_text, duration_ms, max_memory_mb):
        return "Process exited unexpectedly before completing request (%s)" % status_text

    # -- logs ---------------------------------------------------------------------------------------
    def cold_start_lines(self):
        return []

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


class Tencent(Provider):
    name = "tencent"
    billing_ms = 1
    STATUS = {UNHANDLED: 430, TIMEOUT: 433, OUT_OF_MEMORY: 434, "HandlerNotFound": 437, PROCESS_EXITED: 439,
              "InitializerError": 443, "ResultNotSerializable": 407, "ResultTooLarge": 407, "PayloadTooLarge": 406, "InvalidEvent": 406,
              "InvalidRequest": 406}

    def context_factory(self, config, environ):
        return contexts.tencent_factory(config, environ)

    def error_body(self, failure, request_id):
        status = self.STATUS.get(failure.error_type, 443 if failure.error_type in LOAD_ERRORS else 430)
        message = "user code exception caught" if failure.error_type == UNHANDLED else failure.message
        return {"errorCode": -1, "errorMessage": message, "requestId": request_id,
                "stackTrace": failure.traceback or "", "statusCode": status}

    def timeout_message(self, seconds, max_memory_mb):
        return "Invoking task timed out after %s seconds" % seconds_text(seconds)

    def memory_message(self, limit_mb, max_memory_mb):
        return "Memory limit exceeded: the function used more than %d MB" % limit_mb

    def runtime_environment(self, config):
        return {"SCF_RUNTIME": "Python%d.%d" % _version(), "SCF_FUNCTIONNAME": config.name,
                "SCF_FUNCTIONVERSION": "$LATEST", "SCF_NAMESPACE": "default", "TENCENTCLOUD_RUNENV": "SCF",
                "USER_CODE_ROOT": (config.code_dir or "") + "/"}


class JDCloud(Provider):
    name = "jdcloud"
    WORDING = dict(Provider.WORDING, **{"import": "Import module '%(module)s' error",
                                        "missing": "'%(function)s' not find in module '%(module)s'"})

    def context_factory(self, config, environ):
        return contexts.jdcloud_factory(config, environ)

    def error_body(self, failure, request_id):
        kind = failure.exception_name if failure.error_type == UNHANDLED else failure.error_type
        return {"error_message": failure.message, "error_type": kind, "error_trace": failure.stack}

    def timeout_message(self, seconds, max_memory_mb):
        return "Time out after %s seconds" % seconds_text(seconds)

    def memory_message(self, limit_mb, max_memory_mb):
        return "Out of Memory: more than %d MB used" % limit_mb


class Aliyun(Provider):
    name = "aliyun"
    root_log_format = "%(asctime)s.%(msecs)03dZ %(fc_request_id)s [%(levelname)s] %(message)s"
    root_log_level = "INFO"

    def event_from_message(self, message):
        body = raw_body(message)
        if body is None:
            event = message.get("event")
            body = to_bytes(event) if isinstance(event, (text_type, binary_type)) else to_bytes(json.dumps(event))
        return body  # bytes on 3.x; on 2.7 bytes *is* str

    def context_factory(self, config, environ):
        return contexts.aliyun_factory(config, environ)

    def serialise(self, value):
        if isinstance(value, binary_type):
            if PY2:  # a 2.7 `str` is text when it decodes, raw bytes otherwise; either way it goes out as is
                try:
                    return "text", value.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            return "bytes", value
        if isinstance(value, text_type):
            return "text", value
        return "json", json_text(value, indent=4, sort_keys=True)

    def error_body(self, failure, request_id):
        kind = failure.exception_name if failure.error_type == UNHANDLED else failure.error_type
        return {"errorMessage": failure.message, "errorType": kind,
                "stackTrace": [['File "%s"' % f[0], "line %s" % f[1], "in %s" % f[2], f[3]] for f in failure.stack]}

    def timeout_message(self, seconds, max_memory_mb):
        return "Function timed out after %s seconds (maxMemoryUsage: %.2fMB)" % (seconds_text(seconds), max_memory_mb)

    def memory_message(self, limit_mb, max_memory_mb):
        return "Function exceeded its memory limit of %d MB (maxMemoryUsage: %.2fMB)" % (limit_mb, max_memory_mb)

    def exit_message(self, status_text, duration_ms, max_memory_mb):
        return "Process exited unexpectedly before completing request (duration: %dms, maxMemoryUsage: %.2fMB, %s)" % (
            int(math.ceil(duration_ms)), max_memory_mb, status_text)

    def cold_start_lines(self):
        return ["FunctionCompute %s runtime inited." % ("python" if PY2 else "python3")]

    def start_line(self, request_id):
        return "FC Invoke Start RequestId: %s" % request_id

    def init_lines(self, request_id, init_ms):
        return []

    def initializer_lines(self, request_id, phase, failed=False):
        if phase == "start":
            return ["FC Initialize Start RequestId: %s" % request_id]
        return ["FC Initialize End RequestId: %s%s" % (request_id, ", Error: Unhandled function error" if failed else "")]

    def end_lines(self, request_id, outcome, config, result_text):
        end = "FC Invoke End RequestId: %s" % request_id
        if not outcome.ok:
            end += ", Error: Unhandled function error"
        return [end, "Duration: %.2f ms, Billed Duration: %d ms, Memory Size: %d MB, Max Memory Used: %.2f MB" % (
            outcome.duration_ms, outcome.billed_duration_ms, config.memory_mb, outcome.max_memory_used_mb)]

    def runtime_environment(self, config):
        return {"FC_FUNCTION_NAME": config.name, "FC_FUNCTION_HANDLER": config.handler,
                "FC_FUNCTION_MEMORY_SIZE": str(config.memory_mb), "FC_SERVICE_NAME": "service",
                "FC_REGION": "cn-hangzhou", "FC_QUALIFIER": "LATEST", "FC_FUNC_CODE_PATH": (config.code_dir or "") + "/"}


PROFILES = {"tencent": Tencent(), "aliyun": Aliyun(), "jdcloud": JDCloud()}


def get(name):
    return PROFILES[name]


def raw_body(message):
    """The raw bytes event of a message (`body`, or `body_b64` when it came as JSON), or None."""
    if "body_b64" in message:
        import base64
        return base64.b64decode(message["body_b64"])
    return message.get("body")


def json_text(value, **options):
    try:
        text = json.dumps(value, **options)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ResultNotSerializable("the function returned a value of type %s that cannot be serialised to JSON: %s"
                                    % (type(value).__name__, exc))
    if len(text) > PAYLOAD_LIMIT:
        raise ResultTooLarge("the function's result is %d bytes, over the 6 MB (%d bytes) response limit"
                              % (len(text), PAYLOAD_LIMIT))
    return text


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (text_type, binary_type)):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _version():
    import sys
    return sys.version_info[:2]
