"""What to run (`Invocation`) and what happened (`Outcome`), and how an invocation's outcome is concluded.

An Outcome knows its two public renderings: the bytes a one-shot run prints and `POST /invoke`
returns (`output_bytes`), and the response frame of the framed protocol (`frame_payload`).
`conclude` fills in an outcome and gives the provider's closing log lines, for the supervisor and the worker alike.
"""
from __future__ import absolute_import, division, print_function

import binascii
import json
import os

from .compat import integer_types, to_bytes, to_text
from .errors import Failure, OUT_OF_MEMORY, PROCESS_EXITED, PayloadTooLarge, TIMEOUT
from .protocol import dumps
from .providers import PAYLOAD_LIMIT

#: A successful response frame's fields after the log, up to its JSON result (`Outcome.frame_rest`).
SUCCESS_FIELDS = ('"id":%d,"request_id":"%s","ok":true,"duration_ms":%.3f,"billed_duration_ms":%d,'
                  '"max_memory_used_mb":%.2f,%s"result":')
INSTANCE_FIELD = '"instance":%d,'
#: How a response frame's payload starts: its log comes first (`join_frame`).
LOG_FIELD = b'{"log":'
#: How many times its JSON text a decoded event can grow when encoded compactly again ("9e15" is
#: "9000000000000000.0"; "\u00e9" where a lone surrogate forces ASCII): a request frame under PAYLOAD_LIMIT / 5
#: cannot hold an event over the limit, so its size need not be measured.
MAX_EXPANSION = 5
#: Failures the supervisor detects; their message is a log line of its own, as the clouds print it.
STOPPED = (TIMEOUT, OUT_OF_MEMORY, PROCESS_EXITED)


class RequestIds(object):
    """Random request ids, drawn from the system's random source `batch` at a time (a server draws 64: one system
    call instead of one per invocation). Style "uuid": UUID4 strings, without importing `uuid` (slow to import on
    3.6); "base36": 32 characters of [0-9a-z], as JD Cloud's request ids look (sca doc/usage/invoke.md, logs.md)."""

    #: The variant nibble of a UUID4 is binary 10xx: any hex digit maps onto 8, 9, a or b.
    VARIANT = dict(zip("0123456789abcdef", "89ab89ab89ab89ab"))
    #: A random byte -> one of 36 characters (bytes.translate; the bias of 256 % 36 is no concern for an id).
    BASE36 = bytes(bytearray(bytearray(b"0123456789abcdefghijklmnopqrstuvwxyz")[b % 36] for b in range(256)))

    def __init__(self, batch=64, style=None):
        self.batch = batch
        self.style = style or DEFAULT_STYLE[0]
        self.pool = ""
        self.used = 0

    def __call__(self):
        if self.used >= len(self.pool):
            data = os.urandom(16 * self.batch if self.style == "uuid" else 32 * self.batch)
            self.pool = to_text(binascii.hexlify(data) if self.style == "uuid" else data.translate(self.BASE36))
            self.used = 0
        h = self.pool[self.used:self.used + 32]
        self.used += 32
        if self.style != "uuid":
            return h
        return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], self.VARIANT[h[16]], h[17:20], h[20:])


#: The style of new_request_id() in this process (one provider per process: the supervisor sets it).
DEFAULT_STYLE = ["uuid"]


def use_request_id_style(style):
    DEFAULT_STYLE[0] = style


def new_request_id():
    """One random request id of this process's style."""
    return RequestIds(1)()


def event_size(event, body=None):
    """The size of an event as the clouds count it: its raw bytes (`body`), else its compact JSON."""
    return len(body) if body is not None else len(dumps(event))


def may_exceed_limit(frame_size):
    """Whether a request frame of `frame_size` bytes (its declared length) can hold an event over the limit: only
    such a frame needs its event measured, and that is done where decoding costs the function nothing (the
    supervisor), never in the worker (issue 11: decoding it there could cost the function its memory)."""
    return frame_size * MAX_EXPANSION > PAYLOAD_LIMIT


def size_failure(event, body=None, frame_size=None):
    """The PayloadTooLarge failure of an event over the clouds' 6 MB request limit, else None. `frame_size`, the size
    of the request frame the event came in, spares measuring an event that cannot be near the limit."""
    if frame_size is not None and not may_exceed_limit(frame_size):
        return None
    size = event_size(event, body)
    if size <= PAYLOAD_LIMIT:
        return None
    return PayloadTooLarge("the event is %d bytes, over the 6 MB (%d bytes) request limit; send a smaller event"
                           % (size, PAYLOAD_LIMIT)).failure()


class Invocation(object):
    """One request. `event` is a decoded JSON value; `body` raw bytes (one of the two is set)."""

    __slots__ = ("event", "body", "invocation_type", "context", "request_id", "http")

    def __init__(self, event=None, body=None, invocation_type="RequestResponse", context=None, request_id=None,
                 http=None):
        self.event = event
        self.body = body
        self.http = http  # an HTTP function's request (httpfunction.request_params), its body in `body`
        self.invocation_type = invocation_type
        self.context = context
        self.request_id = request_id or new_request_id()

    def payload_size(self):
        return event_size(self.event, self.body)

    def size_failure(self):
        """The PayloadTooLarge failure of an event over the clouds' 6 MB request limit, else None."""
        return size_failure(self.event, self.body)

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
        if self.http is not None:
            message["http"] = self.http
        return message


