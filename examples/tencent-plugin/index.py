# -*- coding: utf8 -*-
import json
import os


def reply(status, data):
    return {"isBase64Encoded": False, "statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(data)}


def entries(event, context):
    return reply(200, {"title": os.environ.get("BOOK_TITLE"), "method": event["httpMethod"],
                       "query": event["queryString"]})


def sign(event, context):
    author = event["pathParameters"]["author"]
    return reply(201, {"signed": author, "text": event.get("body", ""), "route": event["requestContext"]["path"]})


def cleanup(event, context):
    return {"trigger": event["TriggerName"], "type": event["Type"], "message": event["Message"]}
