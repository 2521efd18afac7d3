"""Warm serving: `--serve stdio|unix:PATH|tcp:HOST:PORT` (framed protocol) and `http:HOST:PORT` (httpserver.py).

One function instance per process. A single-threaded poll loop accepts many connections at once, reads requests
from all of them as bytes arrive (a byte at a time is fine), and runs them one at a time, in arrival order, in one
Supervisor; every complete request gets exactly one response, on its own connection, in order. SIGTERM or SIGINT:
the invocation in flight finishes and is answered, requests still queued are answered `ShuttingDown`, exit 0.
"""
from __future__ import absolute_import, division, print_function

import collections
import errno
import fcntl
import os
import select
import signal
import socket
import stat
import sys

from .compat import monotonic, to_bytes
from .errors import INVALID_REQUEST, UsageError
from .invocation import Invocation, error_outcome
from .protocol import FrameError, FrameParser, RequestError, decode, frame_id_of, pack_payload, validate_request, \
    write_all_fd

#: Connections served at once; more wait in the listen backlog (keeps descriptors low for the supervisor's select).
MAX_CONNECTIONS = 256
BACKLOG = 128
READ_BYTES = 256 * 1024
#: A connection that stops sending in the middle of a request for this long is answered and closed.
STALL_SECONDS = 60.0
#: On shutdown, how long responses still being sent may take.
FLUSH_SECONDS = 5.0
#: After answering and closing a connection whose client may still be sending: how long and how much to drop.
LINGER_SECONDS = 2.0
LINGER_BYTES = 64 * 1024 * 1024
#: Stops reading from a connection that has this many requests queued (a client that pipelines without reading).
MAX_QUEUED_PER_CONNECTION = 16
#: Stops reading from every connection while the requests received but not yet run hold this many bytes.
MAX_QUEUED_BYTES = 64 * 1024 * 1024
MAX_BUFFERED_OUTPUT = 8 * 1024 * 1024
#: Error type of a queued request answered without running because the server is stopping.
SHUTTING_DOWN = "ShuttingDown"
#: Error type of a request the runtime itself failed to serve (a bug: the traceback is on the server's stderr).
SERVER_ERROR = "RuntimeFault"

Address = collections.namedtuple("Address", "kind host port path text")
USAGE = ("--serve takes stdio, unix:PATH, tcp:HOST:PORT or http:HOST:PORT (e.g. tcp:127.0.0.1:9000, "
         "tcp:0.0.0.0:9000 inside a container, http:127.0.0.1:8080)")


# -- addresses --------------------------------------------------------------------------------------------------------

def parse_address(text):
    """`stdio`, `unix:PATH`, `tcp:HOST:PORT` or `http:HOST:PORT` -> Address; UsageError naming what is wrong."""
    text = (text or "").strip()
    if text == "stdio":
        return Address("stdio", None, None, None, text)
    kind, sep, rest = text.partition(":")
    if not sep or kind not in ("unix", "tcp", "http"):
        raise UsageError("bad --serve address %r: %s" % (text, USAGE))
    if kind == "unix":
        if not rest:
            raise UsageError("bad --serve address %r: unix: needs a socket path, e.g. unix:/tmp/function.sock" % text)
        return Address(kind, None, None, rest, text)
    if rest.startswith("//"):
        raise UsageError("bad --serve address %r: write %s:HOST:PORT without //, e.g. %s:127.0.0.1:9000"
                         % (text, kind, kind))
    host, sep, port = rest.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UsageError("bad --serve address %r: %s needs HOST:PORT with a port from 0 to 65535, e.g. "
                         "%s:127.0.0.1:9000 (0.0.0.0 to listen on every interface)" % (text, kind, kind))
    return Address(kind, host, int(port), None, text)


def describe(sockname, kind):
    if kind == "unix":
        return "unix:%s" % sockname
    host, port = sockname[0], sockname[1]
    return "%s:%s:%d" % (kind, "[%s]" % host if ":" in host else host, port)


