"""The supervisor's handle on one forked worker process: starting it, its pipes, its memory, its wait status.

`WorkerProcess.start` forks the worker (worker.run, which never returns in the child) with three pipes: requests to
it, answers from it, and its log (its fds 1 and 2). The parent keeps the other ends, close-on-exec; the log end is
non-blocking.
"""
from __future__ import absolute_import, division, print_function

import errno
import fcntl
import os
import select
import sys

from . import memory, worker as worker_module
from .affinity import release
from .compat import monotonic, signal
from .errors import RUNTIME_DIR
from .processtree import Family
from .protocol import FrameReader, MAX_RESPONSE_BYTES, fd_reader

#: How often the supervisor looks at a worker whose answer it awaits (memory, exit) when nothing arrives.
POLL_SECONDS = 0.01
#: A pipe's capacity: a read of the log pipe that returns less has emptied it.
LOG_READ_BYTES = 65536
#: Workers started and not yet reaped, by pid: any supervisor's reaping notes any worker's exit status.
UNREAPED = {}


def reap_children(block_for=None):
    """Collect exited children (as PID 1 in a container, orphans too), noting each worker's wait status; with
    `block_for` (a WorkerProcess), until that one has exited."""
    while block_for is None or block_for.status is None:
        try:
            pid, status = os.waitpid(-1, 0 if block_for is not None else os.WNOHANG)
        except OSError as exc:
            if exc.errno == errno.EINTR:
                continue
            return
        if pid == 0:
            return
        w = UNREAPED.pop(pid, None)
        if w is not None:
            w.status = status


class AnswerTimeout(Exception):
    """The invocation's deadline passed while its answer was still arriving."""


class WorkerProcess(object):
    """The supervisor's handle on one forked worker."""

    def __init__(self, pid, request_fd, response_fd, log_fd):
        self.pid = pid
        self.request_fd = request_fd
        self.response_fd = response_fd
        self.recv = fd_reader(response_fd)
        self.answers = FrameReader(self.recv, MAX_RESPONSE_BYTES)
        self.log_fd = log_fd
        self.status = None  # wait status once reaped
        self.initialized = False
        self.peak_kb = 0  # the peak of the memory rule's samples (memory.py)
        self.family = Family(pid)
        self.poller = select.poll()  # not select.select: it fails for descriptors of 1024 and over
        for fd in (response_fd, log_fd):
            self.poller.register(fd, select.POLLIN)

    def ready(self, seconds):
        """The worker's descriptors (answers, log) that can be read now or within `seconds`: with data, or ended.
        An empty list when the wait ended early on a signal."""
        try:
            return [fd for fd, _ in self.poller.poll(int(seconds * 1000 + 0.999))]
        except (select.error, IOError, OSError) as exc:
            if (exc.args[0] if exc.args else None) == errno.EINTR:
                return []
            raise

    def memory_kb(self):
        """The instance's figure of the memory rule now (memory.py): the worker and every process it started. Its
        peak (`peak_kb`) follows."""
        now = memory.instance_kb(self.family.members(self.status is None))
        self.peak_kb = max(self.peak_kb, now)
        return now

    def read_answer(self, deadline, pump_logs):
        """The payload of the worker's next answer, its pipe being readable now: one read holds all of a small answer;
        the rest of a large one is waited for until the deadline (AnswerTimeout). None when the pipe ended first; a
        FrameError when it held something else than frames (the worker is alive then: Supervisor.unreadable_answer)."""
        return self.answers.next_payload(self.answer_reader(deadline, pump_logs))

    def answer_reader(self, deadline, pump_logs):
        """`recv(n)` for the rest of the worker's answer that never blocks past the deadline, nor on a worker that died
        in the middle of it (a copy it forked may hold the pipe open, so no end of file would come: b"" instead)."""
        def recv(size):
            while True:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    raise AnswerTimeout()
                ready = self.ready(min(remaining, POLL_SECONDS))
                if self.log_fd in ready:
                    pump_logs(self)
                if self.response_fd in ready:
                    return self.recv(size)
                reap_children()
                if self.status is not None and self.response_fd not in self.ready(0):
                    return b""
        return recv

    def pump_logs(self, sink):
        """Move whatever the worker has written to its log pipe into `sink` (None: drop it)."""
        while True:
            try:
                data = os.read(self.log_fd, LOG_READ_BYTES)
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                return  # EAGAIN: nothing more for now
            if sink is not None:
                sink.write(data)
            if len(data) < LOG_READ_BYTES:
                return  # the pipe is empty (or at its end): no need to ask again

    @classmethod
    def start(cls, config, provider, code_dir, instance=None):
        """Fork a fresh worker. OSError when no process or descriptor can be had; nothing is left open then."""
        fds = []
        try:
            for _ in range(3):
                fds.extend(os.pipe())
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            parent = os.getpid()
            pid = os.fork()
        except OSError:
            for fd in fds:
                os.close(fd)
            raise
        request_read, request_write, response_read, response_write, log_read, log_write = fds
        if pid == 0:  # the worker; never returns
            for fd in (request_write, response_read, log_read):
                os.close(fd)
            release()  # every CPU the server could use (affinity.py)
            worker_module.run(config, provider, code_dir, os.path.dirname(RUNTIME_DIR),
                              request_read, response_write, log_write, parent, instance)
        for fd in (request_read, response_write, log_write):
            os.close(fd)
        for fd in (request_write, response_read, log_read):
            fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        for fd in (response_read, log_read):  # read only when poll says so: never blocks the serve loop
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        worker = UNREAPED[pid] = cls(pid, request_write, response_read, log_read)
        return worker


def describe_status(status):
    if status is None:
        return "the worker ended without a reply"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        names = dict((getattr(signal, n), n) for n in dir(signal) if n.startswith("SIG") and not n.startswith("SIG_"))
        return "killed by signal %d: %s" % (number, names.get(number, "unknown"))
    return "exit status %d" % os.WEXITSTATUS(status)
