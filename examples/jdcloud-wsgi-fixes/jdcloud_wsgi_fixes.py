# -*- coding: utf-8 -*-
"""Workarounds for the defects of JD's `jdcloud-wsgi-wrapper` 1.3: copy this file into your function's code folder.

Contract. Standard library only; one source for Python 2.7 and 3.x. Nothing here changes the wrapper: each fix is a
small WSGI middleware around your application (or, where the wrapper fails before your application runs, a step on
the event before `wsgi_run` sees it), so the wrapper that JD preinstalls keeps running your app.

    from jdcloud_wsgi_fixes import wsgi_handler
    handler = wsgi_handler(app)              # instead of: def handler(e, c): return wsgi_run(e, c, app)

or, keeping your own handler: `wsgi_run(prepare_event(event), context, fix_all(app))`. The fixes, one per defect:

- `without_file_wrapper(app)`: the wrapper's `wsgi.file_wrapper` has no `__next__` on Python 3, so Flask's
  `send_file` and `/static/...`, and Django's `FileResponse`, answer 500. Dropping it from the environ makes them
  fall back to plain iteration.
- `bytes_input(app)`: `wsgi.input` is text (`io.StringIO` on 3.x, the decoded body on 2.7); PEP 3333 wants bytes.
  Django cannot read any POST body, Werkzeug >= 2.1 no JSON body, and `multipart/form-data` uploads fail. The body
  is re-read as UTF-8 bytes and CONTENT_LENGTH set to their length. (JD's gateway hands the function the body as
  JSON text, not base64: a binary file inside an upload cannot arrive intact whatever the function does.)
- `query_from_event(app)`: the wrapper joins the *decoded* `queryParameters` without URL-encoding (`%2B` arrives as
  a space, `%26` cuts the value, `?q=你好` is a 500 in Django) and on 2.7 never uses them at all. QUERY_STRING is
  rebuilt, URL-encoded as UTF-8, from `environ["function.event"]["detail"]["queryParameters"]` (a repeated key, a
  list, gives the key once per value).
- `prepare_event(event)`: on 3.x a repeated query key (a list) makes the wrapper itself answer 500 before your app
  runs; on 2.7 an event without `pathParameters` or `queryParameters` does. A shallow copy of the event is returned
  with the URL-encoded query in `detail.queryString` (which the wrapper takes as is) and the missing keys as `{}`.
- `text_body(app)`: JD's gateway answer is `{statusCode, headers, body}` with a text body and no `isBase64Encoded`,
  so a binary body (PNG, fonts) cannot pass at all: the wrapper answers 500 on 3.x (by its source, a truncated 200
  when only a later chunk is not UTF-8) and on 2.7 the function fails with ResultNotSerializable. This middleware
  cannot make the bytes pass; it answers a clear 502 that names the path, the type and the size, and says to serve
  such files from object storage or a CDN (or inline small images as `data:` URIs, or use SVG).
- Not fixable: repeated response headers (two `Set-Cookie`) collapse to the last one, because JD's answer headers
  are a plain object of one value per name. Set one cookie per response.
"""
import io
import sys

try:
    from urllib.parse import quote
except ImportError:  # Python 2
    from urllib import quote

PY2 = sys.version_info[0] == 2
TEXT_TYPE = unicode if PY2 else str  # noqa: F821 (Python 2 only)

BINARY_BODY_MESSAGE = (u"The response to %s is binary (%s, %d bytes): JD Cloud's API Gateway answers carry text "
                       u"only (no isBase64Encoded), so it cannot pass. Serve such files from object storage or a CDN, "
                       u"inline small images as data: URIs, or use SVG.")


def without_file_wrapper(app):
    """Drop the wrapper's `wsgi.file_wrapper` (no `__next__` on Python 3) so file responses are iterated plainly."""
    def wrapped(environ, start_response):
        environ.pop("wsgi.file_wrapper", None)
        return app(environ, start_response)
    return wrapped


