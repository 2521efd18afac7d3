"""The framed protocol: one JSON object per frame, length-prefixed.

Used between callers and `--serve stdio|unix:|tcp:` and between the supervisor and its worker.
Frames are read through a `recv(n)` callable (blocking) or fed to a `FrameParser` (incremental, for the
servers); requestframe.py checks a caller's request frame and names what is wrong with it.

    offset  size  field
    ------  ----  ------------------------------------------------
    0       4     N, unsigned 32-bit big-endian: length of payload
    4       N     payload: one JSON object, UTF-8 encoded

Between the supervisor and a warm worker two more payload kinds spare re-encoding (see `pack_forward`,
`pack_rendered`): they start with a letter, never with `{`.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import re
import struct

from .compat import PY2, decode_utf8, text_type, to_bytes

HEADER = struct.Struct(">I")
#: The clouds take 6 MB synchronous payloads; a 6 MiB event sent as `event_b64` is 8 MiB of base64.
MAX_FRAME_BYTES = 9 * 1024 * 1024
#: What a client accepts back: a result up to the payload limit plus its log and metadata.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class FrameError(Exception):
    """A frame could not be read or decoded. `fatal` means the stream cannot be resynchronised."""

    def __init__(self, message, fatal=False):
        super(FrameError, self).__init__(message)
        self.text = message  # the message as text on every version (str() of a unicode message fails on 2.7)
        self.fatal = fatal


def pack(obj):
    """One frame holding `obj` (a dict) as compact JSON."""
    return pack_payload(dumps(obj))


def pack_payload(payload):
    payload = to_bytes(payload)
    return HEADER.pack(len(payload)) + payload


#: Made once: json.dumps with options other than the defaults builds a new JSONEncoder on every call, which costs
#: more than encoding a small frame (3x on 3.7). Encoders keep no state between calls.
COMPACT_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
COMPACT_ASCII_ENCODER = json.JSONEncoder(separators=(",", ":"))


#: json.loads without its wrapper calls, for the usual payload that starts with "{" (one per invocation).
DECODER = json.JSONDecoder()
#: A surrogate code point as 2.7's UTF-8 codec writes it (not UTF-8: decode_utf8 rejects it).
ENCODED_SURROGATE = re.compile(b"\xed[\xa0-\xbf]")
JSON_WHITESPACE = " \t\n\r"


def dumps(obj):
    """Compact JSON bytes, non-ASCII kept as UTF-8 (escaped as \\uXXXX when a string holds a lone surrogate)."""
    text = COMPACT_ENCODER.encode(obj)
    try:
        data = to_bytes(text) if isinstance(text, text_type) else text
    except UnicodeEncodeError:
        return to_bytes(COMPACT_ASCII_ENCODER.encode(obj))
    if PY2 and b"\xed" in data and ENCODED_SURROGATE.search(data):  # 2.7's codec encodes lone surrogates
        return to_bytes(COMPACT_ASCII_ENCODER.encode(obj))
    return data


# -- supervisor <-> worker: a client's request forwarded as it came, the response rendered by the worker ---------------

FORWARD = b"F"  # a client's request frame
FORWARD_HTTP = b"H"  # the body of an HTTP POST /invoke, after a line "INVOCATION_TYPE KEEP_ALIVE(0|1)"
RENDERED = b"R"
#: To the worker on SIGTERM: a request handed ahead (pipeline.py) that has not begun is answered `{"phase":
#: "skipped"}` instead of run; one that began is unaffected, and a cancel with nothing to cancel is dropped.
CANCEL_AHEAD = b"C"
#: After RENDERED: sizes of the response (a frame, header included, or an HTTP response), of the frame's log as JSON
#: text (0 for HTTP), of the log text, and of the log's opening lines within it. The response, then the log, follow.
RENDERED_HEADER = struct.Struct(">IIII")


def pack_forward(kind, request_id, payload):
    """The frame handing a request (bytes, not decoded) of `kind` (FORWARD, FORWARD_HTTP) and its request id to the
    worker."""
    return HEADER.pack(len(payload) + len(request_id) + 2) + kind + request_id.encode("ascii") + b"\n" + payload


def unpack_forward(payload):
    """(kind, request id, request) from a forwarded request's payload."""
    request_id, _, request = payload[1:].partition(b"\n")
    return payload[:1], request_id.decode("ascii"), request


