"""Missing function: the module defines `helper` and `main_handler` (and a constant), but no `handler`.

Asking for `index.handler` must fail with HandlerNotFound and list what the module does define: helper, main_handler.
"""
RETRIES = 3


def helper(value):
    return value


def main_handler(event, context):
    return helper("main")
