"""A request handed to a busy instance's worker ahead of time, so that the worker starts it the moment it answers the
one it runs instead of waiting for the server to turn round.

While every instance runs a forwarded request, the queue's next request (forwardable, small enough for the empty
pipe: PIPELINE_BYTES) is written at once, flagged (the protocol's kind in lower case), to the instance that started
its own the earliest; one request at most is ahead at any time, the oldest waiting, so requests still begin in
arrival order. Its call (`prefetched_call`) starts its deadline only when the one before has answered: the instance
then takes it up (`Pool.finished`). When another instance is free first, the request is read back out of the
worker's pipe (`take_back`: the pipe is opened a second time, for reading, from /proc/self/fd) and runs there, so
that it never waits behind a slow invocation while an instance is idle; a request the worker has read already is
its own. Where /proc cannot reopen a pipe, a request is handed ahead only with `--instances 1` (`can_take_back`).

The worker writes `start_marker(request id)` to its log pipe when it starts a flagged request; the supervisor's log
reader (`MarkerSplit`) gives what came before the marker to the invocation before and the rest to the flagged one,
so each invocation's log holds what it printed. A worker that ends before the marker came never started the flagged
request: it is put back at the head of the queue (NOT_STARTED) and runs on a fresh instance, as it would have had it
waited in the queue.
"""
from __future__ import absolute_import, division, print_function

import fcntl
import os
import struct
import termios

from .calls import Done
from .compat import monotonic, signal, to_bytes
from .invocation import may_exceed_limit
from .logsink import LogSink
from .protocol import CANCEL_AHEAD, pack_payload, write_all_fd

#: The largest forward message handed ahead: the worker's request pipe is empty then (it read the running request
#: whole), so a write this size never blocks the server.
PIPELINE_BYTES = 32 * 1024
#: The result of a flagged request's call when its worker ended before starting it.
NOT_STARTED = object()


def start_marker(request_id):
    """What the worker writes to its log pipe as it starts a flagged request."""
    return b"\x00fnruntime-start:" + to_bytes(request_id) + b"\x00"


class MarkerSplit(object):
    """The supervisor's log reader while a flagged request is in the worker's pipe: bytes before its start marker go
    to the sink of the invocation running when they were read (`supervisor.sink`), the marker is dropped, the rest
    goes to the flagged request's sink (`supervisor.next_sink`, or `supervisor.sink` once it is the running one). A
    marker cut across two reads is held back until it is whole."""

    def __init__(self, supervisor, marker, size):
        self.supervisor = supervisor
        self.marker = marker
        self.size = size  # the bytes of the flagged request's message in the worker's pipe (take_back)
        self.held = b""
        self.seen = False
        self.claimed = False  # the worker read it: it is not to be taken back

    def write(self, data):
        s = self.supervisor
        if self.seen:
            (s.next_sink or s.sink).write(data)
            return
        data = self.held + data
        at = data.find(self.marker)
        if at >= 0:
            self.held, self.seen = b"", True
            if s.next_sink is None and s.split is self:  # it runs already: a next one may be handed ahead now
                s.split = None
            if at and s.sink is not None:
                s.sink.write(data[:at])
            rest = data[at + len(self.marker):]
            if rest:
                (s.next_sink or s.sink).write(rest)
            return
        keep = 0
        for size in range(min(len(self.marker) - 1, len(data)), 0, -1):
            if data.endswith(self.marker[:size]):
                keep = size
                break
        self.held = data[len(data) - keep:] if keep else b""
        if len(data) > keep and s.sink is not None:
            s.sink.write(data[:len(data) - keep])


