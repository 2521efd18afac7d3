"""The debugger of an instance (`--debug-port PORT`): debugpy, loaded only when asked, from outside `sys.path`.

Contract:
- `check_port(port)` (before any worker starts): a usage error when PORT cannot be listened on (in use, privileged).
- `start(config, console_fd)` in the worker, after its set-up and before any user code runs (so breakpoints in
  module-level code stop): imports debugpy from the debugger directory (`FUNCTION_DEBUGGER_DIR`, else the folder
  `debugger` beside the runtime package), listens on 0.0.0.0:PORT and says so on the console (the server's own
  stderr, not an invocation's log) with the attach details; unless `--debug-no-wait`, waits for a client, with a
  line every 30 seconds saying what is awaited. Afterwards user code cannot import `debugpy`, `ptvsd` or pydevd
  unless the image's own table installs them (an import hook answers as the cloud does: no such module), so a strict
  image stays the cloud's import surface.
- `Hold(port)` (the supervisor, while it waits for an answer): `suspended_seconds()` is the time since its last call
  during which a debugger was attached, by which the supervisor moves the invocation's deadline.
- `attached(port)`: whether a debugger holds a connection to PORT right now, read from
  /proc/net/tcp and tcp6 (the kernel's table: no message from the worker, which may be stopped at a breakpoint).
  The supervisor suspends an invocation's timeout while it is true.
Nothing here is imported unless `--debug-port` is given: the cold start without it is unchanged.
"""
from __future__ import absolute_import, division, print_function

import os
import socket
import sys
import threading

from .compat import monotonic
from .errors import FunctionError, UsageError

#: Top-level module names of the debugger that user code must not see (debugpy vendors pydevd under these names).
HIDDEN = frozenset(("debugpy", "ptvsd", "pydevd", "pydevd_file_utils", "pydevd_plugins", "_pydevd_bundle",
                    "_pydev_bundle", "_pydev_imps", "_pydev_runfiles", "_pydevd_frame_eval", "pydev_ipython"))
NOTICE_SECONDS = 30.0
#: /proc/net/tcp state of an established connection.
ESTABLISHED = "01"


class DebuggerError(FunctionError):
    """The debugger could not start in the instance: the instance answers with this, as the runtime's own fault."""
    error_type = "RuntimeFault"