def listen(address):
    """A non-blocking listening socket for a unix/tcp/http address; UsageError when it cannot be had."""
    if address.kind == "unix":
        return listen_unix(address.path)
    try:
        infos = socket.getaddrinfo(address.host, address.port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                   socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError("cannot listen on %s: unknown host %r (%s)" % (address.text, address.host, exc))
    family, socktype, proto, _, sockaddr = infos[0]
    sock = socket.socket(family, socktype, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(BACKLOG)
    except (socket.error, OSError) as exc:
        sock.close()
        raise UsageError("cannot listen on %s: %s" % (address.text, os_message(exc)))
    prepare_socket(sock)
    return sock


def listen_unix(path):
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None:
        if not stat.S_ISSOCK(mode):
            raise UsageError("cannot listen on unix:%s: the path exists and is not a socket; choose another path"
                             % path)
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            in_use = True
        except (socket.error, OSError):
            in_use = False
        finally:
            probe.close()
        if in_use:
            raise UsageError("cannot listen on unix:%s: another server is listening there" % path)
        os.unlink(path)  # a stale socket left by a server that was killed
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(BACKLOG)
    except (socket.error, OSError) as exc:
        sock.close()
        raise UsageError("cannot listen on unix:%s: %s" % (path, os_message(exc)))
    prepare_socket(sock)
    return sock


def prepare_socket(sock):
    sock.setblocking(False)
    set_cloexec(sock.fileno())


def set_cloexec(fd):
    fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.fcntl(fd, fcntl.F_GETFD) | fcntl.FD_CLOEXEC)


def os_message(exc):
    return getattr(exc, "strerror", None) or str(exc)


# -- jobs: one per request, run in arrival order ------------------------------------------------------------------------

class Job(object):
    """A queued request: `run(server)` returns the response bytes; `refuse(server)` the answer when the server
    stops before running it. `close_after`: the connection ends once the response is sent."""

    close_after = False
    size = 0  # bytes of request held while queued

    def run(self, server):
        raise NotImplementedError

    def refuse(self, server):
        raise NotImplementedError

    def fail(self, server, message):
        """The answer when the runtime itself failed while running this job."""
        raise NotImplementedError


class FrameJob(Job):
    """A request frame, kept as it came: a warm worker checks and runs it (Supervisor.forward); otherwise it is
    decoded and checked here and run through Supervisor.invoke."""

    def __init__(self, payload):
        self.payload = payload
        self.size = len(payload)

    def run(self, server):
        forwarded = server.supervisor.forward(self.payload)
        if forwarded is not None:
            if forwarded.response is None:
                forwarded.response = pack_payload(forwarded.outcome.frame_payload(forwarded.frame_id))
                forwarded.log = to_bytes(forwarded.outcome.log)
            if server.echo_logs and forwarded.log:
                server.write_stderr(forwarded.log)
            return forwarded.response
        request, error = self.checked()
        if error is not None:
            return error.run(server)
        invocation = Invocation(event=request.get("event"), body=request.get("body"),
                                invocation_type=request["invocation_type"] or server.config.invocation_type,
                                context=request["context"])
        outcome = server.invoke(invocation)
        return pack_payload(outcome.frame_payload(request["id"]))

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

    def refuse(self, server):
        request, error = self.checked()
        if error is not None:
            return error.run(server)
        message = "the server is shutting down (SIGTERM); this request was not run: send it again"
        return pack_payload(server.error_outcome(SHUTTING_DOWN, message).frame_payload(request["id"]))

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

    def run(self, server):
        return pack_payload(server.error_outcome(INVALID_REQUEST, self.message).frame_payload(self.frame_id))

    def refuse(self, server):
        return self.run(server)

    def fail(self, server, message):
        return pack_payload(server.error_outcome(SERVER_ERROR, message).frame_payload(self.frame_id))

    def fail_run(self, server):
        return self.fail(server, self.message)


# -- connections --------------------------------------------------------------------------------------------------------

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
        return not (self.read_closed or self.closing or self.closed or self.queued >= MAX_QUEUED_PER_CONNECTION
                    or self.server.queued_bytes >= MAX_QUEUED_BYTES
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
            self.server.queue.append((self, job))
            self.server.queued_bytes += job.size
            self.queued += 1
            if job.close_after:
                self.closing = True

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
        self.output.append(memoryview(data))
        self.output_size += len(data)
        self.flush()

    def flush(self):
        while self.output and not self.closed:
            chunk = self.output[0]
            try:
                sent = self.sock.send(chunk)
            except (socket.error, IOError, OSError) as exc:
                if getattr(exc, "errno", None) in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                    return
                self.abort()
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
        job.run = job.fail_run
        return job

    def stalled(self):
        self.exit_status = 1
        return FrameErrorJob("incomplete frame: nothing arrived for %d seconds in the middle of a frame; closing the "
                             "connection" % STALL_SECONDS, close_after=True)


# -- the server ---------------------------------------------------------------------------------------------------------

class Server(object):
    """The poll loop: listeners, connections, the queue of jobs, and the one Supervisor they share."""

    def __init__(self, config, supervisor, echo_logs=True):
        self.config = config
        self.supervisor = supervisor
        self.echo_logs = echo_logs
        self.poller = select.poll()
        self.watched = {}  # fd -> (mask, callback)
        self.queue = collections.deque()
        self.queued_bytes = 0
        self.connections = set()
        self.listeners = []  # (socket, connection factory, unix path or None)
        self.listening = True
        self.stopping = False
        self.stdio = None
        self.wake_read, self.wake_write = os.pipe()
        for fd in (self.wake_read, self.wake_write):
            set_cloexec(fd)
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self.set_mask(self.wake_read, select.POLLIN, self.on_wake)

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
            for other, job in self.queue:
                if other is conn:
                    self.release(job)
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
    def invoke(self, invocation):
        outcome = self.supervisor.invoke(invocation)
        if self.echo_logs and outcome.log:
            self.write_stderr(to_bytes(outcome.log))
        return outcome

    def release(self, job):
        """A queued job leaves the queue; reading resumes everywhere when the queue's bytes fall under the limit."""
        was_full = self.queued_bytes >= MAX_QUEUED_BYTES
        self.queued_bytes -= job.size
        if was_full and self.queued_bytes < MAX_QUEUED_BYTES:
            for conn in list(self.connections):
                if not conn.closed and not conn.lingering:
                    self.watch(conn)

    def error_outcome(self, error_type, message):
        """An Outcome for a request that was not run (bad request, shutting down), in the provider's error shape."""
        return error_outcome(self.supervisor.provider, error_type, message)

    def write_stderr(self, data):
        try:
            write_all_fd(2, data if data.endswith(b"\n") else data + b"\n")
        except (IOError, OSError):
            pass

    def run_next(self):
        conn, job = self.queue.popleft()
        conn.queued -= 1
        self.release(job)
        if conn.closed:
            return
        try:
            data = job.run(self)
        except Exception:  # a fault of the runtime itself: answer it, start a fresh worker, keep serving
            import traceback
            self.write_stderr(to_bytes("fnruntime: internal error while serving a request:\n" + traceback.format_exc()))
            self.supervisor.kill()
            data = job.fail(self, "internal error of the runtime while serving this request (see the server's "
                                  "standard error); the worker was replaced")
        conn.send(data)
        if job.close_after:
            conn.closing = True
        conn.settle()

    # -- the loop
    def run(self):
        next_sweep = monotonic() + 1.0
        while not self.stopping:
            if self.stdio is not None and self.stdio.closed:
                break
            timeout = 0 if self.queue else max(0, int((next_sweep - monotonic()) * 1000) + 1)
            try:
                events = self.poller.poll(timeout)
            except (select.error, IOError, OSError) as exc:
                if exc.args and exc.args[0] == errno.EINTR:
                    continue
                raise
            for fd, mask in events:
                entry = self.watched.get(fd)
                if entry is not None:
                    entry[1](mask)
            if self.queue and not self.stopping:
                self.run_next()
            if monotonic() >= next_sweep:
                self.sweep()
                next_sweep = monotonic() + 1.0
        self.shutdown()
        return self.stdio.exit_status if self.stdio is not None else 0

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
            conn, job = self.queue.popleft()
            conn.queued -= 1
            self.release(job)
            if not conn.closed:
                conn.send(job.refuse(self))
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
        self.supervisor.close()
        for fd in (self.wake_read, self.wake_write):
            os.close(fd)


# -- entry point --------------------------------------------------------------------------------------------------------

def take_stdio():
    """Private duplicates of fds 0 and 1 for the protocol; fd 0 becomes /dev/null and fd 1 points at stderr, so
    nothing any code prints can reach the frame stream."""
    in_fd, out_fd = os.dup(0), os.dup(1)
    for fd in (in_fd, out_fd):
        set_cloexec(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return in_fd, out_fd


def install_signals(server):
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, server.request_stop)
        signal.siginterrupt(signum, False)


def banner(config, where, protocol):
    return ("fnruntime: listening on %s (%s); handler %s, provider %s, Python %d.%d; stop with SIGTERM or Ctrl-C\n"
            % (where, protocol, config.handler, config.provider, sys.version_info[0], sys.version_info[1]))


def main(config):
    """Serve until stopped; the exit status (0, or 1 when stdio input ended in the middle of a frame)."""
    from .supervisor import Supervisor
    address = parse_address(config.serve)
    if config.api_gateway and address.kind != "http":
        raise UsageError("--api-gateway works with --serve http:HOST:PORT only (got --serve %s)" % address.text)
    supervisor = Supervisor(config, log_stream=None)
    try:
        listener = None if address.kind == "stdio" else listen(address)
    except UsageError:
        supervisor.close()
        raise
    server = Server(config, supervisor, echo_logs=address.kind != "stdio")
    install_signals(server)
    if address.kind == "stdio":
        in_fd, out_fd = take_stdio()
        server.add_stdio(FramedConnection(server, in_fd, out_fd, peer="stdio", blocking_output=True))
        where, protocol = "stdio", "framed protocol"
    elif address.kind == "http":
        from .httpserver import HttpConnection
        server.add_listener(listener, HttpConnection)
        where = describe(listener.getsockname(), "http")
        protocol = "HTTP: POST /invoke%s" % (", API Gateway on every other request" if config.api_gateway else "")
    else:
        server.add_listener(listener, FramedConnection, address.path)
        where, protocol = describe(listener.getsockname(), address.kind), "framed protocol"
    if address.kind != "stdio":  # on stdio the caller started us and knows; keep its standard error quiet
        server.write_stderr(to_bytes(banner(config, where, protocol)))
    return server.run()
