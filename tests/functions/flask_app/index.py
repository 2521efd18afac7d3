"""A Flask app behind jdcloud_wsgi_wrapper.wsgi_run (jdcloud, events as JD's API Gateway sends them).

Routes: GET /hello?name= (echoes the query), POST /form (form fields), POST /json (JSON body), GET /items/<item_id>
(path parameter, and the `Item-Id` header the wrapper derives from pathParameters on 3.x), GET /cookies (two
Set-Cookie headers). `handler` = wsgi_run(event, context, app).
"""
import json

from flask import Flask, jsonify, make_response, request
from jdcloud_wsgi_wrapper import wsgi_run

app = Flask(__name__)


@app.route("/hello")
def hello():
    pairs = sorted(request.args.items(multi=True))
    return "Hello, %s! args=%s" % (request.args.get("name", "nobody"), json.dumps(pairs))


@app.route("/form", methods=["POST"])
def form():
    return jsonify(form=request.form.to_dict(flat=False), method=request.method)


@app.route("/json", methods=["POST"])
def post_json():
    return jsonify(received=request.get_json(force=True))


@app.route("/items/<item_id>")
def item(item_id):
    return jsonify(item_id=item_id, header=request.headers.get("Item-Id"))


@app.route("/cookies")
def cookies():
    response = make_response("two cookies")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


def handler(event, context):
    return wsgi_run(event, context, app)
