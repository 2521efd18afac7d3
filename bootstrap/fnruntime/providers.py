"""The three provider profiles: how each cloud shapes events, contexts, results, errors and log lines.

`get(name)` returns a `Provider`; nothing else in the package branches on the provider's name.
Facts follow ../shared/PROVIDERS.md; ARCHITECTURE.md lists the choices made where it has gaps.
"""
from __future__ import absolute_import, division, print_function

import json
import math
import sys

from . import context as contexts
from .logs import beijing_time
from .compat import PY2, binary_type, native_str, text_type, to_bytes, to_text
from .errors import (ResultNotSerializable, INITIALIZER_ERROR, LOAD_ERRORS, OUT_OF_MEMORY, PROCESS_EXITED, TIMEOUT,
                     UNHANDLED, safe_str)
from .jsontext import (PAYLOAD_LIMIT, file_line_frames, flat_trace, is_decimal, json_error, json_text,  # noqa: F401
                       json_text_unescaped, native_text, utf8_strings)  # PAYLOAD_LIMIT: the profiles' limit, for all
from .profile import Provider, python_version, raw_body, seconds_text


class Tencent(Provider):
    name = "tencent"
    billing_ms = 1
    root_log_level = "DEBUG"  # scfcli's runtime: the root logger at DEBUG, message only, on the log
    STATUS = {UNHANDLED: 430, TIMEOUT: 433, OUT_OF_MEMORY: 434, "HandlerNotFound": 437, PROCESS_EXITED: 439,
              "InitializerError": 443, "ResultNotSerializable": 407, "ResultTooLarge": 407, "PayloadTooLarge": 406, "InvalidEvent": 406,
              "InvalidRequest": 406, "TooManyRequests": 432}

    def event_from_message(self, message):
        """On 2.7 the event's strings are byte strings (UTF-8), as scfcli's runtime and the cloud's log samples show."""
        event = Provider.event_from_message(self, message)
        return utf8_strings(event) if PY2 else event

    def context_factory(self, config, environ):
        return contexts.tencent_factory(config, environ)

    def serialise(self, value):
        """scfcli's runtime: a `Decimal` that is the whole result becomes its string ("1.5"; one inside a dict or list
        fails json.dumps there too), then `json.dumps(ret, ensure_ascii=False)`: text such as Chinese stays as it is
        (UTF-8 on the wire)."""
        if is_decimal(value):
            value = str(value)
        return "json", json_text_unescaped(value, default=self.json_default)

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
        return {"SCF_RUNTIME": "Python%d.%d" % python_version(), "SCF_FUNCTIONNAME": config.name,
                "SCF_FUNCTIONVERSION": "$LATEST", "SCF_NAMESPACE": "default", "TENCENTCLOUD_RUNENV": "SCF",
                "USER_CODE_ROOT": (config.code_dir or "") + "/"}


