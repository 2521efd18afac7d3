"""The framed protocol served on a connection (`--serve stdio|unix:PATH|tcp:HOST:PORT`, contract section 5).

Bytes in go through protocol.FrameParser; each request frame becomes a FrameJob, kept as it came: a warm worker checks
and runs it (Supervisor.forward_call), otherwise it is decoded and checked here and run through `invoke_call`. A
frame that cannot be used becomes a FrameErrorJob (an InvalidRequest error frame); a fatal one closes the connection.
"""
from __future__ import absolute_import, division, print_function

from .compat import to_bytes
from .config import async_event_limit, async_event_problem
from .connection import Connection, Job, STALL_SECONDS
from .errors import INVALID_REQUEST, SERVER_ERROR, SHUTTING_DOWN, TOO_MANY_REQUESTS, PayloadTooLarge
from .invocation import MAX_EXPANSION, Invocation, event_size
from .protocol import FrameError, FrameParser, decode, pack_payload
from .requestframe import RequestError, frame_id_of, validate_request


class FrameJob(Job):
    """A request frame, kept as it came: a warm worker checks and runs it (Supervisor.forward_call); otherwise it is
    decoded and checked here and run through Supervisor.invoke_call."""

    def __init__(self, payload):
        self.payload = payload
        self.size = len(payload)
        self.forwarded = True  # False once it runs through invoke_call (its result then is an Outcome)
        self.frame_id = None

    def call(self, server, supervisor):
        refusal = self.async_refusal(server)
        if refusal is not None:
            return refusal
        call = supervisor.forward_call(self.payload)
        if call is not None:
            return call
        request, error = self.checked()
        if error is not None:
            return error.immediate(server)
        self.forwarded, self.frame_id = False, request["id"]
        return supervisor.invoke_call(Invocation(
            event=request.get("event"), body=request.get("body"), context=request["context"],
            invocation_type=request["invocation_type"] or server.config.invocation_type))

    def ahead(self, server, supervisor):
        if self.async_refusal(server) is not None:
            return None
        return supervisor.prefetch_call(self.payload)

    def finish(self, server, result):
        if not self.forwarded:
            server.echo(result.log)
            return pack_payload(result.frame_payload(self.frame_id))
        if result.response is None:
            result.response = pack_payload(result.outcome.frame_payload(result.frame_id))
            result.log = to_bytes(result.outcome.log)
        server.echo(result.log)
        return result.response

    def async_refusal(self, server):
        """The PayloadTooLarge answer of an asynchronous (Event) request whose event is over the provider's async
        limit (JD's 128 KB), before any worker holds it; else None. Only a frame that can hold such an event is
        decoded here (MAX_EXPANSION: a smaller one cannot)."""
        config = server.config
        limit = async_event_limit(config.provider)
        if limit is None or self.size * MAX_EXPANSION <= limit:
            return None
        request, error = self.checked()
        if error is not None:
            return None  # the worker or invoke_call answers it as InvalidRequest
        problem = async_event_problem(config.provider, request["invocation_type"] or config.invocation_type,
                                      event_size(request.get("event"), request.get("body")))
        if problem is None:
            return None
        return pack_payload(server.error_outcome(PayloadTooLarge.error_type, problem).frame_payload(request["id"]))

    def checked(self):
        """(the checked request, None) or (None, the FrameErrorJob answering a request that cannot be used)."""
        obj = None
        try:
            obj = decode(self.payload)
            return validate_request(obj), None
        except RequestError as exc:
            return None, FrameErrorJob(exc.text, exc.frame_id)
        except FrameError as exc:
            return None, FrameErrorJob(exc.text, frame_id_of(obj))

    def not_run(self, server, error_type, message):
        request, error = self.checked()
        if error is not None:
            return error.immediate(server)
        return pack_payload(server.error_outcome(error_type, message).frame_payload(request["id"]))

    def refuse(self, server):
        return self.not_run(server, SHUTTING_DOWN, "the server is shutting down (SIGTERM); this request was not run: "
                                                   "send it again")

    def throttle(self, server):
        return self.not_run(server, TOO_MANY_REQUESTS, server.throttle_message())

    def fail(self, server, message):
        obj = None
        try:
            obj = decode(self.payload)
        except FrameError:
            pass
        return pack_payload(server.error_outcome(SERVER_ERROR, message).frame_payload(frame_id_of(obj)))


class FrameErrorJob(Job):
    """An InvalidRequest answer for a frame that could not be used."""

    def __init__(self, message, frame_id=None, close_after=False):
        self.message = message
        self.frame_id = frame_id
        self.close_after = close_after

    def immediate(self, server):
        return pack_payload(server.error_outcome(INVALID_REQUEST, self.message).frame_payload(self.frame_id))

    def refuse(self, server):
        return self.immediate(server)

    def fail(self, server, message):
        return pack_payload(server.error_outcome(SERVER_ERROR, message).frame_payload(self.frame_id))

    def fail_run(self, server):
        return self.fail(server, self.message)


class FramedConnection(Connection):
    def __init__(self, *args, **kwargs):
        Connection.__init__(self, *args, **kwargs)
        self.parser = FrameParser()

    def parse(self, data):
        return [self.job_for(item) for item in self.parser.feed(data)]

    def job_for(self, item):
        if isinstance(item, FrameError):
            if item.fatal:
                self.exit_status = 1
            return FrameErrorJob(item.text, close_after=item.fatal)
        return FrameJob(item)

    def at_eof(self):
        error = self.parser.end_of_stream()
        if error is None:
            return []
        self.exit_status = 1
        return [FrameErrorJob(error.text, close_after=True)]

    def partial(self):
        return self.parser.partial

    def broken(self):
        self.exit_status = 1
        self.parser.broken = True
        job = FrameErrorJob("internal error of the runtime while reading this frame (see the server's standard "
                            "error); closing the connection", close_after=True)
        job.immediate = job.fail_run
        return job

    def stalled(self):
        self.exit_status = 1
        return FrameErrorJob("incomplete frame: nothing arrived for %d seconds in the middle of a frame; closing the "
                             "connection" % STALL_SECONDS, close_after=True)

