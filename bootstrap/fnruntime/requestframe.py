"""A caller's request frame (`--serve stdio|unix:|tcp:`): its fields, and what is wrong with it, named.

`validate_request` checks a decoded frame, `check_request` a payload as it came (the worker checks a forwarded frame
with it exactly as the server would). Only serving needs them: a one-shot run never imports this module.
"""
from __future__ import absolute_import, division, print_function

import json
import re

from .compat import integer_types, string_types
from .jsontext import kind_word
from .protocol import FrameError, decode

REQUEST_FIELDS = ("id", "event", "event_b64", "invocation_type", "context")
INVOCATION_TYPES = ("RequestResponse", "Event")
BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class RequestError(FrameError):
    """A request frame with wrong or missing fields; `frame_id` is its id when it could be read."""

    def __init__(self, message, frame_id=None):
        super(RequestError, self).__init__(message)
        self.frame_id = frame_id


def frame_id_of(obj):
    """The request's id if it is a usable one (string or number), else None."""
    value = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, string_types + integer_types + (float,)):
        return None
    return value


def validate_request(obj):
    """Check a decoded request frame; returns a dict with `id`, either `event` or `body` (bytes),
    `invocation_type` (None = the server's default) and `context`. RequestError names the problem."""
    if len(obj) == 2 and "event" in obj and type(obj.get("id")) is int:  # the common case, checked at once
        return {"id": obj["id"], "event": obj["event"], "invocation_type": None, "context": None}
    frame_id = frame_id_of(obj)
    if "id" not in obj:
        raise RequestError('the request has no "id": send {"id": 1, "event": {...}}; the response carries the same id')
    if frame_id is None:
        raise RequestError('"id" must be a string or a number, got %s' % kind_word(obj["id"]))
    unknown = sorted(key for key in obj if key not in REQUEST_FIELDS)
    if unknown:
        raise RequestError("unknown field%s %s in the request; the fields are %s" % (
            "s" if len(unknown) > 1 else "", ", ".join('"%s"' % key for key in unknown),
            ", ".join(REQUEST_FIELDS)), frame_id)
    request = {"id": frame_id, "invocation_type": obj.get("invocation_type"), "context": obj.get("context")}
    if ("event" in obj) == ("event_b64" in obj):
        raise RequestError('the request needs exactly one of "event" (a JSON value) or "event_b64" (base64 of raw '
                           'bytes), got %s' % ("both" if "event" in obj else "neither"), frame_id)
    if "event" in obj:
        request["event"] = obj["event"]
    else:
        request["body"] = decode_base64(obj["event_b64"], frame_id)
    if request["invocation_type"] is not None and request["invocation_type"] not in INVOCATION_TYPES:
        raise RequestError('"invocation_type" must be "RequestResponse" or "Event", got %s'
                           % json.dumps(request["invocation_type"]), frame_id)
    if request["context"] is not None and not isinstance(request["context"], dict):
        raise RequestError('"context" must be a JSON object of context fields to override, got %s'
                           % kind_word(request["context"]), frame_id)
    return request


def check_request(payload):
    """A caller's request frame (its payload) decoded and checked: (the request as validate_request gives it, None), or
    (None, a RequestError naming the problem and carrying the frame's id when it could be read)."""
    try:
        return validate_request(decode(payload)), None
    except RequestError as exc:
        return None, exc
    except FrameError as exc:  # not a JSON object: no id to read
        return None, RequestError(exc.text)


def decode_base64(value, frame_id):
    import base64
    import binascii
    if not isinstance(value, string_types):
        raise RequestError('"event_b64" must be a string of base64, got %s' % kind_word(value), frame_id)
    if len(value) % 4 or not BASE64_TEXT.match(value):
        raise RequestError('"event_b64" is not valid base64 (standard alphabet A-Z a-z 0-9 + /, padded with = '
                           'to a multiple of 4 characters)', frame_id)
    try:
        return base64.b64decode(value)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise RequestError('"event_b64" is not valid base64: %s' % exc, frame_id)
