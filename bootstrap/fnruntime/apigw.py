"""API Gateway triggers per provider: the event an HTTP request becomes, and the HTTP response a reply becomes.

`build_event(provider, request, request_id)` gives tencent's, aliyun's or jdcloud's event (JD's wrapped in `detail`;
header names lower-case; a repeated query key becomes a list). `translate_reply(provider, outcome)` checks the
handler's `{statusCode, headers, body, isBase64Encoded}` and answers an invalid one as that provider's gateway does.
"""
from __future__ import absolute_import, division, print_function

import base64
import binascii
import collections
import json
import time

from .compat import integer_types, string_types, to_bytes, to_text
from .jsontext import kind_word

Reply = collections.namedtuple("Reply", "status headers body problem")

#: What each gateway answers when the function's reply has the wrong shape (PROVIDERS.md; [gap] where marked).
INVALID_REPLY = {
    # Tencent's documented body; the HTTP status is a [gap]: 502, as a gateway whose backend misbehaved.
    "tencent": (502, {"errno": 403, "error": "Invalid scf response format. please check your scf response format."}),
    # Alibaba's gateway answers 503 (documented); the body is a [gap].
    "aliyun": (503, {"errorMessage": "Invalid function response format: the API Gateway expects "
                                     "{isBase64Encoded, statusCode, headers, body}"}),
    # [gap]
    "jdcloud": (502, {"error_message": "Invalid function response format: the API Gateway expects "
                                       "{statusCode, headers, body}"}),
}


# -- events -------------------------------------------------------------------------------------------------------------

def query_parameters(query):
    """`a=1&a=2&b=` -> {"a": ["1", "2"], "b": ""}: one value as a string, a repeated key as a list."""
    from .compat import parse_qsl
    params = collections.OrderedDict()
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in params:
            if not isinstance(params[key], list):
                params[key] = [params[key]]
            params[key].append(value)
        else:
            params[key] = value
    return dict(params)


def header_map(headers):
    """Lower-case names; a repeated header's values joined with ', ' (cookies with '; ')."""
    merged = collections.OrderedDict()
    for name, value in headers:
        if name in merged:
            merged[name] += ("; " if name == "cookie" else ", ") + value
        else:
            merged[name] = value
    return dict(merged)


