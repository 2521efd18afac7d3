# -*- coding: utf-8 -*-
"""A Flask application as FC users write one for an HTTP trigger (issue 18 item 11): the app, and a handler that
hands FC's environ to it. A page with a form, the form's POST, a JSON route reading fc.context."""
from flask import Flask, jsonify, request
from markupsafe import escape

app = Flask(__name__)

PAGE = u"""<!doctype html>
<html><head><title>FC Flask</title></head>
<body>
<h1 id="greeting">你好, FC</h1>
<form method="post" action="/greet">
<input id="name" name="name" type="text">
<button id="send" type="submit">send</button>
</form>
</body></html>
"""


@app.route('/', methods=['GET'])
def index():
    return PAGE


@app.route('/greet', methods=['POST'])
def greet():
    return u'<html><body><p id="answer">hello, %s (%s)</p></body></html>' % (
        escape(request.form.get('name', '')), escape(request.environ['fc.context'].function.name))


@app.route('/api/info', methods=['GET'])
def info():
    return jsonify(path=request.path, args=request.args.to_dict(), request_id=request.environ['fc.context'].request_id,
                   request_uri=request.environ['fc.request_uri'])


def handler(environ, start_response):
    return app(environ, start_response)
