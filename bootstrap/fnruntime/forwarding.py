"""The serve pool's instances: a Supervisor with the warm fast path, a client's request handed to the worker as it
came and the response the worker rendered handed back, rebuilt only when the function printed something or the
worker did not render (a timeout, a memory overrun, an exit, a result too large for it).

One-shot runs never forward, and never import this module (cli.py uses `supervisor.Supervisor`). The forwarding
calls (`forward_call`; `prefetch_call`, pipeline.py) end in a `calls.Forwarded`, exactly one whatever happens.
"""
from __future__ import absolute_import, division, print_function

from .calls import Done, Forwarded
from .compat import monotonic, to_bytes, to_text
from .errors import INVALID_REQUEST, PROCESS_EXITED
from .invocation import Outcome, error_outcome, frame_rest_of, join_frame, may_exceed_limit
from .logsink import LogSink
from .protocol import FORWARD, FORWARD_HTTP, dumps, pack_forward, pack_payload, unpack_rendered, write_all_fd
from .requestframe import check_request
from .supervisor import Supervisor

#: pipeline.prefetch_call once the first request was handed ahead (imported then: one-shot runs never need it).
PREFETCH = []


class ServingSupervisor(Supervisor):
    """A Supervisor of the serve pool (pool.py): `invoke_call` for cold starts and whatever the worker must not take
    as it came, `forward_call` for the rest."""

    def __init__(self, *args, **kwargs):
        Supervisor.__init__(self, *args, **kwargs)
        # a request handed ahead to the busy worker (pipeline.py): its log's sink until it runs, and the log reader
        # that splits the log pipe between the two (MarkerSplit) while it waits
        self.next_sink = self.split = None
        self.forwarding_now = False  # the call running is a forwarded request's (only such may have one ahead)

    def pump_logs(self, w):
        """Move whatever the worker has written to its log pipe into the invocation's log (through the marker split
        while a request is handed ahead)."""
        (w or self.worker).pump_logs(self.split or self.sink)

    def forward_call(self, payload, http=None):
        """Serve a request in the warm worker without decoding it here: a client's request frame (its JSON payload),
        or with `http` = (invocation type, keep-alive) the body of an HTTP `POST /invoke`. A call ending in a
        Forwarded, exactly one whatever happens; None when there is no warm worker, or when the frame is large enough
        to hold an event over the limit (use `invoke_call`: the caller decodes and measures it here, and the worker
        never holds a refused event). An HTTP body over the limit was refused from its Content-Length already."""
        w = self.worker
        if w is None or self.preloaded is not None or self.log_stream is not None or (
                http is None and may_exceed_limit(len(payload))):
            return None  # (a preloaded worker's first request reports the cold start: `invoke_call`)
        self.reap()
        if w.status is not None:
            return None  # died while idle: `invoke` replaces it
        return self.forwarding(w, payload, http)

    def forward_message(self, payload, http, ahead=False):
        """(request id, the frame handing `payload` to the worker); `ahead`: flagged as handed to a busy worker."""
        request_id = self.request_ids()
        kind, body = (FORWARD, payload) if http is None else (FORWARD_HTTP, ("%s %d\n" % http).encode("ascii") + payload)
        return request_id, pack_forward(kind.lower() if ahead else kind, request_id, body)  # handed ahead: pipeline.py

    def forwarding(self, w, payload, http):
        request_id, message = self.forward_message(payload, http)
        sink = LogSink(prefix=self.provider.line_prefix(request_id))
        self.sink, self.forwarding_now = sink, True
        try:
            started = monotonic()
            try:
                write_all_fd(w.request_fd, message)
            except (IOError, OSError):
                message = self.stop_worker(PROCESS_EXITED, 0, started)
            else:
                message = yield self.config.timeout
            yield Done(self.forward_result(request_id, payload, http, message, sink, started))
        finally:
            self.sink, self.forwarding_now = None, False

    def forward_result(self, request_id, payload, http, message, sink, started):
        if message.get("phase") == "rendered":
            return self.rendered(message["payload"], sink, http is not None)
        return self.unrendered(request_id, payload, http, message, sink, (monotonic() - started) * 1000.0)

    def prefetch_call(self, payload, http=None):
        """Hand a request to the worker while it runs another: pipeline.prefetch_call (serving only: not imported by
        a one-shot run)."""
        if not PREFETCH:
            from .pipeline import prefetch_call
            PREFETCH.append(prefetch_call)
        return PREFETCH[0](self, payload, http)

    def rendered(self, answer, printed, http):
        """The response the worker rendered, with what the function printed put into its log if anything was (an
        HTTP response does not hold its log: only the log changes then)."""
        response, log_json_size, log, opening_size = unpack_rendered(answer)
        if not printed.parts and not printed.dropped:
            return Forwarded(response, log)
        sink = printed.with_opening(to_text(log[:opening_size]))
        closing = to_text(log[opening_size:])  # whole lines, each ending with "\n"
        sink.lines(closing[:-1].split("\n") if closing else [])
        text = sink.text()
        if not http:
            response = pack_payload(join_frame(dumps(text), frame_rest_of(response, log_json_size)))
        return Forwarded(response, to_bytes(text))

    def unrendered(self, request_id, payload, http, message, printed, elapsed_ms):
        """The outcome when the worker did not render a response: a result too large for it to render, or it timed
        out, ran out of memory, exited or died."""
        if http is None:
            request, error = check_request(payload)
            if error is not None:  # checked by the worker already: only if it died before it could answer that
                outcome = error_outcome(self.provider, INVALID_REQUEST, error.text, request_id)
                return Forwarded(outcome=outcome, frame_id=error.frame_id)
            frame_id, invocation_type = request["id"], request["invocation_type"] or self.config.invocation_type
        else:
            frame_id, invocation_type = None, http[0]
        outcome = Outcome(request_id, ok=False, invocation_type=invocation_type, instance=self.instance)
        sink = printed.with_opening(self.provider.start_line(request_id) + "\n")
        self.conclude_message(outcome, message, sink, elapsed_ms)
        return Forwarded(outcome=outcome, frame_id=frame_id)

