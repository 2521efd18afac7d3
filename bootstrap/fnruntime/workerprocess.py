"""The supervisor's handle on one forked worker process: starting it, its pipes, its memory, its wait status.

`WorkerProcess.start` forks the worker (worker.run, which never returns in the child) with three pipes: requests to
it, answers from it, and its log (its fds 1 and 2). The parent keeps the other ends, close-on-exec; the log end is
non-blocking.
"""
from __future__ import absolute_import, division, print_function

import fcntl
import os
import sys

from . import worker as worker_module
from .compat import signal
from .errors import RUNTIME_DIR
from .protocol import FrameReader, MAX_RESPONSE_BYTES, fd_reader

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


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
        self.peak_rss_kb = 0

    def rss_kb(self):
        try:
            with open("/proc/%d/statm" % self.pid, "rb") as statm:
                return int(statm.read().split()[1]) * PAGE_SIZE // 1024
        except (IOError, OSError, IndexError, ValueError):
            return 0

    @classmethod
    def start(cls, config, provider, code_dir):
        """Fork a fresh worker. OSError when no process or descriptor can be had; nothing is left open then."""
        fds = []
        try:
            for _ in range(3):
                fds.extend(os.pipe())
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            pid = os.fork()
        except OSError:
            for fd in fds:
                os.close(fd)
            raise
        request_read, request_write, response_read, response_write, log_read, log_write = fds
        if pid == 0:  # the worker; never returns
            for fd in (request_write, response_read, log_read):
                os.close(fd)
            worker_module.run(config, provider, code_dir, os.path.dirname(RUNTIME_DIR),
                              request_read, response_write, log_write)
        for fd in (request_read, response_write, log_write):
            os.close(fd)
        flags = fcntl.fcntl(log_read, fcntl.F_GETFL)
        fcntl.fcntl(log_read, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        for fd in (request_write, response_read, log_read):
            fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        return cls(pid, request_write, response_read, log_read)


def describe_status(status):
    if status is None:
        return "the worker ended without a reply"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        names = dict((getattr(signal, n), n) for n in dir(signal) if n.startswith("SIG") and not n.startswith("SIG_"))
        return "killed by signal %d: %s" % (number, names.get(number, "unknown"))
    return "exit status %d" % os.WEXITSTATUS(status)
