"""The log of one invocation as the supervisor collects it from the worker's log pipe.

Streamed as it comes (one-shot: to standard error) or buffered up to a cap (serving: it goes into the response), with
the provider's framing lines (START, END, REPORT...) always kept, each on a line of its own.
"""
from __future__ import absolute_import, division, print_function

from .compat import to_bytes, to_text

#: Logs kept per invocation when buffering (serve modes); framing lines are always kept.
LOG_CAP_BYTES = 1024 * 1024


class LogSink(object):
    """Collects one invocation's log: streams it (one-shot) or buffers it up to a cap (serving)."""

    def __init__(self, stream=None, cap=LOG_CAP_BYTES, prefix=None):
        self.stream = stream
        self.cap = cap
        self.prefix = prefix  # None, or a function giving the bytes put before each line the function writes
        self.parts = []
        self.size = 0
        self.dropped = 0
        self.at_line_start = True

    def write(self, data):
        """What the function wrote (each line after the provider's prefix, if it has one)."""
        if not data:
            return
        if self.prefix is not None:
            data = prefixed(data, self.prefix(), self.at_line_start)
        self.store(data)

    def store(self, data):
        self.at_line_start = data.endswith(b"\n")
        if self.stream is not None:
            self.stream.write(data)
            self.stream.flush()
            return
        room = self.cap - self.size
        if room <= 0:
            self.dropped += len(data)
            return
        if len(data) > room:
            self.dropped += len(data) - room
            data = data[:room]
        self.parts.append(data)
        self.size += len(data)

    def lines(self, lines):
        """Framing lines: always kept, each on a line of its own."""
        if not lines:
            return
        text = ("" if self.at_line_start else "\n") + "".join(line + "\n" for line in lines)
        data = to_bytes(text)
        if self.stream is not None:
            self.store(data)
        else:
            self.parts.append(data)
            self.at_line_start = True

    def with_opening(self, opening):
        """A copy of this log with `opening` (text: whole lines) in front of it, as if written first."""
        sink = LogSink(self.stream, self.cap, self.prefix)
        sink.parts = [to_bytes(opening)] + self.parts
        sink.size, sink.dropped = self.size, self.dropped
        sink.at_line_start = self.at_line_start if self.parts else True
        return sink

    def text(self):
        if self.dropped:
            self.lines(["[fnruntime: %d bytes of log dropped over the %d-byte limit per invocation]"
                        % (self.dropped, self.cap)])
            self.dropped = 0
        return to_text(b"".join(self.parts))


def prefixed(data, prefix, at_line_start):
    """`data` with `prefix` before each line that starts in it (the first one only if a line starts there)."""
    ended = data.endswith(b"\n")
    body = (data[:-1] if ended else data).replace(b"\n", b"\n" + prefix)
    return (prefix if at_line_start else b"") + body + (b"\n" if ended else b"")
