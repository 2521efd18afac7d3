"""The supervisor: one function instance. It runs each invocation in its forked worker and turns whatever happens
into an Outcome.

It never runs user code. It enforces the timeout and the memory limit, frames the invocation's log
as the provider does, survives any way the worker can die, and replaces a dead worker with a fresh
(cold) one on the next invocation. `Supervisor.invoke` always returns exactly one Outcome; serving, its subclass
`forwarding.ServingSupervisor` hands a warm client's request frame or HTTP body to the worker as it came and returns
the response the worker rendered, rebuilding it only when something was printed or went wrong.

Both are calls: generators (`invoke_call`, `forwarding.ServingSupervisor.forward_call`) that yield how many seconds
to wait for the worker's next message and are sent that message (or the failure message of a timeout, memory overrun
or exit), ending with `Done(result)`. `invoke` drives a call here, blocking on the worker (one-shot); the serve loop's
pool drives the same calls from its poll events (`take_answer`, `check_worker`), so that it never waits on a function.
"""
from __future__ import absolute_import, division, print_function

import errno
import os

from . import providers
from .calls import Done
from .compat import monotonic
from .errors import Failure, OUT_OF_MEMORY, PROCESS_EXITED, TIMEOUT
from .invocation import Outcome, RequestIds, conclude
from .loader import unpack_zip
from .logsink import LogSink
from .processtree import adopt_orphans, until_reaped
from .protocol import FrameError, RENDERED, decode, pack, write_all_fd
from .workerprocess import POLL_SECONDS, AnswerTimeout, WorkerProcess, describe_status, reap_children


