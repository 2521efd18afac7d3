"""Echo: hands back what the runtime passed in, so tests can check the event and context each provider builds.

`handler` / `main_handler`: {"event_type", "event" (dicts as is) or "event_b64" (raw bodies), "context_type",
"context_is_dict", "context" (a JSON-safe dump of the context, attributes included)}.
`where`: {"file", "sys_path", "cwd"}: where the module was loaded from and the interpreter's search path.
`jd_attributes`: JD's context read through attribute access (JD's own FContext style).
`fc_attributes`: Alibaba's FCContext read through attribute access, seed 003's names and the camelCase aliases.
"""
import base64
import os
import sys

MISSING = "<missing>"
try:
    SCALARS = (bool, int, long, float, str, unicode)  # noqa: F821 - Python 2
except NameError:
    SCALARS = (bool, int, float, str)


def dump(value, depth=0):
    """JSON-safe view of a context: dicts, lists and scalars as they are; objects as their attributes."""
    if depth > 4:
        return repr(value)
    if isinstance(value, dict):
        return dict((str(k), dump(v, depth + 1)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [dump(v, depth + 1) for v in value]
    if value is None or isinstance(value, SCALARS):
        return value
    if hasattr(value, "__dict__"):
        return dict((k, dump(v, depth + 1)) for k, v in vars(value).items() if not k.startswith("_"))
    return repr(value)


def handler(event, context):
    described = {"event_type": type(event).__name__, "context_type": type(context).__name__,
                 "context_is_dict": isinstance(context, dict), "context": dump(context)}
    if isinstance(event, dict):
        described["event"] = event
    else:
        raw = event if isinstance(event, bytes) else event.encode("utf-8")
        described["event_b64"] = base64.b64encode(raw).decode("ascii")
    return described


main_handler = handler


def where(event, context):
    return {"file": os.path.abspath(__file__), "sys_path": sys.path, "cwd": os.getcwd()}


def attribute(obj, dotted):
    for name in dotted.split("."):
        obj = getattr(obj, name, MISSING)
        if obj is MISSING:
            return MISSING
    return obj


def jd_attributes(event, context):
    names = ["request_id", "function.invoked_function_id", "function.function_name", "function.function_version",
             "function.function_handler", "function.memory_size", "function.timeout", "logset", "logtopic"]
    return dict((name, dump(attribute(context, name))) for name in names)


def fc_attributes(event, context):
    names = ["request_id", "account_id", "region", "credentials.access_key_id", "credentials.access_key_secret",
             "credentials.security_token", "function.name", "function.handler", "function.memory",
             "function.timeout", "function.initializer", "function.initialization_timeout", "service.name",
             "service.log_project", "service.log_store", "service.qualifier", "service.version_id",
             "requestId", "credentials.accessKeyId", "credentials.accessKeySecret", "credentials.securityToken"]
    return dict((name, dump(attribute(context, name))) for name in names)