def check_port(port):
    """Fail early, with what to do, when PORT cannot be listened on."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("0.0.0.0", port))
    except (OSError, socket.error) as exc:
        raise UsageError("--debug-port %d: cannot listen on that port (%s); choose a free port, for example "
                         "--debug-port 5678, and publish the same one (docker run -p 127.0.0.1:5678:5678)"
                         % (port, getattr(exc, "strerror", None) or exc))
    finally:
        probe.close()


def debugger_dir(config):
    explicit = config.environ.get("FUNCTION_DEBUGGER_DIR")
    if explicit:
        return os.path.abspath(explicit)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(here, "debugger")


def start(config, console_fd):
    """Listen for a debugger and, unless told not to, wait for it. Returns the debugpy module."""
    console = Console(console_fd)
    folder = debugger_dir(config)
    visible = importable_before(HIDDEN)  # a table that installs debugpy (fc-docker's) keeps it importable
    debugpy = import_debugpy(folder)
    port = config.debug_port
    try:
        debugpy.listen(("0.0.0.0", port))
    except Exception as exc:  # noqa: BLE001 (debugpy raises RuntimeError or OSError)
        raise DebuggerError("--debug-port %d: the debugger cannot listen (%s: %s)" % (port, type(exc).__name__, exc))
    hide_debugger(HIDDEN - visible)
    console.say("Debugger (debugpy %s, Debug Adapter Protocol) listening on 0.0.0.0:%d in the function's instance "
                "(pid %d). Attach VS Code or PyCharm to 127.0.0.1:%d (publish it: docker run -p 127.0.0.1:%d:%d), "
                "path mapping: your code folder -> %s."
                % (getattr(debugpy, "__version__", "?"), port, os.getpid(), port, port, port,
                   config.code_dir or "/var/task"))
    if not config.debug_wait:
        console.say("Not waiting for it (--debug-no-wait): the function runs now.")
        return debugpy
    console.say("Waiting for the debugger to attach before the function's code runs (--debug-no-wait starts "
                "without waiting); the invocation's timeout is suspended meanwhile.")
    done = threading.Event()
    interval = float(config.environ.get("FNRUNTIME_DEBUG_NOTICE_SECONDS") or NOTICE_SECONDS)
    notifier = threading.Thread(target=remind, args=(console, port, done, interval))
    notifier.daemon = True
    notifier.start()
    try:
        debugpy.wait_for_client()
    finally:
        done.set()
    console.say("Debugger attached on port %d: the function's code runs now." % port)
    return debugpy


def remind(console, port, done, interval):
    waited = 0.0
    while not done.wait(interval):
        waited += interval
        console.say("Still waiting for a debugger to attach on port %d (%d s so far); attach to 127.0.0.1:%d, or "
                    "stop the function and start it with --debug-no-wait." % (port, waited, port))


def import_debugpy(folder):
    """debugpy from `folder`, which is on sys.path only while debugpy is imported."""
    if not os.path.isdir(os.path.join(folder, "debugpy")):
        raise DebuggerError("--debug-port: the debugger is not installed in %s (no debugpy folder there); the images "
                         "carry it, on the host set FUNCTION_DEBUGGER_DIR to a folder holding debugpy "
                         "(pip install -t DIR debugpy)" % folder)
    saved = list(sys.path)
    sys.path.insert(0, folder)
    try:
        import debugpy
    finally:
        sys.path[:] = [p for p in sys.path if p in saved or not is_within(p, folder)]
    return debugpy


def is_within(path, folder):
    path = os.path.abspath(path or ".")
    return path == folder or path.startswith(folder + os.sep)


def importable_before(names):
    """Which of `names` the function could import before the debugger came (installed by the image's table)."""
    import pkgutil
    found = set()
    for name in names:
        try:
            if pkgutil.find_loader(name) is not None:
                found.add(name)
        except Exception:  # noqa: BLE001 (a broken package: not importable)
            pass
    return found


def hide_debugger(hidden):
    """From now on an import of a debugger module by user code fails as in the cloud; the debugger's own modules
    (their globals' `__file__` lies under the debugger's folders) still import each other."""
    if sys.version_info[0] >= 3:
        import builtins
    else:  # not `import builtins` first: on 2.7 the `future` package installs a module of that name
        import __builtin__ as builtins
    real_import = builtins.__import__
    roots = tuple(debugger_roots())

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name.partition(".")[0] in hidden and not from_debugger(
                globals if globals is not None else sys._getframe(1).f_globals, roots):
            if sys.version_info[0] >= 3:
                raise ModuleNotFoundError("No module named %r" % name, name=name)  # noqa: F821 (3.6+)
            raise ImportError("No module named %s" % name)
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded_import


def debugger_roots():
    for name in ("debugpy", "pydevd"):
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            yield os.path.dirname(os.path.abspath(path))


def from_debugger(importer_globals, roots):
    if not importer_globals:
        return True
    path = importer_globals.get("__file__")
    if not path:
        return importer_globals.get("__name__", "").partition(".")[0] in HIDDEN
    path = os.path.abspath(path)
    return any(path.startswith(root + os.sep) for root in roots)


class Hold(object):
    """The time a debugger held the instance, which the invocation's timeout does not count (the clouds' tools do
    the same: SAM starts no timer, scfcli skips its own); each change announced on the server's stderr."""

    CHECK_SECONDS = 0.2

    def __init__(self, port):
        self.port = port
        self.checked = self.last = monotonic()
        self.attached = False

    def suspended_seconds(self):
        """The seconds since the last call during which a debugger was attached."""
        now = monotonic()
        held = now - self.last if self.attached else 0.0
        self.last = now
        if now - self.checked >= self.CHECK_SECONDS:
            self.checked = now
            attached_now = attached(self.port)
            if attached_now != self.attached:
                sys.stderr.write("fnruntime: %s\n" % (
                    "the invocation's timeout is suspended: a debugger is attached on port %d" % self.port
                    if attached_now else "the debugger detached from port %d: the invocation's timeout resumes"
                    % self.port))
                sys.stderr.flush()
            self.attached = attached_now
        return held


class Console(object):
    """Lines for the person at the server's stderr (not the invocation's log)."""

    def __init__(self, fd):
        self.fd = fd

    def say(self, text):
        data = ("fnruntime: %s\n" % text).encode("utf-8", "replace")
        try:
            os.write(self.fd, data)
        except OSError:
            pass


def attached(port):
    """True when an established TCP connection has PORT as its local port (a debugger attached to the instance)."""
    wanted = "%04X" % port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows, None)
                for row in rows:
                    fields = row.split()
                    if len(fields) > 3 and fields[3] == ESTABLISHED and fields[1].rsplit(":", 1)[-1] == wanted:
                        return True
        except (IOError, OSError):
            continue
    return False
