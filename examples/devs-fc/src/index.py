# -*- coding: utf-8 -*-
# Two functions in one code folder: an HTTP-trigger greeter (WSGI) and a timer.
import json
import os

try:
    from urllib.parse import parse_qs
except ImportError:
    from urlparse import parse_qs


def hello(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    name = query.get("name", ["world"])[0]
    if environ["REQUEST_METHOD"] == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        name = parse_qs(environ["wsgi.input"].read(size).decode("utf-8")).get("name", [name])[0]
    body = json.dumps({"message": "%s, %s!" % (os.environ.get("GREETING", "Hi"), name),
                       "path": environ.get("PATH_INFO")})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode("utf-8")]


def nightly(event, context):
    timer = json.loads(event)
    return json.dumps({"ran": timer["triggerName"], "at": timer["triggerTime"], "payload": timer["payload"]})
