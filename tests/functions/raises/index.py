"""Raises: an exception from a nested call, and a KeyboardInterrupt.

`handler` / `main_handler`: prints a line, then `check` raises ValueError('something is wrong') (the traceback must
show both frames, and no frame of the bootstrap). `keyboard_interrupt`: raises KeyboardInterrupt (a handler
exception, not a crash).
"""


def check(event):
    raise ValueError("something is wrong")  # raise-line


def handler(event, context):
    print("about to fail")
    check(event)  # call-line
    return "unreachable"


main_handler = handler


def keyboard_interrupt(event, context):
    raise KeyboardInterrupt()
