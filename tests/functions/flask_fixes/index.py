# -*- coding: utf-8 -*-
"""A Flask app meeting each defect of jdcloud-wsgi-wrapper 1.3, served twice: `index.plain` is wsgi_run(event,
context, app) as JD's seed shows, `index.fixed` is jdcloud_wsgi_fixes.wsgi_handler(app) (the test copies the module
from examples/jdcloud-wsgi-fixes into this folder, as a user would).

Routes: GET /static/style.css (send_file: wsgi.file_wrapper), GET /logo.png (a binary body), GET /query (request.args
as {key: [values]}), POST /upload (multipart/form-data: fields and files as text).
"""
import base64

from flask import Flask, Response, jsonify, request
from jdcloud_wsgi_fixes import fix_all, wsgi_handler
from jdcloud_wsgi_wrapper import wsgi_run

app = Flask(__name__)

#: a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJ"
                       "RU5ErkJggg==")


@app.route("/logo.png")
def logo():
    return Response(PNG, mimetype="image/png")


@app.route("/query")
def query():
    return jsonify(dict((key, request.args.getlist(key)) for key in request.args))


@app.route("/upload", methods=["POST"])
def upload():
    files = dict((name, stored.read().decode("utf-8")) for name, stored in request.files.items())
    return jsonify(fields=request.form.to_dict(flat=False), files=files)


def plain(event, context):
    return wsgi_run(event, context, app)


fixed = wsgi_handler(app)


def fixed_app(event, context):
    """The middlewares only (fix_all), without wsgi_handler's prepare_event."""
    return wsgi_run(event, context, fix_all(app))
