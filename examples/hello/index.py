"""Sample function for `make demo`: greets the caller named in the event and logs what it did.

Runs unchanged on Python 2.7 and 3.x, under each provider profile (`main_handler` for tencent, `handler` otherwise).
"""
from __future__ import absolute_import, division, print_function

import platform


def main_handler(event, context):
    """Return a greeting for event["name"] (default "world") and the Python version that made it."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print("hello: greeting %s" % name)
    return {"greeting": "Hello, %s!" % name, "python": platform.python_version()}


handler = main_handler