class JDCloud(Provider):
    name = "jdcloud"
    request_id_style = "base36"
    WORDING = dict(Provider.WORDING, **{"import": "Import module '%(module)s' error",
                                        "missing": "'%(function)s' not find in module '%(module)s'",
                                        "example": "index.handler"})
    #: sca's runtime reports a load failure with one of four Python classes (`load_handler_error_handler`,
    #: `make_error_info`): ImportError, SyntaxError, ValueError (an invalid handler) or Exception (anything else,
    #: a missing function too). The stable type stays in the frame's error_type and X-Function-Error-Type.
    LOAD_TYPES = {"UserCodeSyntaxError": "SyntaxError", "MalformedHandlerName": "ValueError",
                  "HandlerNotFound": "Exception"}
    CAUSE_TYPES = {"ImportError": "ImportError", "ModuleNotFoundError": "ImportError", "SyntaxError": "SyntaxError",
                   "IndentationError": "SyntaxError", "TabError": "SyntaxError", "ValueError": "ValueError",
                   "UnicodeError": "ValueError", "UnicodeDecodeError": "ValueError", "JSONDecodeError": "ValueError",
                   "ImportModuleError": "ImportError", "ShadowedModule": "ImportError"}

    def context_factory(self, config, environ):
        return contexts.jdcloud_factory(config, environ)

    def serialise(self, value):
        """sca's runtime: a `str` is returned as it is; anything else is `json.dumps`ed, and what JSON cannot encode
        (a TypeError: `Decimal`, `datetime`, a set, bytes on 3.x) is returned as `str(value)`."""
        if isinstance(value, str):
            return "text", native_text(value)
        try:
            return "json", json_text(value, default=self.json_default)
        except ResultNotSerializable:
            if not isinstance(json_error(value, default=self.json_default), TypeError):
                raise
        try:
            shown = str(value)
        except Exception as exc:
            raise ResultNotSerializable("the function returned a value of type %s that is neither JSON nor printable "
                                        "with str(): %s" % (type(value).__name__, safe_str(exc)))
        return "text", native_text(shown)

    def error_body(self, failure, request_id):
        if failure.error_type == UNHANDLED:
            kind = failure.exception_name
        elif failure.error_type in LOAD_ERRORS:
            kind = self.LOAD_TYPES.get(failure.error_type) or self.CAUSE_TYPES.get(failure.exception_name, "Exception")
        else:
            kind = failure.error_type
        return {"error_message": failure.message, "error_type": kind, "error_trace": file_line_frames(failure.stack)}

    def timeout_message(self, seconds, max_memory_mb):
        return "Time out after %s seconds" % seconds_text(seconds)

    # JD's log (sca doc/usage/invoke.md, logs.md: cloud captures): every line `<RFC 3339 time, +08:00>  <request id>
    # <text>`, the function's own lines too; Start Invoke, End Invoke, Report Invoke; no init or return-value line.
    # Its documentation: logging.* entries carry a time stamp and the level.
    root_log_format = "%(asctime)s.%(msecs)03d+08:00 [%(levelname)s] %(message)s"
    log_utc_offset = 8 * 3600

    def line_prefix(self, request_id):
        return lambda: to_bytes("%s  %s  " % (beijing_time(), request_id))

    def log_line(self, request_id, text):
        return "%s  %s  %s" % (beijing_time(), request_id, text)

    def start_line(self, request_id):
        return self.log_line(request_id, "Start Invoke")

    def init_lines(self, request_id, init_ms):
        return []

    def end_lines(self, request_id, outcome, config, result_text):
        return [self.log_line(request_id, "End Invoke"), self.log_line(request_id, (
            "Report Invoke %s,Duration :%.2fms  BilledDuration: %dms  Memory Size: %d MB"
            % (request_id, outcome.duration_ms, outcome.billed_duration_ms, config.memory_mb)))]

    def memory_message(self, limit_mb, max_memory_mb):
        return "Out of Memory: more than %d MB used" % limit_mb


