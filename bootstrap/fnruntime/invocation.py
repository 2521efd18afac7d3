"""What to run (`Invocation`) and what happened (`Outcome`).

An Outcome knows its two public renderings: the bytes a one-shot run prints and `POST /invoke`
returns (`output_bytes`), and the response frame of the framed protocol (`frame_payload`).
"""
from __future__ import absolute_import, division, print_function

import binascii
import json
import os

from .compat import to_bytes, to_text
from .protocol import dumps


def new_request_id():
    """A random UUID4 string, without importing `uuid` (slow to import on 3.6)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = to_text(binascii.hexlify(bytes(raw)))
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


class Invocation(object):
    """One request. `event` is a decoded JSON value; `body` raw bytes (one of the two is set)."""

    __slots__ = ("event", "body", "invocation_type", "context", "request_id")

    def __init__(self, event=None, body=None, invocation_type="RequestResponse", context=None, request_id=None):
        self.event = event
        self.body = body
        self.invocation_type = invocation_type
        self.context = context
        self.request_id = request_id or new_request_id()

    def payload_size(self):
        if self.body is not None:
            return len(self.body)
        return len(dumps(self.event))

    def worker_message(self):
        """The frame sent to the worker."""
        message = {"request_id": self.request_id, "invocation_type": self.invocation_type}
        if self.body is not None:
            import base64
            message["body_b64"] = to_text(base64.b64encode(self.body))
        else:
            message["event"] = self.event
        if self.context:
            message["context"] = self.context
        return message


class Outcome(object):
    """The result of one invocation.

    `result_kind` is "json" (`result` is JSON text), "text" (a str returned raw), "bytes" (bytes
    returned raw) or None (no result: an error, or an Event invocation).
    """

    def __init__(self, request_id, ok, result_kind=None, result=None, error=None, error_type=None, log="",
                 duration_ms=0.0, billed_duration_ms=0, max_memory_used_mb=0.0, init_duration_ms=None,
                 invocation_type="RequestResponse"):
        self.request_id = request_id
        self.ok = ok
        self.result_kind = result_kind
        self.result = result
        self.error = error
        self.error_type = error_type
        self.log = log
        self.duration_ms = duration_ms
        self.billed_duration_ms = billed_duration_ms
        self.max_memory_used_mb = max_memory_used_mb
        self.init_duration_ms = init_duration_ms
        self.invocation_type = invocation_type

    def output_bytes(self):
        """What one-shot prints on stdout and `POST /invoke` answers with."""
        if not self.ok:
            return to_bytes(json.dumps(self.error))
        if self.invocation_type == "Event" or self.result_kind is None:
            return b""
        return to_bytes(self.result)

    def frame_payload(self, frame_id):
        """The response frame's JSON payload; a JSON result is spliced in without re-encoding."""
        fields = {"id": frame_id, "request_id": self.request_id, "ok": self.ok, "log": self.log,
                  "duration_ms": round(self.duration_ms, 3), "billed_duration_ms": self.billed_duration_ms,
                  "max_memory_used_mb": round(self.max_memory_used_mb, 2)}
        if self.init_duration_ms is not None:
            fields["init_duration_ms"] = round(self.init_duration_ms, 3)
        if not self.ok:
            fields["error"] = self.error
            fields["error_type"] = self.error_type
            return dumps(fields)
        if self.invocation_type == "Event" or self.result_kind is None:
            fields["result"] = None
            return dumps(fields)
        if self.result_kind == "bytes":
            import base64
            fields["result_b64"] = to_text(base64.b64encode(self.result))
            return dumps(fields)
        if self.result_kind == "text":
            fields["result"] = to_text(self.result)
            return dumps(fields)
        head = dumps(fields)
        return head[:-1] + b',"result":' + to_bytes(self.result) + b"}"
