# -*- coding: utf-8 -*-
"""A one-file Django project with a form, behind jdcloud_wsgi_wrapper.wsgi_run, for the browser test of
--serve http --api-gateway (the Django twin of flask_form: the same page, ids and warm counter).

GET /: an HTML form (name, colour) posting to /greet; POST /greet: an HTML page greeting the name with the colour and
how many greetings this warm instance has served. As django_app, `wsgi.input` is first turned into UTF-8 bytes (the
workaround jdcloud-wsgi-wrapper 1.3 needs for Django: it hands over text).
"""
import io

from django.conf import settings

settings.configure(DEBUG=False, SECRET_KEY="test-only-not-a-secret", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
                   MIDDLEWARE=[], INSTALLED_APPS=[], USE_TZ=True, DEFAULT_CHARSET="utf-8")

import django  # noqa: E402

django.setup()

from django.conf.urls import url  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse, HttpResponseNotAllowed  # noqa: E402
from django.utils.html import escape  # noqa: E402
from jdcloud_wsgi_wrapper import wsgi_run  # noqa: E402

STATE = {"greetings": 0}

PAGE = u"""<!doctype html>
<html><head><meta charset="utf-8"><title>%s</title></head><body>%s</body></html>"""

FORM = u"""<h1 id="title">Greeter</h1>
<form id="greet" method="post" action="/greet">
  <label>Name <input id="name" name="name" type="text"></label>
  <label>Colour <select id="colour" name="colour">
    <option value="red">red</option><option value="green">green</option><option value="blue">blue</option>
  </select></label>
  <button id="submit" type="submit">Greet</button>
</form>"""


def index(request):
    return HttpResponse(PAGE % (u"Greeter", FORM), content_type="text/html; charset=utf-8")


def greet(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    STATE["greetings"] += 1
    name = request.POST.get("name", u"")
    colour = request.POST.get("colour", u"")
    body = (u'<p id="greeting">Hello, %s!</p><p id="colour">Your colour: %s</p><p id="served">Greetings served: %d</p>'
            u'<a id="back" href="/">again</a>' % (escape(name), escape(colour), STATE["greetings"]))
    return HttpResponse(PAGE % (u"Greeting", body), content_type="text/html; charset=utf-8")


urlpatterns = [url(r"^$", index), url(r"^greet$", greet)]

application = get_wsgi_application()


def bytes_input(app):
    """WSGI middleware: re-read a text wsgi.input as UTF-8 bytes (PEP 3333 wants bytes)."""
    def wrapped(environ, start_response):
        data = environ["wsgi.input"].read()
        if not isinstance(data, bytes):
            data = data.encode("utf-8")
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        return app(environ, start_response)
    return wrapped


def handler(event, context):
    return wsgi_run(event, context, bytes_input(application))
