"""A request handed to a busy instance's worker ahead of time (`--instances 1`), so that the worker starts it the
moment it answers the one it runs instead of waiting for the server to turn round.

With one instance every request runs on that one worker, one at a time, in arrival order, whether it waits in the
server's queue or in the worker's request pipe: so while the worker runs a forwarded request, the queue's next
request (forwardable, small enough for the empty pipe: PIPELINE_BYTES) is written to it at once, flagged (the
protocol's kind in lower case). Its call (`prefetched_call`) starts its deadline only when the one before has
answered: the instance then takes it up (`Pool.finished`).

The worker writes `start_marker(request id)` to its log pipe when it starts a flagged request; the supervisor's log
reader (`MarkerSplit`) gives what came before the marker to the invocation before and the rest to the flagged one,
so each invocation's log holds what it printed. A worker that ends before the marker came never started the flagged
request: it is put back at the head of the queue (NOT_STARTED) and runs on a fresh instance, as it would have had it
waited in the queue. With more than one instance a request waits in the server's queue until one is free: handing it
to a busy one could make it wait behind a slow invocation while another instance is idle.
"""
from __future__ import absolute_import, division, print_function

from .calls import Done
from .compat import monotonic, to_bytes
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

    def __init__(self, supervisor, marker):
        self.supervisor = supervisor
        self.marker = marker
        self.held = b""
        self.seen = False

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
    split = supervisor.split = MarkerSplit(supervisor, start_marker(request_id))
    supervisor.next_sink = LogSink(prefix=supervisor.provider.line_prefix(request_id))
    return prefetched_call(supervisor, request_id, payload, http, supervisor.next_sink, split, supervisor.forward_result)


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
