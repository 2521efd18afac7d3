"""Reads the caller's identity from JD's API Gateway event as JD documents it (issue 18 item 15) and answers it."""
import json


def handler(event, context):
    identity = event["detail"]["requestContext"]["identity"]
    fields = dict((name, identity[name]) for name in ("accountId", "apiKey", "user", "authType"))
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"identity": fields, "keys": sorted(identity)})}
