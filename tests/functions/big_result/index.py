"""Results around the 6 MB payload limit: `handler` returns a 7 MB string (over), `under` a 5 MB one (fine).

Event (JSON; raw for aliyun) may carry {"mb": N} to choose the size.
"""
import json


def size_of(event, default):
    if not isinstance(event, dict):
        event = json.loads(event or "{}")
    return int(float(event.get("mb", default)) * 1024 * 1024)


def handler(event, context):
    return "r" * size_of(event, 7)


main_handler = handler


def under(event, context):
    return "r" * size_of(event, 5)
