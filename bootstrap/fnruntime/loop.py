"""The serve loop: one thread, one poll, every listener, connection and function instance, and the queue of requests.

A single-threaded poll loop accepts many connections at once, reads requests from all of them as bytes arrive (a byte
at a time is fine), answers at once what needs no function (a bad request, a 404) and runs the rest in arrival order
on the instance pool (pool.py): an instance's answer is one more poll event, its deadline and memory checks are the
loop's ticks, so that the loop never waits on a function. Requests that find every instance busy wait in a bounded
queue (QUEUE_REQUESTS, QUEUE_BYTES); past it they are refused at once (`Job.throttle`: HTTP 429, TooManyRequests).
Every complete request gets exactly one response, on its own connection, in order. SIGTERM or SIGINT
(`request_stop`): the invocations in flight on every instance finish and are answered, requests still queued are
answered `ShuttingDown` (`Job.refuse`), then the loop ends.
"""
from __future__ import absolute_import, division, print_function

import collections
import errno
import fcntl
import os
import select
import socket

from .address import prepare_socket, set_cloexec
from .compat import monotonic, to_bytes
from .connection import STALL_SECONDS
from .invocation import error_outcome
from .protocol import write_all_fd

#: Connections served at once; more wait in the listen backlog.
MAX_CONNECTIONS = 256
#: On shutdown, how long responses still being sent may take.
FLUSH_SECONDS = 5.0
#: Requests waiting for a busy instance: a client's request that finds this many waiting is refused at once with
#: TooManyRequests (HTTP 429), as the clouds throttle past a function's concurrency. A connection's pipelined requests
#: wait behind its first without a refusal: its own backpressure bounds them (connection.MAX_QUEUED_PER_CONNECTION).
QUEUE_REQUESTS = 128
#: While the waiting requests hold this many bytes, no connection is read (TCP backpressure) until they drain.
QUEUE_BYTES = 64 * 1024 * 1024
#: How often the loop looks at instances whose answer it awaits (deadline, memory, exit) when nothing else happens.
TICK_SECONDS = 0.01


