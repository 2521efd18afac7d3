# -*- coding: utf-8 -*-
"""examples/jdcloud-wsgi-fixes/jdcloud_wsgi_fixes.py against the real jdcloud-wsgi-wrapper 1.3 on 2.7, 3.6 and 3.7
(issue 11, item 5): for each defect, the failure through the plain `wsgi_run` (so the defect is real on that
version) and the right answer through `wsgi_handler(app)`, with a Flask app and a Django project
(tests/functions/flask_fixes, django_fixes). The module is copied into the code folder, as a user copies it; the
libraries come from the `hostlibs` fixture; events are shaped as JD's API Gateway sends them (test_bootstrap_wsgi's
`jd_event`).
"""
import json
import os
import shutil

import pytest

from oneshot_support import describe, invoke, user_output
from test_bootstrap_wsgi import WRAPPER_ERROR, jd_event

FIXES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "examples", "jdcloud-wsgi-fixes", "jdcloud_wsgi_fixes.py")
CSS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "functions", "flask_fixes", "static",
                   "style.css")
APPS = ["flask_fixes", "django_fixes"]
FILE_PATH = {"flask_fixes": "/static/style.css", "django_fixes": "/file"}
APP_ERROR = {"flask_fixes": "Internal Server Error", "django_fixes": "Server Error (500)"}


@pytest.fixture
def run_app(bootstrap, function_dir, hostlibs):
    """`run_app(app, handler, event)` -> (reply dict, run), or (None, run) when the invocation itself failed."""
    dirs = {}

    def call(app, handler, event):
        if app not in dirs:
            dirs[app] = function_dir(app)
            shutil.copy(FIXES, str(dirs[app]))
            if app == "django_fixes":  # the file its /file view serves: the same as Flask's static one
                shutil.copy(CSS, str(dirs[app]))
        run = invoke(bootstrap, dirs[app], "index." + handler, event, "jdcloud", env={"PYTHONPATH": hostlibs})
        if run.status != 0:
            return None, run
        reply = json.loads(run.stdout.decode("utf-8"))
        assert set(reply) == {"statusCode", "headers", "body"}, reply
        return reply, run
    return call


def headers_of(reply):
    return dict((k.lower(), v) for k, v in reply["headers"].items())


@pytest.mark.parametrize("app", APPS)
def test_file_responses(run_app, python, app):
    """wsgi.file_wrapper has no __next__ on 3.x: send_file / FileResponse answer 500; without it they pass whole."""
    with open(CSS) as source:
        css = source.read()
    reply, run = run_app(app, "plain", jd_event("GET", FILE_PATH[app]))
    assert reply is not None, describe(run)
    if python.major == 2:  # 2.7 iterates the wrapper through its next()
        assert reply["statusCode"] == 200 and reply["body"] == css, reply["statusCode"]
    else:
        assert reply["statusCode"] == 500 and reply["body"] == WRAPPER_ERROR, reply
        assert "iter() returned non-iterator of type 'FileWrapper'" in "\n".join(user_output(run, "jdcloud")), \
            describe(run)
    reply, run = run_app(app, "fixed", jd_event("GET", FILE_PATH[app]))
    assert reply is not None and reply["statusCode"] == 200, describe(run)
    assert reply["body"] == css and headers_of(reply)["content-type"].startswith("text/css"), reply["headers"]
    assert headers_of(reply)["content-length"] == str(len(css)), reply["headers"]


@pytest.mark.parametrize("app", APPS)
def test_binary_bodies(run_app, python, app):
    """A PNG cannot pass JD's text-only answer: 500 (3.x) or ResultNotSerializable (2.7); fixed: a clear 502."""
    reply, run = run_app(app, "plain", jd_event("GET", "/logo.png"))
    if python.major == 2:
        assert reply is None and "ResultNotSerializable" in run.stdout.decode("utf-8"), describe(run)
    else:
        assert reply["statusCode"] == 500 and reply["body"] == WRAPPER_ERROR, reply
    reply, run = run_app(app, "fixed", jd_event("GET", "/logo.png"))
    assert reply is not None and reply["statusCode"] == 502, describe(run)
    assert reply["body"].startswith("The response to /logo.png is binary (image/png, 70 bytes)"), reply
    assert "object storage" in reply["body"] and "The response to /logo.png" in run.stderr, describe(run)


