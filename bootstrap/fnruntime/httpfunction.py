"""FC's HTTP functions (aliyun, `--function-type http`): `handler(environ, start_response)`, a WSGI application.

An HTTP request reaches the worker as its body plus `request_params` (method, path, request URI, client address,
headers); `call` builds the WSGI environ as FC's Python runtime does (fc_rapis_wsgi.get_environ: FC's fixed server
keys, the process environment, `fc.context`, `fc.request_uri`, `HTTP_X_FC_FUNCTION_HANDLER`, multi-valued headers
joined with ","), runs the application and returns the response as JSON text (`status`, `headers`, `body_b64`), the
result kind "http". `response_parts` reads it back for the HTTP server, `response_bytes` for a one-shot run, and
`parse_request` reads a one-shot request given as a raw HTTP request (a file, the EVENT argument or stdin).
"""
from __future__ import absolute_import, division, print_function

import base64
import json
import os
import sys

from .compat import PY2, native_str, to_bytes, to_text, unquote

#: What FC's runtime puts in every environ (its fc_rapis_wsgi.get_environ), the request's keys added after them.
SERVER_KEYS = (("HTTP", "on"), ("SCRIPT_NAME", ""), ("SERVER_NAME", "FCRUNTIME"), ("SERVER_PORT", "9000"),
               ("SERVER_PROTOCOL", "HTTP/1.1"), ("SERVER_SOFTWARE", "FCRUNTIME/1.0"),
               ("CONTENT_TYPE", "application/octet-stream"), ("QUERY_STRING", ""), ("wsgi.url_scheme", "http"))
REQUEST_URI = "fc.request_uri"
CONTEXT = "fc.context"
HANDLER_HEADER = "HTTP_X_FC_FUNCTION_HANDLER"


class HttpFunctionError(Exception):
    """The application broke the WSGI contract (no start_response, a body that is not bytes or text)."""


def request_params(request):
    """What the worker needs of an httpwire.HttpRequest besides its body (JSON-ready)."""
    return {"method": request.method, "path": request.path, "request_uri": request.target,
            "client_ip": request.peer.rsplit(":", 1)[0] if request.peer else "",
            "headers": [[name, value] for name, value in request.headers]}


def parse_request(data):
    """(body bytes, request params) of a raw HTTP request (`GET /path?q=1 HTTP/1.1`, header lines, a blank line, the
    body); LF line ends are accepted, and a body without Content-Length is taken whole. ValueError says what is wrong."""
    from .httpwire import HttpError, HttpParser
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        head, separator, body = data.partition(b"\n\n")
        head = head.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    lines = head.strip(b"\r\n").split(b"\r\n")
    if not lines or not lines[0].strip():
        raise ValueError("the request is empty: give an HTTP request such as 'GET /path?x=1 HTTP/1.1', header "
                         "lines, a blank line and the body")
    if len(lines[0].split(b" ")) == 2:
        lines[0] += b" HTTP/1.1"  # `GET /path`: the version may be left out
    names = [line.split(b":", 1)[0].strip().lower() for line in lines[1:]]
    if body and b"content-length" not in names and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: " + to_bytes(str(len(body))))
    items = HttpParser("127.0.0.1:0").feed(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    if not items or isinstance(items[0], HttpError) or not hasattr(items[0], "method"):
        problem = items[0].message if items and isinstance(items[0], HttpError) else "an incomplete request"
        raise ValueError("not an HTTP request (%s): give e.g. 'POST /path HTTP/1.1', headers, a blank line, the "
                         "body" % problem)
    return items[0].body, request_params(items[0])


def environ_for(body, context, params):
    """The WSGI environ of one request, as FC's runtime builds it."""
    native = native_str if PY2 else (lambda value: value)
    environ = dict(os.environ)
    environ.update(SERVER_KEYS)
    import io
    environ.update({"CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0), "wsgi.input": io.BytesIO(body),
                    "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
                    "wsgi.run_once": False})
    environ["PATH_INFO"] = native(unquote(params.get("path") or "/"))
    environ["REQUEST_METHOD"] = native(params["method"])
    request_uri = params.get("request_uri", "")
    environ[REQUEST_URI] = native(request_uri)
    environ["REMOTE_ADDR"] = native(params.get("client_ip", ""))
    joined = {}
    for name, value in params.get("headers", []):
        joined.setdefault(name.lower(), []).append(value)
    content_type = joined.pop("content-type", None)
    if content_type:
        environ["CONTENT_TYPE"] = native(",".join(content_type))
    for name, values in joined.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = native(",".join(values))
    if "?" in request_uri:
        environ["QUERY_STRING"] = native(request_uri.split("?", 1)[1])
    environ[HANDLER_HEADER] = native(context.function.handler)
    environ[CONTEXT] = context
    return environ


class StartResponse(object):
    """The `start_response` callable: keeps the status code and the headers (repeated names kept), and the bytes
    given to the `write` callable it returns."""

    def __init__(self):
        self.status = None
        self.headers = []
        self.written = []

    def __call__(self, status, headers, exc_info=None):
        if exc_info is not None and self.status is not None:
            raise exc_info[1]
        try:
            self.status = int(to_text(status).split()[0])
        except (ValueError, IndexError, AttributeError):
            raise HttpFunctionError("start_response was given the status %r: it must start with the code, as in "
                                    "'200 OK'" % (status,))
        self.headers = [[to_text(name), to_text(value)] for name, value in headers]
        return self.written.append


def call(handler, body, context, params):
    """Run the WSGI application on one request: the response as JSON text (result kind "http")."""
    start_response = StartResponse()
    output = handler(environ_for(body, context, params), start_response)
    chunks = list(start_response.written)
    try:
        if isinstance(output, (bytes, type(u""))):
            output = [output]
        for chunk in output or ():
            if not isinstance(chunk, (bytes, type(u""))):
                raise HttpFunctionError("the WSGI application's body holds a %s; it must be bytes (or text, sent "
                                        "as UTF-8)" % type(chunk).__name__)
            chunks.append(to_bytes(chunk))
    finally:
        close = getattr(output, "close", None)
        if close is not None:
            close()
    if start_response.status is None:
        raise HttpFunctionError("the WSGI application returned without calling start_response(status, headers)")
    return json.dumps({"status": start_response.status, "headers": start_response.headers,
                       "body_b64": to_text(base64.b64encode(b"".join(chunks)))})


def response_parts(text):
    """(status, [(name, value)], body bytes) of a result of kind "http"."""
    response = json.loads(to_text(text))
    return (response["status"], [(name, value) for name, value in response["headers"]],
            base64.b64decode(response["body_b64"]))


def response_bytes(text):
    """A one-shot run's output: the HTTP response as `curl -i` shows it (status line, headers, blank line, body)."""
    from .httpresponse import REASONS
    status, headers, body = response_parts(text)
    lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Unknown"))]
    lines.extend("%s: %s" % (name, value) for name, value in headers)
    return to_bytes("\r\n".join(lines) + "\r\n\r\n", "utf-8") + body
