"""The forked worker's own process, set up before the user's module loads: its descriptors (requests on fd 3,
answers on fd 4, fds 1 and 2 into the log pipe with a copy on fd 5), its own session, a lower priority and the
clouds' process limits (`isolate`), sys.path as the provider's runtime has it (`set_code_paths`), and fds 1 and 2 put
back when user code closes or moves them (`restore_log_fds`).
"""
from __future__ import absolute_import, division, print_function

import os
import resource
import sys

from . import logs
from .compat import signal
from .processtree import end_with_parent

REQUEST_FD = 3
RESPONSE_FD = 4
#: The worker's own copy of the log pipe: fds 1 and 2 are put back from it when user code closes or moves them.
LOG_FD = 5
#: With --debug-port: a copy of the server's own stderr, for the debugger's notices to the person at the terminal.
CONSOLE_FD = 6
LIMITS = ((resource.RLIMIT_NOFILE, 1024), (resource.RLIMIT_NPROC, 1024), (resource.RLIMIT_CORE, 0))
#: The worker (and every process it starts) runs this many nice levels below the supervisor, so that the supervisor
#: gets the CPU to end an invocation on time even when the function keeps every core busy (a fork bomb).
NICENESS = 10
def isolate(request_fd, response_fd, log_fd, parent, console=False):
    """Own session, stdin from /dev/null, stdout/stderr into the log pipe (and its copy on fd 5), requests on fd 3,
    responses on fd 4, with `console` the server's stderr on fd 6, nothing else open; a lower scheduling priority
    (NICENESS) and the clouds' process limits; killed when the supervisor `parent` ends, however it ends."""
    import fcntl
    os.setsid()
    end_with_parent(parent)
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (request_fd, response_fd, log_fd)]
    last = LOG_FD
    if console:
        os.dup2(fcntl.fcntl(2, fcntl.F_DUPFD, 10), CONSOLE_FD)
        last = CONSOLE_FD
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(high[2], 1)
    os.dup2(high[2], 2)
    os.dup2(high[0], REQUEST_FD)
    os.dup2(high[1], RESPONSE_FD)
    os.dup2(high[2], LOG_FD)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > last:
            try:
                os.close(fd)
            except OSError:
                pass
    for fd in range(REQUEST_FD, last + 1):
        fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    for limit, value in LIMITS:
        try:
            soft, hard = resource.getrlimit(limit)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(limit, (cap, cap if limit == resource.RLIMIT_CORE else hard))
        except (ValueError, OSError):
            pass


def set_code_paths(provider, code_dir, layers, runtime_dir):
    """sys.path as the provider's runtime has it: the code folder and the layers first, the runtime's own folder
    gone, and a site directory of the provider's set-up (FC's PYTHONUSERBASE) where `site` puts the user's."""
    own = [p for p in sys.path if os.path.abspath(p or ".") != runtime_dir]
    site = provider.user_site(code_dir)
    if site is not None:
        packages = [i for i, p in enumerate(own) if p.endswith(("site-packages", "dist-packages"))]
        own.insert(packages[0] if packages else len(own), site)
    sys.path[:] = provider.code_paths(code_dir, layers) + own


def restore_log_fds():
    """Put the log pipe back on fds 1 and 2 if user code closed them or pointed them elsewhere, and reopen a closed
    sys.stdout/sys.stderr (and the root logger's stream), so the runtime's tracebacks and every later invocation's
    output still reach the log."""
    try:  # unconditionally: two dup2 cost less than finding out (fstat) whether they are needed
        os.dup2(LOG_FD, 1)
        os.dup2(LOG_FD, 2)
    except OSError:
        return  # user code closed the copy too (closerange): nothing left to restore from
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name)
        if getattr(stream, "closed", False):
            fresh = logs.text_stream(fd)
            setattr(sys, name, fresh)
            logging = sys.modules.get("logging")  # imported by user code, if at all (logs.install_root_logger)
            for handler in logging.getLogger().handlers if logging is not None else ():
                if getattr(handler, "stream", None) is stream:
                    handler.stream = fresh
