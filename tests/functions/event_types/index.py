# -*- coding: utf-8 -*-
"""Prints the event and answers the Python types of its strings (issue 18 item 9): on 2.7 Tencent hands byte strings
(`{'key1': 'test value 1'}`), JD unicode (`{u'key_001': u'value_001'}`); on 3.x both are str."""


def handler(event, context):
    print(event)
    key = [k for k in event if k == u"key1"][0]
    return {"key_type": type(key).__name__, "value_type": type(event["key1"]).__name__,
            "nested_type": type(event["nested"]["list"][0]).__name__,
            "is_str": isinstance(event["key1"], str), "chinese_utf8_bytes": len(event["chinese"]),
            "number_type": type(event["number"]).__name__}


main_handler = handler
