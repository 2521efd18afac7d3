"""The trivial handler behind Google's functions-framework, for the HTTP comparison.

`functions-framework --source main.py --target invoke` serves it: the request body is the event (JSON), the
response is the handler's result as JSON, as `POST /invoke` of `--serve http:` does.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trivial"))

from index import handler  # noqa: E402


def invoke(request):
    event = request.get_json(force=True, silent=True) or {}
    return json.dumps(handler(event, {})), 200, {"Content-Type": "application/json"}