class Supervisor(object):
    """`instance`: its number in the pool (shown in each answer), None one-shot. A pool shares one `code_dir` (the zip
    unpacked once, by the first instance: `unpacked`) and one `request_ids` among its instances."""

    def __init__(self, config, log_stream=None, instance=None, code_dir=None, request_ids=None):
        self.config = config
        self.provider = providers.get(config.provider)
        self.log_stream = log_stream
        self.instance = instance
        self.unpacked = unpack_zip(config.zip_path) if config.zip_path and code_dir is None else None
        self.code_dir = code_dir or self.unpacked or config.code_dir
        self.worker = None
        self.sink = None  # the running invocation's log
        self.request_ids = request_ids or RequestIds(style=self.provider.request_id_style)
        # cold starts: whether one imported the handler, the failure of the last one that did not, and the `loaded`
        # message of a worker started ahead of any request (preload.Preload), which the first request takes as its own
        self.imported = False
        self.load_failure = None
        self.preloaded = None

    # -- worker lifecycle -----------------------------------------------------------------------
    def spawn(self):
        """Fork a fresh worker. OSError when no process or descriptor can be had; nothing is left open then."""
        self.worker = WorkerProcess.start(self.config, self.provider, self.code_dir, self.instance)
        if self.log_stream is None:  # serving: see processtree.adopt_orphans
            adopt_orphans()
        return self.worker

    def reap(self, block=False):
        """Collect exited children (as PID 1 in a container, orphans too); with `block`, until this worker exited."""
        reap_children(self.worker if block else None)

    def kill(self):
        """End the instance (the worker and every process it started: processtree); forget it."""
        w = self.worker
        if w is None:
            return
        killed = w.family.end(worker_alive=w.status is None)
        if w.status is None:
            self.reap(block=True)
        until_reaped(killed, self.reap)  # each holds a slot of the process limit until reaped
        self.retire()

    def retire(self):
        w = self.worker
        if w is None:
            return
        self.pump_logs(None)
        for fd in (w.request_fd, w.response_fd, w.log_fd):
            os.close(fd)
        self.worker = None
        self.preloaded = None

    def close(self):
        self.kill()
        if self.unpacked:
            import shutil
            shutil.rmtree(self.unpacked, ignore_errors=True)

    # -- one invocation -------------------------------------------------------------------------
    def invoke(self, invocation):
        return self.drive(self.invoke_call(invocation))

    def drive(self, call):
        """Run a call to its end here, waiting for the worker's messages (blocking)."""
        step = next(call)
        while not isinstance(step, Done):
            step = call.send(self.wait(step))
        call.close()
        return step.value

    def invoke_call(self, invocation):
        sink = LogSink(self.log_stream, prefix=self.provider.line_prefix(invocation.request_id))
        self.sink = sink
        try:
            run = self.run(invocation, sink)
            step = next(run)
            while not isinstance(step, Done):
                step = run.send((yield step))
            yield step
        finally:
            self.sink = None

    def run(self, invocation, sink):
        provider, config = self.provider, self.config
        outcome = Outcome(invocation.request_id, ok=False, invocation_type=invocation.invocation_type,
                          instance=self.instance)
        too_large = invocation.size_failure()
        if too_large is not None:
            sink.lines([provider.start_line(invocation.request_id)])
            yield Done(self.finish(outcome, too_large, sink, 0.0))
            return
        self.reap()
        if self.worker is not None and self.worker.status is not None:
            self.kill()  # died while idle (a thread or child it left behind, a signal from outside)
        preloaded, self.preloaded = (self.preloaded, None) if self.worker is not None else (None, None)
        cold = self.worker is None or preloaded is not None
        message = None
        start_line = provider.start_line(invocation.request_id)
        if cold:
            init_id = self.request_ids() if config.initializer else None  # FC gives the initializer its own id
            sink.lines(provider.cold_start_lines())
            sink.lines(provider.initializer_lines(init_id, "start") if config.initializer else [start_line])
            if preloaded is not None:
                message = preloaded
            else:
                try:
                    self.spawn()
                except OSError as exc:
                    yield Done(self.finish(outcome, self.start_failure(exc), sink, 0.0))
                    return
                # with a debugger awaited before user code runs, as long as the person takes to attach
                message = yield self.load_seconds()
                self.loaded(message)
            if message.get("phase") == "loaded":
                outcome.init_duration_ms = message["init_ms"]
                message = None
                if config.initializer:
                    message = self.send({"initialize": True, "request_id": init_id, "context": invocation.context})
                    if message is None:
                        message = yield config.initializer_timeout
                    message = self.initializer_failure(message)
            if config.initializer:
                sink.lines(provider.initializer_lines(init_id, "end", failed=message is not None))
                sink.lines([start_line])
            if outcome.init_duration_ms is not None:
                sink.lines(provider.init_lines(invocation.request_id, outcome.init_duration_ms))
        else:
            sink.lines([start_line])
        if message is None:
            message = self.send(invocation.worker_message())
        started = monotonic()
        if message is None:
            message = yield config.timeout
        yield Done(self.conclude_message(outcome, message, sink, (monotonic() - started) * 1000.0))

    def load_seconds(self):
        config = self.config
        # importing the user's module may take longer than the invocation timeout (tensorflow...): --load-timeout
        return float("inf") if config.debug_port and config.debug_wait else max(config.load_timeout, config.timeout)

    def loaded(self, message):
        """Note how a cold start ended (readiness, cluster.py). A timeout then is the load limit's, said so."""
        if message.get("phase") == "loaded":
            self.imported, self.load_failure = True, None
        else:
            failure = message.get("failure")
            if isinstance(failure, Failure) and failure.error_type == TIMEOUT:
                module = self.config.handler.rsplit(".", 1)[0]
                failure.message = self.provider.load_timeout_message(module, self.load_seconds())
            self.load_failure = failure if isinstance(failure, Failure) or failure is None \
                else Failure.from_dict(failure)

    def conclude_message(self, outcome, message, sink, elapsed_ms):
        """The outcome from the worker's `result` message or a failure message."""
        if message.get("ok"):
            return self.succeed(outcome, message, sink)
        failure = message["failure"]
        if not isinstance(failure, Failure):
            failure = Failure.from_dict(failure)
        if failure.error_type == PROCESS_EXITED or message.get("phase") != "result":
            self.kill()  # the worker reported a fatal failure and is ending (or must end)
        return self.finish(outcome, failure, sink, message.get("duration_ms", elapsed_ms), message)

    def send(self, message):
        """Send a message to the worker: None, or a failure message if the worker is gone."""
        try:
            write_all_fd(self.worker.request_fd, pack(message))
            return None
        except (IOError, OSError):
            return self.stop_worker(PROCESS_EXITED, 0, monotonic())

    @staticmethod
    def initializer_failure(message):
        """The worker's answer to `initialize` (aliyun's initializer): None when it succeeded, else a failure message."""
        if message.get("phase") == "initialized":
            return None
        failure = message["failure"]
        if isinstance(failure, Failure):  # stopped by the supervisor: timeout, memory, exit
            message["failure"] = Failure("InitializerError", "Module initialization error: %s" % failure.message)
        return message

    def wait(self, seconds):
        """The worker's next message, pumping its log meanwhile; or a failure message if it timed out,
        went over its memory limit or died."""
        w = self.worker
        started = monotonic()
        deadline = started + seconds
        hold = None
        if self.config.debug_port:
            from .debugger import Hold
            hold = Hold(self.config.debug_port)
        while True:
            if hold is not None:
                deadline += hold.suspended_seconds()
            remaining = deadline - monotonic()
            if remaining <= 0:
                return self.stop_worker(TIMEOUT, seconds, started)
            ready = w.ready(min(remaining, POLL_SECONDS))
            if w.log_fd in ready:
                self.pump_logs(w)  # the worker writes its log before its answer: all of it is there now
            if w.response_fd in ready:
                try:
                    payload = w.read_answer(deadline, self.pump_logs)
                except AnswerTimeout:
                    return self.stop_worker(TIMEOUT, seconds, started)
                except (IOError, OSError):
                    payload = None
                return self.message_of(payload, seconds, started)
            if not ready:
                message = self.check_worker(seconds, started)
                if message is not None:
                    return message

    def pump_logs(self, w):
        """Move whatever the worker has written to its log pipe into the invocation's log."""
        (w or self.worker).pump_logs(self.sink)

    def message_of(self, payload, seconds, started):
        """The worker's message in an answer's payload; the failure message of an exit when there is none, or when
        the answer cannot be read (a FrameError, or a payload that does not decode)."""
        try:
            if isinstance(payload, FrameError):
                raise payload
            message = None if payload is None else (
                {"phase": "rendered", "payload": payload} if payload[:1] == RENDERED else decode(payload))
        except FrameError as exc:
            return self.unreadable_answer(exc, started)
        if message is None:
            return self.stop_worker(PROCESS_EXITED, seconds, started)
        if "memory_kb" in message:
            self.worker.peak_kb = max(self.worker.peak_kb, message["memory_kb"])
        return message

    def unreadable_answer(self, exc, started):
        """The worker answered something that is not a message (its own code wrote to the answer pipe, fd 4): it is
        alive and would wait for its next request, so it is killed (not waited for) and replaced."""
        peak_mb = self.worker.peak_kb / 1024.0
        self.kill()
        return self.exited_message((monotonic() - started) * 1000.0, None, peak_mb,
                                   "the runtime could not read the worker's answer (%s)" % exc.text)

    def check_worker(self, seconds, started):
        """While the worker's answer is awaited and nothing arrived for a while (POLL_SECONDS): the failure message
        when it went over its memory limit or died (after its last answer, if any, has been read), else None."""
        w = self.worker
        if w.memory_kb() > self.config.memory_mb * 1024:
            return self.stop_worker(OUT_OF_MEMORY, seconds, started)
        self.reap()
        if w.status is not None and w.response_fd not in w.ready(0):
            return self.stop_worker(PROCESS_EXITED, seconds, started)
        return None  # its last answer (or EOF) may have arrived as it exited: that is read first

    def take_answer(self, seconds, started, read=True):
        """The serve loop's half of `wait`, its poll having found the answer pipe readable (`read`; else an answer
        read with the one before is taken): the worker's message once its answer is whole (its log pumped first),
        else None (more to come)."""
        w = self.worker
        ended = False
        if read:
            try:
                data = os.read(w.response_fd, w.answers.READ_BYTES)
            except OSError as exc:
                data = None if exc.errno in (errno.EAGAIN, errno.EINTR) else b""
            if data:
                w.answers.pending.extend(w.answers.parser.feed(data))
            ended = data == b""
        if not w.answers.pending and not ended:
            return None
        self.pump_logs(w)  # the worker writes its log before its answer: all of it is there now
        item = w.answers.pending.pop(0) if w.answers.pending else None
        return self.message_of(item, seconds, started)

    def stop_worker(self, error_type, seconds, started):
        """Kill the worker and describe why, as a failure message like the worker's own."""
        w = self.worker
        duration_ms = (monotonic() - started) * 1000.0
        if error_type == PROCESS_EXITED and w.status is None:
            self.reap(block=True)
        status = w.status
        self.kill()
        peak_mb = w.peak_kb / 1024.0
        if error_type == TIMEOUT:
            text = self.provider.timeout_message(seconds, peak_mb)
        elif error_type == OUT_OF_MEMORY:
            text = self.provider.memory_message(self.config.memory_mb, peak_mb)
        else:
            return self.exited_message(duration_ms, status, peak_mb)
        return {"phase": "stopped", "failure": Failure(error_type, text), "duration_ms": duration_ms,
                "memory_kb": w.peak_kb}

    def start_failure(self, exc):
        """The function error when no worker could be started (fork or pipe failed)."""
        hint = {errno.EAGAIN: "the process limit is reached, perhaps by processes an earlier invocation left running",
                errno.EMFILE: "the supervisor ran out of file descriptors",
                errno.ENOMEM: "out of memory"}.get(exc.errno, "try again")
        status = "the function's process could not start: %s (%s)" % (exc.strerror or exc, hint)
        return Failure(PROCESS_EXITED, self.provider.exit_message(status, 0.0, 0.0))

    def exited_message(self, duration_ms, status=None, peak_mb=0.0, reason=None):
        text = self.provider.exit_message(reason or describe_status(status), duration_ms, peak_mb)
        return {"phase": "stopped", "failure": Failure(PROCESS_EXITED, text), "duration_ms": duration_ms,
                "memory_kb": int(peak_mb * 1024)}

    # -- outcome --------------------------------------------------------------------------------
    def memory_mb(self, message):
        peak = max(message.get("memory_kb", 0) if message else 0, self.worker.peak_kb if self.worker else 0)
        return peak / 1024.0

    def succeed(self, outcome, message, sink):
        outcome.result_kind = message.get("kind")
        if outcome.result_kind == "bytes":
            import base64
            outcome.result = base64.b64decode(message["result_b64"])
        else:
            outcome.result = message.get("result")
        sink.lines(conclude(outcome, self.provider, self.config, message.get("duration_ms", 0.0),
                            self.memory_mb(message)))
        outcome.log = sink.text()
        return outcome

    def finish(self, outcome, failure, sink, duration_ms, message=None):
        sink.lines(conclude(outcome, self.provider, self.config, duration_ms, self.memory_mb(message), failure))
        outcome.log = sink.text()
        return outcome
