# -*- coding: utf-8 -*-
"""A Flask page with a form, behind jdcloud_wsgi_wrapper.wsgi_run, for the browser test of --serve http --api-gateway.

GET /: an HTML form (name, colour) posting to /greet; POST /greet: an HTML page greeting the name with the colour and
how many greetings this warm instance has served.
"""
from flask import Flask, request
from jdcloud_wsgi_wrapper import wsgi_run

try:
    from html import escape
except ImportError:  # Python 2
    from cgi import escape

app = Flask(__name__)
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


@app.route("/")
def index():
    return PAGE % (u"Greeter", FORM)


@app.route("/greet", methods=["POST"])
def greet():
    STATE["greetings"] += 1
    name = request.form.get("name", u"")
    colour = request.form.get("colour", u"")
    body = (u'<p id="greeting">Hello, %s!</p><p id="colour">Your colour: %s</p><p id="served">Greetings served: %d</p>'
            u'<a id="back" href="/">again</a>' % (escape(name), escape(colour), STATE["greetings"]))
    return PAGE % (u"Greeting", body)


def handler(event, context):
    return wsgi_run(event, context, app)
