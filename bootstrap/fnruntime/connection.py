"""One client connection of the serve loop, and the job each of its requests becomes.

A Connection turns the bytes it reads into jobs through its protocol's parser (framed.py, httpserver.py), queues them
on the server, and sends the answers back in request order: one answer per request, on its own connection. It stops
reading while too much of its own is queued or unsent (backpressure), answers a request that stalls midway, and after
an error answer lingers a moment, dropping input, so that closing does not reset the connection under the answer.
"""
from __future__ import absolute_import, division, print_function

import collections
import errno
import os
import select
import socket

from .compat import monotonic, to_bytes
from .protocol import write_all_fd

READ_BYTES = 256 * 1024
#: A connection that stops sending in the middle of a request for this long is answered and closed.
STALL_SECONDS = 60.0
#: After answering and closing a connection whose client may still be sending: how long and how much to drop.
LINGER_SECONDS = 2.0
LINGER_BYTES = 64 * 1024 * 1024
#: Stops reading from a connection that has this many requests queued (a client that pipelines without reading).
MAX_QUEUED_PER_CONNECTION = 16
MAX_BUFFERED_OUTPUT = 8 * 1024 * 1024


class Job(object):
    """A request. `immediate(server)`: its answer (bytes) when it needs no function instance (a bad request, a 404),
    else None; then `call(server, supervisor)` starts it on an instance: a call of the supervisor (a generator the
    pool drives) or, when it turned out to need no run after all, the answer; `finish(server, result)` is the answer
    from the call's result. `refuse(server)`: the answer when the server stops before running it (ShuttingDown),
    `throttle(server)` when the queue is full (TooManyRequests). `close_after`: the connection ends once the response
    is sent."""

    close_after = False
    size = 0  # bytes of request held while queued

    def immediate(self, server):
        return None

    def call(self, server, supervisor):
        raise NotImplementedError

    def ahead(self, server, supervisor):
        """Hand it to the busy worker of `supervisor` now (Supervisor.prefetch_call, pipeline.py): its call, or None
        when it must wait for the instance (only a request the worker takes as it came can go ahead)."""
        return None

    def finish(self, server, result):
        raise NotImplementedError

    def refuse(self, server):
        raise NotImplementedError

    def throttle(self, server):
        raise NotImplementedError

    def fail(self, server, message):
        """The answer when the runtime itself failed while running this job."""
        raise NotImplementedError


class Reply(object):
    """A request's place in its connection's answers: `data` once the answer is ready; answers leave in order."""

    __slots__ = ("job", "data")

    def __init__(self, job):
        self.job = job
        self.data = None


