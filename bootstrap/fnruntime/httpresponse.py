"""HTTP/1.x responses as bytes: `render` makes a whole response one bytes object (one write, no Nagle stall), and
`outcome_response` is the `POST /invoke` response of an invocation's Outcome: the worker renders it on the warm path,
the server otherwise (httpserver.py). Pure functions: no sockets, no server; the parser is httpwire.py.
"""
from __future__ import absolute_import, division, print_function

from .compat import to_bytes, to_text

LOG_TAIL_BYTES = 4096
REASONS = {
    100: "Continue", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
    301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified", 307: "Temporary Redirect",
    308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required",
    413: "Payload Too Large", 414: "URI Too Long", 415: "Unsupported Media Type", 417: "Expectation Failed",
    422: "Unprocessable Entity", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}
#: The status line of each status REASONS names.
STATUS_LINES = dict((status, ("HTTP/1.1 %d %s" % (status, reason)).encode("ascii"))
                    for status, reason in REASONS.items())


def header_bytes(value):
    text = value if isinstance(value, type(u"")) else to_text(value)
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def render(status, headers, body, keep_alive=True, head_only=False, length=None):
    """The whole response as one bytes object (one write: no Nagle stall). `length`: the Content-Length to send
    instead of the body's (a HEAD answered with the application's own)."""
    lines = [STATUS_LINES.get(status) or b"HTTP/1.1 " + to_bytes("%d %s" % (status, REASONS.get(status, "Unknown")))]
    try:  # the usual headers, all text in latin-1, at once
        lines.append("\r\n".join([name + ": " + value for name, value in headers]).encode("latin-1"))
    except (TypeError, UnicodeError):  # bytes (2.7 str) or other characters among them: one at a time
        lines[1:] = [header_bytes(name) + b": " + header_bytes(value) for name, value in headers]
    if not headers:
        del lines[1:]
    if status >= 200 and status not in (204, 304):
        lines.append(b"Content-Length: " + to_bytes(str(len(body) if length is None else length)))
    else:
        body = b""
    if not keep_alive:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + (b"" if head_only else body)


def text_response(status, message, keep_alive, headers=()):
    body = to_bytes(message + "\n")
    return render(status, [("Content-Type", "text/plain; charset=utf-8")] + list(headers), body, keep_alive)



def outcome_response(config, outcome, kind, tails=()):
    """(status, headers, body) of `POST /invoke` for an outcome (the worker renders it too)."""
    headers = outcome_headers(config, outcome, tails)
    if outcome.ok:
        status = 202 if kind == "Event" else 200
        content_type = {"json": "application/json", "text": "text/plain; charset=utf-8",
                        "bytes": "application/octet-stream"}.get(outcome.result_kind)
    else:
        status = {"InvalidEvent": 400, "PayloadTooLarge": 500}.get(outcome.error_type, 500)
        content_type = "application/json"
    if content_type:
        headers.insert(0, ("Content-Type", content_type))
    return status, headers, outcome.output_bytes()


def outcome_headers(config, outcome, tails=()):
    headers = [("X-Request-Id", outcome.request_id)]
    aliyun = config.provider == "aliyun"
    if aliyun:
        headers.append(("X-Fc-Request-Id", outcome.request_id))
    if not outcome.ok:
        headers.append(("X-Function-Error-Type", outcome.error_type))
        if aliyun:
            headers.append(("X-Fc-Error-Type", "UnhandledInvocationError"))
    headers.append(("X-Function-Duration-Ms", "%.3f" % outcome.duration_ms))
    headers.append(("X-Function-Billed-Duration-Ms", str(outcome.billed_duration_ms)))
    headers.append(("X-Function-Max-Memory-Used-Mb", "%.2f" % outcome.max_memory_used_mb))
    if outcome.instance is not None:
        headers.append(("X-Function-Instance", str(outcome.instance)))
    if outcome.init_duration_ms is not None:
        headers.append(("X-Function-Init-Duration-Ms", "%.3f" % outcome.init_duration_ms))
    for answer in tails:
        import base64
        tail = to_bytes(outcome.log)[-LOG_TAIL_BYTES:]
        headers.append((answer, to_text(base64.b64encode(tail))))
    return headers
