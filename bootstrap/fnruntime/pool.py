"""The instance pool: up to `--instances N` function instances, each a Supervisor with its own worker process and
module state, running one invocation at a time, driven by the serve loop's events.

An instance starts (cold) when a request finds every running one busy and fewer than N exist; a request goes to the
warm idle instance used last, so that the others can go idle and, with `--instance-idle SECONDS`, be stopped. The
pool never waits: a started call (Supervisor.invoke_call / forward_call) yields how long it waits for its worker's
next message; the instance then watches its worker's answer and log pipes in the loop's poll and is looked at on
every tick (deadline, memory, exit), and the message goes back into the call, until the call is done and its job
turns the result into the answer (`Server.answer`). A timeout, crash or memory overrun ends only that instance's worker;
its next request starts it afresh. With `--watch` (watch.py) a request first looks at the code folder: after a change
the idle instances' workers end at once and the busy ones' when they finish, so every later request starts cold.
"""
from __future__ import absolute_import, division, print_function

import select
import sys
import types

from .cluster import Readiness
from .compat import monotonic, to_bytes
from .connection import Reply
from .errors import TIMEOUT
from .invocation import RequestIds
from .preload import Detached, Preload
from .protocol import write_all_fd
from .calls import Done
from .pipeline import NOT_STARTED, can_take_back, cancel_ahead, take_back
from .forwarding import ServingSupervisor
from .watch import CodeWatch, ZipWatch, describe
from .workerprocess import POLL_SECONDS


class Instance(object):
    """One function instance: its Supervisor, and the call it runs (None when idle)."""

    def __init__(self, pool, number, supervisor):
        self.pool = pool
        self.number = number
        self.supervisor = supervisor
        self.call = None
        self.conn = self.reply = None
        self.ahead = None  # (conn, reply, call) of the request handed ahead to its busy worker (pipeline.py)
        self.seconds = self.started = self.deadline = self.next_check = None
        self.fds = ()
        self.watched = None  # the WorkerProcess whose pipes it watches
        self.hold = None
        self.idle_since = monotonic()
        self.stale = False  # --watch: the code changed while it ran; its worker ends when it finishes

    def start(self, conn, reply):
        self.conn, self.reply = conn, reply
        try:
            call = reply.job.call(self.pool.server, self.supervisor)
            if not isinstance(call, types.GeneratorType):  # it needed no run after all: the answer
                self.conn = self.reply = None
                self.pool.finished(self, conn, reply, call)
                return
            self.call = call
            self.step(next(call))
        except Exception:
            self.fault()

    def step(self, step):
        """The call's next step: wait for the worker's next message (seconds), or its end."""
        if isinstance(step, Done):
            call, conn, reply = self.call, self.conn, self.reply
            self.call = self.conn = self.reply = None
            call.close()
            if step.value is NOT_STARTED:  # handed ahead to a worker that ended first: it waits again, at the head
                self.pool.finished(self, conn, reply, NOT_STARTED)
            else:
                self.pool.finished(self, conn, reply, reply.job.finish(self.pool.server, step.value))
            return
        self.seconds, self.started = step, monotonic()
        self.deadline, self.next_check = self.started + step, self.started + POLL_SECONDS
        if self.pool.config.debug_port:  # the time a debugger holds the instance does not count against its timeout
            from .debugger import Hold
            self.hold = Hold(self.pool.config.debug_port)
        self.watch()

    def take_ahead(self):
        """The request handed ahead becomes the one running, its deadline from now; or, its worker gone, it waits
        again at the head of the queue. False when there was none."""
        if self.ahead is None:
            return False
        conn, reply, call = self.withdraw_ahead()
        supervisor = self.supervisor
        if supervisor.worker is None or self.stale:
            supervisor.split = supervisor.next_sink = None
            call.close()
            self.pool.busy -= 1
            self.pool.server.requeue(conn, reply)
            return False
        self.conn, self.reply, self.call = conn, reply, call
        try:
            self.step(next(call))
            if self.call is call and supervisor.worker is not None and supervisor.worker.answers.pending:
                self.on_answer(0)  # its answer came with the one before
        except Exception:
            self.fault()
        return True

    def withdraw_ahead(self):
        """The request handed ahead to this instance is no longer waiting on it (it runs now, here or on a free
        instance, or waits again): (conn, reply, call)."""
        (conn, reply, call), self.ahead = self.ahead, None
        self.pool.ahead_instance = None
        return conn, reply, call

    def advance(self, message):
        try:
            step = self.call.send(message)
            if self.supervisor.worker is None:  # it is gone (its pipes closed): no event of theirs may come any more
                self.unwatch()
            self.step(step)
        except Exception:
            self.fault()

    def watch(self):
        """Watch the worker's pipes (still watched from its last invocation when it is the same worker: an idle
        instance's are unwatched only when its worker ends, or when they have something for it, see `on_log`)."""
        w = self.supervisor.worker
        if self.watched is w:
            return
        self.unwatch()
        self.watched, self.fds = w, (w.log_fd, w.response_fd)
        self.pool.server.set_mask(w.log_fd, select.POLLIN, self.on_log)
        self.pool.server.set_mask(w.response_fd, select.POLLIN, self.on_answer)

    def unwatch(self):
        for fd in self.fds:
            self.pool.server.set_mask(fd, 0, None)
        self.fds, self.watched = (), None

    def end_worker(self):
        """End the worker of this idle instance (its next request starts cold)."""
        self.unwatch()
        self.supervisor.kill()

    def on_log(self, events):
        if self.call is None:  # idle: what it prints now is read with its next invocation, which it belongs to
            self.unwatch()
            return
        self.supervisor.pump_logs(None)

    def on_answer(self, events):
        if self.call is None:  # idle: it ended, or wrote where only answers go; its next request finds out which
            self.unwatch()
            return
        try:
            message = self.supervisor.take_answer(self.seconds, self.started, read=bool(events))
        except Exception:
            self.fault()
            return
        if message is not None:
            self.advance(message)

    def tick(self, now):
        """The loop's look at a busy instance: its deadline passed, or (every POLL_SECONDS) its memory and life."""
        try:
            if self.hold is not None:
                self.deadline += self.hold.suspended_seconds()
            if now >= self.deadline:
                message = self.supervisor.stop_worker(TIMEOUT, self.seconds, self.started)
            elif now >= self.next_check:
                self.next_check = now + POLL_SECONDS
                message = self.supervisor.check_worker(self.seconds, self.started)
            else:
                return
        except Exception:
            self.fault()
            return
        if message is not None:
            self.advance(message)

    def fault(self):
        """The runtime itself failed while serving this instance's request: answer it, end the worker, go on."""
        conn, reply = self.conn, self.reply
        self.unwatch()
        self.call = self.conn = self.reply = None
        try:
            self.supervisor.sink = None
            self.supervisor.kill()
        except Exception:
            pass
        if reply is not None:
            self.pool.finished(self, conn, reply, self.pool.server.fault(reply.job, "serving"))


