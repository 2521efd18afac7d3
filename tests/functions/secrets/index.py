"""Credentials in the environment: the runtime must never echo them in logs, error bodies or the context it builds.

`handler` raises ValueError (its message names no secret) while credentials are set. `context_view` returns what
the runtime hands over: str(context) and, for tencent, the context's `environment` JSON string, decoded.
"""
import json


def handler(event, context):
    print("about to fail with credentials in the environment")
    raise ValueError("the function failed (this message names no secret)")


main_handler = handler


def context_view(event, context):
    view = {"context_text": str(context), "context_repr": repr(context)}
    if isinstance(context, dict) and "environment" in context:
        view["environment"] = json.loads(context["environment"])
    return view
