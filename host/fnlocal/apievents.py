"""The API Gateway event a request becomes on the gateway, for a route of the template: Tencent's (the route with
its `{parameters}` in `requestContext.path`, the request's path in `path`, `pathParameters`, the stage) and JD's
(the request in `detail`, `requestContext.stage`), shaped as PROVIDERS.md and the runtime's own `--api-gateway`
mode; and the HTTP response the function's reply becomes (the runtime's `fnruntime.apigw.parse_reply`).
"""
import base64
import datetime
import json
import urllib.parse

from fnruntime import apigw


def query_parameters(query_string):
    """`a=1&a=2&b=` -> {"a": ["1", "2"], "b": ""}: one value as a string, a repeated key as a list."""
    params = {}
    for key, value in urllib.parse.parse_qsl(query_string, keep_blank_values=True):
        if key in params:
            params[key] = (params[key] if isinstance(params[key], list) else [params[key]]) + [value]
        else:
            params[key] = value
    return params


def header_map(headers):
    """Lower-case names; a repeated header's values joined with ', ' (cookies with '; ')."""
    merged = {}
    for name, value in headers.items():
        name = name.lower()
        if name in merged:
            merged[name] += ("; " if name == "cookie" else ", ") + value
        else:
            merged[name] = value
    return merged


def body_text(body, allow_base64):
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        if allow_base64:
            return base64.b64encode(body).decode("ascii"), True
        return body.decode("utf-8", "replace"), False


def tencent_event(method, path, query_string, headers, body, peer, route, params, request_id):
    stage = route.stage or "release"
    query = query_parameters(query_string)
    event = {
        "requestContext": {"serviceId": "service-local", "path": route.path, "httpMethod": method,
                           "requestId": request_id, "identity": {}, "sourceIp": peer, "stage": stage},
        "headers": header_map(headers), "pathParameters": dict(params), "queryStringParameters": dict(query),
        "headerParameters": {}, "stageVariables": {"stage": stage}, "path": path, "queryString": query,
        "httpMethod": method,
    }
    if body:  # real traffic has no body on GET
        event["body"], encoded = body_text(body, allow_base64=True)
        if encoded:
            event["isBase64Encoded"] = True
    return event


def jdcloud_event(method, path, query_string, headers, body, peer, route, params, request_id):
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d000Z" % now.microsecond
    detail = {"path": path, "httpMethod": method, "headers": header_map(headers), "pathParameters": dict(params),
              "queryParameters": query_parameters(query_string), "body": body_text(body, allow_base64=False)[0],
              "requestContext": {"stage": route.stage or "test", "apiId": "local", "identity": {},
                                 "requestId": request_id, "sourceIp": peer}}
    return {"version": "0", "id": request_id, "time": stamp, "source": "apigateway", "base64OwnerPin": "",
            "resources": [], "region": "cn-north-1", "detailType": "ApiGatewayReceived", "detail": detail}


def aliyun_event(method, path, query_string, headers, body, peer, route, params, request_id):
    text, encoded = body_text(body, allow_base64=True)
    return {"path": path, "httpMethod": method, "headers": header_map(headers),
            "queryParameters": query_parameters(query_string), "pathParameters": dict(params), "body": text,
            "isBase64Encoded": encoded}


BUILDERS = {"tencent": tencent_event, "jdcloud": jdcloud_event, "aliyun": aliyun_event}


def build_event(provider, *args):
    return BUILDERS[provider](*args)


def reply(provider, status, headers, body):
    """(status, [(name, value)], body bytes, problem or None) for the runtime's answer to `POST /invoke`."""
    if headers.get("X-Function-Error-Type"):  # a function error: the error body, as the runtime's gateway mode
        return 502, [("Content-Type", "application/json")], body, None
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        value = None
        problem = "the function returned something that is not JSON: %s" % apigw.shorten(body.decode("utf-8",
                                                                                                    "replace"))
    else:
        try:
            answer = apigw.parse_reply(provider, value)
            return answer.status, answer.headers, answer.body, None
        except apigw.ReplyError as exc:
            problem = exc.args[0]
    status, error = apigw.INVALID_REPLY[provider]
    return status, [("Content-Type", "application/json")], json.dumps(error).encode(), problem