class Pool(object):
    def __init__(self, config, size=1, idle_seconds=None):
        self.config = config
        self.size = size
        self.idle_seconds = idle_seconds
        first = ServingSupervisor(config, log_stream=None, instance=1)  # unpacks a zip package once, for every instance
        self.provider = first.provider
        self.code_dir = first.code_dir
        self.request_ids = first.request_ids = RequestIds()
        self.spare = first
        self.instances = []
        self.idle = []  # free instances, the one used last at the end
        self.busy = 0
        self.server = None
        self.preloading = False
        self.code_watch = None
        # requests handed ahead (pipeline.py): with more than one instance only where one can be taken back; never
        # with a debugger or --watch (see below)
        self.pipelined = not config.debug_port and (size == 1 or can_take_back())
        self.ahead_instance = None  # the instance holding the request handed ahead (one at most)
        if config.watch and (config.zip_path or self.code_dir):
            self.code_watch = ZipWatch(config.zip_path, self.code_dir) if config.zip_path else CodeWatch(self.code_dir)
            # Workers are forked from here and then write no bytecode: a .pyc written in the same second as an edit
            # of the same size would look current to the next cold start.
            sys.dont_write_bytecode = True
            self.pipelined = False

    def check_code(self):
        """--watch: when the code folder changed since the last look, no warm worker may serve the next request."""
        changed = self.code_watch.changed()
        if not changed:
            return
        code_dir, problem = self.code_watch.refresh()  # a zip package: unpacked afresh (watch.ZipWatch)
        if problem is not None:
            try:
                write_all_fd(2, to_bytes("fnruntime: %s changed, but %s; the instances keep the code they have\n"
                                         % (describe(changed), problem)))
            except (IOError, OSError):
                pass
            return
        self.code_dir = code_dir
        for supervisor in [i.supervisor for i in self.instances] + ([self.spare] if self.spare else []):
            supervisor.code_dir = code_dir
        warm = [i for i in self.instances if i.supervisor.worker is not None]
        if not warm:
            return
        try:
            write_all_fd(2, to_bytes("fnruntime: %s changed: this invocation starts a fresh instance (a cold "
                                     "start)\n" % describe(changed)))
        except (IOError, OSError):
            pass
        for instance in warm:
            if instance.call is None:
                instance.end_worker()
            else:
                instance.stale = True

    def attach(self, server):
        self.server = server

    def free(self):
        """Whether a request can start now."""
        return bool(self.idle) or len(self.instances) < self.size

    def start(self, conn, reply):
        """Run a request on the warm idle instance used last, else on any idle one, else on a new one."""
        if self.code_watch is not None:
            self.check_code()
        instance = None
        for candidate in reversed(self.idle):
            if candidate.supervisor.worker is not None:
                instance = candidate
                break
        if instance is None and self.idle:
            instance = self.idle[-1]
        if instance is not None:
            self.idle.remove(instance)
        else:
            number = len(self.instances) + 1
            supervisor, self.spare = self.spare, None
            if supervisor is None:
                supervisor = ServingSupervisor(self.config, log_stream=None, instance=number, code_dir=self.code_dir,
                                        request_ids=self.request_ids)
            instance = Instance(self, number, supervisor)
            self.instances.append(instance)
        self.busy += 1
        instance.start(conn, reply)

    def preload(self):
        """Start the first instance's cold start now, before any request (`--serve http` without an address): the
        loop answers probes while it runs; requests wait for it as for any busy instance."""
        self.preloading = True
        self.start(Detached(), Reply(Preload()))

    def readiness(self):
        """What `/_/ready` says (cluster.py): ready once a cold start imported the handler."""
        supervisors = [instance.supervisor for instance in self.instances]
        if any(s.imported for s in supervisors):
            return Readiness(ready=True)
        if self.preloading:
            return Readiness(starting=True)
        failures = [s.load_failure for s in supervisors if s.load_failure is not None]
        if failures:
            return Readiness(failure=failures[-1])
        return Readiness(ready=True, lazy=True)  # nothing tried yet: the first request imports it

    def ahead_target(self):
        """The instance the queue's next request may be handed ahead to (pipeline.py): none when one is ahead already;
        else, of the instances running a forwarded request, warm, with no --watch or debugger, the one that started
        its own the earliest (with the same work, the first to be free)."""
        if not self.pipelined or self.ahead_instance is not None:
            return None
        target = None
        for instance in self.instances:
            if instance.call is not None and not instance.stale and instance.supervisor.forwarding_now and \
                    instance.supervisor.worker is not None and (target is None or instance.started < target.started):
                target = instance
        return target

    def take_back(self):
        """An instance is free: the request handed ahead to a busy one, when its worker has not read it yet, comes back
        to run here (conn, reply); else None (pipeline.take_back)."""
        instance = self.ahead_instance
        if instance is None or not take_back(instance.supervisor):
            return None
        conn, reply, call = instance.withdraw_ahead()
        call.close()
        self.busy -= 1
        return conn, reply

    def cancel_ahead(self):
        """SIGTERM: the requests handed ahead that have not begun are not to begin (pipeline.cancel_ahead)."""
        for instance in self.instances:
            if instance.ahead is not None or instance.supervisor.split is not None:
                cancel_ahead(instance.supervisor)

    def ahead_count(self):
        """How many requests are handed ahead to busy instances and not yet begun."""
        return 0 if self.ahead_instance is None else 1

    def hand_ahead(self, conn, reply):
        """Hand the queue's next request to the busy instance's worker now: False when it cannot go ahead."""
        instance = self.ahead_target()
        if instance is None:
            return False
        call = reply.job.ahead(self.server, instance.supervisor)
        if call is None:
            return False
        instance.ahead, self.ahead_instance = (conn, reply, call), instance
        self.busy += 1
        return True

    def finished(self, instance, conn, reply, data):
        self.busy -= 1
        if self.server.stopping and data is not NOT_STARTED and not isinstance(conn, Detached):
            self.server.stop_finished += 1
        if data is NOT_STARTED:
            self.server.requeue(conn, reply)
        if instance.ahead is not None and instance.take_ahead():
            self.server.dispatch()
            if data is not NOT_STARTED:
                self.server.answer(conn, reply, data)
            return
        if instance.stale:
            instance.stale = False
            instance.end_worker()
        instance.idle_since = monotonic()
        self.idle.append(instance)
        # The next request starts before this answer is sent, so that its worker runs while the server writes.
        self.server.dispatch()
        if data is not NOT_STARTED:
            self.server.answer(conn, reply, data)

    def tick(self, now):
        for instance in self.instances:
            if instance.call is not None and (now >= instance.next_check or now >= instance.deadline or
                                              instance.hold is not None):
                instance.tick(now)

    def sweep(self, now):
        """Stop the workers of instances idle for longer than --instance-idle (their next request starts cold)."""
        if self.idle_seconds is None:
            return
        for instance in self.idle:
            if instance.supervisor.worker is not None and now - instance.idle_since > self.idle_seconds:
                instance.end_worker()

    def close(self):
        for instance in self.instances:
            instance.unwatch()
            instance.supervisor.close()
        if self.spare is not None:
            self.spare.close()
        if self.code_watch is not None:
            self.code_watch.close()
