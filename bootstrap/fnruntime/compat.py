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

else:
    text_type = str
    binary_type = bytes
    string_types = (str,)
    integer_types = (int,)
    from time import monotonic  # noqa: F401

    def reraise(tp, value, tb=None):
        raise value.with_traceback(tb)


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