def bytes_input(app):
    """Re-read a text `wsgi.input` as UTF-8 bytes; CONTENT_LENGTH becomes their length."""
    def wrapped(environ, start_response):
        stream = environ.get("wsgi.input")
        data = stream.read() if stream is not None else b""
        if data is None:
            data = b""
        if isinstance(data, TEXT_TYPE):
            data = data.encode("utf-8")
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        return app(environ, start_response)
    return wrapped


def encode_query(params):
    """{"q": "a+b", "tag": ["x", "y"]} -> "q=a%2Bb&tag=x&tag=y" (UTF-8, sorted by key, "/" kept; None is "")."""
    pairs = []
    for key in sorted(params):
        values = params[key]
        if not isinstance(values, (list, tuple)):
            values = [values]
        for value in values:
            pairs.append("%s=%s" % (quote_part(key), quote_part(value)))
    return "&".join(pairs)


def quote_part(value):
    if value is None:
        value = u""
    if not isinstance(value, (TEXT_TYPE, bytes)):
        value = TEXT_TYPE(value)
    if isinstance(value, TEXT_TYPE):
        value = value.encode("utf-8")
    return quote(value, safe="/")


def event_query(event):
    """The URL-encoded query of a JD API Gateway event, or None when it has no `queryParameters` object."""
    detail = event.get("detail") if isinstance(event, dict) else None
    params = detail.get("queryParameters") if isinstance(detail, dict) else None
    if not isinstance(params, dict):
        return None
    return encode_query(params)


def query_from_event(app):
    """Rebuild QUERY_STRING from `environ["function.event"]`'s `queryParameters`, properly URL-encoded."""
    def wrapped(environ, start_response):
        query = event_query(environ.get("function.event"))
        if query:
            environ["QUERY_STRING"] = query
        return app(environ, start_response)
    return wrapped


def prepare_event(event):
    """A copy of a JD API Gateway event the wrapper can read: the query URL-encoded in `detail.queryString` (so a
    repeated key no longer crashes it on 3.x, and 2.7 sees the query at all), missing parameter objects as {}."""
    if not isinstance(event, dict) or not isinstance(event.get("detail"), dict):
        return event
    detail = dict(event["detail"])
    for key in ("pathParameters", "queryParameters"):
        if not isinstance(detail.get(key), dict):
            detail[key] = {}
    if not detail.get("queryString"):
        query = encode_query(detail["queryParameters"])
        detail["queryString"] = query
        if not query:
            detail["queryParameters"] = {}  # nothing left for the wrapper to join (e.g. {"tag": []})
    prepared = dict(event)
    prepared["detail"] = detail
    return prepared


def text_body(app):
    """Pass text bodies as they are; answer a binary one (not UTF-8) with a clear 502 instead of the wrapper's crash."""
    def wrapped(environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"], captured["exc_info"] = status, headers, exc_info
            return lambda data: captured.setdefault("written", []).append(data)

        result = app(environ, capture)
        try:
            chunks = captured.pop("written", []) + [chunk for chunk in result]
        finally:
            if hasattr(result, "close"):
                result.close()
        chunks += captured.pop("written", [])
        body = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8") for chunk in chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            kind = dict((k.lower(), v) for k, v in captured["headers"]).get("content-type", "no Content-Type")
            message = BINARY_BODY_MESSAGE % (environ.get("PATH_INFO", "/"), kind, len(body))
            sys.stderr.write((message + u"\n").encode("utf-8") if PY2 else message + u"\n")
            start_response("502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")])
            return [message.encode("utf-8")]
        start_response(captured["status"], captured["headers"], captured["exc_info"])
        return [body]
    return wrapped


def fix_all(app):
    """Every middleware above around `app` (the event step is `prepare_event`, done by `wsgi_handler`)."""
    return without_file_wrapper(bytes_input(query_from_event(text_body(app))))


def wsgi_handler(app, wsgi_run=None):
    """A JD function handler serving `app` through the preinstalled `jdcloud_wsgi_wrapper.wsgi_run`, every fix on."""
    if wsgi_run is None:
        from jdcloud_wsgi_wrapper import wsgi_run
    fixed = fix_all(app)

    def handler(event, context):
        return wsgi_run(prepare_event(event), context, fixed)
    return handler