class Outcome(object):
    """The result of one invocation.

    `result_kind` is "json" (`result` is JSON text), "text" (a str returned raw), "bytes" (bytes
    returned raw), "http" (an HTTP function's response as JSON text: httpfunction.call) or None (no result: an error,
    or an Event invocation).
    """

    def __init__(self, request_id, ok, result_kind=None, result=None, error=None, error_type=None, log="",
                 duration_ms=0.0, billed_duration_ms=0, max_memory_used_mb=0.0, init_duration_ms=None,
                 invocation_type="RequestResponse", instance=None):
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
        self.instance = instance  # the number of the pool's instance that ran it (serving); None one-shot

    def output_bytes(self):
        """What one-shot prints on stdout and `POST /invoke` answers with."""
        if not self.ok:
            return to_bytes(json.dumps(self.error))
        if self.invocation_type == "Event" or self.result_kind is None:
            return b""
        if self.result_kind == "http":
            from .httpfunction import response_bytes
            return response_bytes(self.result)
        return to_bytes(self.result)

    def shown_result(self):
        """The result as the provider's closing log line shows it."""
        if self.result_kind in ("json", "text"):
            return self.result
        return "<%d bytes>" % len(self.result) if self.result_kind == "bytes" else ""

    def frame_payload(self, frame_id):
        """The response frame's JSON payload: `{"log":...,` then `frame_rest`."""
        return join_frame(dumps(self.log), self.frame_rest(frame_id))

    def frame_rest(self, frame_id):
        """Every field of the response frame but the log, as JSON without its opening brace (so that a log can be
        put in front: `join_frame`). A JSON result is spliced in without re-encoding."""
        if (self.ok and self.result_kind == "json" and self.init_duration_ms is None and self.invocation_type != "Event"
                and isinstance(frame_id, integer_types) and not isinstance(frame_id, bool)):
            # the common case, formatted rather than encoded: several times cheaper than a dict through json
            instance = "" if self.instance is None else INSTANCE_FIELD % self.instance
            return to_bytes(SUCCESS_FIELDS % (frame_id, self.request_id, self.duration_ms, self.billed_duration_ms,
                                              self.max_memory_used_mb, instance)) + to_bytes(self.result) + b"}"
        fields = {"id": frame_id, "request_id": self.request_id, "ok": self.ok,
                  "duration_ms": round(self.duration_ms, 3), "billed_duration_ms": self.billed_duration_ms,
                  "max_memory_used_mb": round(self.max_memory_used_mb, 2)}
        if self.instance is not None:
            fields["instance"] = self.instance
        if self.init_duration_ms is not None:
            fields["init_duration_ms"] = round(self.init_duration_ms, 3)
        if not self.ok:
            fields["error"] = self.error
            fields["error_type"] = self.error_type
        elif self.invocation_type == "Event" or self.result_kind is None:
            fields["result"] = None
        elif self.result_kind == "bytes":
            import base64
            fields["result_b64"] = to_text(base64.b64encode(self.result))
        elif self.result_kind == "text":
            fields["result"] = to_text(self.result)
        else:
            return dumps(fields)[1:-1] + b',"result":' + to_bytes(self.result) + b"}"
        return dumps(fields)[1:]


def join_frame(log_json, rest):
    """A response frame's payload from its log (JSON text, bytes) and `Outcome.frame_rest`."""
    return LOG_FIELD + log_json + b"," + rest


def frame_rest_of(frame, log_json_size):
    """`Outcome.frame_rest` out of a whole response frame (its 4-byte header included) made by `join_frame`, whose log
    as JSON was `log_json_size` bytes."""
    return frame[4 + len(LOG_FIELD) + log_json_size + 1:]


def conclude(outcome, provider, config, duration_ms, max_memory_mb, failure=None):
    """Fill in the outcome's durations, memory and (with a Failure) its error; the provider's closing log lines."""
    outcome.duration_ms = duration_ms
    outcome.billed_duration_ms = provider.billed(duration_ms)
    outcome.max_memory_used_mb = max_memory_mb
    if failure is None:
        outcome.ok = True
        return provider.end_lines(outcome.request_id, outcome, config, outcome.shown_result())
    outcome.ok = False
    outcome.error_type = failure.error_type
    outcome.error = provider.error_body(failure, outcome.request_id)
    lines = [provider.log_line(outcome.request_id, failure.message)] if failure.error_type in STOPPED else []
    return lines + provider.end_lines(outcome.request_id, outcome, config, "")


def error_outcome(provider, error_type, message, request_id=None):
    """An Outcome for a request that was not run (bad request, shutting down), in the provider's error shape."""
    request_id = request_id or new_request_id()
    error = provider.error_body(Failure(error_type, message), request_id)
    return Outcome(request_id, ok=False, error=error, error_type=error_type)