def body_text(body, allow_base64):
    """(text, is_base64): UTF-8 bodies as text; others base64 when the gateway can say so, else decoded lossily."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        if allow_base64:
            return to_text(base64.b64encode(body)), True
        return body.decode("utf-8", "replace"), False


def request_parts(request):
    from .compat import unquote
    return (request.method, unquote(request.path), query_parameters(request.query), header_map(request.headers),
            request.body, request.peer or "127.0.0.1")


def tencent_event(request, request_id):
    method, path, query, headers, body, peer = request_parts(request)
    event = {
        "requestContext": {"serviceId": "service-local", "path": path, "httpMethod": method,
                           "requestId": request_id, "identity": {}, "sourceIp": peer, "stage": "release"},
        "headers": headers, "pathParameters": {}, "queryStringParameters": dict(query), "headerParameters": {},
        "stageVariables": {"stage": "release"}, "path": path, "queryString": query, "httpMethod": method,
    }
    if body:  # real traffic has no body on GET
        event["body"], encoded = body_text(body, allow_base64=True)
        if encoded:
            event["isBase64Encoded"] = True
    return event


def aliyun_event(request, request_id):
    method, path, query, headers, body, peer = request_parts(request)
    text, encoded = body_text(body, allow_base64=True)
    return {"path": path, "httpMethod": method, "headers": headers, "queryParameters": query,
            "pathParameters": {}, "body": text, "isBase64Encoded": encoded}


#: JD's gateway identity (its event-format documentation, and a cloud capture in sca's doc/usage/logs.md): the four
#: fields, empty for an API without authentication.
JD_IDENTITY = {"accountId": "", "apiKey": "", "user": "", "authType": ""}


def jdcloud_event(request, request_id):
    method, path, query, headers, body, peer = request_parts(request)
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%09dZ" % int((now % 1) * 1e9)
    detail = {"path": path, "httpMethod": method, "headers": headers, "pathParameters": {},
              "queryParameters": query, "body": body_text(body, allow_base64=False)[0],
              "requestContext": {"stage": "test", "apiId": "local", "identity": dict(JD_IDENTITY),
                                 "requestId": request_id,
                                 "sourceIp": peer}}
    return {"version": "0", "id": request_id, "time": stamp, "source": "apigateway", "base64OwnerPin": "",
            "resources": [], "region": "cn-north-1", "detailType": "ApiGatewayReceived", "detail": detail}


BUILDERS = {"tencent": tencent_event, "aliyun": aliyun_event, "jdcloud": jdcloud_event}


def build_event(provider, request, request_id):
    """The API Gateway event for an httpwire.HttpRequest."""
    return BUILDERS[provider](request, request_id)


# -- replies ------------------------------------------------------------------------------------------------------------

class ReplyError(ValueError):
    pass


def translate_reply(provider, outcome):
    """Reply(status, headers [(name, value)], body bytes, problem): the HTTP response for the handler's outcome.
    `problem` names what is wrong with an invalid reply (None when valid)."""
    if not outcome.ok:
        return Reply(502, [("Content-Type", "application/json")], outcome.output_bytes(), None)
    try:
        return parse_reply(provider, reply_value(outcome))
    except ReplyError as exc:
        status, body = INVALID_REPLY[provider]
        return Reply(status, [("Content-Type", "application/json")], to_bytes(json.dumps(body)), exc.args[0])


def reply_value(outcome):
    if outcome.result_kind is None:
        raise ReplyError("the function returned nothing (an Event invocation, or None)")
    text = outcome.result
    if outcome.result_kind == "bytes":
        try:
            text = outcome.result.decode("utf-8")
        except UnicodeDecodeError:
            raise ReplyError("the function returned bytes that are not UTF-8 JSON")
    try:
        return json.loads(to_text(text))
    except ValueError:
        raise ReplyError("the function returned a string that is not JSON: %s" % shorten(to_text(text)))


def parse_reply(provider, value):
    if not isinstance(value, dict):
        raise ReplyError("the function returned %s; return a dict such as {\"statusCode\": 200, \"headers\": "
                         "{\"Content-Type\": \"text/html\"}, \"body\": \"...\"}" % kind_of(value))
    status = value.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, integer_types) or not 100 <= status <= 599:
        raise ReplyError("statusCode must be an integer from 100 to 599, got %s" % shorten(json.dumps(status)))
    headers = reply_headers(value.get("headers"))
    body = value.get("body")
    if body is None:
        body = ""
    if not isinstance(body, string_types):
        raise ReplyError("body must be a string (serialise JSON yourself with json.dumps), got %s" % kind_of(body))
    encoded = value.get("isBase64Encoded", False)
    if provider == "jdcloud":
        encoded = False  # JD's gateway has no base64 replies
    elif encoded not in (True, False):
        raise ReplyError("isBase64Encoded must be true or false, got %s" % shorten(json.dumps(encoded)))
    if encoded:
        try:
            data = base64.b64decode(to_bytes(body))
        except (binascii.Error, TypeError, ValueError) as exc:
            raise ReplyError("isBase64Encoded is true but body is not base64: %s" % exc)
    else:
        data = to_bytes(body)
    return Reply(status, headers, data, None)


def reply_headers(value):
    if value is None:
        return []
    if not isinstance(value, dict):
        raise ReplyError("headers must be an object of names to values, got %s" % kind_of(value))
    headers = []
    for name, values in sorted(value.items()):
        if not isinstance(values, list):
            values = [values]
        for item in values:
            if isinstance(item, bool) or not isinstance(item, string_types + integer_types + (float,)):
                raise ReplyError("header %s must be a string (or a list of strings), got %s" % (name, kind_of(item)))
            item = item if isinstance(item, string_types) else json.dumps(item)
            if not name or any(c in name for c in " \t\r\n:") or "\r" in item or "\n" in item:
                raise ReplyError("header %s holds a character not allowed in HTTP headers (space, colon, CR or LF "
                                 "in the name, CR or LF in the value)" % json.dumps(name))
            headers.append((name, item))
    return headers


def kind_of(value):
    """What a reply's part is, for its error message (a Python list is "a list" here)."""
    return kind_word(value, "a list")


def shorten(text, limit=120):
    return text if len(text) <= limit else text[:limit] + "..."
