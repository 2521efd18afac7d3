"""Every difference between Python 2.7 and 3.x that the runtime relies on, in one place.

The rest of the package imports these names and reads as plain Python; nothing else tests
the interpreter version.
"""
from __future__ import absolute_import, division, print_function

import os
import sys

PY2 = sys.version_info[0] == 2

if PY2:  # pragma: no cover - exercised on the 2.7 interpreter
    text_type = unicode  # noqa: F821
    binary_type = str
    string_types = (str, unicode)  # noqa: F821
    integer_types = (int, long)  # noqa: F821

    exec("def reraise(tp, value, tb=None):\n    raise tp, value, tb\n")

    def monotonic():
        """Seconds from an arbitrary start; 2.7 has no monotonic clock, so wall time it is."""
        import time
        return time.time()

    import signal  # noqa: F401

    class ImportHook(object):
        """Calls `callback(module)` once module `name` has been imported (a PEP 302 finder first on sys.meta_path)."""

        def __init__(self, name, callback):
            self.name = name
            self.callback = callback

        def find_module(self, fullname, path=None):
            return self if fullname == self.name else None

        def load_module(self, fullname):
            if self in sys.meta_path:
                sys.meta_path.remove(self)  # the import below goes to the ordinary finders
            try:
                __import__(fullname)
            except BaseException:
                sys.meta_path.insert(0, self)  # the import failed: the next attempt is watched again
                raise
            module = sys.modules[fullname]
            self.callback(module)
            return module

    def pending_exit_work():
        """Whether the interpreter's exit has work to do: exit functions (atexit) or threads still running."""
        threading = sys.modules.get("threading")
        return bool(getattr(sys, "exitfunc", None)) or (threading is not None and threading.active_count() > 1)

else:
    text_type = str
    binary_type = bytes
    string_types = (str,)
    integer_types = (int,)
    from time import monotonic  # noqa: F401

    def reraise(tp, value, tb=None):
        raise value.with_traceback(tb)

    # The C module itself: signal.py only wraps it in enums, and importing that costs 6 million instructions on 3.6
    # and 3.7 (15% of the interpreter's own start). Same functions and constants.
    import _signal as signal  # noqa: F401

    class ImportHook(object):
        """Calls `callback(module)` once module `name` has been imported (a PEP 451 finder first on sys.meta_path).

        It finds the module's spec through the other finders and wraps only its loader; the module's `__loader__`
        and `__spec__.loader` are the real loader again before the module's code runs.
        """

        def __init__(self, name, callback):
            self.name = name
            self.callback = callback

        def find_spec(self, fullname, path=None, target=None):
            if fullname != self.name:
                return None
            for finder in list(sys.meta_path):
                if finder is not self and hasattr(finder, "find_spec"):
                    spec = finder.find_spec(fullname, path, target)
                    if spec is not None:
                        if hasattr(spec.loader, "exec_module"):
                            spec.loader = HookedLoader(spec.loader, self)
                        return spec
            return None

        def imported(self, module, loader):
            """Run the module by its own loader; when it is the import of `name` the hook waited for, call back."""
            module.__loader__ = loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = loader
            watched = self in sys.meta_path and sys.modules.get(self.name) is module
            if watched:
                sys.meta_path.remove(self)
            try:
                loader.exec_module(module)
            except BaseException:
                if watched:
                    sys.meta_path.insert(0, self)  # the import failed: the next attempt is watched again
                raise
            if watched:
                self.callback(module)

    class HookedLoader(object):
        """The real loader of the watched module, with ImportHook.imported around its exec_module."""

        def __init__(self, loader, hook):
            self.loader = loader
            self.hook = hook

        def create_module(self, spec):
            return self.loader.create_module(spec)

        def exec_module(self, module):
            self.hook.imported(module, self.loader)

        def __getattr__(self, name):
            return getattr(self.loader, name)

    def pending_exit_work():
        """Whether the interpreter's exit has work to do: exit functions (atexit) or threads still running."""
        import atexit
        threading = sys.modules.get("threading")
        return atexit._ncallbacks() > 0 or (threading is not None and threading.active_count() > 1)


def after_import(name, callback):
    """Call `callback(module)` once module `name` is imported: now if it is already, else right after its first
    import (`ImportHook`). The runtime prepares a module this way without paying for its import when user code never
    imports it."""
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
    else:
        sys.meta_path.insert(0, ImportHook(name, callback))


def which(name):
    """The executable `name` on PATH, or None (shutil.which is 3.x only and slow to import)."""
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def binary_stdin():
    return getattr(sys.stdin, "buffer", sys.stdin)


def binary_stdout():
    return getattr(sys.stdout, "buffer", sys.stdout)


def to_bytes(value, encoding="utf-8"):
    if isinstance(value, binary_type):
        return value
    return value.encode(encoding)


def to_text(value, encoding="utf-8", errors="replace"):
    if isinstance(value, text_type):
        return value
    return value.decode(encoding, errors)


def native_str(value):
    """`str` on each version: bytes on 2.7, text on 3.x."""
    if PY2:
        return to_bytes(value)
    return to_text(value)


def parse_qsl(query, keep_blank_values=False):
    """(name, value) text pairs of a query string, %-escapes decoded as UTF-8 (invalid sequences replaced)."""
    if PY2:
        from urlparse import parse_qsl as parse
        return [(to_text(k), to_text(v)) for k, v in parse(to_bytes(query), keep_blank_values)]
    from urllib.parse import parse_qsl as parse
    return parse(query, keep_blank_values=keep_blank_values, errors="replace")


def unquote(text):
    """A %-escaped path as text, escapes decoded as UTF-8 (invalid sequences replaced)."""
    if PY2:
        from urllib import unquote as unquote_bytes
        return to_text(unquote_bytes(to_bytes(text)))
    from urllib.parse import unquote as unquote_text
    return unquote_text(text, errors="replace")


def decode_utf8(data):
    """Strict UTF-8 on every version (2.7's codec accepts encoded surrogates, which are not UTF-8)."""
    text = data.decode("utf-8")
    if PY2 and b"\xed" in data:
        import re
        match = re.search(b"\xed[\xa0-\xbf]", data)
        if match:
            raise UnicodeDecodeError("utf-8", data, match.start(), match.end() + 1, "encoded surrogate")
    return text