def prefetch_call(supervisor, payload, http=None):
    """Hand a request (a request frame, or with `http` an HTTP body) to `supervisor`'s worker while it runs a
    forwarded one: its call, or None when it cannot go ahead (no warm worker, one handed already, a frame too large
    for the empty pipe or large enough to hold an event over the limit)."""
    w = supervisor.worker
    if w is None or w.status is not None or not supervisor.forwarding_now or supervisor.split is not None or (
            http is None and may_exceed_limit(len(payload))):
        return None
    request_id, message = supervisor.forward_message(payload, http, ahead=True)
    if len(message) > PIPELINE_BYTES:
        return None
    try:
        write_all_fd(w.request_fd, message)
    except (IOError, OSError):
        return None
    split = supervisor.split = MarkerSplit(supervisor, start_marker(request_id), len(message))
    supervisor.next_sink = LogSink(prefix=supervisor.provider.line_prefix(request_id))
    return prefetched_call(supervisor, request_id, payload, http, supervisor.next_sink, split, supervisor.forward_result)


def reopen_for_reading(fd):
    """A second descriptor reading the pipe that `fd` writes, non-blocking on its own (an open file of its own)."""
    return os.open("/proc/self/fd/%d" % fd, os.O_RDONLY | os.O_NONBLOCK)


def can_take_back():
    """Whether this system lets a request handed ahead be read back (`take_back`)."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return False
    try:
        os.close(reopen_for_reading(write_end))
        return True
    except OSError:
        return False
    finally:
        os.close(read_end)
        os.close(write_end)


def take_back(supervisor):
    """Read the request handed ahead to `supervisor`'s worker back out of the worker's request pipe: True when it is
    back (the worker never sees it, and runs what it runs); False when the worker read it, or began it: it runs there.
    The pipe holds exactly that message when the worker has read everything before it; the worker's reads take all
    the pipe holds (FrameReader.READ_BYTES is a pipe's capacity, over PIPELINE_BYTES), so the message goes whole to
    one of the two readers."""
    split, w = supervisor.split, supervisor.worker
    if split is None or split.seen or split.claimed or w is None or w.status is not None:
        return False
    try:
        back = reopen_for_reading(w.request_fd)
    except OSError:
        return False
    try:
        waiting = struct.unpack("i", fcntl.ioctl(back, termios.FIONREAD, b"\0\0\0\0"))[0]
        if waiting != split.size:  # fewer: the worker has it; more: it has not read all of the one it runs yet
            split.claimed = waiting < split.size
            return False
        data = os.read(back, split.size)
    except (IOError, OSError):
        split.claimed = True  # EAGAIN: the worker read it in the meantime
        return False
    finally:
        os.close(back)
    supervisor.split = supervisor.next_sink = None
    if len(data) < split.size:  # cannot happen (see above); the worker would wait for the rest: it ends instead
        os.kill(w.pid, signal.SIGKILL)
    return True


def cancel_ahead(supervisor):
    """On SIGTERM: tell the worker not to begin a request handed ahead (it answers "skipped", and its call ends
    NOT_STARTED: the request is answered ShuttingDown, as a queued one is); one that began finishes."""
    w = supervisor.worker
    if w is not None and w.status is None:
        try:
            write_all_fd(w.request_fd, pack_payload(CANCEL_AHEAD))
        except (IOError, OSError):
            pass


def prefetched_call(supervisor, request_id, payload, http, sink, split, result):
    """The call of a flagged request, already written to the worker: its first step (the deadline) comes when the
    instance takes it up. `split` reads the log until its start marker came; `result(request_id, payload, http,
    message, sink, started)` is the forwarded call's end."""
    try:
        started = monotonic()
        supervisor.sink, supervisor.next_sink, supervisor.forwarding_now = sink, None, True
        if split.seen and supervisor.split is split:
            supervisor.split = None  # it has begun: a next request may be handed ahead while it runs
        message = yield supervisor.config.timeout
        if supervisor.split is split:
            supervisor.split = None
        if message.get("phase") == "skipped" or message.get("phase") == "stopped" and not split.seen:
            yield Done(NOT_STARTED)  # its worker ended before it began: it runs elsewhere
            return
        yield Done(result(request_id, payload, http, message, sink, started))
    finally:
        supervisor.sink, supervisor.forwarding_now = None, False
