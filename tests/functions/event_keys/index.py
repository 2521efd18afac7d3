# -*- coding: utf-8 -*-
"""Reads the keys named in EVENT_KEYS (a JSON list of dotted paths, numbers index lists) from the event and returns
them with their values: a missing key is a KeyError, i.e. a function error. Aliyun hands the event as raw bytes."""
import json
import os


def read(event, path):
    value = event
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def handler(event, context):
    if isinstance(event, (bytes, bytearray)):
        event = event.decode("utf-8")
    if not isinstance(event, dict):
        event = json.loads(event)
    return json.dumps(dict((path, read(event, path)) for path in json.loads(os.environ["EVENT_KEYS"])))


main_handler = handler
