"""sys.exit from a handler: `exit0` calls sys.exit(0), `exit3` (and `handler`) sys.exit(3).

Either way the invocation did not complete: a ProcessExited function error naming the exit status.
"""
import sys


def exit0(event, context):
    print("exiting with 0")
    sys.exit(0)


def exit3(event, context):
    print("exiting with 3")
    sys.exit(3)


handler = main_handler = exit3