class Server(object):
    """The poll loop: listeners, connections, the queue of jobs, and the instance pool they share."""

    def __init__(self, config, pool, echo_logs=True):
        self.config = config
        self.pool = pool
        self.echo_logs = echo_logs
        self.poller = select.poll()
        self.watched = {}  # fd -> (mask, callback)
        self.queue = collections.deque()
        self.queued_bytes = 0
        self.queue_bytes = QUEUE_BYTES  # (read by connections: queue_full)
        self.connections = set()
        self.listeners = []  # (socket, connection factory, unix path or None)
        self.listening = True
        self.stopping = False
        self.dispatching = False
        self.stdio = None
        # the signal that stopped the loop, when, and what the drain answered (cluster.stop_report): the invocations
        # that finished after it (in flight then: none starts after it) and the requests answered ShuttingDown
        self.stop_signal = self.stop_started = None
        self.stop_finished = self.stop_refused = 0
        self.wake_read, self.wake_write = os.pipe()
        for fd in (self.wake_read, self.wake_write):
            set_cloexec(fd)
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self.set_mask(self.wake_read, select.POLLIN, self.on_wake)
        pool.attach(self)

    # -- poller bookkeeping
    def set_mask(self, fd, mask, callback):
        current = self.watched.get(fd)
        if mask == 0:
            if current is not None:
                self.poller.unregister(fd)
                del self.watched[fd]
            return
        if current is None:
            self.poller.register(fd, mask)
        elif current[0] == mask and current[1] == callback:
            return
        elif current[0] != mask:
            self.poller.modify(fd, mask)
        self.watched[fd] = (mask, callback)

    def watch(self, conn):
        reading = select.POLLIN if conn.wants_read() else 0
        if conn.in_fd == conn.out_fd:
            self.set_mask(conn.in_fd, reading | (select.POLLOUT if conn.output else 0), conn.on_events)
        else:
            self.set_mask(conn.in_fd, reading, conn.on_input)


    def forget(self, conn):
        self.set_mask(conn.in_fd, 0, None)
        self.connections.discard(conn)
        if conn.queued:
            for other, reply in self.queue:
                if other is conn:
                    self.release(reply.job)
            self.queue = collections.deque(item for item in self.queue if item[0] is not conn)
            conn.queued = 0
        self.resume_listening()

    # -- listeners and connections
    def add_listener(self, sock, factory, path=None):
        self.listeners.append((sock, factory, path))
        self.set_mask(sock.fileno(), select.POLLIN, lambda events, s=sock, f=factory: self.accept(s, f))

    def accept(self, sock, factory):
        while len(self.connections) < MAX_CONNECTIONS or self.evict_idle():
            try:
                client, peer = sock.accept()
            except (socket.error, OSError) as exc:
                if getattr(exc, "errno", None) in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self.pause_listening()
                return  # EAGAIN: none left; ECONNABORTED and the like: the client already left
            prepare_socket(client)
            if client.family in (socket.AF_INET, getattr(socket, "AF_INET6", None)):
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = factory(self, client.fileno(), client.fileno(), sock=client,
                           peer=peer[0] if isinstance(peer, tuple) else "unix")
            self.connections.add(conn)
            self.watch(conn)
        self.pause_listening()

    def evict_idle(self):
        """At the connection limit: close the longest-idle connection with nothing queued or partial."""
        idle = [c for c in self.connections if c.lingering or (not c.queued and not c.output and not c.partial())]
        if not idle:
            return False
        min(idle, key=lambda c: c.last_progress).close()
        return True

    def pause_listening(self):
        if self.listening:
            self.listening = False
            for sock, _, _ in self.listeners:
                self.set_mask(sock.fileno(), 0, None)

    def resume_listening(self):
        if not self.listening and not self.stopping and len(self.connections) < MAX_CONNECTIONS:
            self.listening = True
            for sock, factory, _ in self.listeners:
                self.set_mask(sock.fileno(), select.POLLIN, lambda events, s=sock, f=factory: self.accept(s, f))

    def add_stdio(self, conn):
        self.stdio = conn
        self.connections.add(conn)
        self.watch(conn)

    # -- signals
    def request_stop(self, signum=None, frame=None):
        if self.stop_signal is None:
            self.stop_signal, self.stop_started = signum, monotonic()
        self.stopping = True
        try:
            os.write(self.wake_write, b"x")
        except OSError:
            pass

    def on_wake(self, events):
        try:
            os.read(self.wake_read, 512)
        except OSError:
            pass

    # -- running requests
    def submit(self, conn, reply):
        """A request read from `conn`: answered at once when it needs no function, else run on a free instance, else
        queued; refused when the queue is full or the server is stopping."""
        job = reply.job
        try:
            data = job.immediate(self)
            if data is None and self.stopping:
                self.stop_refused += 1  # read while the server drains: answered as a queued one is
                data = job.refuse(self)
            elif data is None and conn.queued == 1 and len(self.queue) + 1 >= QUEUE_REQUESTS and \
                    self.waiting() >= QUEUE_REQUESTS and not self.pool.free():  # (at most one is handed ahead)
                self.write_stderr(to_bytes("fnruntime: %s; refused with TooManyRequests" % self.throttle_message()))
                data = job.throttle(self)
        except Exception:
            data = self.fault(job, "reading")
        if data is not None:
            reply.data = data
            conn.deliver()
            return
        if not self.queue and not self.dispatching and self.pool.free() and self.pool.ahead_instance is None:
            # the usual case: it starts at once
            self.pool.start(conn, reply)
            return
        self.queue.append((conn, reply))
        self.queued_bytes += job.size
        self.dispatch()

    def dispatch(self):
        """Start waiting requests, in arrival order, on the instances that are free (the one handed ahead to a busy
        instance first, when it can be taken back: pipeline.py), then hand the next ahead; not again from inside a
        start that finished at once: the loop below goes on with the next."""
        if self.dispatching:
            return
        self.dispatching = True
        try:
            while not self.stopping and self.pool.free():
                item = self.pool.take_back()  # the oldest waiting, when one is ahead and can come back
                if item is None:
                    if not self.queue:
                        break
                    item = self.queue.popleft()
                    self.release(item[1].job)
                conn, reply = item
                if not conn.closed:
                    self.pool.start(conn, reply)
            while self.queue and not self.stopping and self.pool.pipelined:
                conn, reply = self.queue[0]
                if not conn.closed and not self.pool.hand_ahead(conn, reply):
                    break  # it cannot go ahead (pipeline.py): it waits for an instance
                self.queue.popleft()
                self.release(reply.job)
        finally:
            self.dispatching = False

    def requeue(self, conn, reply):
        """A request handed ahead to a worker that ended before starting it: first in the queue again (answered
        ShuttingDown if the server is stopping: the queue has been answered already)."""
        if self.stopping:
            self.stop_refused += 1
            self.answer(conn, reply, reply.job.refuse(self))
            return
        self.queue.appendleft((conn, reply))
        self.queued_bytes += reply.job.size

    def answer(self, conn, reply, data):
        """A request's answer is ready (the pool calls this when its instance finished)."""
        reply.data = data
        if not conn.closed:
            conn.deliver()
            conn.settle()

    def fault(self, job, doing):
        """The answer when the runtime itself failed while serving a job (its traceback goes to standard error)."""
        import traceback
        self.write_stderr(to_bytes("fnruntime: internal error while %s a request:\n%s" % (doing, traceback.format_exc())))
        return job.fail(self, "internal error of the runtime while serving this request (see the server's standard "
                              "error); the instance was replaced")

    def throttle_message(self):
        return ("every instance is busy (--instances %d) and %d requests are waiting, the most the queue holds: try "
                "again shortly, or serve with more --instances" % (self.pool.size, self.waiting()))

    def waiting(self):
        """Requests waiting for an instance: those queued and those handed ahead to a busy one (pipeline.py)."""
        return len(self.queue) + self.pool.ahead_count()

    def echo(self, log):
        """An invocation's log, to standard error (socket modes)."""
        if self.echo_logs and log:
            self.write_stderr(to_bytes(log))

    def queue_full(self):
        """The waiting requests hold so many bytes that no connection is read."""
        return self.queued_bytes >= self.queue_bytes

    def release(self, job):
        """A queued job leaves the queue; reading resumes everywhere when the queue's bytes fall under the limit."""
        was_full = self.queue_full()
        self.queued_bytes -= job.size
        if was_full and not self.queue_full():
            for conn in list(self.connections):
                if not conn.closed and not conn.lingering:
                    self.watch(conn)

    def error_outcome(self, error_type, message):
        """An Outcome for a request that was not run (bad request, shutting down), in the provider's error shape."""
        return error_outcome(self.pool.provider, error_type, message)

    def write_stderr(self, data):
        try:
            write_all_fd(2, data if data[-1:] == b"\n" else data + b"\n")
        except (IOError, OSError):
            pass

    # -- the loop
    def run(self):
        next_sweep = monotonic() + 1.0
        while not self.stopping:
            if self.stdio is not None and self.stdio.closed and not self.pool.busy:
                break
            self.turn(next_sweep)
            if monotonic() >= next_sweep:
                self.sweep()
                next_sweep = monotonic() + 1.0
        self.shutdown()
        return self.stdio.exit_status if self.stdio is not None else 0

    def turn(self, until):
        """One poll and its events, waiting at most until `until` (a tick when an instance is busy)."""
        timeout = max(0.0, until - monotonic())
        if self.pool.busy:
            timeout = min(timeout, TICK_SECONDS)
        try:
            events = self.poller.poll(int(timeout * 1000) + 1)
        except (select.error, IOError, OSError) as exc:
            if exc.args and exc.args[0] == errno.EINTR:
                return
            raise
        for fd, mask in events:
            entry = self.watched.get(fd)
            if entry is not None:
                entry[1](mask)
        if self.pool.busy:
            self.pool.tick(monotonic())

    def sweep(self):
        """Answer requests stalled midway, close idle connections, listen again after a pause."""
        now = monotonic()
        for conn in list(self.connections):
            if conn.lingering and now > conn.linger_until:
                conn.close()
            if conn.closed or conn.closing or conn.read_closed:
                continue
            if conn.partial() and now - conn.last_progress > STALL_SECONDS:
                conn.enqueue([conn.stalled()])
                conn.settle()
            elif (conn.idle_seconds is not None and not conn.partial() and not conn.queued and not conn.output
                  and now - conn.last_progress > conn.idle_seconds):
                conn.close()
        self.resume_listening()
        self.pool.sweep(now)

    def drain(self):
        """Take in what clients have already sent (connections waiting to be accepted included), so that every
        complete request is answered, if only with ShuttingDown."""
        self.stopping = False
        for sock, factory, _ in self.listeners:
            self.accept(sock, factory)
        self.stopping = True
        for conn in list(self.connections):
            for _ in range(64):
                if conn.closed or not conn.wants_read():
                    break
                probe = select.poll()
                probe.register(conn.in_fd, select.POLLIN)
                try:
                    if not probe.poll(0):
                        break
                except (select.error, IOError, OSError):
                    break
                conn.on_readable()

    def shutdown(self):
        """Stop listening, answer what is queued without running it, send what is pending, close everything."""
        self.stopping = True
        self.pool.cancel_ahead()
        self.drain()
        for sock, _, path in self.listeners:
            self.set_mask(sock.fileno(), 0, None)
            sock.close()
            if path:
                try:
                    os.unlink(path)
                except OSError:
                    pass
        while self.queue:
            conn, reply = self.queue.popleft()
            self.release(reply.job)
            if not conn.closed:
                self.stop_refused += 1
                self.answer(conn, reply, reply.job.refuse(self))
        while self.pool.busy:  # the invocations in flight finish and are answered
            self.turn(monotonic() + 1.0)
        for conn in list(self.connections):
            conn.closing = True
            conn.settle()
        deadline = monotonic() + FLUSH_SECONDS
        while any(c.output for c in self.connections) and monotonic() < deadline:
            try:
                events = self.poller.poll(100)
            except (select.error, IOError, OSError):
                continue
            for fd, mask in events:
                entry = self.watched.get(fd)
                if entry is not None and fd != self.wake_read:
                    entry[1](mask)
                elif fd == self.wake_read:
                    self.on_wake(mask)
        for conn in list(self.connections):
            conn.close()
        self.pool.close()
        for fd in (self.wake_read, self.wake_write):
            os.close(fd)

