"""JSON text of what handlers return, as the provider profiles write it (providers.py): json.dumps with a profile's
options and `default`, text kept unescaped where a cloud keeps it, the error types when it cannot be done, and the
shapes of traceback frames in error bodies.
"""
from __future__ import absolute_import, division, print_function

import json
import sys

from .compat import PY2, binary_type, integer_types, string_types, text_type
from .errors import ResultNotSerializable, ResultTooLarge

#: The clouds' synchronous payload limit (events and results).
PAYLOAD_LIMIT = 6 * 1024 * 1024


def json_text(value, **options):
    """JSON text of a result (json.dumps' options); ResultNotSerializable, ResultTooLarge."""
    try:
        text = json.dumps(value, **options)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ResultNotSerializable("the function returned a value of type %s that cannot be serialised to JSON: %s"
                                    % (type(value).__name__, exc))
    if len(text) > PAYLOAD_LIMIT:
        raise ResultTooLarge("the function's result is %d bytes, over the 6 MB (%d bytes) response limit"
                              % (len(text), PAYLOAD_LIMIT))
    return text


def file_line_frames(stack):
    """[file, line, function, code] frames as Python's traceback prints them: ['File "..."', 'line 5', 'in f', code]."""
    return [['File "%s"' % f[0], "line %s" % f[1], "in %s" % f[2], f[3]] for f in stack]


def json_text_unescaped(value, **options):
    """json.dumps(value, ensure_ascii=False) as text that encodes to UTF-8 (a lone surrogate is escaped then, as with
    ensure_ascii). On 2.7 a value mixing UTF-8 byte strings with unicode is encoded as if all were unicode, which
    2.7's json cannot do by itself."""
    try:
        text = json_text(value, ensure_ascii=False, **options)
    except ResultNotSerializable:
        if not (PY2 and isinstance(json_error(value, ensure_ascii=False, **options), UnicodeDecodeError)):
            raise
        text = json_text(unicode_strings(value), ensure_ascii=False, **options)
    if isinstance(text, binary_type):  # 2.7 with byte strings only: they are in the text as they were
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            return json_text(value, **options)  # names the string that is not UTF-8
    if PY2:  # 2.7's codec encodes a lone surrogate (into bytes that are not UTF-8) rather than fail
        import re
        return json_text(value, **options) if re.search(u"[\ud800-\udfff]", text) else text
    try:
        text.encode("utf-8")
    except UnicodeError:
        return json_text(value, **options)
    return text


def unicode_strings(value):
    """`value` with every 2.7 byte string (keys too) decoded from UTF-8 (as json.dumps would decode it)."""
    if isinstance(value, binary_type):
        return value.decode("utf-8")
    if isinstance(value, dict):
        return dict((unicode_strings(k), unicode_strings(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [unicode_strings(item) for item in value]
    return value


def utf8_strings(value):
    """A decoded JSON value with every 2.7 unicode string (keys too) as a UTF-8 byte string, as Tencent's 2.7 runtime
    hands the event (scfcli evaluates the event's JSON text as a Python literal: `{'key1': 'test value 1'}`)."""
    if isinstance(value, text_type):
        return value.encode("utf-8")
    if isinstance(value, dict):
        return dict((utf8_strings(k), utf8_strings(v)) for k, v in value.items())
    if isinstance(value, list):
        return [utf8_strings(item) for item in value]
    return value


def json_error(value, **options):
    """The exception json.dumps raises for `value`, or None."""
    try:
        json.dumps(value, **options)
    except Exception as exc:
        return exc
    return None


def native_text(value):
    """A native `str` result as text: on 2.7 a byte string that must be UTF-8; on 3.x text that UTF-8 can encode (a
    lone surrogate such as '\\udc80', which os.fsdecode or errors="surrogateescape" leave, cannot)."""
    if isinstance(value, text_type):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ResultNotSerializable("the function returned a str that cannot be encoded as UTF-8: %r at position "
                                        "%d is a lone surrogate (%s); return valid text, or bytes" % (
                                            value[exc.start:exc.end], exc.start, exc.reason))
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultNotSerializable("the function returned a str that is not UTF-8 text (%s); return text, or "
                                    "encode the bytes yourself (base64)" % exc)


def is_decimal(value):
    """Whether `value` is a decimal.Decimal (without importing `decimal`: no Decimal exists before it is imported)."""
    decimal = sys.modules.get("decimal")
    return decimal is not None and type(value) is decimal.Decimal


def kind_word(value, array="an array"):
    """How an error message names what a value is: "null", "a boolean", "a number", "a string", `array` for a list
    (a request's JSON says "an array", a function's reply "a list"), else "an object"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, integer_types + (float,)):
        return "a number"
    if isinstance(value, string_types):
        return "a string"
    if isinstance(value, list):
        return array
    return "an object"


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (text_type, binary_type)):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def flat_trace(summary):
    """A load error's stackTrace as FC's runtime builds it from traceback.format_exception_only: each line stripped
    of indentation and carets, the first line (a syntax error's `File "...", line N`) split at its commas."""
    trace = []
    for index, line in enumerate(summary):
        for item in line.split("\n"):
            item = item.replace("^", "").strip()
            if not item:
                continue
            if index == 0:
                trace.extend(part.strip() for part in item.split(",") if part.strip())
            else:
                trace.append(item)
    return trace
