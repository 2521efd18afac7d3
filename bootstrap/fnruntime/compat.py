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
    from itertools import izip_longest as zip_longest  # noqa: F401
    import Queue as queue  # noqa: F401
    from urlparse import parse_qsl, urlsplit  # noqa: F401
    from urllib import unquote  # noqa: F401

    exec("def reraise(tp, value, tb=None):\n    raise tp, value, tb\n")

    def monotonic():
        """Seconds from an arbitrary start; 2.7 has no monotonic clock, so wall time it is."""
        import time
        return time.time()

    def which(name):
        for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        return None

else:
    text_type = str
    binary_type = bytes
    string_types = (str,)
    integer_types = (int,)
    from itertools import zip_longest  # noqa: F401
    import queue  # noqa: F401
    from urllib.parse import parse_qsl, urlsplit, unquote  # noqa: F401
    from shutil import which  # noqa: F401
    from time import monotonic  # noqa: F401

    def reraise(tp, value, tb=None):
        raise value.with_traceback(tb)


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
