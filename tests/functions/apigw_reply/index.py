"""API Gateway replies: reads the request from any provider's event (aliyun's raw JSON bytes, JD's `detail`) and
answers by path.

/echo...: 200, JSON body {"event": <the event as received>, "event_type"}, headers X-Custom and two Set-Cookie (a list);
/binary: bytes 0..255 base64-encoded with isBase64Encoded; /status/N: status N, body "status N"; /head: what a WSGI
app answers a HEAD with (Werkzeug): an empty body and the length of the GET's in Content-Length (353);
/invalid/<kind>: a reply of the wrong shape (string, nostatus, dictbody, badheader, badbase64, boolstatus, list);
/raise: an exception.
"""
import base64
import json


def request_of(event):
    raw_type = type(event).__name__
    if isinstance(event, (bytes, bytearray)):
        event = json.loads(event.decode("utf-8"))
    request = event.get("detail", event) if isinstance(event, dict) else {}
    return event, raw_type, request


INVALID = {
    "string": "just a string",
    "nostatus": {"body": "no status code"},
    "dictbody": {"statusCode": 200, "headers": {}, "body": {"a": 1}},
    "badheader": {"statusCode": 200, "headers": {"X-Bad": "a\r\nInjected: yes"}, "body": ""},
    "badbase64": {"statusCode": 200, "isBase64Encoded": True, "body": "%%%not base64"},
    "boolstatus": {"statusCode": True, "body": ""},
    "list": [200, "body"],
}


def handler(event, context):
    event, raw_type, request = request_of(event)
    path = request.get("path", "")
    if path.startswith("/echo"):
        return {"statusCode": 200, "isBase64Encoded": False,
                "headers": {"Content-Type": "application/json", "X-Custom": "custom-value",
                            "Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]},
                "body": json.dumps({"event": event, "event_type": raw_type})}
    if path == "/binary":
        return {"statusCode": 200, "isBase64Encoded": True, "headers": {"Content-Type": "application/octet-stream"},
                "body": base64.b64encode(bytes(bytearray(range(256)))).decode("ascii")}
    if path == "/head":
        return {"statusCode": 200, "headers": {"Content-Type": "text/html", "Content-Length": "353"}, "body": ""}
    if path.startswith("/status/"):
        code = int(path.split("/")[2])
        return {"statusCode": code, "headers": {"Content-Type": "text/plain"}, "body": "status %d" % code}
    if path.startswith("/invalid/"):
        return INVALID[path.split("/")[2]]
    if path == "/raise":
        raise RuntimeError("apigw_reply was asked to raise")
    return {"statusCode": 404, "headers": {"Content-Type": "text/plain"}, "body": "no such path %s" % path}


main_handler = handler
