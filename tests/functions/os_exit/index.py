"""os._exit(3) from a handler: no cleanup, no answer; a ProcessExited function error with exit status 3."""
import os


def handler(event, context):
    print("calling os._exit(3)")
    os._exit(3)


main_handler = handler