def multipart(fields, files, boundary="----fnruntimeBoundary7MA4YWxk", length=True):
    parts = []
    for name, value in fields:
        parts.append(u'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value))
    for name, filename, value in files:
        parts.append(u'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: text/plain'
                     u'\r\n\r\n%s\r\n' % (boundary, name, filename, value))
    body = u"".join(parts) + u"--%s--\r\n" % boundary
    headers = {"content-type": "multipart/form-data; boundary=" + boundary}
    if length:
        headers["content-length"] = str(len(body.encode("utf-8")))
    return jd_event("POST", "/upload", headers, body)


@pytest.mark.parametrize("app", APPS)
def test_multipart_upload(run_app, python, app):
    fields = [("title", u"Grüße"), ("tag", "a"), ("tag", "b")]
    event = multipart(fields, [("notes", "notes.txt", u"line 1\n你好\n")])
    reply, run = run_app(app, "plain", event)
    assert reply is not None, describe(run)
    if app == "flask_fixes":  # Werkzeug's parser finds a text stream shorter than CONTENT_LENGTH or none at all
        assert reply["statusCode"] == 400 and "Bad Request" in reply["body"], reply
    else:
        assert reply["statusCode"] == 500 and APP_ERROR[app] in reply["body"], reply
    reply, run = run_app(app, "fixed", event)
    assert reply is not None and reply["statusCode"] == 200, describe(run)
    assert json.loads(reply["body"]) == {"fields": {"title": [u"Grüße"], "tag": ["a", "b"]},
                                         "files": {"notes": u"line 1\n你好\n"}}, reply


QUERIES = {  # queryParameters as JD sends them (decoded), and what the app must see
    "plus": ({"q": "a+b"}, {"q": ["a+b"]}),
    "ampersand": ({"q": "fish&chips", "x": "1"}, {"q": ["fish&chips"], "x": ["1"]}),
    "chinese": ({"q": u"你好"}, {"q": [u"你好"]}),
    "repeated": ({"tag": ["a", "b"], "x": "1"}, {"tag": ["a", "b"], "x": ["1"]}),
}


@pytest.mark.parametrize("case", sorted(QUERIES))
@pytest.mark.parametrize("app", APPS)
def test_query_parameters(run_app, python, app, case):
    params, expected = QUERIES[case]
    reply, run = run_app(app, "plain", jd_event("GET", "/query", query=params))
    assert reply is not None, describe(run)
    if python.major == 2:  # queryParameters never reach QUERY_STRING
        assert reply["statusCode"] == 200 and json.loads(reply["body"]) == {}, reply
    elif case == "repeated":  # the wrapper calls .strip() on the list
        assert reply["statusCode"] == 500 and reply["body"] == WRAPPER_ERROR, reply
    elif case == "chinese":  # a QUERY_STRING that is not latin-1 (PEP 3333): the app fails before its own handler
        assert reply["statusCode"] == 500 and reply["body"] == WRAPPER_ERROR, reply
        assert "'latin-1' codec can't encode" in "\n".join(user_output(run, "jdcloud")), describe(run)
    else:
        assert reply["statusCode"] == 200 and json.loads(reply["body"]) != expected, reply
    reply, run = run_app(app, "fixed", jd_event("GET", "/query", query=params))
    assert reply is not None and reply["statusCode"] == 200, describe(run)
    assert json.loads(reply["body"]) == expected, reply
    reply, run = run_app(app, "fixed_app", jd_event("GET", "/query", query=params))  # fix_all without prepare_event
    if case == "repeated" and python.major == 3:  # the wrapper fails before the app: only prepare_event helps
        assert reply["statusCode"] == 500 and reply["body"] == WRAPPER_ERROR, reply
    else:
        assert reply["statusCode"] == 200 and json.loads(reply["body"]) == expected, reply


@pytest.mark.parametrize("app", APPS)
def test_event_without_parameter_keys(run_app, python, app):
    reply, run = run_app(app, "plain", jd_event("GET", "/query", bare=True))
    assert reply is not None, describe(run)
    assert reply["statusCode"] == (500 if python.major == 2 else 200), reply
    reply, run = run_app(app, "fixed", jd_event("GET", "/query", bare=True))
    assert reply is not None and reply["statusCode"] == 200 and json.loads(reply["body"]) == {}, describe(run)


@pytest.mark.parametrize("app", APPS)
def test_body_without_content_length(run_app, app):
    """No content-length header: the wrapper sets CONTENT_LENGTH '0' and the app reads no body; bytes_input sets it."""
    event = multipart([("title", u"Grüße")], [], length=False)
    reply, run = run_app(app, "plain", event)
    assert reply is not None and reply["statusCode"] == 200, describe(run)
    assert json.loads(reply["body"]) == {"fields": {}, "files": {}}, "CONTENT_LENGTH '0': the body is lost; %s" % reply
    reply, run = run_app(app, "fixed", event)
    assert reply is not None and reply["statusCode"] == 200, describe(run)
    assert json.loads(reply["body"]) == {"fields": {"title": [u"Grüße"]}, "files": {}}, reply
