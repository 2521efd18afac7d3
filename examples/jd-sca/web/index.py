# -*- coding: utf-8 -*-
# A Flask app behind JD's jdcloud_wsgi_wrapper (preinstalled on JD Cloud). Install Flask into this folder first:
#   docker run --rm -u "$(id -u)" -v "$PWD":/var/task runtime:py37-jdcloud pip install -r requirements.txt -t /var/task
from html import escape

from flask import Flask, request
from jdcloud_wsgi_wrapper import wsgi_run

app = Flask(__name__)
PAGE = u'<!doctype html><html><head><meta charset="utf-8"><title>%s</title></head><body>%s</body></html>'


@app.route("/")
def index():
    return PAGE % (u"Greeter", u'<form id="greet" method="post" action="/greet"><input id="name" name="name">'
                               u'<button id="submit" type="submit">Greet</button></form>')


@app.route("/greet", methods=["POST"])
def greet():
    return PAGE % (u"Greeting", u'<p id="greeting">Hello, %s!</p>' % escape(request.form.get("name", u"")))


def handler(event, context):
    return wsgi_run(event, context, app)
