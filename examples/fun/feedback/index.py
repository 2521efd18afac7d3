# -*- coding: utf-8 -*-
# An FC HTTP-trigger function with a form: GET shows it, POST thanks the sender.
try:
    from urllib.parse import parse_qs
except ImportError:
    from urlparse import parse_qs

FORM = u'<form method="post"><input name="name"><textarea name="message"></textarea><button>Send</button></form>'


def handler(environ, start_response):
    if environ["REQUEST_METHOD"] == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        fields = parse_qs(environ["wsgi.input"].read(size).decode("utf-8"))
        name = fields.get("name", [u"stranger"])[0]
        page = u"<p>Thank you, %s: we read every message.</p>" % name
    else:
        page = FORM
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [page.encode("utf-8")]