def pack_rendered(frame, log_json_size, log, opening_size):
    """The worker's answer to a forwarded request: the finished response frame (its payload starts with the log as
    JSON, `{"log":...,`), and the log as text (UTF-8) with the size of its opening lines, for the supervisor to put
    what the function printed between those and the closing lines when it has to."""
    body = RENDERED + RENDERED_HEADER.pack(len(frame), log_json_size, len(log), opening_size) + frame + log
    return HEADER.pack(len(body)) + body


def unpack_rendered(payload):
    """(frame, log JSON size, log text bytes, opening size) from a RENDERED payload."""
    frame_size, log_json_size, log_size, opening_size = RENDERED_HEADER.unpack_from(payload, 1)
    start = 1 + RENDERED_HEADER.size
    return (payload[start:start + frame_size], log_json_size, payload[start + frame_size:start + frame_size + log_size],
            opening_size)


def read_exact(recv, size):
    """Read exactly `size` bytes with `recv(n)`; returns fewer only when the stream ends."""
    chunks = []
    remaining = size
    while remaining:
        chunk = recv(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_payload(recv, max_bytes=MAX_FRAME_BYTES):
    """The next frame's payload bytes, or None when the stream ended cleanly between frames."""
    header = read_exact(recv, HEADER.size)
    if not header:
        return None
    if len(header) < HEADER.size:
        raise FrameError("truncated frame header: got %d of 4 length bytes before the stream ended" % len(header),
                         fatal=True)
    (length,) = HEADER.unpack(header)
    if length > max_bytes:
        raise FrameError("frame of %d bytes is over the limit of %d bytes (6 MB payload limit); "
                         "send a smaller event" % (length, max_bytes), fatal=True)
    payload = read_exact(recv, length)
    if len(payload) < length:
        raise FrameError("truncated frame: length says %d bytes, the stream ended after %d" % (length, len(payload)),
                         fatal=True)
    return payload


def decode(payload):
    """The JSON object inside a payload; FrameError (not fatal) when it is not UTF-8 JSON of an object."""
    try:
        text = decode_utf8(payload)
    except UnicodeDecodeError as exc:
        raise FrameError("frame payload is not valid UTF-8: %s" % exc)
    try:
        if text[:1] == "{":
            obj, end = DECODER.raw_decode(text)
            if end != len(text) and text[end:].strip(JSON_WHITESPACE):
                obj = json.loads(text)  # raises json's own "Extra data" error
        else:
            obj = json.loads(text)
    except ValueError as exc:
        raise FrameError("frame payload is not valid JSON: %s" % exc)
    if not isinstance(obj, dict):
        raise FrameError("frame payload must be a JSON object, got %s" % type(obj).__name__)
    return obj


def read_frame(recv, max_bytes=MAX_FRAME_BYTES):
    """The next frame decoded to a dict, or None at a clean end of stream."""
    payload = read_payload(recv, max_bytes)
    if payload is None:
        return None
    return decode(payload)


def fd_reader(fd):
    """A `recv(n)` over a file descriptor (pipes, stdin)."""
    def recv(size):
        while True:
            try:
                return os.read(fd, size)
            except (IOError, OSError) as exc:
                if getattr(exc, "errno", None) == 4:  # EINTR on 2.7
                    continue
                raise
    return recv


def write_all_fd(fd, data):
    try:  # the usual case: one write takes it all
        written = os.write(fd, data)
    except (IOError, OSError) as exc:
        if getattr(exc, "errno", None) != 4:
            raise
        written = 0
    if written == len(data):
        return
    view = memoryview(data)[written:]
    while len(view):
        try:
            written = os.write(fd, view)
        except (IOError, OSError) as exc:
            if getattr(exc, "errno", None) == 4:
                continue
            raise
        view = view[written:]


# -- incremental reading (servers) -----------------------------------------------------------------

#: A frame over MAX_FRAME_BYTES but at most this long is answered and skipped (the stream stays in step);
#: a longer length is taken for garbage (a desynchronised or non-protocol client) and ends the connection.
DISCARD_LIMIT_BYTES = 64 * 1024 * 1024
#: What the first four bytes of an HTTP request look like when mistaken for a frame length.
HTTP_METHOD_PREFIXES = (b"GET ", b"POST", b"PUT ", b"HEAD", b"DELE", b"OPTI", b"PATC", b"CONN", b"TRAC", b"PRI ")


class FrameParser(object):
    """Turns bytes, fed in pieces of any size, into frame payloads.

    `feed(data)` returns a list of items: payload bytes, or a FrameError for a frame that is over the
    limit (`fatal` when the stream cannot be kept in step). `partial` is true while a frame is incomplete.
    """

    def __init__(self, max_bytes=MAX_FRAME_BYTES, discard_limit=DISCARD_LIMIT_BYTES):
        self.max_bytes = max_bytes
        self.discard_limit = discard_limit
        self.header = b""
        self.length = None
        self.chunks = []
        self.size = 0
        self.discarding = 0
        self.broken = False

    @property
    def partial(self):
        return bool(self.header) or self.length is not None or self.discarding > 0

    def feed(self, data):
        if (self.length is None and not self.header and not self.discarding and not self.broken
                and len(data) >= HEADER.size and HEADER.unpack_from(data)[0] == len(data) - HEADER.size
                and len(data) - HEADER.size <= self.max_bytes):
            return [data[HEADER.size:]]  # the common case: exactly one whole frame
        items = []
        view = memoryview(data)
        while len(view) and not self.broken:
            if self.discarding:
                skip = min(self.discarding, len(view))
                self.discarding -= skip
                view = view[skip:]
            elif self.length is None:
                need = HEADER.size - len(self.header)
                self.header += view[:need].tobytes()
                view = view[need:]
                if len(self.header) == HEADER.size:
                    self.start_frame(items)
            else:
                take = min(self.length - self.size, len(view))
                self.chunks.append(view[:take].tobytes())
                self.size += take
                view = view[take:]
                if self.size == self.length:
                    items.append(b"".join(self.chunks))
                    self.length, self.chunks, self.size = None, [], 0
        return items

    def start_frame(self, items):
        header, self.header = self.header, b""
        (length,) = HEADER.unpack(header)
        if length <= self.max_bytes:
            self.length = length
            if length == 0:
                self.length = None
                items.append(b"")
            return
        if header in HTTP_METHOD_PREFIXES:
            self.broken = True
            items.append(FrameError("this looks like an HTTP request (\"%s...\"), but this address speaks the framed "
                                    "protocol (4-byte big-endian length, then UTF-8 JSON); serve HTTP with "
                                    "--serve http:HOST:PORT" % header.decode("latin-1"), fatal=True))
        elif length > self.discard_limit:
            self.broken = True
            items.append(FrameError("frame length %d is over the limit of %d bytes (6 MB payload limit) and too "
                                    "large to skip; closing the connection: a frame starts with its payload length "
                                    "as 4 bytes, big-endian" % (length, self.max_bytes), fatal=True))
        else:
            self.discarding = length
            items.append(FrameError("frame of %d bytes is over the limit of %d bytes (6 MB payload limit); it was "
                                    "skipped: send a smaller event" % (length, self.max_bytes)))

    def end_of_stream(self):
        """A FrameError describing the incomplete frame at the end of the stream, or None."""
        if self.broken or not self.partial:
            return None
        if self.length is None and not self.discarding:
            return FrameError("truncated frame header: got %d of 4 length bytes before the stream ended"
                              % len(self.header), fatal=True)
        if self.discarding:
            return None  # the over-limit frame was answered already
        return FrameError("truncated frame: length says %d bytes, the stream ended after %d"
                          % (self.length, self.size), fatal=True)


class FrameReader(object):
    """Frames from a stream read in large pieces (between the supervisor and its worker, one read of a pipe usually
    holds a whole frame)."""

    READ_BYTES = 65536  # a pipe's capacity

    def __init__(self, recv, max_bytes):
        self.recv = recv
        self.parser = FrameParser(max_bytes=max_bytes)
        self.pending = []

    def next_payload(self, more=None):
        """The next frame's payload, a FrameError for a frame over the limit, or None when the stream ends first. The
        first read is `recv`; any further one `more` (default `recv`)."""
        recv = self.recv
        while not self.pending:
            data = recv(self.READ_BYTES)
            if not data:
                return None
            self.pending.extend(self.parser.feed(data))
            recv = more or self.recv
        return self.pending.pop(0)
