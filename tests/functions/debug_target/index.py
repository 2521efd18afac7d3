"""A handler to stop in with a debugger: the lines tests set breakpoints on are marked with `# BREAK:<name>`.

`main_handler` / `handler`: {"greeting": "hello <event name>", "module_state": MODULE_STATE}.
`sleepy`: sleeps half a second (requests at once overlap).
`imports`: which debugger modules user code can import (none, in every image).
"""
import json

MODULE_STATE = "loaded"  # BREAK:module


def main_handler(event, context):
    if not isinstance(event, dict):
        event = json.loads(event)
    name = event.get("name", "nobody")
    greeting = "hello " + name  # BREAK:handler
    return {"greeting": greeting, "module_state": MODULE_STATE}


handler = main_handler


def sleepy(event, context):
    import time
    time.sleep(0.5)
    return "slept"


def imports(event, context):
    found = {}
    for module in ("debugpy", "ptvsd", "pydevd"):
        try:
            __import__(module)
            found[module] = "imported"
        except ImportError as exc:
            found[module] = "%s: %s" % (type(exc).__name__, exc)
    return found
