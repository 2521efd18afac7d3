"""The worker: the forked child that loads the user's module once and runs invocations one at a time.

It talks to the supervisor in frames over two pipes (requests on fd 3, answers on fd 4): it reads worker messages
(invocation.Invocation.worker_message) and answers with phase messages:
`loaded` | `load_failed` once, `initialized` | `initializer_failed` when asked to `initialize`, and
`result` for each invocation; a client's request forwarded as it came (warm, serving) it answers with the
finished response frame (protocol.pack_forward, pack_rendered).
fd 1 and 2 are the log pipe (fd 5 keeps a copy to restore them from: isolation.py). `run` never returns: it ends
with os._exit.
"""
from __future__ import absolute_import, division, print_function

import os
import sys

from . import logs, memory
from .compat import monotonic, to_bytes, to_text
from .context import apply_overrides
from .errors import Failure, FunctionError, INVALID_REQUEST, InitializerError, PROCESS_EXITED, ResultTooLarge, safe_str
from .invocation import Outcome, conclude, error_outcome, join_frame
from .isolation import CONSOLE_FD, LOG_FD, REQUEST_FD, RESPONSE_FD, isolate, restore_log_fds, set_code_paths
from .loader import load_handler, parse_handler
from .protocol import (CANCEL_AHEAD, FORWARD, FORWARD_HTTP, FrameError, FrameReader, MAX_RESPONSE_BYTES, decode, dumps,
                       fd_reader, pack, pack_payload, pack_rendered, unpack_forward, write_all_fd)
from .providers import PAYLOAD_LIMIT

#: The kinds of forwarded requests, and those handed ahead to a busy worker (pipeline.flagged).
AHEAD = (FORWARD.lower(), FORWARD_HTTP.lower())
FORWARDS = (FORWARD, FORWARD_HTTP) + AHEAD
#: An answer smaller than this cannot have raised the kernel's peak noticeably while it was rendered.
ANSWER_AT_REST = 64 * 1024
#: Results larger than this are rendered by the supervisor, as on a cold start, not by the worker: rendering copies
#: the result several times, which would count against the function's memory limit.
RENDER_LIMIT = 1024 * 1024


