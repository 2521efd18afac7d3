# -*- coding: utf8 -*-
import base64

try:
    from urllib.parse import parse_qs
except ImportError:
    from urlparse import parse_qs


def main_handler(event, context):
    body = event.get("body", "")
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    fields = parse_qs(body)
    name = fields.get("name", ["reader"])[0]
    return {"isBase64Encoded": False, "statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"},
            "body": "<p>Thanks, %s! You said: %s</p>" % (name, fields.get("message", [""])[0])}
