"""Writes bytes of its own into the runtime's answer pipe (fd 4), as a C library writing to a stray descriptor might:
`bad_json` a frame whose payload is not JSON, `huge_length` a length no frame can have; then returns "ok".
The runtime must answer (ProcessExited, the worker replaced), not wait for a worker that is still alive."""
import os


def bad_json(event, context):
    os.write(4, b"\x00\x00\x00\x02{x")
    return "ok"


def huge_length(event, context):
    os.write(4, b"\xff\xff\xff\xff")
    return "ok"


def fine(event, context):
    return "ok"


def dispatch(event, context):
    return globals()[event.get("case", "fine")](event, context)


handler = main_handler = dispatch
