"""The worker sends itself SIGKILL: a ProcessExited function error naming signal 9 (SIGKILL)."""
import os
import signal


def handler(event, context):
    print("killing myself")
    os.kill(os.getpid(), signal.SIGKILL)


main_handler = handler