class Worker(object):
    def __init__(self, config, provider, code_dir, runtime_dir, instance=None):
        self.config = config
        self.instance = instance
        self.label = "the zip package %s" % config.zip_path if config.zip_path else None
        self.provider = provider
        self.code_dir = code_dir
        self.runtime_dir = runtime_dir
        self.state = logs.RequestState()
        self.recv = fd_reader(REQUEST_FD)
        self.requests = FrameReader(self.recv, MAX_RESPONSE_BYTES)  # forwarded requests are a little over a frame
        self.http = None  # httpresponse, once an HTTP request came
        self.check_request = None  # requestframe.check_request, once a request frame came
        #: select.select and pipeline.start_marker, imported once a request came handed ahead (never one-shot)
        self.select = self.start_marker = None
        self.handler = None
        self.flush_c = None
        self.pid = os.getpid()
        #: Whether the kernel's peak needs no reset before the next invocation (memory.PEAK_AT_REST after a small
        #: answer: an answer over ANSWER_AT_REST bytes, or any other message, may have raised it since).
        self.peak_at_rest = False

    def send(self, message):
        self.peak_at_rest = False
        logs.flush_standard_streams(self.flush_c)
        write_all_fd(RESPONSE_FD, pack(message))

    def prepare(self):
        logs.redirect_standard_streams()
        self.flush_c = logs.c_stdio_flusher()
        logs.install_root_logger(self.provider, self.state)
        self.provider.prepare_interpreter()  # keeps what the lines above set up
        set_code_paths(self.provider, self.code_dir, self.config.layers, self.runtime_dir)
        for key, value in self.provider.runtime_environment(self.config).items():
            os.environ.setdefault(key, value)
        self.make_context = self.provider.context_factory(self.config, os.environ)
        self.provider.sanitise_environment(os.environ)  # after the context took what it needs from it
        os.environ.pop("FUNCTION_PROVIDER", None)  # ours (the image's default profile), not the cloud's: read already
        try:
            os.chdir(self.code_dir)
        except OSError:
            pass

    def load(self):
        if self.config.debug_port:
            from . import debugger  # only with --debug-port: the cold start without it does not pay for it
            try:
                debugger.start(self.config, CONSOLE_FD)
            except FunctionError as exc:
                self.fail("load_failed", exc)
                return False
        started = monotonic()
        try:
            name = parse_handler(self.config.handler, self.provider.wording)
            self.handler = load_handler(self.code_dir, name, self.provider.wording, self.label)
        except FunctionError as exc:
            self.fail("load_failed", exc)
            return False
        self.send({"phase": "loaded", "init_ms": (monotonic() - started) * 1000.0})
        return True

    def fail(self, phase, exc, error_type=None, prefix=""):
        failure = exc.failure(sys.exc_info()[2], error_type, prefix)
        self.write_traceback(failure)
        self.send({"phase": phase, "failure": failure.to_dict(), "memory_kb": memory_kb()})

    def write_traceback(self, failure):
        restore_log_fds()
        logs.flush_standard_streams(self.flush_c)
        if failure.traceback:
            write_all_fd(2, failure.traceback.encode("utf-8", "replace"))

    def initialize(self, request_id, overrides):
        """Run the initializer once per cold start (aliyun's `initializer(context)`)."""
        started = monotonic()
        self.state.request_id = request_id  # the root logger's records carry the initializer's own id
        try:
            name = parse_handler(self.config.initializer, self.provider.wording)
            function = load_handler(self.code_dir, name, self.provider.wording, self.label)
            function(apply_overrides(self.make_context(request_id), overrides))
            self.leave_if_forked(0)
        except SystemExit as exc:
            self.leave_if_forked(exit_status(exc.code))
            self.exit_failure(exc)
        except FunctionError as exc:
            self.fail("initializer_failed", exc, InitializerError.error_type, "Module initialization error: ")
            return False
        except BaseException as exc:
            self.leave_if_forked(1, Failure.from_exception(exc, sys.exc_info()[2]))
            error = InitializerError(self.provider.initializer_message(
                self.config.initializer, type(exc).__name__, safe_str(exc)), exc, sys.exc_info()[2])
            self.fail("initializer_failed", error)
            return False
        self.send({"phase": "initialized", "ms": (monotonic() - started) * 1000.0})
        return True

    def invoke(self, message):
        """An invocation message of the supervisor (cold starts, one-shot): answer with a `result` message."""
        self.send(encode_result(self.execute(message["request_id"], message, message.get("invocation_type"),
                                             message.get("context"))))

    def execute(self, request_id, source, invocation_type, overrides):
        """Run the handler once on the event in `source` (`event`, `body` or `body_b64`): a `result` message, the
        result not yet encoded. A sys.exit in user code answers and ends the process here."""
        self.state.request_id = request_id
        restore_log_fds()
        if not self.peak_at_rest:
            memory.reset_peak(self.pid)
        started = monotonic()
        try:
            event = self.provider.event_from_message(source)
            context = apply_overrides(self.make_context(request_id), overrides)
            if self.config.function_type == "http":
                kind, payload = "http", self.call_http_function(event, context, source.get("http"))
                self.leave_if_forked(0)
            else:
                value = self.handler(event, context)
                self.leave_if_forked(0)
                kind, payload = (None, None) if invocation_type == "Event" else self.provider.serialise(value)
            if invocation_type == "Event":
                kind, payload = None, None
            elif len(payload) > PAYLOAD_LIMIT:
                raise ResultTooLarge("the function's result is %d bytes, over the 6 MB (%d bytes) response "
                                     "limit" % (len(payload), PAYLOAD_LIMIT))
        except SystemExit as exc:
            self.leave_if_forked(exit_status(exc.code))
            self.exit_failure(exc)
        except BaseException as exc:
            failure = Failure.from_exception(exc, sys.exc_info()[2])
            self.leave_if_forked(1, failure)
            self.write_traceback(failure)
            return {"phase": "result", "ok": False, "failure": failure.to_dict(),
                    "duration_ms": (monotonic() - started) * 1000.0, "memory_kb": memory.own_kb(self.pid)}
        return {"phase": "result", "ok": True, "kind": kind, "result": payload,
                "duration_ms": (monotonic() - started) * 1000.0, "memory_kb": memory.own_kb(self.pid)}

    def call_http_function(self, body, context, request):
        """An FC HTTP function on one request (an event that came without one, over the framed protocol or
        POST /invoke, is a `POST /` with the event as its body)."""
        from . import httpfunction
        request = request or {"method": "POST", "path": "/", "request_uri": "/", "headers": []}
        return httpfunction.call(self.handler, body, context, request)

    def answer_forwarded(self, forwarded):
        """A client's request frame forwarded as it came (warm, serving): check it as the server would, run it, and
        answer with the finished response frame and the invocation's log lines (protocol.pack_rendered)."""
        kind, request_id, payload = unpack_forward(forwarded)
        if kind in AHEAD:  # handed ahead while the one before ran (pipeline.py): the log says where it starts
            if self.start_marker is None:  # imported at the first (a one-shot run never needs them)
                import select
                from .pipeline import start_marker
                self.select, self.start_marker = select.select, start_marker
            if self.ahead_cancelled():
                return self.send({"phase": "skipped"})
            write_all_fd(LOG_FD, self.start_marker(request_id))
            kind = kind.upper()
        if kind == FORWARD_HTTP:
            return self.answer_http(request_id, payload)
        if self.check_request is None:  # imported at the first forwarded frame (a one-shot run never needs it)
            from .requestframe import check_request
            self.check_request = check_request
        request, error = self.check_request(payload)
        if error is not None:
            outcome = error_outcome(self.provider, INVALID_REQUEST, error.text, request_id)
            return self.send_rendered(outcome, error.frame_id, "", [])
        invocation_type = request["invocation_type"] or self.config.invocation_type
        outcome = Outcome(request_id, ok=False, invocation_type=invocation_type, instance=self.instance)
        opening = self.provider.start_line(request_id) + "\n"
        closing = self.run_outcome(outcome, request, request["context"])
        if closing is not None:
            self.send_rendered(outcome, request["id"], opening, closing)

    def answer_http(self, request_id, payload):
        """The body of an HTTP `POST /invoke` (after a line: invocation type, keep-alive): run it and answer with the
        finished HTTP response and the invocation's log."""
        if self.http is None:
            from . import httpresponse  # imported by the HTTP server that forked this worker already
            self.http = httpresponse
        line, _, body = payload.partition(b"\n")
        invocation_type, keep_alive = line.decode("ascii").split(" ")
        source = {"event": {}} if self.provider.name != "aliyun" and not body.strip() else {"body": body}
        outcome = Outcome(request_id, ok=False, invocation_type=invocation_type, instance=self.instance)
        opening = self.provider.start_line(request_id) + "\n"
        closing = self.run_outcome(outcome, source, None)
        if closing is None:
            return
        status, headers, body = self.http.outcome_response(self.config, outcome, invocation_type)
        response = self.http.render(status, headers, body, keep_alive == "1")
        opening = opening.encode("utf-8")
        self.write_answer(pack_rendered(response, 0, opening + log_text("", closing).encode("utf-8"), len(opening)))

    def run_outcome(self, outcome, source, overrides):
        """Run the handler on the event in `source` and conclude `outcome`; the provider's closing log lines. None
        when the result is too large to render here: it went to the supervisor as a `result` message, which renders
        it, so that the function's memory limit pays for no copies of the response."""
        reply = self.execute(outcome.request_id, source, outcome.invocation_type, overrides)
        if reply["ok"] and reply["kind"] is not None and len(reply["result"]) > RENDER_LIMIT:
            self.send(encode_result(reply))
            return None
        failure = None if reply["ok"] else Failure.from_dict(reply["failure"])
        if failure is None:
            outcome.result_kind = reply["kind"]
            outcome.result = to_text(reply["result"]) if reply["kind"] in ("json", "text", "http") else reply["result"]
        return conclude(outcome, self.provider, self.config, reply["duration_ms"], reply["memory_kb"] / 1024.0,
                        failure)

    def send_rendered(self, outcome, frame_id, opening, closing_lines):
        text = log_text(opening, closing_lines)
        log_json = dumps(text)
        self.write_answer(pack_rendered(pack_payload(join_frame(log_json, outcome.frame_rest(frame_id))),
                                        len(log_json), to_bytes(text), len(to_bytes(opening))))

    def write_answer(self, answer):
        """Flush what the function printed into the log pipe, then answer (the supervisor relies on that order)."""
        logs.flush_standard_streams(self.flush_c)
        self.peak_at_rest = memory.PEAK_AT_REST[0] and len(answer) < ANSWER_AT_REST
        written = os.write(RESPONSE_FD, answer)
        if written < len(answer):  # a large answer: the pipe takes it in pieces
            write_all_fd(RESPONSE_FD, answer[written:])

    def leave_if_forked(self, status, failure=None):
        """A copy of the worker forked by user code (os.fork without exec) that came back into the runtime by
        returning, raising or sys.exit: it must neither answer nor serve (only the worker answers its invocation), so
        it ends here as a forked script would, its traceback in the log."""
        if os.getpid() == self.pid:
            return
        if failure is not None:
            self.write_traceback(failure)
        logs.flush_standard_streams(self.flush_c)
        os._exit(status)

    def exit_failure(self, exc):
        """sys.exit in user code: report it, then really exit (the supervisor replaces this worker)."""
        code = exc.code
        status = exit_status(code)
        failure = Failure(PROCESS_EXITED, "Process exited unexpectedly before completing request "
                                          "(sys.exit(%r): exit status %d)" % (code, status), "SystemExit",
                          traceback_text="")
        self.send({"phase": "result", "ok": False, "failure": failure.to_dict(), "memory_kb": memory_kb()})
        os._exit(status)

    def ahead_cancelled(self):
        """Whether a cancel (the server stopping) follows the request handed ahead, read without waiting."""
        pending = self.requests.pending
        if not pending:
            if not self.select([REQUEST_FD], [], [], 0)[0]:
                return False
            pending.extend(self.requests.parser.feed(os.read(REQUEST_FD, self.requests.READ_BYTES)))
        if pending and pending[0] == CANCEL_AHEAD:
            pending.pop(0)
            return True
        return False

    def next_payload(self):
        """The supervisor's next message (its payload); None when the supervisor is gone."""
        item = self.requests.next_payload()
        if isinstance(item, FrameError):
            raise item
        return item

    def serve(self):
        if not self.load():
            return
        while True:
            payload = self.next_payload()
            if payload is None:
                return
            if payload[:1] in FORWARDS:
                self.answer_forwarded(payload)
                continue
            if payload == CANCEL_AHEAD:  # it came after the request it was to cancel had begun
                continue
            message = decode(payload)
            if message.get("initialize"):
                if not self.initialize(message["request_id"], message.get("context")):
                    return
                continue
            self.invoke(message)


