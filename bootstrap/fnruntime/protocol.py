"""The framed protocol: one JSON object per frame, length-prefixed.

Used between callers and `--serve stdio|unix:|tcp:` and between the supervisor and its worker.
Frames are read through a `recv(n)` callable so sockets, pipes and file descriptors share one reader.

    offset  size  field
    ------  ----  ------------------------------------------------
    0       4     N, unsigned 32-bit big-endian: length of payload
    4       N     payload: one JSON object, UTF-8 encoded
"""
from __future__ import absolute_import, division, print_function

import json
import os
import struct

from .compat import text_type, to_bytes

HEADER = struct.Struct(">I")
#: The clouds take 6 MB synchronous payloads; a 6 MiB event sent as `event_b64` is 8 MiB of base64.
MAX_FRAME_BYTES = 9 * 1024 * 1024
#: What a client accepts back: a result up to the payload limit plus its log and metadata.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class FrameError(Exception):
    """A frame could not be read or decoded. `fatal` means the stream cannot be resynchronised."""

    def __init__(self, message, fatal=False):
        super(FrameError, self).__init__(message)
        self.fatal = fatal


def pack(obj):
    """One frame holding `obj` (a dict) as compact JSON."""
    return pack_payload(dumps(obj))


def pack_payload(payload):
    payload = to_bytes(payload)
    return HEADER.pack(len(payload)) + payload


def dumps(obj):
    """Compact JSON text, non-ASCII kept as UTF-8."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return to_bytes(text) if isinstance(text, text_type) else text


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
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameError("frame payload is not valid UTF-8: %s" % exc)
    try:
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
    view = memoryview(data)
    while len(view):
        try:
            written = os.write(fd, view)
        except (IOError, OSError) as exc:
            if getattr(exc, "errno", None) == 4:
                continue
            raise
        view = view[written:]