class Aliyun(Provider):
    name = "aliyun"
    root_log_format = "%(asctime)s.%(msecs)03dZ %(fc_request_id)s [%(levelname)s] %(message)s"
    root_log_level = "INFO"
    WORDING = dict(Provider.WORDING, raised="Module initialization error: '%(detail)s'")
    #: The stable error types whose FC name differs (FC's runtime: fc_rapis_exception, server.py).
    FC_TYPES = {"MalformedHandlerName": "InvalidHandleName", "ResultNotSerializable": "TypeError"}
    IMPORT_ERRORS = frozenset(["ImportError", "ModuleNotFoundError", "ImportModuleError"])
    #: The FC_* variables FC's runtime leaves for user code (its Constant.SAFE_ENV); every other FC_* and _FC_*
    #: variable is deleted before user code runs.
    SAFE_ENV = frozenset(["FC_FUNC_CODE_PATH", "FC_FUNCTION_MEMORY_SIZE", "FC_RUNTIME_VERSION", "FC_ACCOUNT_ID",
                          "FC_FUNCTION_HANDLER", "FC_FUNCTION_NAME", "FC_SERVICE_NAME", "FC_VER_ID", "FC_QUALIFIER",
                          "FC_REGION", "FC_INSTANCE_ID", "FC_SNAPSHOT_FLAG"])
    #: Where `fun install` puts packages (funcraft), and FC's library path (fc-docker's images).
    USER_BASE = ".fun/python"

    def initializer_message(self, initializer, exc_name, detail):
        return detail  # FC: the exception's own message, under its own class

    def prepare_interpreter(self):
        """FC's 2.7 runtime makes UTF-8 the default encoding (reload(sys); sys.setdefaultencoding)."""
        if PY2 and sys.getdefaultencoding() != "utf-8":
            saved = dict(vars(sys))  # reload(sys) puts back sys.stdout, sys.path... as they were at start
            reload(sys)  # noqa: F821 (2.7's builtin)
            sys.setdefaultencoding("utf-8")
            for key, value in saved.items():
                setattr(sys, key, value)

    def code_paths(self, code_dir, layers):
        """FC: the code folder, then each layer's python/lib/pythonX.Y/site-packages and python folders."""
        version = "python%d.%d" % python_version()
        paths = [code_dir]
        for layer in layers:
            paths += [layer + "/python/lib/" + version + "/site-packages", layer + "/python"]
        return paths

    def user_site(self, code_dir):
        """The site directory of PYTHONUSERBASE=<code>/.fun/python, as `site` computes it."""
        return "%s/%s/lib/python%d.%d/site-packages" % ((code_dir,  self.USER_BASE) + python_version())

    def sanitise_environment(self, environ):
        for key in [k for k in environ if (k.startswith("FC_") or k.startswith("_FC_")) and k not in self.SAFE_ENV]:
            del environ[key]

    def json_default(self, value):
        """FC's runtime: a Decimal is a JSON number (float); on 3.x also date/datetime as ISO 8601 and any object
        with a to_json() method as what that returns (fc_rapis_util.default_serializer; 2.7's server.py has the
        Decimal only)."""
        import decimal
        if isinstance(value, decimal.Decimal):
            return float(value)
        if not PY2:
            import datetime
            if isinstance(value, (datetime.datetime, datetime.date)):
                return value.isoformat()
            if hasattr(value, "to_json"):
                return value.to_json()
        return Provider.json_default(self, value)

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
            return "text", native_text(value)
        return "json", json_text(value, default=self.json_default, indent=4, sort_keys=True)

    def error_body(self, failure, request_id):
        """FC's names: the exception's class for the handler's and the initializer's exceptions, UserCodeError for
        one raised while the module is imported, InvalidHandleName, TypeError for a result json cannot encode; a
        load error's stackTrace is the exception's own lines, flat."""
        kind, error_type = failure.error_type, failure.error_type
        if error_type in (UNHANDLED, INITIALIZER_ERROR):
            kind = self.FC_TYPES.get(failure.exception_name, failure.exception_name)
        elif error_type == "ImportModuleError" and failure.exception_name not in self.IMPORT_ERRORS:
            kind = "UserCodeError"
        else:
            kind = self.FC_TYPES.get(error_type, error_type)
        if error_type in LOAD_ERRORS:
            trace = flat_trace(failure.summary)
        else:
            trace = [['File "%s"' % f[0], "line %s" % f[1], "in %s" % f[2], f[3]] for f in failure.stack]
        return {"errorMessage": failure.message, "errorType": kind, "stackTrace": trace}

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
        code = config.code_dir or ""
        return {"FC_FUNCTION_NAME": config.name, "FC_FUNCTION_HANDLER": config.handler,
                "FC_FUNCTION_MEMORY_SIZE": str(config.memory_mb), "FC_SERVICE_NAME": "service",
                "FC_REGION": "cn-hangzhou", "FC_QUALIFIER": "LATEST", "FC_FUNC_CODE_PATH": code + "/",
                "FC_RUNTIME_VERSION": "python2.7" if PY2 else "python3", "FC_INSTANCE_ID": instance_id(),
                "PYTHONUSERBASE": "%s/%s" % (code, self.USER_BASE), "LD_LIBRARY_PATH": self.library_path(code)}

    def library_path(self, code_dir):
        """FC's LD_LIBRARY_PATH (fc-docker's images: ${FC_FUNC_CODE_PATH}:${FC_FUNC_CODE_PATH}/lib:/usr/local/lib)."""
        return "%s:%s/lib:/usr/local/lib" % (code_dir, code_dir)


def instance_id():
    """An instance id as FC shows it (`c-` and hexadecimal groups), new for each worker."""
    import binascii
    import os
    h = to_text(binascii.hexlify(os.urandom(16)))
    return native_str("c-%s-%s-%s" % (h[:8], h[8:12], h[12:24]))


PROFILES = {"tencent": Tencent(), "aliyun": Aliyun(), "jdcloud": JDCloud()}


def get(name):
    return PROFILES[name]