def log_text(opening, closing_lines):
    """An invocation's log as the worker renders it: its opening line(s) and the closing lines."""
    return opening + "\n".join(closing_lines) + "\n" if closing_lines else opening


def encode_result(reply):
    """A `result` message ready for JSON: the result as text, or as base64 when it is bytes."""
    if reply.get("kind") == "bytes":
        import base64
        reply["result_b64"] = to_text(base64.b64encode(reply.pop("result")))
    elif reply.get("kind") is not None:
        reply["result"] = to_text(reply["result"])
    return reply


def exit_status(code):
    """The process exit status of sys.exit(code)."""
    if code is None:
        return 0
    return code & 0xFF if isinstance(code, int) and not isinstance(code, bool) else 1


def memory_kb(pid=None):
    """This worker's figure of the memory rule (memory.py) now: itself and the processes it started."""
    return memory.own_kb(pid)


def run(config, provider, code_dir, runtime_dir, request_fd, response_fd, log_fd, parent, instance=None):
    """Entry point in the forked child (`instance`: its number in the serve pool, shown in each answer; `parent`: the
    supervisor's pid). Never returns."""
    status = 0
    try:
        isolate(request_fd, response_fd, log_fd, parent, console=bool(config.debug_port))
        worker = Worker(config, provider, code_dir, runtime_dir, instance)
        worker.prepare()
        worker.serve()
    except BaseException:  # the runtime's own failure: say so on the log pipe and end
        status = 70
        try:
            import traceback
            os.write(2, ("fnruntime worker failed: %s\n" % traceback.format_exc()).encode("utf-8", "replace"))
        except Exception:
            pass
    finally:
        logs.flush_standard_streams()
        os._exit(status)
