# -*- coding: utf-8 -*-
"""Returns Chinese text (provider item 10 of issue 18): tencent keeps it as it is, UTF-8 on the wire.

`as_dict` {"msg": u"你好"}; `as_text` u"你好"; `as_bytes_str` on 2.7 the UTF-8 byte string "你好" inside a dict with
unicode beside it (2.7's json.dumps(ensure_ascii=False) cannot mix them by itself); `lone_surrogate` a string
no encoding can carry.
"""


def as_dict(event, context):
    return {"msg": u"\u4f60\u597d"}


def as_text(event, context):
    return u"\u4f60\u597d"


def as_bytes_str(event, context):
    return {"bytes": "你好", "text": u"\u4e16\u754c"}


def lone_surrogate(event, context):
    return {"odd": u"\ud800"}


main_handler = handler = as_dict


def dispatch(event, context):
    """Serving: the function named by the event's "case"."""
    return globals()[event["case"]](event, context)