class Connection(object):
    """One client. Bytes in go through the protocol's parser into jobs; responses go out in request order."""

    #: Close a connection idle (nothing queued, nothing partial) for this long; None = never.
    idle_seconds = None

    def __init__(self, server, in_fd, out_fd, sock=None, peer="", blocking_output=False):
        self.server = server
        self.sock = sock
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.peer = peer
        self.blocking_output = blocking_output
        self.output = collections.deque()
        self.replies = collections.deque()  # Reply objects of the requests not yet answered, in order
        self.output_size = 0
        self.queued = 0
        self.read_closed = False
        self.closing = False
        self.closed = False
        self.exit_status = 0
        self.last_progress = monotonic()
        self.lingering = False
        self.linger_until = None
        self.linger_budget = 0

    # protocol hooks
    def parse(self, data):
        raise NotImplementedError

    def at_eof(self):
        return []

    def partial(self):
        return False

    def stalled(self):
        """The job answering a request that stopped arriving midway (the connection then closes)."""
        raise NotImplementedError

    # reading
    def wants_read(self):
        server = self.server
        return not (self.read_closed or self.closing or self.closed or self.queued >= MAX_QUEUED_PER_CONNECTION
                    or server.queued_bytes >= server.queue_bytes  # (Server.queue_full)
                    or self.output_size > MAX_BUFFERED_OUTPUT)

    def on_events(self, events):
        """The poller's callback for a socket (input and output on one descriptor)."""
        if events & select.POLLOUT or (events & (select.POLLERR | select.POLLHUP) and self.output):
            self.on_writable()
        if not self.closed and events & (select.POLLIN | select.POLLHUP | select.POLLERR) and self.wants_read():
            self.on_readable()  # settles the connection itself
        elif not self.closed:
            self.settle()

    def on_input(self, events):
        """The poller's callback for an input descriptor of its own (stdio)."""
        self.on_readable()

    def on_readable(self):
        try:
            data = self.sock.recv(READ_BYTES) if self.sock is not None else os.read(self.in_fd, READ_BYTES)
        except (socket.error, IOError, OSError) as exc:
            if getattr(exc, "errno", None) in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return
            self.abort()
            return
        self.last_progress = monotonic()
        try:
            if not data:
                self.read_closed = True
                self.enqueue(self.at_eof())
            else:
                self.enqueue(self.parse(data))
        except Exception:  # a fault of the runtime's own parser: answer, end this connection, keep serving others
            import traceback
            self.server.write_stderr(to_bytes("fnruntime: internal error while reading a request:\n"
                                              + traceback.format_exc()))
            self.enqueue([self.broken()])
        self.settle()

    def broken(self):
        """The job answering input the runtime failed to parse (its own fault); the connection then closes."""
        raise NotImplementedError

    def enqueue(self, jobs):
        for job in jobs:
            if self.closing:
                break
            reply = Reply(job)
            self.replies.append(reply)
            self.queued += 1
            if job.close_after:
                self.closing = True
            self.server.submit(self, reply)

    def deliver(self):
        """Send the answers that are ready, in request order (a later one waits for every earlier one)."""
        replies = self.replies
        while replies and replies[0].data is not None:
            self.queued -= 1
            self.send(replies.popleft().data)

    # writing
    def send(self, data):
        if self.closed or not data:
            return
        if self.blocking_output:
            try:
                write_all_fd(self.out_fd, data)
            except (IOError, OSError):
                self.abort()
            return
        if not self.output:  # the usual case: the socket takes the whole answer at once
            sent = self.send_now(data)
            if sent is None or sent == len(data):
                return
            self.output.append(memoryview(data)[sent:])  # the rest when the socket has room (POLLOUT)
            self.output_size += len(data) - sent
            return
        self.output.append(memoryview(data))
        self.output_size += len(data)
        self.flush()

    def send_now(self, chunk):
        """What the socket takes of `chunk` now (0 when it is full); None when the client is gone (then closed)."""
        try:
            return self.sock.send(chunk)
        except (socket.error, IOError, OSError) as exc:
            if getattr(exc, "errno", None) in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return 0
            self.abort()
            return None

    def flush(self):
        while self.output and not self.closed:
            chunk = self.output[0]
            sent = self.send_now(chunk)
            if not sent:
                return
            self.output_size -= sent
            if sent == len(chunk):
                self.output.popleft()
            else:
                self.output[0] = chunk[sent:]

    def on_writable(self):
        self.flush()
        self.settle()

    # life cycle
    def settle(self):
        """Close when nothing more can happen; otherwise tell the poller what to wait for."""
        if self.closed or self.lingering:
            return
        done = self.queued == 0 and not self.output
        if done and (self.closing or self.read_closed):
            if self.read_closed or self.sock is None or self.server.stopping:
                self.close()
            else:
                self.linger()
            return
        self.server.watch(self)

    def linger(self):
        """Close gracefully while the client may still be sending (after an error answer): stop writing, read and
        drop what comes for a moment, then close. Closing with unread input would reset the connection and could
        destroy the answer before the client reads it."""
        self.lingering = True
        self.linger_until = monotonic() + LINGER_SECONDS
        self.linger_budget = LINGER_BYTES
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except (socket.error, OSError):
            self.close()
            return
        self.server.set_mask(self.in_fd, select.POLLIN, self.on_linger)

    def on_linger(self, events):
        try:
            data = self.sock.recv(READ_BYTES)
        except (socket.error, IOError, OSError) as exc:
            if getattr(exc, "errno", None) in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return
            data = b""
        self.linger_budget -= len(data)
        if not data or self.linger_budget <= 0:
            self.close()

    def abort(self):
        """The client is gone: forget its queued requests (no one to answer)."""
        self.close()

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.server.forget(self)
        if self.sock is not None:
            try:
                self.sock.close()
            except (socket.error, OSError):
                pass

