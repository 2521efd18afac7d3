"""Returns values of each JSON-ish type, to check each provider's result serialisation.

`as_dict` {"b": 1, "a": [1, 2.5], "c": {"z": None, "y": True}}; `as_str` a plain text (not JSON); `as_unicode` text
with non-ASCII characters; `as_list`; `as_int`; `as_none`.
"""

def as_dict(event, context):
    return {"b": 1, "a": [1, 2.5], "c": {"z": None, "y": True}}


def as_str(event, context):
    return "plain text, not JSON"


def as_unicode(event, context):
    return u"h\u00e9llo \u4e16\u754c"


def as_list(event, context):
    return [3, "two", None]


def as_int(event, context):
    return 42


def as_none(event, context):
    return None
