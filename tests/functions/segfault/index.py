"""Segfault: reads address 0 through ctypes; the worker dies of SIGSEGV and the runtime reports ProcessExited."""
import ctypes


def handler(event, context):
    print("about to crash")
    ctypes.string_at(0)
    return "unreachable"


main_handler = handler
